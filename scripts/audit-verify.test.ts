import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntryInput } from "#core/custody/audit.ts";
import { openDatabase, type Database } from "#db/client.ts";
import { appendAuditEntries, sealAuditBatch } from "#db/queries/audit.ts";
import { asSuperuser, createTestDatabase, testPostgresUrl } from "#db/testing.ts";

const script = fileURLToPath(new URL("./audit-verify.ts", import.meta.url));
const custodianId = "4f9d2c1e-0000-4000-8000-000000000001";

const entry = (n: number): AuditEntryInput => ({
  actor: "system",
  action: "records.stored",
  subject: `patient:${"a".repeat(64)}`,
  details: { custodianId, recordsAdded: n },
});

function runVerify(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, DATABASE_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function writeLog(database: Database) {
  await appendAuditEntries(
    database.db,
    Array.from({ length: 5 }, (_, i) => entry(i + 1)),
  );
  await sealAuditBatch(database.db);
  await appendAuditEntries(database.db, [entry(6), entry(7)]);
}

describe("npm run audit:verify against PostgreSQL (--database-url)", () => {
  let database: Database;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const [row] = await database.rows<{ name: string }>(sql`select current_database() as name`);
    const parsed = new URL(testPostgresUrl());
    parsed.pathname = `/${row?.name}`;
    url = parsed.toString();
    await writeLog(database);
  });

  afterAll(async () => {
    await database?.close();
  });

  it("exits 0 and says so when the chain and anchors verify", async () => {
    const { code, stdout } = await runVerify(["--database-url", url], {});
    expect(stdout).toMatch(/Checked 7 audit entries and 1 anchors/);
    expect(stdout).toMatch(/✓ the hash chain and every anchor verify/);
    expect(code).toBe(0);
  });

  it("exits 1 naming the first altered entry and the anchor over it", async () => {
    await asSuperuser(database, (tx) =>
      tx.execute(sql`update audit_log set actor = 'worker:elsewhere' where seq in (3, 6)`),
    );
    const { code, stdout } = await runVerify(["--database-url", url], {});
    expect(stdout).toMatch(/✗ first problem in the chain: altered at seq 3:/);
    expect(stdout).toMatch(/✗ anchor 0: .*root no longer matches/);
    expect(stdout).not.toMatch(/seq 6/);
    expect(code).toBe(1);
  });

  it("exits 2 when it cannot check", async () => {
    const { code, stderr } = await runVerify(["--database-url", "mysql://nowhere"], {});
    expect(stderr).toMatch(/--database-url must be a postgres:\/\/ URL/);
    expect(code).toBe(2);
  });
});

describe("npm run audit:verify against the embedded PGlite in DATA_DIR", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "consentry-verify-"));
    const database = await openDatabase({ kind: "pglite", dataDir: join(dataDir, "pglite") });
    await database.migrate();
    await writeLog(database);
    await asSuperuser(database, (tx) => tx.execute(sql`delete from audit_log where seq = 4`));
    await database.close();
  }, 120_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("exits 1 naming the deleted entry", async () => {
    const { code, stdout } = await runVerify([], { DATA_DIR: dataDir });
    expect(stdout).toMatch(/Checked 6 audit entries and 1 anchors/);
    expect(stdout).toMatch(/✗ first problem in the chain: missing at seq 4–4: entry 4 is missing/);
    expect(stdout).toMatch(/✗ anchor 0: anchor 0 covers 5 entries \(1–5\); the log holds 4/);
    expect(code).toBe(1);
  });

  it("exits 2 when there is no embedded database", async () => {
    const { code, stderr } = await runVerify([], { DATA_DIR: join(dataDir, "nothing") });
    expect(stderr).toMatch(/there is no embedded database/);
    expect(code).toBe(2);
  });
});
