import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { bytesToHex, keccak256, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KeyEncryptionService } from "#core/custody/envelope.ts";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import { createLogger, silentLogger } from "#core/log.ts";
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
import { ensureCustodian, setCustodianChainAddress } from "#db/queries/custodians.ts";
import { erasePatient, storePatients } from "#db/queries/custody.ts";
import {
  recordCommitmentProof,
  sealRecordCommitmentBatch,
} from "#db/queries/record-commitments.ts";
import { patients, recordCommitmentBatches, records } from "#db/schema/custody.ts";
import { listJobs } from "#db/queries/jobs.ts";
import type { Job } from "#db/schema/jobs.ts";
import { createTestDatabase, engines, rejectionOf, resetCustodyTables } from "#db/testing.ts";
import { openKekKeyring } from "../custody/kek-keyring.ts";
import type { TaskContext } from "../context.ts";
import { openFileKeyring } from "../keyring.ts";
import { createJobRunner } from "../queue.ts";
import { commitRecordsTask } from "./custody.commit-records.ts";
import { tasks } from "./index.ts";

const KEY_A = ANVIL_ACCOUNT_KEYS[1];
const KEY_B = ANVIL_ACCOUNT_KEYS[2];
const ADDRESS_A = privateKeyToAddress(KEY_A);
const ADDRESS_B = privateKeyToAddress(KEY_B);

describe.each(engines)("custody.commit-records on a real anvil chain, %s database", (engine) => {
  let workDir: string;
  let anvil: AnvilNode;
  let database: Database;
  let chainAccess: ChainAccess;
  let ledger: LedgerClient;
  let context: TaskContext;
  let custodianA: string;
  let custodianB: string;
  let kesA: KeyEncryptionService;
  let kesB: KeyEncryptionService;
  let chainSnapshot: Hex;
  let logged: Array<{ level: string; line: string }>;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-commit-records-"));
    [anvil, database] = await Promise.all([
      startAnvil({ stateFile: path.join(workDir, "anvil-state.json"), silent: true }),
      createTestDatabase(engine),
    ]);
    const system = await deploySystem({ rpcUrl: anvil.rpcUrl, deployerKey: ANVIL_DEPLOYER_KEY });
    chainAccess = { rpcUrl: anvil.rpcUrl, system, operatorKey: ANVIL_DEPLOYER_KEY };
    ledger = createLedgerClient({
      rpcUrl: anvil.rpcUrl,
      addresses: ledgerDeployment(system),
      chainId: system.chainId,
    });
    for (const custodian of [ADDRESS_A, ADDRESS_B]) {
      const granted = await ledger.grantRecordCustodianRole(ANVIL_DEPLOYER_KEY, custodian);
      expect((await ledger.waitForReceipt(granted.txHash)).status).toBe("success");
    }

    custodianA = (await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" })).id;
    custodianB = (await ensureCustodian(database.db, { slug: "northfield", name: "Northfield" }))
      .id;
    await setCustodianChainAddress(database.db, custodianA, ADDRESS_A);
    await setCustodianChainAddress(database.db, custodianB, ADDRESS_B);
    const keyringPath = path.join(workDir, "keyring.json");
    await writeFile(
      keyringPath,
      JSON.stringify({ version: 1, custodians: { [custodianA]: KEY_A, [custodianB]: KEY_B } }),
      { mode: 0o600 },
    );
    const kekKeyring = openKekKeyring(path.join(workDir, "kek-keyring.json"), {
      createIfMissing: true,
    });
    kesA = kekKeyring.forCustodian(custodianA);
    kesB = kekKeyring.forCustodian(custodianB);
    context = {
      db: database.db,
      chain: createChainClient({ rpcUrl: anvil.rpcUrl, deployment: offerDeployment(system) }),
      chainAccess,
      keyring: openFileKeyring(keyringPath),
      log: silentLogger,
    };
    chainSnapshot = await anvilRpc<Hex>(anvil.rpcUrl, "evm_snapshot");
  });

  afterAll(async () => {
    await anvil?.stop();
    await database?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // Every test starts from the freshly deployed chain and an empty store: batch ids restart at 0.
    expect(await anvilRpc<boolean>(anvil.rpcUrl, "evm_revert", [chainSnapshot])).toBe(true);
    chainSnapshot = await anvilRpc<Hex>(anvil.rpcUrl, "evm_snapshot");
    await resetCustodyTables(database);
    logged = [];
    context.log = createLogger("test", "info", (line, level) => logged.push({ level, line }));
  });

  const store = (custodianId: string, ...seeds: Array<[string, number]>) =>
    storePatients(
      database.db,
      custodianId === custodianA ? kesA : kesB,
      custodianId,
      seeds.map(([seed, count]) => syntheticPatient(seed, count)),
      { actor: `custodian:${custodianId}` },
    );
  const runTask = async (custodianId: string) => {
    const job = { id: 0, attempts: 1 } as Job;
    await commitRecordsTask({ custodianId }, context, job);
  };
  const sentBy = async (address: Address) =>
    BigInt(await anvilRpc<Hex>(anvil.rpcUrl, "eth_getTransactionCount", [address, "latest"]));
  const batchRows = (custodianId: string) =>
    database.db
      .select()
      .from(recordCommitmentBatches)
      .where(eq(recordCommitmentBatches.custodianId, custodianId))
      .orderBy(asc(recordCommitmentBatches.batchId));
  const recordsOf = (custodianId: string, pseudoId?: string) =>
    database.db
      .select({ id: records.id, batchId: records.commitmentBatchId, pseudoId: patients.pseudoId })
      .from(records)
      .innerJoin(patients, eq(patients.id, records.patientId))
      .where(
        pseudoId
          ? sql`${patients.custodianId} = ${custodianId} and ${patients.pseudoId} = ${pseudoId}`
          : eq(patients.custodianId, custodianId),
      )
      .orderBy(asc(records.id));

  it("runs the job storing queued: the chain holds the store's root, and a record verifies with its proof", async () => {
    await store(custodianA, ["alice", 4], ["bob", 3]);
    const runner = createJobRunner({ db: database.db, tasks, context, log: silentLogger });

    expect(await runner.runOnce()).toBe(1);

    const [job] = await listJobs(database.db, "custody.commit-records");
    expect(job).toMatchObject({
      name: "custody.commit-records",
      payload: { custodianId: custodianA },
      status: "completed",
      lastError: null,
    });
    const [batch] = await batchRows(custodianA);
    expect(batch).toMatchObject({ batchId: 0n, leafCount: 7 });
    expect(batch?.publishedTxHash).toMatch(/^0x[0-9a-f]{64}$/);
    const onChain = await ledger.recordBatchOf(ADDRESS_A, 0n);
    expect(onChain).toMatchObject({ root: bytesToHex(batch!.root), leafCount: 7 });
    expect(await ledger.recordBatchCount(ADDRESS_A)).toBe(1n);
    expect(await ledger.recordBatchTransaction(ADDRESS_A, 0n, chainAccess.system.deployBlock)).toBe(
      batch?.publishedTxHash,
    );

    for (const record of await recordsOf(custodianA)) {
      const proof = await recordCommitmentProof(database.db, custodianA, record.id);
      expect(proof?.published).toBe(true);
      expect(await ledger.verifyRecordCommitment(ADDRESS_A, 0n, proof!.record, proof!.proof)).toBe(
        true,
      );
    }
    const [first] = await recordsOf(custodianA);
    const proof = (await recordCommitmentProof(database.db, custodianA, first!.id))!;
    const changed = { ...proof.record, commitment: keccak256(stringToHex("another envelope")) };
    expect(await ledger.verifyRecordCommitment(ADDRESS_A, 0n, changed, proof.proof)).toBe(false);
    expect(await ledger.verifyRecordCommitment(ADDRESS_B, 0n, proof.record, proof.proof)).toBe(
      false,
    );
    expect(logged.some((entry) => entry.line.includes("record batch committed on chain"))).toBe(
      true,
    );
  });

  it("publishes two sealed batches in order, and later records as the next batch", async () => {
    await store(custodianA, ["alice", 3], ["bob", 2]);
    await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 3 });
    await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 3 });

    await runTask(custodianA);

    const [first, second] = await batchRows(custodianA);
    expect([first?.leafCount, second?.leafCount]).toEqual([3, 2]);
    for (const batch of [first!, second!]) {
      expect(await ledger.recordBatchOf(ADDRESS_A, batch.batchId)).toMatchObject({
        root: bytesToHex(batch.root),
        leafCount: batch.leafCount,
      });
    }
    const receipts = await Promise.all(
      [first!, second!].map((batch) => ledger.waitForReceipt(batch.publishedTxHash as Hex)),
    );
    expect(receipts[0]!.blockNumber).toBeLessThan(receipts[1]!.blockNumber);

    await store(custodianA, ["carol", 2]);
    await runTask(custodianA);

    expect(await ledger.recordBatchCount(ADDRESS_A)).toBe(3n);
    const third = (await batchRows(custodianA))[2];
    expect(third).toMatchObject({ batchId: 2n, leafCount: 2 });
    expect((await ledger.recordBatchOf(ADDRESS_A, 2n))?.root).toBe(bytesToHex(third!.root));
  });

  it("sends nothing the second time, and nothing when there is nothing to commit", async () => {
    await runTask(custodianA);
    expect(await sentBy(ADDRESS_A)).toBe(0n);

    await store(custodianA, ["alice", 2]);
    await runTask(custodianA);
    const afterFirst = await batchRows(custodianA);
    const sent = await sentBy(ADDRESS_A);
    expect(sent).toBe(1n);

    await runTask(custodianA);

    expect(await sentBy(ADDRESS_A)).toBe(sent);
    expect(await batchRows(custodianA)).toEqual(afterFirst);
    expect(await ledger.recordBatchCount(ADDRESS_A)).toBe(1n);
  });

  it("records, without sending again, a batch an earlier attempt landed before it could record it", async () => {
    await store(custodianA, ["alice", 2]);
    const sealed = await sealRecordCommitmentBatch(database.db, custodianA);
    const landed = await ledger.publishRecordBatch(KEY_A, sealed!);
    await ledger.waitForReceipt(landed.txHash);
    const sent = await sentBy(ADDRESS_A);

    await runTask(custodianA);

    expect(await sentBy(ADDRESS_A)).toBe(sent);
    expect((await batchRows(custodianA))[0]?.publishedTxHash).toBe(landed.txHash);
  });

  it("stops at a batch the chain holds with another root, logging it and publishing nothing after it", async () => {
    await store(custodianA, ["alice", 2]);
    await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 1 });
    const other = keccak256(stringToHex("not the stored root"));
    await ledger.waitForReceipt(
      (await ledger.publishRecordBatch(KEY_A, { batchId: 0n, root: other, leafCount: 1 })).txHash,
    );

    expect(await rejectionOf(runTask(custodianA))).toMatch(
      /record batch 0 of custodian .* is on chain with another root/,
    );

    expect((await batchRows(custodianA)).map((batch) => batch.publishedTxHash)).toEqual([
      null,
      null,
    ]);
    expect(await ledger.recordBatchCount(ADDRESS_A)).toBe(1n);
    const error = logged.find((entry) => entry.level === "error");
    expect(error?.line).toContain("record batch on chain differs from the stored one");
    expect(error?.line).toContain(other);
  });

  it("commits only the payload custodian's records, from that custodian's own key", async () => {
    await store(custodianA, ["alice", 2]);
    await store(custodianB, ["bob", 3]);

    await runTask(custodianB);

    expect(await ledger.recordBatchCount(ADDRESS_B)).toBe(1n);
    expect(await ledger.recordBatchOf(ADDRESS_B, 0n)).toMatchObject({ leafCount: 3 });
    expect(await ledger.recordBatchCount(ADDRESS_A)).toBe(0n);
    expect(await sentBy(ADDRESS_A)).toBe(0n);
    expect(await batchRows(custodianA)).toEqual([]);
    expect((await recordsOf(custodianA)).map((record) => record.batchId)).toEqual([null, null]);
  });

  it("fails without sending when the custodian is not on chain yet or its key is another account", async () => {
    await store(custodianA, ["alice", 1]);
    await setCustodianChainAddress(database.db, custodianA, ADDRESS_B);
    try {
      expect(await rejectionOf(runTask(custodianA))).toMatch(
        /signing key is not its chain address/,
      );
      await database.db.execute(
        sql`update custodians set chain_address = null where id = ${custodianA}`,
      );
      expect(await rejectionOf(runTask(custodianA))).toMatch(/not registered on chain yet/);
    } finally {
      await setCustodianChainAddress(database.db, custodianA, ADDRESS_A);
    }
    expect(await sentBy(ADDRESS_A)).toBe(0n);
    expect(await batchRows(custodianA)).toEqual([]);
    await runTask(crypto.randomUUID());
  });

  it("keeps an erased patient's record commitments verifiable on chain, and their batch rows", async () => {
    await store(custodianA, ["alice", 3], ["bob", 2]);
    await runTask(custodianA);
    const before = await batchRows(custodianA);
    const alice = syntheticPatient("alice", 3);

    await erasePatient(database.db, custodianA, alice.pseudoId, {
      actor: `custodian:${custodianA}`,
      reason: "patient-request",
    });
    await runTask(custodianA);

    expect(await batchRows(custodianA)).toEqual(before);
    const erasedRecords = await recordsOf(custodianA, alice.pseudoId);
    expect(erasedRecords).toHaveLength(3);
    for (const record of erasedRecords) {
      const proof = (await recordCommitmentProof(database.db, custodianA, record.id))!;
      expect(proof.root).toBe(bytesToHex(before[0]!.root));
      expect(await ledger.verifyRecordCommitment(ADDRESS_A, 0n, proof.record, proof.proof)).toBe(
        true,
      );
    }
  });
});
