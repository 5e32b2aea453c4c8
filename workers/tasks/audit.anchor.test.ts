import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { keccak256, stringToHex, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AuditEntryInput } from "#core/custody/audit.ts";
import { silentLogger } from "#core/log.ts";
import {
  anvilRpc,
  ANVIL_ACCOUNT_KEYS,
  ANVIL_DEPLOYER_KEY,
  startAnvil,
  type AnvilNode,
} from "#contracts/anvil.ts";
import { createChainClient } from "#contracts/client.ts";
import { createLedgerClient, type LedgerClient } from "#contracts/ledger.ts";
import {
  deploySystem,
  ledgerDeployment,
  offerDeployment,
  type ChainAccess,
} from "#contracts/system.ts";
import type { Database } from "#db/client.ts";
import { appendAuditEntries, listAuditBatches, sealAuditBatch } from "#db/queries/audit.ts";
import { jobs, type Job } from "#db/schema/jobs.ts";
import { createTestDatabase, engines, resetCustodyTables } from "#db/testing.ts";
import type { TaskContext } from "../context.ts";
import { openFileKeyring } from "../keyring.ts";
import { createJobRunner } from "../queue.ts";
import { anchorAuditLogTask } from "./audit.anchor.ts";
import { tasks } from "./index.ts";

const OPERATOR = privateKeyToAddress(ANVIL_DEPLOYER_KEY);
const CUSTODIAN_KEY = ANVIL_ACCOUNT_KEYS[1];

const entry = (n: number): AuditEntryInput => ({
  actor: "system",
  action: "records.stored",
  subject: `patient:${"c".repeat(64)}`,
  details: { custodianId: "4f9d2c1e-0000-4000-8000-000000000002", recordsAdded: n },
});

describe.each(engines)("audit.anchor task on a real anvil chain, %s database", (engine) => {
  let workDir: string;
  let anvil: AnvilNode;
  let database: Database;
  let chainAccess: ChainAccess;
  let ledger: LedgerClient;
  let context: TaskContext;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-anchor-"));
    [anvil, database] = await Promise.all([
      startAnvil({ stateFile: path.join(workDir, "anvil-state.json"), silent: true }),
      createTestDatabase(engine),
    ]);
  });

  afterAll(async () => {
    await anvil?.stop();
    await database?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await resetCustodyTables(database);
    // A fresh AccessLogAnchors for every test: the operator's batches start at 0 again.
    const system = await deploySystem({ rpcUrl: anvil.rpcUrl, deployerKey: ANVIL_DEPLOYER_KEY });
    chainAccess = { rpcUrl: anvil.rpcUrl, system, operatorKey: ANVIL_DEPLOYER_KEY };
    ledger = createLedgerClient({
      rpcUrl: anvil.rpcUrl,
      addresses: ledgerDeployment(system),
      chainId: system.chainId,
    });
    context = {
      db: database.db,
      chain: createChainClient({ rpcUrl: anvil.rpcUrl, deployment: offerDeployment(system) }),
      chainAccess,
      keyring: openFileKeyring(path.join(workDir, "keyring.json")),
      log: silentLogger,
    };
  });

  const sentByOperator = async () =>
    BigInt(await anvilRpc<Hex>(anvil.rpcUrl, "eth_getTransactionCount", [OPERATOR, "latest"]));
  const anchorJob = async (): Promise<Job> => {
    const [job] = await database.db
      .select()
      .from(jobs)
      .where(sql`${jobs.name} = 'audit.anchor'`);
    if (!job) throw new Error("no audit.anchor job was queued");
    return job;
  };
  const runTask = async () => anchorAuditLogTask({}, context, await anchorJob());

  it("seals the new entries and publishes each batch's root from the operator, seq shifted by one", async () => {
    await appendAuditEntries(database.db, [entry(1), entry(2), entry(3)]);
    await sealAuditBatch(database.db);
    await appendAuditEntries(database.db, [entry(4), entry(5)]);

    await runTask();

    const batches = await listAuditBatches(database.db);
    expect(batches.map(({ firstSeq, lastSeq }) => [firstSeq, lastSeq])).toEqual([
      [1n, 3n],
      [4n, 5n],
    ]);
    for (const batch of batches) {
      expect(batch.anchoredTxHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(await ledger.waitForReceipt(batch.anchoredTxHash as Hex)).toMatchObject({
        status: "success",
      });
      expect(await ledger.accessBatchOf(OPERATOR, batch.batchId)).toMatchObject({
        root: batch.root,
        firstSequence: batch.firstSeq - 1n,
        lastSequence: batch.lastSeq - 1n,
      });
    }
    expect(await ledger.accessLogPosition(OPERATOR)).toEqual({ nextBatchId: 2n, nextSequence: 5n });
  });

  it("sends nothing the second time: every batch is on chain and recorded", async () => {
    await appendAuditEntries(database.db, [entry(1), entry(2)]);
    await runTask();
    const recorded = await listAuditBatches(database.db);
    const sentBefore = await sentByOperator();

    await runTask();

    expect(await sentByOperator()).toBe(sentBefore);
    expect(await listAuditBatches(database.db)).toEqual(recorded);
  });

  it("only records a batch the chain already holds with the same root (sent before a crash)", async () => {
    await appendAuditEntries(database.db, [entry(1), entry(2)]);
    const sealed = await sealAuditBatch(database.db);
    const { txHash } = await ledger.publishAccessBatch(ANVIL_DEPLOYER_KEY, {
      batchId: 0n,
      root: sealed!.root,
      firstSequence: 0n,
      leafCount: 2,
    });
    await ledger.waitForReceipt(txHash);
    const sentBefore = await sentByOperator();

    await runTask();

    expect(await sentByOperator()).toBe(sentBefore);
    expect(await listAuditBatches(database.db)).toMatchObject([
      { batchId: 0n, anchoredTxHash: txHash },
    ]);
  });

  it("stops, naming the batch, when the chain holds that batch with another root", async () => {
    await appendAuditEntries(database.db, [entry(1), entry(2)]);
    const { txHash } = await ledger.publishAccessBatch(ANVIL_DEPLOYER_KEY, {
      batchId: 0n,
      root: keccak256(stringToHex("some other log")),
      firstSequence: 0n,
      leafCount: 2,
    });
    await ledger.waitForReceipt(txHash);

    await expect(runTask()).rejects.toThrow(/audit batch 0 is anchored on chain with root 0x/);
    expect(await listAuditBatches(database.db)).toMatchObject([
      { batchId: 0n, anchoredTxHash: null },
    ]);
  });

  it("is not misled by another publisher's batches: a custodian's own batch 0 is not the operator's", async () => {
    const custodian = privateKeyToAddress(CUSTODIAN_KEY);
    const granted = await ledger.grantAnchorCustodianRole(ANVIL_DEPLOYER_KEY, custodian);
    await ledger.waitForReceipt(granted.txHash);
    const theirs = await ledger.publishAccessBatch(CUSTODIAN_KEY, {
      batchId: 0n,
      root: keccak256(stringToHex("the custodian's access log")),
      firstSequence: 0n,
      leafCount: 2,
    });
    await ledger.waitForReceipt(theirs.txHash);
    await appendAuditEntries(database.db, [entry(1), entry(2)]);

    await runTask();

    const [batch] = await listAuditBatches(database.db);
    expect(batch?.anchoredTxHash).not.toBe(theirs.txHash);
    expect(await ledger.accessBatchOf(OPERATOR, 0n)).toMatchObject({ root: batch?.root });
    expect(await ledger.accessBatchOf(custodian, 0n)).toMatchObject({
      root: keccak256(stringToHex("the custodian's access log")),
    });
  });

  it("runs from the queue: a completed job's entry gets anchored, and the anchoring job logs nothing itself", async () => {
    await appendAuditEntries(database.db, [entry(1)]);
    const runner = createJobRunner({ db: database.db, tasks, context, log: silentLogger });
    await database.db.execute(sql`update jobs set run_at = now()`);

    expect(await runner.runOnce()).toBe(1);

    const [batch] = await listAuditBatches(database.db);
    expect(batch).toMatchObject({ batchId: 0n, firstSeq: 1n, lastSeq: 1n });
    expect(batch?.anchoredTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    const [head] = await database.rows<{ last_seq: bigint }>(sql`select last_seq from audit_head`);
    expect(head?.last_seq).toBe(1n);
    expect(
      await database.db
        .select()
        .from(jobs)
        .where(sql`${jobs.status} = 'queued'`),
    ).toEqual([]);
  });
});
