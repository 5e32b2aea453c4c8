import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntryInput } from "#core/custody/audit.ts";
import { silentLogger } from "#core/log.ts";
import { ANVIL_DEPLOYER_KEY, startAnvil, type AnvilNode } from "#contracts/anvil.ts";
import { createChainClient } from "#contracts/client.ts";
import {
  deploySystem,
  offerDeployment,
  systemContracts,
  type ChainAccess,
} from "#contracts/system.ts";
import { openDatabase, type Database } from "#db/client.ts";
import { appendAuditEntries, listAuditBatches } from "#db/queries/audit.ts";
import { recordDeployment } from "#db/queries/chain.ts";
import { jobs } from "#db/schema/jobs.ts";
import { asSuperuser, createTestDatabase, testPostgresUrl } from "#db/testing.ts";
import { openFileKeyring } from "#workers/keyring.ts";
import { anchorAuditLogTask } from "#workers/tasks/audit.anchor.ts";

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
      env: { ...process.env, DATABASE_URL: "", CHAIN_RPC_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Deploys the contracts and records them, as the server's first start does. */
async function deployOnto(database: Database, rpcUrl: string): Promise<ChainAccess> {
  const system = await deploySystem({ rpcUrl, deployerKey: ANVIL_DEPLOYER_KEY });
  for (const contract of systemContracts) {
    await recordDeployment(database.db, {
      chainId: system.chainId,
      contract,
      address: system.contracts[contract],
      deployBlock: system.deployBlock,
    });
  }
  return { rpcUrl, system, operatorKey: ANVIL_DEPLOYER_KEY };
}

/** Entries 1–5 sealed and anchored on chain as batch 0 by the anchoring job, then 6–7 unsealed. */
async function writeLog(database: Database, chainAccess: ChainAccess, workDir: string) {
  await appendAuditEntries(
    database.db,
    Array.from({ length: 5 }, (_, i) => entry(i + 1)),
  );
  const [job] = await database.db.select().from(jobs);
  await anchorAuditLogTask(
    {},
    {
      db: database.db,
      chain: createChainClient({
        rpcUrl: chainAccess.rpcUrl,
        deployment: offerDeployment(chainAccess.system),
      }),
      chainAccess,
      keyring: openFileKeyring(join(workDir, "keyring.json")),
      log: silentLogger,
    },
    job!,
  );
  await appendAuditEntries(database.db, [entry(6), entry(7)]);
}

describe("npm run audit:verify against PostgreSQL (--database-url) and a chain (CHAIN_RPC_URL)", () => {
  let database: Database;
  let url: string;
  let workDir: string;
  let anvil: AnvilNode;
  let chainEnv: Record<string, string>;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "consentry-verify-pg-"));
    [database, anvil] = await Promise.all([
      createTestDatabase("postgres"),
      startAnvil({ stateFile: join(workDir, "anvil-state.json"), silent: true }),
    ]);
    const [row] = await database.rows<{ name: string }>(sql`select current_database() as name`);
    const parsed = new URL(testPostgresUrl());
    parsed.pathname = `/${row?.name}`;
    url = parsed.toString();
    const chainAccess = await deployOnto(database, anvil.rpcUrl);
    await writeLog(database, chainAccess, workDir);
    chainEnv = { CHAIN_RPC_URL: anvil.rpcUrl, DEPLOYER_PRIVATE_KEY: ANVIL_DEPLOYER_KEY };
  }, 60_000);

  afterAll(async () => {
    await anvil?.stop();
    await database?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("exits 0 and says so when the chain and anchors verify, on chain too", async () => {
    const { code, stdout } = await runVerify(["--database-url", url], chainEnv);
    expect(stdout).toMatch(/Checked 7 audit entries and 1 anchors/);
    expect(stdout).toMatch(/Compared the anchors with 1 batches on chain at http:\/\/127\.0\.0\.1/);
    expect(stdout).toMatch(/✓ the hash chain and every anchor verify/);
    expect(code).toBe(0);
  });

  it("verifies for an auditor who holds no operator key: --chain-rpc-url and --publisher", async () => {
    const { code, stdout } = await runVerify(
      [
        "--database-url",
        url,
        "--chain-rpc-url",
        anvil.rpcUrl,
        "--publisher",
        privateKeyToAddress(ANVIL_DEPLOYER_KEY),
      ],
      { DEPLOYER_PRIVATE_KEY: "" },
    );
    expect(stdout).toMatch(/✓ the hash chain and every anchor verify/);
    expect(code).toBe(0);

    // Another publisher anchored nothing: the database's published anchor is then missing on chain.
    const stranger = await runVerify(
      [
        "--database-url",
        url,
        "--chain-rpc-url",
        anvil.rpcUrl,
        "--publisher",
        "0x000000000000000000000000000000000000dEaD",
      ],
      { DEPLOYER_PRIVATE_KEY: "" },
    );
    expect(stranger.code).toBe(1);
  });

  it("exits 1 naming the anchor whose root the database changed: the chain still has the old one", async () => {
    const [anchor] = await listAuditBatches(database.db);
    await asSuperuser(database, (tx) =>
      tx.execute(
        sql`update audit_anchors set root = decode(${"ee".repeat(32)}, 'hex') where batch_id = 0`,
      ),
    );
    try {
      const { code, stdout } = await runVerify(["--database-url", url], chainEnv);
      expect(stdout).toMatch(
        new RegExp(
          `✗ anchor 0 on chain: anchor 0 differs from the chain: the database has root 0x${"ee".repeat(32)}, seq 1–5; the chain has root ${anchor!.root}, seq 1–5`,
        ),
      );
      expect(stdout).not.toMatch(/✓/);
      expect(code).toBe(1);
    } finally {
      await asSuperuser(database, (tx) =>
        tx.execute(
          sql`update audit_anchors set root = decode(${anchor!.root.slice(2)}, 'hex') where batch_id = 0`,
        ),
      );
    }
  });

  it("exits 1 naming a batch the chain holds but the database lost", async () => {
    const [anchor] = await listAuditBatches(database.db);
    await asSuperuser(database, (tx) =>
      tx.execute(sql`delete from audit_anchors where batch_id = 0`),
    );
    try {
      const { code, stdout } = await runVerify(["--database-url", url], chainEnv);
      expect(stdout).toMatch(/Checked 7 audit entries and 0 anchors/);
      expect(stdout).toMatch(
        new RegExp(
          `✗ anchor 0 on chain: the chain holds batch 0 \\(root ${anchor!.root}, seq 1–5\\) that the database lacks`,
        ),
      );
      expect(code).toBe(1);
    } finally {
      await asSuperuser(database, (tx) =>
        tx.execute(sql`insert into audit_anchors
          (batch_id, first_seq, last_seq, leaf_count, root, anchored_tx_hash, anchored_at)
          values (0, 1, 5, 5, decode(${anchor!.root.slice(2)}, 'hex'), ${anchor!.anchoredTxHash}, now())`),
      );
    }
    expect((await runVerify(["--database-url", url], chainEnv)).code).toBe(0);
  });

  it("exits 2 and never says intact when the chain cannot be reached", async () => {
    const { code, stdout } = await runVerify(["--database-url", url], {
      ...chainEnv,
      CHAIN_RPC_URL: "http://127.0.0.1:9",
    });
    expect(stdout).toMatch(
      /\? the anchors could not be checked on chain: the chain at http:\/\/127\.0\.0\.1:9 cannot be reached/,
    );
    expect(stdout).not.toMatch(/✓/);
    expect(code).toBe(2);
  });

  it("exits 1 naming the first altered entry and the anchor over it", async () => {
    await asSuperuser(database, (tx) =>
      tx.execute(sql`update audit_log set actor = 'worker:elsewhere' where seq in (3, 6)`),
    );
    const { code, stdout } = await runVerify(["--database-url", url], chainEnv);
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

describe("npm run audit:verify against the embedded PGlite and anvil state in DATA_DIR", () => {
  let dataDir: string;
  let stateFile: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "consentry-verify-"));
    stateFile = join(dataDir, "chain", "anvil-state.json");
    const anvil = await startAnvil({ stateFile, silent: true });
    const database = await openDatabase({ kind: "pglite", dataDir: join(dataDir, "pglite") });
    try {
      await database.migrate();
      const chainAccess = await deployOnto(database, anvil.rpcUrl);
      await writeLog(database, chainAccess, dataDir);
      await asSuperuser(database, (tx) => tx.execute(sql`delete from audit_log where seq = 4`));
    } finally {
      await database.close();
      await anvil.stop();
    }
  }, 120_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const digest = async (file: string) =>
    createHash("sha256")
      .update(await readFile(file))
      .digest("hex");

  it("exits 1 naming the deleted entry, checks the anchors on a copy of the chain state", async () => {
    const before = await digest(stateFile);
    const { code, stdout } = await runVerify([], { DATA_DIR: dataDir });
    expect(stdout).toMatch(/Checked 6 audit entries and 1 anchors/);
    expect(stdout).toMatch(/✗ first problem in the chain: missing at seq 4–4: entry 4 is missing/);
    expect(stdout).toMatch(/✗ anchor 0: anchor 0 covers 5 entries \(1–5\); the log holds 4/);
    // The anchor itself still matches the chain: the deletion happened after it was published.
    expect(stdout).toMatch(/Compared the anchors with 1 batches on chain/);
    expect(stdout).not.toMatch(/on chain: /);
    expect(code).toBe(1);
    expect(await digest(stateFile)).toBe(before);
  });

  it("exits 2 when there is no embedded database", async () => {
    const { code, stderr } = await runVerify([], { DATA_DIR: join(dataDir, "nothing") });
    expect(stderr).toMatch(/there is no embedded database/);
    expect(code).toBe(2);
  });
});
