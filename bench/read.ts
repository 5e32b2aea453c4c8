// `npm run bench:read [-- --engine pglite|postgres|both] [--patients N] [--rounds R] [--chunk C]
//   [--keep DIR [--partial | --from I]]`: on demand, not in npm test.
// The minimised read: N generated patients (default 100,000, de-identified as ingest does them) are
// stored through the real encrypted path, and beside them, in a bench-only table, the same
// de-identified resources as plain jsonb. Each round then builds every patient's cardiology row
// twice, C patients at a time (default 2,000), interleaved:
//   encrypted  readCohortRecords with the cardiology record filter (key unwrap, AES-GCM, one
//              records.read audit entry per patient, all in one transaction per chunk) + minimiseColumns
//   plain      a SELECT of the same patients' same filtered records from the plain table + minimiseColumns
// and prints the medians and their ratio; the target is at most 3×. Both paths' rows are checked
// equal. With --keep DIR the stored databases (PGlite under DIR, PostgreSQL as a named database)
// survive the run, and a later run with the same DIR and N skips storing. --partial reads what a
// kept run stored before it was stopped (the table then says how many patients that was); --from I
// stores patients I … N−1 into the kept database and stops, to resume a stopped run or to split
// storing across processes (then read with --partial).
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { minimiseColumns } from "#core/custody/minimise.ts";
import type { DeidentifiedPatient, DeidentifiedResource } from "#core/custody/patient.ts";
import { recordFilterFor } from "#core/custody/purpose-records.ts";
import type { CardiologyRow } from "#core/custody/purposes.ts";
import { deidentifyBundle } from "#core/deid/safe-harbor.ts";
import { validateBundle } from "#core/fhir/validate.ts";
import { generatePopulation } from "#core/synthetic/population.ts";
import type { Database } from "#db/client.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { listPseudoIds, readCohortRecords, storePatients } from "#db/queries/custody.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import {
  header,
  median,
  ms,
  num,
  openBenchDatabase,
  parseEngines,
  rate,
  say,
  timed,
  type BenchDatabase,
} from "./support.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "both" },
    patients: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
    chunk: { type: "string", default: "2000" },
    keep: { type: "string" },
    partial: { type: "boolean", default: false },
    from: { type: "string" },
  },
});
const engines = parseEngines(values.engine);
const PATIENTS = Number(values.patients);
const ROUNDS = Number(values.rounds);
const CHUNK = Number(values.chunk);
const STORE_BATCH = 500;
const FROM = values.from === undefined ? undefined : Number(values.from);
const SEED = "bench-read";
// Fixed de-identification keys: the same de-identified patients go to both engines.
const secrets = {
  pseudonymKey: new Uint8Array(32).fill(0x42),
  dateShiftKey: new Uint8Array(32).fill(0x24),
};
const today = new Date("2026-01-01T00:00:00Z");
const actor = "worker:bench";
const purpose = "cardiology_study";
const filter = recordFilterFor(purpose);

type Site = {
  engine: string;
  bench: BenchDatabase;
  database: Database;
  custodianId: string;
  kes: ReturnType<ReturnType<typeof openKekKeyring>["forCustodian"]>;
};

async function openSite(engine: "pglite" | "postgres"): Promise<Site> {
  const bench = await openBenchDatabase(
    engine,
    `read_${PATIENTS}`,
    values.keep,
    values.partial || FROM !== undefined,
  );
  const { id: custodianId } = await ensureCustodian(bench.database.db, {
    slug: "bench",
    name: "Bench Hospital",
  });
  const kes = openKekKeyring(`${bench.dir}/kek-keyring.json`, {
    createIfMissing: true,
  }).forCustodian(custodianId);
  if (!bench.reused) {
    // The baseline: the same de-identified resources, unencrypted, with the same indexes as records.
    await bench.database.db.execute(sql`create table bench_plain_records (
      id bigserial primary key,
      patient_id uuid not null references patients (id) on delete cascade,
      resource_id text not null, resource_type text not null, codes text[] not null,
      resource jsonb not null, unique (patient_id, resource_id))`);
  }
  return { engine, bench, database: bench.database, custodianId, kes };
}

function deidentifiedBatch(start: number, size: number): DeidentifiedPatient[] {
  return [...generatePopulation({ seed: SEED, size, start })].map((bundle, i) => {
    const result = validateBundle(bundle);
    if (!result.ok) throw new Error(`generated patient ${start + i} does not validate`);
    return deidentifyBundle(result.bundle, secrets, { today });
  });
}

async function storePlain(site: Site, batch: readonly DeidentifiedPatient[]) {
  const rows = batch.flatMap((patient) =>
    patient.resources.map((resource) => ({
      pseudo_id: patient.pseudoId,
      resource_id: resource.resourceId,
      resource_type: resource.resourceType,
      codes: resource.codes,
      resource: resource.resource,
    })),
  );
  await site.database.db.execute(sql`
    insert into bench_plain_records (patient_id, resource_id, resource_type, codes, resource)
    select p.id, x.resource_id, x.resource_type, x.codes, x.resource
    from rows from (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as (pseudo_id text, resource_id text, resource_type text, codes text[], resource jsonb))
      with ordinality as x(pseudo_id, resource_id, resource_type, codes, resource, n)
    join patients p on p.custodian_id = ${site.custodianId} and p.pseudo_id = x.pseudo_id
    order by x.n`);
}

async function storeAll(sites: Site[]) {
  const due = FROM === undefined ? sites.filter((site) => !site.bench.reused) : sites;
  for (const site of FROM === undefined ? sites.filter((s) => s.bench.reused) : []) {
    say(`${site.engine}: reusing the ${num(PATIENTS)} patients stored under --keep ${values.keep}`);
  }
  if (due.length === 0) return;
  say(
    `storing ${num(PATIENTS)} generated patients on ${due.map((site) => site.engine).join(" and ")}` +
      ` (encrypted through storePatients, and plain in bench_plain_records)…`,
  );
  const spent = new Map(due.map((site) => [site.engine, 0]));
  let records = 0;
  const started = performance.now();
  for (let start = FROM ?? 0; start < PATIENTS; start += STORE_BATCH) {
    const batch = deidentifiedBatch(start, Math.min(STORE_BATCH, PATIENTS - start));
    records += batch.reduce((sum, patient) => sum + patient.resources.length, 0);
    for (const site of due) {
      const [, took] = await timed(async () => {
        await storePatients(site.database.db, site.kes, site.custodianId, batch, { actor });
        await storePlain(site, batch);
      });
      spent.set(site.engine, (spent.get(site.engine) ?? 0) + took);
    }
    const done = start + batch.length;
    if (done % 5_000 === 0 || done === PATIENTS) {
      say(
        `  ${num(done).padStart(7)} / ${num(PATIENTS)} patients, ${num(records)} records, ` +
          `${((performance.now() - started) / 1000).toFixed(0)} s; ` +
          due
            .map(
              (site) =>
                `${site.engine} ${num(rate(done - (FROM ?? 0), spent.get(site.engine) ?? 0))} patients/s`,
            )
            .join(", "),
      );
    }
  }
  if (FROM !== undefined) return; // the run reading them says --partial
  for (const site of due) {
    await indexPlain(site);
    await site.bench.markStored();
  }
}

async function indexPlain(site: Site) {
  await site.database.db.execute(
    sql`create index if not exists bench_plain_records_codes_idx on bench_plain_records using gin (codes)`,
  );
  await site.database.db.execute(sql`analyze`);
}

/** The patients stored both ways: all of them, or those a stopped run got to. */
async function storedPseudoIds(site: Site): Promise<string[]> {
  const all = await listPseudoIds(site.database.db, site.custodianId);
  if (!values.partial) return all;
  await indexPlain(site);
  const plain = await site.database.rows<{ pseudo_id: string }>(sql`
    select p.pseudo_id from patients p
    where p.custodian_id = ${site.custodianId}
      and exists (select 1 from bench_plain_records r where r.patient_id = p.id)`);
  const stored = new Set(plain.map((row) => row.pseudo_id));
  return all.filter((pseudoId) => stored.has(pseudoId));
}

type Row = CardiologyRow | null;

async function encryptedRead(site: Site, pseudoIds: readonly string[], round: number) {
  const rows: Row[] = [];
  let records = 0;
  for (let start = 0; start < pseudoIds.length; start += CHUNK) {
    const cohort = await readCohortRecords(
      site.database.db,
      site.kes,
      site.custodianId,
      pseudoIds.slice(start, start + CHUNK),
      { actor, purpose: `bench:${round}`, ...filter },
    );
    for (const patient of cohort) {
      records += patient.records.length;
      rows.push(minimiseColumns({ ...patient, resources: patient.records }, purpose));
    }
  }
  return { rows, records };
}

type PlainRow = {
  pseudo_id: string;
  sex: DeidentifiedPatient["sex"];
  age_band: string;
  zip3: string | null;
  resource_id: string | null;
  resource_type: DeidentifiedResource["resourceType"] | null;
  codes: string[] | null;
  resource: Record<string, unknown> | null;
};

async function plainRead(site: Site, pseudoIds: readonly string[]) {
  const rows: Row[] = [];
  let records = 0;
  for (let start = 0; start < pseudoIds.length; start += CHUNK) {
    const chunk = pseudoIds.slice(start, start + CHUNK);
    const selected = await site.database.rows<PlainRow>(sql`
      select p.pseudo_id, p.sex, p.age_band, p.zip3, r.resource_id, r.resource_type, r.codes, r.resource
      from patients p
      left join bench_plain_records r on r.patient_id = p.id
        and r.resource_type = any(${`{${filter.resourceTypes.join(",")}}`}::text[])
        and r.codes && ${`{${filter.codes.map((code) => `"${code}"`).join(",")}}`}::text[]
      where p.custodian_id = ${site.custodianId} and p.erased_at is null
        and p.pseudo_id = any(${`{${chunk.join(",")}}`}::text[])
      order by p.pseudo_id, r.id`);
    const patients = new Map<string, DeidentifiedPatient>();
    for (const row of selected) {
      let patient = patients.get(row.pseudo_id);
      if (!patient) {
        patient = {
          pseudoId: row.pseudo_id,
          sex: row.sex,
          ageBand: row.age_band,
          zip3: row.zip3,
          dateShiftDays: 0,
          resources: [],
        };
        patients.set(row.pseudo_id, patient);
      }
      if (row.resource_id === null) continue;
      records += 1;
      patient.resources.push({
        resourceId: row.resource_id,
        resourceType: row.resource_type as DeidentifiedResource["resourceType"],
        codes: row.codes as string[],
        resource: row.resource as Record<string, unknown>,
      });
    }
    for (const pseudoId of chunk) {
      const patient = patients.get(pseudoId);
      if (patient) rows.push(minimiseColumns(patient, purpose));
    }
  }
  return { rows, records };
}

async function benchSite(site: Site) {
  const pseudoIds = await storedPseudoIds(site);
  if (!values.partial && pseudoIds.length !== PATIENTS) {
    throw new Error(`${site.engine} holds ${pseudoIds.length} patients, not ${PATIENTS}`);
  }
  const encrypted: number[] = [];
  const plain: number[] = [];
  let records = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternate which goes first, so caches and drifting load favour neither.
    const runEncrypted = () => timed(() => encryptedRead(site, pseudoIds, round));
    const runPlain = () => timed(() => plainRead(site, pseudoIds));
    const [[enc, encMs], [pla, plaMs]] =
      round % 2 === 0
        ? [await runEncrypted(), await runPlain()]
        : await runPlain().then(async (p) => [await runEncrypted(), p] as const);
    if (enc.records !== pla.records || JSON.stringify(enc.rows) !== JSON.stringify(pla.rows)) {
      throw new Error(`round ${round}: the encrypted and plain reads give different rows`);
    }
    records = enc.records;
    encrypted.push(encMs);
    plain.push(plaMs);
    say(
      `  ${site.engine} round ${round + 1}/${ROUNDS}: encrypted ${ms(encMs)}, plain ${ms(plaMs)}` +
        ` (${(encMs / plaMs).toFixed(2)}×)`,
    );
  }
  return {
    patients: pseudoIds.length,
    records,
    encrypted: median(encrypted),
    plain: median(plain),
  };
}

header("bench:read");
say(
  `minimised read of ${num(PATIENTS)} patients' ${purpose} columns, ${ROUNDS} rounds, ${num(CHUNK)} patients per read; ` +
    `filter: ${filter.resourceTypes.join(", ")} with any of ${filter.codes.length} codes`,
);
const sites: Site[] = [];
for (const engine of engines) sites.push(await openSite(engine));
try {
  if (!values.partial) await storeAll(sites);
  if (FROM !== undefined) process.exit(0);
  const results = [];
  for (const site of sites) results.push({ engine: site.engine, ...(await benchSite(site)) });
  say();
  say(
    `| engine   | patients | records read | encrypted: readCohortRecords + audit + minimise | plain SELECT + minimise | ratio |`,
  );
  say(
    `|----------|---------:|-------------:|------------------------------------------------:|------------------------:|------:|`,
  );
  for (const result of results) {
    say(
      `| ${result.engine.padEnd(8)} | ${num(result.patients).padStart(8)} | ${num(result.records).padStart(12)} | ` +
        `${ms(result.encrypted).padStart(47)} | ${ms(result.plain).padStart(23)} | ${(result.encrypted / result.plain).toFixed(2).padStart(4)}× |`,
    );
  }
  say(
    `medians of ${ROUNDS} rounds; the encrypted path includes appending one records.read audit entry per patient.`,
  );
} finally {
  for (const site of sites) await site.bench.close();
}
