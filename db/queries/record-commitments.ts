// Record commitments: each custodian's stored records sealed into numbered Merkle batches (a pointer,
// a patient reference and the ciphertext's commitment per record), whose roots go on chain through
// RecordCommitments. The acting custodian is in every `where`: no call reaches another custodian's
// records or batches.
import { and, asc, eq, inArray, isNull, max } from "drizzle-orm";
import { bytesToHex, getAddress, hexToBytes, type Address, type Hash, type Hex } from "viem";
import { ServiceError } from "#core/errors.ts";
import {
  buildRecordCommitmentBatch,
  MAX_BATCH_EVENTS,
  recordCommitmentLeaf,
  recordPatientRef,
  type RecordCommitment,
} from "#core/merkle.ts";
import type { Db } from "../client.ts";
import { custodians } from "../schema/custodians.ts";
import { patients, recordCommitmentBatches, records } from "../schema/custody.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TX_HASH = /^0x[0-9a-f]{64}$/;
/** What one batch holds by default: a root per 5,000 records keeps proofs at 13 siblings. */
const DEFAULT_MAX_RECORDS = 5_000;
/** Postgres binds at most 65,535 parameters per statement; record ids go in by the thousand. */
const CHUNK = 1_000;

/** A sealed batch as the custodian's store holds it; `root` is what goes on chain. */
export type SealedRecordBatch = {
  batchId: bigint;
  leafCount: number;
  root: Hex;
};

export type SealOptions = {
  /** The most records one batch takes; the rest wait for the next batch. */
  maxRecords?: number;
};

/**
 * Seals the custodian's records not yet in a batch, oldest first and at most `maxRecords`, into its
 * next batch: the batch row and every record's `commitment_batch_id` are written in one
 * transaction. Null when every record is in a batch already. Leaves name the custodian's chain
 * address, so a custodian without one yet (not registered on chain) is refused (409).
 */
export async function sealRecordCommitmentBatch(
  db: Db,
  custodianId: string,
  options: SealOptions = {},
): Promise<SealedRecordBatch | null> {
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_BATCH_EVENTS) {
    throw new ServiceError(
      400,
      `A batch holds 1 to ${MAX_BATCH_EVENTS} records, not ${maxRecords}.`,
    );
  }
  return db.transaction(async (tx) => {
    // The custodian's row lock makes concurrent seals of one custodian take turns, so each gets
    // the next batch id and no record lands in two batches. It is the weaker "no key update"
    // lock, so storing patients (whose foreign key takes a key-share lock) does not wait for it.
    const custodianAddress = await lockCustodianAddress(tx, custodianId);
    const uncommitted = await tx
      .select({ id: records.id, commitment: records.commitment, pseudoId: patients.pseudoId })
      .from(records)
      .innerJoin(patients, eq(patients.id, records.patientId))
      .where(and(eq(patients.custodianId, custodianId), isNull(records.commitmentBatchId)))
      .orderBy(asc(records.id))
      .limit(maxRecords);
    if (uncommitted.length === 0) return null;

    const [last] = await tx
      .select({ batchId: max(recordCommitmentBatches.batchId) })
      .from(recordCommitmentBatches)
      .where(eq(recordCommitmentBatches.custodianId, custodianId));
    const batchId = last?.batchId == null ? 0n : BigInt(last.batchId) + 1n;
    const batch = buildRecordCommitmentBatch(custodianAddress, uncommitted.map(toCommitment));

    await tx.insert(recordCommitmentBatches).values({
      custodianId,
      batchId,
      leafCount: batch.leafCount,
      root: hexToBytes(batch.root),
    });
    // By id, never by range: a record stored concurrently may hold a lower id and commit later.
    for (let start = 0; start < uncommitted.length; start += CHUNK) {
      const ids = uncommitted.slice(start, start + CHUNK).map((row) => row.id);
      await tx
        .update(records)
        .set({ commitmentBatchId: batchId })
        .where(and(inArray(records.id, ids), isNull(records.commitmentBatchId)));
    }
    return { batchId, leafCount: batch.leafCount, root: batch.root };
  });
}

/** The custodian's oldest sealed batch whose root is not on chain yet, or null. */
export async function nextUnpublishedRecordBatch(
  db: Db,
  custodianId: string,
): Promise<SealedRecordBatch | null> {
  checkCustodianId(custodianId);
  const [row] = await db
    .select({
      batchId: recordCommitmentBatches.batchId,
      leafCount: recordCommitmentBatches.leafCount,
      root: recordCommitmentBatches.root,
    })
    .from(recordCommitmentBatches)
    .where(
      and(
        eq(recordCommitmentBatches.custodianId, custodianId),
        isNull(recordCommitmentBatches.publishedTxHash),
      ),
    )
    .orderBy(asc(recordCommitmentBatches.batchId))
    .limit(1);
  return row
    ? { batchId: row.batchId, leafCount: row.leafCount, root: bytesToHex(row.root) }
    : null;
}

/**
 * Records, once, the transaction that put the batch's root on chain. Recording the same transaction
 * again changes nothing (false); another transaction for a published batch is a 409, an unknown
 * batch a 404.
 */
export async function recordRecordBatchPublication(
  db: Db,
  custodianId: string,
  batchId: bigint,
  txHash: Hash,
): Promise<boolean> {
  checkCustodianId(custodianId);
  const hash = txHash.toLowerCase();
  if (!TX_HASH.test(hash)) throw new ServiceError(400, `"${txHash}" is not a transaction hash.`);
  const ofBatch = and(
    eq(recordCommitmentBatches.custodianId, custodianId),
    eq(recordCommitmentBatches.batchId, batchId),
  );
  const recorded = await db
    .update(recordCommitmentBatches)
    .set({ publishedTxHash: hash, publishedAt: new Date() })
    .where(and(ofBatch, isNull(recordCommitmentBatches.publishedTxHash)))
    .returning({ batchId: recordCommitmentBatches.batchId });
  if (recorded.length > 0) return true;

  const [existing] = await db
    .select({ publishedTxHash: recordCommitmentBatches.publishedTxHash })
    .from(recordCommitmentBatches)
    .where(ofBatch);
  if (!existing) {
    throw new ServiceError(404, `Custodian ${custodianId} has no record batch ${batchId}.`);
  }
  if (existing.publishedTxHash !== hash) {
    throw new ServiceError(
      409,
      `Record batch ${batchId} was published by ${existing.publishedTxHash}, not ${hash}.`,
    );
  }
  return false;
}

/** What a record's place on chain is proved with: `verifyRecordCommitment(custodian, batchId, record, proof)`. */
export type RecordCommitmentProof = {
  batchId: bigint;
  /** The custodian's chain address, which every leaf of its batches names. */
  custodian: Address;
  record: RecordCommitment;
  leaf: Hex;
  proof: Hex[];
  root: Hex;
  /** Whether the batch's root is on chain already. */
  published: boolean;
};

/**
 * The proof of one of the custodian's records, rebuilt from the stored rows of its batch; null
 * while the record is not in a batch yet. Erased patients' records keep their proofs: the pointer
 * and the commitment stay. A record the custodian does not hold is a 404.
 */
export async function recordCommitmentProof(
  db: Db,
  custodianId: string,
  recordId: number,
): Promise<RecordCommitmentProof | null> {
  checkCustodianId(custodianId);
  if (!Number.isSafeInteger(recordId) || recordId < 1) {
    throw new ServiceError(400, `"${recordId}" is not a record id.`);
  }
  return db.transaction(async (tx) => {
    const [custodian] = await tx
      .select({ chainAddress: custodians.chainAddress })
      .from(custodians)
      .where(eq(custodians.id, custodianId));
    const [target] = await tx
      .select({ batchId: records.commitmentBatchId })
      .from(records)
      .innerJoin(patients, eq(patients.id, records.patientId))
      .where(and(eq(records.id, recordId), eq(patients.custodianId, custodianId)));
    if (!custodian || !target) {
      throw new ServiceError(404, `Custodian ${custodianId} holds no record ${recordId}.`);
    }
    if (target.batchId === null) return null;
    if (!custodian.chainAddress) {
      throw new Error(`custodian ${custodianId} has sealed batches but no chain address`);
    }

    const [batchRow] = await tx
      .select({
        root: recordCommitmentBatches.root,
        leafCount: recordCommitmentBatches.leafCount,
        publishedTxHash: recordCommitmentBatches.publishedTxHash,
      })
      .from(recordCommitmentBatches)
      .where(
        and(
          eq(recordCommitmentBatches.custodianId, custodianId),
          eq(recordCommitmentBatches.batchId, target.batchId),
        ),
      );
    if (!batchRow)
      throw new Error(`record ${recordId} is in batch ${target.batchId}, which is gone`);
    const members = await tx
      .select({ id: records.id, commitment: records.commitment, pseudoId: patients.pseudoId })
      .from(records)
      .innerJoin(patients, eq(patients.id, records.patientId))
      .where(
        and(eq(patients.custodianId, custodianId), eq(records.commitmentBatchId, target.batchId)),
      )
      .orderBy(asc(records.id));
    const address = getAddress(custodian.chainAddress);
    const batch = buildRecordCommitmentBatch(address, members.map(toCommitment));
    const root = bytesToHex(batchRow.root);
    // Stored records never change, so a tree that no longer matches its root means tampering.
    if (batch.root !== root || batch.leafCount !== batchRow.leafCount) {
      throw new Error(
        `record batch ${target.batchId} of custodian ${custodianId} no longer matches its root`,
      );
    }
    const record = batch.records.find((member) => member.recordId === BigInt(recordId));
    if (!record) throw new Error(`record ${recordId} is missing from its own batch`);
    return {
      batchId: target.batchId,
      custodian: address,
      record,
      leaf: recordCommitmentLeaf(address, record),
      proof: batch.proofOf(record.recordId),
      root,
      published: batchRow.publishedTxHash !== null,
    };
  });
}

function checkCustodianId(custodianId: string): void {
  if (!UUID.test(custodianId)) {
    throw new ServiceError(400, `"${custodianId}" is not a custodian id.`);
  }
}

async function lockCustodianAddress(tx: Db, custodianId: string): Promise<Address> {
  checkCustodianId(custodianId);
  const [row] = await tx
    .select({ chainAddress: custodians.chainAddress })
    .from(custodians)
    .where(eq(custodians.id, custodianId))
    .for("no key update");
  if (!row) throw new ServiceError(404, `There is no custodian ${custodianId}.`);
  if (!row.chainAddress) {
    throw new ServiceError(
      409,
      `Custodian ${custodianId} has no chain address yet; its records are committed once it has one.`,
    );
  }
  return getAddress(row.chainAddress);
}

function toCommitment(row: { id: number; commitment: Uint8Array; pseudoId: string }) {
  return {
    recordId: BigInt(row.id),
    patientRef: recordPatientRef(row.pseudoId),
    commitment: bytesToHex(row.commitment),
  } satisfies RecordCommitment;
}
