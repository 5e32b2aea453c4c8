// `npm run audit:verify`: recomputes the audit log's hash chain and every anchor's Merkle root from
// what the database holds, and names the first altered, missing or reordered entry and each anchor
// that no longer matches. Exit code 0: intact; 1: tampered; 2: could not check.
// Opens the database as the server does (DATABASE_URL, else the embedded PGlite in DATA_DIR), or the
// one given with --database-url. It never writes. Stop `npm start` first: PGlite is single-process.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase, type DatabaseTarget } from "#db/client.ts";
import { verifyAuditLog } from "#db/queries/audit.ts";
import { ConfigError, parseEnv } from "#server/env.ts";

function out(line: string) {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`audit:verify: ${message}\n`);
  process.exit(2);
}

function target(): DatabaseTarget {
  const { values } = parseArgs({ options: { "database-url": { type: "string" } } });
  const url = values["database-url"];
  if (url) {
    if (!/^postgres(ql)?:\/\/.+/.test(url)) fail("--database-url must be a postgres:// URL");
    return { kind: "postgres", url, maxConnections: 1 };
  }
  let env;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  if (env.DATABASE_URL) return { kind: "postgres", url: env.DATABASE_URL, maxConnections: 1 };
  const dataDir = join(env.dataDir, "pglite");
  if (!existsSync(dataDir)) fail(`there is no embedded database in ${dataDir}`);
  return { kind: "pglite", dataDir };
}

async function main() {
  let database;
  try {
    database = await openDatabase(target());
  } catch (error) {
    fail(`cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const started = performance.now();
    let report;
    try {
      report = await verifyAuditLog(database.db);
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
      fail(`cannot read the audit log (are the migrations applied?) ${cause}`.trim());
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out(
      `Checked ${report.entriesChecked} audit entries and ${report.anchorsChecked} anchors in ${seconds} s.`,
    );
    if (report.chainProblem) {
      const where =
        report.chainProblem.kind === "missing"
          ? `seq ${report.chainProblem.firstSeq}–${report.chainProblem.lastSeq}`
          : `seq ${report.chainProblem.seq}`;
      out(
        `✗ first problem in the chain: ${report.chainProblem.kind} at ${where}: ${report.chainProblem.message}`,
      );
    }
    for (const problem of report.anchorProblems) {
      out(`✗ anchor ${problem.batchId}: ${problem.message}`);
    }
    if (report.ok) out("✓ the hash chain and every anchor verify.");
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

await main();
