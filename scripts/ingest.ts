// `npm run ingest -- --custodian <slug> <bundle.json | folder> …`: ingests FHIR R4 bundles for a
// custodian from the command line, with the same checks as the web form. Exit 1 if any is refused.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "#db/client.ts";
import { getCustodianBySlug, listCustodians } from "#db/queries/custodians.ts";
import { ConfigError, parseEnv } from "#server/env.ts";
import { lockDataDir } from "#server/data-dir-lock.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import { ingestBundles, type BundleFile } from "#workers/custody/ingest.ts";
import { openFileKeyring } from "#workers/keyring.ts";

const usage = "usage: npm run ingest -- --custodian <slug> <bundle.json | folder> …";

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function bundleFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => fail(`${path}: no such file or folder`));
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((name) => name.endsWith(".json")).sort();
      files.push(...names.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  return files;
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { custodian: { type: "string" } },
    allowPositionals: true,
  });
  if (!values.custodian || positionals.length === 0) fail(usage);

  let env;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const paths = await bundleFiles(positionals);
  if (paths.length === 0) fail("No .json bundles found.");

  const lock = env.DATABASE_URL
    ? null
    : await lockDataDir(env.dataDir).catch((e: Error) => fail(e.message));
  const database = await openDatabase(
    env.DATABASE_URL
      ? { kind: "postgres", url: env.DATABASE_URL }
      : { kind: "pglite", dataDir: join(env.dataDir, "pglite") },
  );
  try {
    await database.migrate();
    const custodian = await getCustodianBySlug(database.db, values.custodian);
    if (!custodian) {
      const known = (await listCustodians(database.db)).map((row) => row.slug).join(", ");
      fail(
        `No custodian "${values.custodian}". Known: ${known || "none (run npm start once to seed)"}.`,
      );
    }
    const kes = openKekKeyring(join(env.dataDir, "kek-keyring.json"), {
      createIfMissing: true,
    }).forCustodian(custodian.id);
    const keys = await openFileKeyring(join(env.dataDir, "keyring.json")).deidentificationKeys(
      custodian.id,
    );

    const files: BundleFile[] = [];
    for (const path of paths)
      files.push({ name: basename(path), text: await readFile(path, "utf8") });
    process.stdout.write(`Ingesting ${files.length} bundles for ${custodian.name}\n`);
    const started = performance.now();
    const outcomes = await ingestBundles(files, {
      db: database.db,
      kes,
      keys,
      custodianId: custodian.id,
      actor: `cli:${process.env.USER ?? "unknown"}`,
      onProgress: (done, total, last) => {
        const detail =
          last.outcome === "stored"
            ? `stored ${last.recordsAdded} records (${last.recordsUnchanged} unchanged)`
            : last.outcome === "directory"
              ? "directory bundle (organisations, practitioners): nothing to store"
              : `REFUSED\n${last.problems.map((problem) => `      ${problem}`).join("\n")}`;
        process.stdout.write(`  [${done}/${total}] ${last.name}: ${detail}\n`);
      },
    });
    const count = (kind: string) => outcomes.filter((outcome) => outcome.outcome === kind).length;
    const unchanged = outcomes.filter(
      (outcome) => outcome.outcome === "stored" && outcome.recordsAdded === 0,
    ).length;
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `${count("stored")} stored (${unchanged} already there unchanged), ${count("refused")} refused, ` +
        `${count("directory")} directory ` +
        `bundles in ${seconds.toFixed(1)} s (${(count("stored") / seconds).toFixed(1)} patients/s)\n`,
    );
    process.exitCode = count("refused") > 0 ? 1 : 0;
  } finally {
    await database.close();
    await lock?.release();
  }
}

await main();
