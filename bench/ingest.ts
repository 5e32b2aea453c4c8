// `npm run bench:ingest [-- --engine pglite|postgres|both] [--generated N]`: on demand, not in npm test.
// Ingest throughput through the real path (ingestBundles: validate → de-identify → leak scan →
// encrypt and store, one bundle at a time, as the web form and `npm run ingest` do), side by side in
// one run on each engine: the 60 Synthea sample bundles (../shared/data/synthea-fhir-r4/bundles), then
// N generated patients (default 10,000) from core/synthetic/population.ts, serialised to bundle text
// beforehand so only ingest is timed. Prints patients per second for each.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readSyntheaBundle, syntheaBundleFiles } from "#core/fhir/synthea.fixtures.ts";
import { generatePopulation } from "#core/synthetic/population.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import type { Engine } from "#db/testing.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import { ingestBundles, type BundleFile, type IngestOptions } from "#workers/custody/ingest.ts";
import { openFileKeyring } from "#workers/keyring.ts";
import { header, num, openBenchDatabase, parseEngines, rate, say } from "./support.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "both" },
    generated: { type: "string", default: "10000" },
  },
});
const engines = parseEngines(values.engine);
const GENERATED = Number(values.generated);
const BATCH = 500;
const today = new Date("2026-01-01T00:00:00Z");

type Result = { patients: number; records: number; refused: number; millis: number };

async function ingest(
  files: readonly BundleFile[],
  options: IngestOptions,
  total: Result,
): Promise<void> {
  const started = performance.now();
  const outcomes = await ingestBundles(files, options);
  total.millis += performance.now() - started;
  for (const outcome of outcomes) {
    if (outcome.outcome === "stored") {
      total.patients += 1;
      total.records += outcome.recordsAdded;
    } else if (outcome.outcome === "refused") total.refused += 1;
  }
}

async function benchEngine(engine: Engine) {
  const bench = await openBenchDatabase(engine, "ingest", undefined);
  try {
    const { id: custodianId } = await ensureCustodian(bench.database.db, {
      slug: "bench",
      name: "Bench Hospital",
    });
    const options: IngestOptions = {
      db: bench.database.db,
      kes: openKekKeyring(join(bench.dir, "kek-keyring.json"), {
        createIfMissing: true,
      }).forCustodian(custodianId),
      keys: await openFileKeyring(join(bench.dir, "keyring.json")).deidentificationKeys(
        custodianId,
      ),
      custodianId,
      actor: "cli:bench",
      today,
    };

    const synthea: Result = { patients: 0, records: 0, refused: 0, millis: 0 };
    const files = syntheaBundleFiles().map((name) => ({ name, text: readSyntheaBundle(name) }));
    if (files.length === 0) throw new Error("the Synthea sample bundles are missing");
    await ingest(files, options, synthea);
    say(`  ${engine}: ${files.length} Synthea bundles in ${(synthea.millis / 1000).toFixed(1)} s`);

    const generated: Result = { patients: 0, records: 0, refused: 0, millis: 0 };
    for (let start = 0; start < GENERATED; start += BATCH) {
      const batch = [
        ...generatePopulation({
          seed: "bench-ingest",
          start,
          size: Math.min(BATCH, GENERATED - start),
        }),
      ].map((bundle, i) => ({ name: `generated-${start + i}.json`, text: JSON.stringify(bundle) }));
      await ingest(batch, options, generated);
      const done = start + batch.length;
      if (done % 2_000 === 0 || done === GENERATED) {
        say(
          `  ${engine}: ${num(done)} / ${num(GENERATED)} generated patients, ` +
            `${num(rate(generated.patients, generated.millis))} patients/s so far`,
        );
      }
    }
    return { engine, synthea, generated };
  } finally {
    await bench.close();
  }
}

header("bench:ingest");
const results = [];
for (const engine of engines) results.push(await benchEngine(engine));
say();
say(
  `| engine   | input               | patients | refused | records   | seconds | patients/s | records/s |`,
);
say(
  `|----------|---------------------|---------:|--------:|----------:|--------:|-----------:|----------:|`,
);
for (const { engine, synthea, generated } of results) {
  for (const [input, result] of [
    ["Synthea sample", synthea],
    [`generated ×${num(GENERATED)}`, generated],
  ] as const) {
    say(
      `| ${engine.padEnd(8)} | ${input.padEnd(19)} | ${num(result.patients).padStart(8)} | ` +
        `${num(result.refused).padStart(7)} | ${num(result.records).padStart(9)} | ` +
        `${(result.millis / 1000).toFixed(1).padStart(7)} | ${rate(result.patients, result.millis).toFixed(1).padStart(10)} | ` +
        `${num(rate(result.records, result.millis)).padStart(9)} |`,
    );
  }
}
say(
  "ingestBundles, one bundle per transaction, as uploads arrive; generation and serialisation untimed.",
);
