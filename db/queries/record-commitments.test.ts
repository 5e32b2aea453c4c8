import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { bytesToHex, getAddress, keccak256, stringToHex, type Hash } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KeyEncryptionService } from "#core/custody/envelope.ts";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import {
  buildRecordCommitmentBatch,
  recordPatientRef,
  verifyRecordCommitmentProof,
} from "#core/merkle.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import type { Database } from "../client.ts";
import { patients, recordCommitmentBatches, records } from "../schema/custody.ts";
import {
  asSuperuser,
  createTestDatabase,
  engines,
  rejectionOf,
  resetCustodyTables,
} from "../testing.ts";
import { ensureCustodian, setCustodianChainAddress } from "./custodians.ts";
import { erasePatient, storePatients } from "./custody.ts";
import {
  nextUnpublishedRecordBatch,
  recordCommitmentProof,
  recordRecordBatchPublication,
  sealRecordCommitmentBatch,
} from "./record-commitments.ts";

const ADDRESS_A = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const ADDRESS_B = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
const txHash = (name: string): Hash => keccak256(stringToHex(name));

describe.each(engines)("record commitments on %s", (engine) => {
  let database: Database;
  let dir: string;
  let custodianA: string;
  let custodianB: string;
  let kesA: KeyEncryptionService;
  let kesB: KeyEncryptionService;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    custodianA = (await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" })).id;
    custodianB = (await ensureCustodian(database.db, { slug: "northfield", name: "Northfield" }))
      .id;
    dir = await mkdtemp(join(tmpdir(), "consentry-record-commitments-"));
    const keyring = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true });
    kesA = keyring.forCustodian(custodianA);
    kesB = keyring.forCustodian(custodianB);
  });

  afterAll(async () => {
    await database?.close();
    await rm(dir ?? "", { recursive: true, force: true });
  });

  beforeEach(async () => {
    await resetCustodyTables(database);
    await setCustodianChainAddress(database.db, custodianA, ADDRESS_A);
    await setCustodianChainAddress(database.db, custodianB, ADDRESS_B);
  });

  const store = (custodianId: string, ...seeds: Array<[string, number]>) =>
    storePatients(
      database.db,
      custodianId === custodianA ? kesA : kesB,
      custodianId,
      seeds.map(([seed, count]) => syntheticPatient(seed, count)),
      { actor: `custodian:${custodianId}` },
    );

  /** The custodian's records as the chain sees them, with the batch each is in. */
  const storedRecords = (custodianId: string) =>
    database.db
      .select({
        id: records.id,
        commitment: records.commitment,
        batchId: records.commitmentBatchId,
        pseudoId: patients.pseudoId,
      })
      .from(records)
      .innerJoin(patients, eq(patients.id, records.patientId))
      .where(eq(patients.custodianId, custodianId))
      .orderBy(asc(records.id));
  const batchRows = () =>
    database.db
      .select()
      .from(recordCommitmentBatches)
      .orderBy(asc(recordCommitmentBatches.custodianId), asc(recordCommitmentBatches.batchId));
  const commitmentsOf = (rows: Awaited<ReturnType<typeof storedRecords>>) =>
    rows.map((row) => ({
      recordId: BigInt(row.id),
      patientRef: recordPatientRef(row.pseudoId),
      commitment: bytesToHex(row.commitment),
    }));

  describe("sealRecordCommitmentBatch", () => {
    it("seals every uncommitted record into batch 0 under the root core/merkle computes", async () => {
      await store(custodianA, ["alice", 4], ["bob", 3]);
      const stored = await storedRecords(custodianA);

      const sealed = await sealRecordCommitmentBatch(database.db, custodianA);

      const expected = buildRecordCommitmentBatch(ADDRESS_A, commitmentsOf(stored));
      expect(sealed).toEqual({ batchId: 0n, leafCount: 7, root: expected.root });
      expect((await storedRecords(custodianA)).map((row) => row.batchId)).toEqual(
        Array(7).fill(0n),
      );
      const [batch] = await batchRows();
      expect(batch).toMatchObject({
        custodianId: custodianA,
        batchId: 0n,
        leafCount: 7,
        publishedTxHash: null,
        publishedAt: null,
      });
      expect(bytesToHex(batch!.root)).toBe(expected.root);
    });

    it("returns null and writes nothing when every record is in a batch", async () => {
      expect(await sealRecordCommitmentBatch(database.db, custodianA)).toBeNull();
      await store(custodianA, ["alice", 2]);
      await sealRecordCommitmentBatch(database.db, custodianA);
      const before = await batchRows();

      expect(await sealRecordCommitmentBatch(database.db, custodianA)).toBeNull();
      expect(await batchRows()).toEqual(before);
    });

    it("takes at most maxRecords, oldest first, and numbers the batches 0, 1, 2 without gaps", async () => {
      await store(custodianA, ["alice", 5], ["bob", 4]);
      const stored = await storedRecords(custodianA);

      const first = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 4 });
      await store(custodianA, ["carol", 2]);
      const second = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 4 });
      const third = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 4 });
      const done = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 4 });

      expect([first?.batchId, second?.batchId, third?.batchId, done]).toEqual([0n, 1n, 2n, null]);
      expect([first?.leafCount, second?.leafCount, third?.leafCount]).toEqual([4, 4, 3]);
      const after = await storedRecords(custodianA);
      expect(after.map((row) => row.batchId)).toEqual([0n, 0n, 0n, 0n, 1n, 1n, 1n, 1n, 2n, 2n, 2n]);
      expect(first?.root).toBe(
        buildRecordCommitmentBatch(ADDRESS_A, commitmentsOf(stored.slice(0, 4))).root,
      );
    });

    it("gives concurrent seals of one custodian distinct batches, each record in exactly one", async () => {
      await store(custodianA, ["alice", 6], ["bob", 6]);

      const sealed = await Promise.all(
        Array.from({ length: 6 }, () =>
          sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 2 }),
        ),
      );

      expect(sealed.map((batch) => batch?.batchId).sort()).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
      const after = await storedRecords(custodianA);
      expect(after.every((row) => row.batchId !== null)).toBe(true);
      const rows = await batchRows();
      expect(rows.reduce((sum, row) => sum + row.leafCount, 0)).toBe(12);
    });

    it("seals only the acting custodian's records, in its own batch numbering", async () => {
      await store(custodianA, ["alice", 3]);
      await store(custodianB, ["bob", 2]);

      const sealedB = await sealRecordCommitmentBatch(database.db, custodianB);

      expect(sealedB).toMatchObject({ batchId: 0n, leafCount: 2 });
      expect((await storedRecords(custodianA)).map((row) => row.batchId)).toEqual([
        null,
        null,
        null,
      ]);
      const sealedA = await sealRecordCommitmentBatch(database.db, custodianA);
      expect(sealedA).toMatchObject({ batchId: 0n, leafCount: 3 });
      expect(sealedA?.root).toBe(
        buildRecordCommitmentBatch(ADDRESS_A, commitmentsOf(await storedRecords(custodianA))).root,
      );
    });

    it("refuses a custodian without a chain address, an unknown one, a malformed id and a bad size, writing nothing", async () => {
      await store(custodianA, ["alice", 2]);
      await database.db.execute(
        sql`update custodians set chain_address = null where id = ${custodianA}`,
      );

      expect(await rejectionOf(sealRecordCommitmentBatch(database.db, custodianA))).toMatch(
        /has no chain address yet/,
      );
      expect(
        await rejectionOf(sealRecordCommitmentBatch(database.db, crypto.randomUUID())),
      ).toMatch(/There is no custodian/);
      expect(await rejectionOf(sealRecordCommitmentBatch(database.db, "st-marys"))).toMatch(
        /is not a custodian id/,
      );
      for (const maxRecords of [0, -1, 1.5, 2 ** 32]) {
        expect(
          await rejectionOf(sealRecordCommitmentBatch(database.db, custodianB, { maxRecords })),
        ).toMatch(/A batch holds 1 to/);
      }
      expect(await batchRows()).toEqual([]);
      expect((await storedRecords(custodianA)).map((row) => row.batchId)).toEqual([null, null]);
    });
  });

  describe("nextUnpublishedRecordBatch and recordRecordBatchPublication", () => {
    it("hands out the oldest unpublished batch until each is recorded as published", async () => {
      await store(custodianA, ["alice", 3]);
      const first = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 2 });
      const second = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 2 });

      expect(await nextUnpublishedRecordBatch(database.db, custodianA)).toEqual(first);
      expect(await recordRecordBatchPublication(database.db, custodianA, 0n, txHash("tx-0"))).toBe(
        true,
      );
      expect(await nextUnpublishedRecordBatch(database.db, custodianA)).toEqual(second);
      expect(await recordRecordBatchPublication(database.db, custodianA, 1n, txHash("tx-1"))).toBe(
        true,
      );
      expect(await nextUnpublishedRecordBatch(database.db, custodianA)).toBeNull();

      const [published] = await batchRows();
      expect(published?.publishedTxHash).toBe(txHash("tx-0"));
      expect(published?.publishedAt).toBeInstanceOf(Date);
    });

    it("records a publication once: the same transaction again is a no-op, another one a 409", async () => {
      await store(custodianA, ["alice", 1]);
      await sealRecordCommitmentBatch(database.db, custodianA);
      const upper = txHash("tx-0").toUpperCase().replace("0X", "0x") as Hash;

      expect(await recordRecordBatchPublication(database.db, custodianA, 0n, upper)).toBe(true);
      const [first] = await batchRows();
      expect(first?.publishedTxHash).toBe(txHash("tx-0"));

      expect(await recordRecordBatchPublication(database.db, custodianA, 0n, txHash("tx-0"))).toBe(
        false,
      );
      expect(
        await rejectionOf(
          recordRecordBatchPublication(database.db, custodianA, 0n, txHash("tx-other")),
        ),
      ).toMatch(/was published by/);
      expect(
        await rejectionOf(recordRecordBatchPublication(database.db, custodianA, 1n, txHash("x"))),
      ).toMatch(/has no record batch 1/);
      expect(
        await rejectionOf(
          recordRecordBatchPublication(database.db, custodianA, 0n, "0x1234" as Hash),
        ),
      ).toMatch(/is not a transaction hash/);
      expect(await batchRows()).toEqual([first]);
    });

    it("does not show or let custodian B record custodian A's batches", async () => {
      await store(custodianA, ["alice", 2]);
      await sealRecordCommitmentBatch(database.db, custodianA);

      expect(await nextUnpublishedRecordBatch(database.db, custodianB)).toBeNull();
      expect(
        await rejectionOf(
          recordRecordBatchPublication(database.db, custodianB, 0n, txHash("tx-0")),
        ),
      ).toMatch(/has no record batch 0/);
      expect((await batchRows())[0]?.publishedTxHash).toBeNull();
      expect(await nextUnpublishedRecordBatch(database.db, custodianA)).toMatchObject({
        batchId: 0n,
      });
    });
  });

  describe("recordCommitmentProof", () => {
    it("rebuilds a proof from the stored rows that leads to the batch root", async () => {
      await store(custodianA, ["alice", 5], ["bob", 4]);
      await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 6 });
      const sealed = await sealRecordCommitmentBatch(database.db, custodianA, { maxRecords: 6 });
      const stored = await storedRecords(custodianA);
      const target = stored[7]!;

      const proof = await recordCommitmentProof(database.db, custodianA, target.id);

      expect(proof).toMatchObject({
        batchId: 1n,
        custodian: ADDRESS_A,
        record: {
          recordId: BigInt(target.id),
          patientRef: recordPatientRef(target.pseudoId),
          commitment: bytesToHex(target.commitment),
        },
        root: sealed?.root,
        published: false,
      });
      expect(verifyRecordCommitmentProof(proof!.root, ADDRESS_A, proof!.record, proof!.proof)).toBe(
        true,
      );
      expect(
        verifyRecordCommitmentProof(
          proof!.root,
          ADDRESS_A,
          { ...proof!.record, commitment: keccak256(stringToHex("changed")) },
          proof!.proof,
        ),
      ).toBe(false);

      await recordRecordBatchPublication(database.db, custodianA, 1n, txHash("tx-1"));
      expect(await recordCommitmentProof(database.db, custodianA, target.id)).toMatchObject({
        published: true,
      });
    });

    it("is null while the record is not in a batch yet", async () => {
      await store(custodianA, ["alice", 1]);
      const [row] = await storedRecords(custodianA);
      expect(await recordCommitmentProof(database.db, custodianA, row!.id)).toBeNull();
    });

    it("keeps an erased patient's records provable, and their batch rows as they were", async () => {
      await store(custodianA, ["alice", 3], ["bob", 2]);
      await sealRecordCommitmentBatch(database.db, custodianA);
      const before = await batchRows();
      const alice = syntheticPatient("alice", 3);

      await erasePatient(database.db, custodianA, alice.pseudoId, {
        actor: `custodian:${custodianA}`,
        reason: "patient-request",
      });

      expect(await batchRows()).toEqual(before);
      const aliceRecords = (await storedRecords(custodianA)).filter(
        (row) => row.pseudoId === alice.pseudoId,
      );
      expect(aliceRecords).toHaveLength(3);
      for (const row of aliceRecords) {
        const proof = await recordCommitmentProof(database.db, custodianA, row.id);
        expect(proof?.root).toBe(bytesToHex(before[0]!.root));
        expect(
          verifyRecordCommitmentProof(proof!.root, ADDRESS_A, proof!.record, proof!.proof),
        ).toBe(true);
      }
    });

    it("fails loudly when a stored commitment no longer matches its batch root", async () => {
      await store(custodianA, ["alice", 3]);
      await sealRecordCommitmentBatch(database.db, custodianA);
      const [first, second] = await storedRecords(custodianA);
      await asSuperuser(database, (tx) =>
        tx.execute(
          sql`update records set commitment = ${Buffer.alloc(32, 7)} where id = ${second!.id}`,
        ),
      );

      expect(await rejectionOf(recordCommitmentProof(database.db, custodianA, first!.id))).toMatch(
        /no longer matches its root/,
      );
    });

    it("does not give custodian B a proof of custodian A's record", async () => {
      await store(custodianA, ["alice", 2]);
      await sealRecordCommitmentBatch(database.db, custodianA);
      const [row] = await storedRecords(custodianA);

      expect(await rejectionOf(recordCommitmentProof(database.db, custodianB, row!.id))).toMatch(
        /holds no record/,
      );
      expect(await rejectionOf(recordCommitmentProof(database.db, custodianA, 0))).toMatch(
        /is not a record id/,
      );
    });
  });
});
