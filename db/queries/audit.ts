// The audit log: appends serialised on the head row, reads by subject, Merkle batches for anchoring,
// and verification of the stored chain and anchors.
import { and, asc, desc, eq, gt, gte, isNull, lte, sql } from "drizzle-orm";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import {
  auditEntryHash,
  createAuditVerifier,
  GENESIS_HASH,
  parseAuditEntry,
  type AuditEntry,
  type AuditEntryInput,
  type AuditVerification,
} from "#core/custody/audit.ts";
import { auditBatchRoot } from "#core/custody/merkle.ts";
import type { Db } from "../client.ts";
import { auditAnchors, auditHead, auditLog, type AuditLogRow } from "../schema/audit.ts";

const HEAD_ID = 1;
const INSERT_CHUNK = 1_000;

function toEntry(row: AuditLogRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
    prevHash: bytesToHex(row.prevHash),
    hash: bytesToHex(row.hash),
  };
}

/**
 * Appends entries in order, in one transaction (or inside the caller's). The head row is locked
 * first (`SELECT … FOR UPDATE`), so appends from any number of connections form one linear chain;
 * callers append last in their transaction, as the lock is held until it commits.
 */
export async function appendAuditEntries(
  db: Db,
  inputs: readonly AuditEntryInput[],
): Promise<AuditEntry[]> {
  if (inputs.length === 0) return [];
  const parsed = inputs.map(parseAuditEntry);
  return db.transaction(async (tx) => {
    const [head] = await tx
      .select({
        lastSeq: auditHead.lastSeq,
        lastHash: auditHead.lastHash,
        lastAt: auditHead.lastAt,
        // The database's clock, read under the lock, so `at` never runs backwards along the chain.
        now: sql`date_trunc('milliseconds', clock_timestamp())`.mapWith(auditLog.at),
      })
      .from(auditHead)
      .where(eq(auditHead.id, HEAD_ID))
      .for("update");
    if (!head) throw new Error("audit_head has no row: the audit migration has not run");
    const at = head.lastAt && head.lastAt > head.now ? head.lastAt : head.now;
    let seq = head.lastSeq;
    let prevHash: Hex = bytesToHex(head.lastHash);
    const entries = parsed.map((input): AuditEntry => {
      seq += 1n;
      const unhashed = { ...input, seq, at, prevHash } as Omit<AuditEntry, "hash">;
      const hash = auditEntryHash(unhashed);
      prevHash = hash;
      return { ...unhashed, hash };
    });
    for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
      await tx.insert(auditLog).values(
        entries.slice(start, start + INSERT_CHUNK).map((entry) => ({
          ...entry,
          prevHash: hexToBytes(entry.prevHash),
          hash: hexToBytes(entry.hash),
        })),
      );
    }
    await tx
      .update(auditHead)
      .set({ lastSeq: seq, lastHash: hexToBytes(prevHash), lastAt: at })
      .where(eq(auditHead.id, HEAD_ID));
    return entries;
  });
}

export async function appendAuditEntry(db: Db, input: AuditEntryInput): Promise<AuditEntry> {
  const [entry] = await appendAuditEntries(db, [input]);
  if (!entry) throw new Error("appending an audit entry returned nothing");
  return entry;
}

export type AuditListOptions = { subject?: string; afterSeq?: bigint; limit?: number };

/** Entries in sequence order, e.g. a patient's own access log (`subject: patient:<pseudoId>`). */
export async function listAuditEntries(
  db: Db,
  options: AuditListOptions = {},
): Promise<AuditEntry[]> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        options.subject === undefined ? undefined : eq(auditLog.subject, options.subject),
        options.afterSeq === undefined ? undefined : gt(auditLog.seq, options.afterSeq),
      ),
    )
    .orderBy(asc(auditLog.seq))
    .limit(options.limit ?? 1_000);
  return rows.map(toEntry);
}

// --- anchoring ---------------------------------------------------------------------------------

export type AuditBatch = {
  batchId: bigint;
  firstSeq: bigint;
  lastSeq: bigint;
  leafCount: number;
  root: Hex;
  anchoredTxHash: string | null;
};

const batchColumns = {
  batchId: auditAnchors.batchId,
  firstSeq: auditAnchors.firstSeq,
  lastSeq: auditAnchors.lastSeq,
  leafCount: auditAnchors.leafCount,
  root: auditAnchors.root,
  anchoredTxHash: auditAnchors.anchoredTxHash,
};

type BatchRow = Omit<AuditBatch, "root"> & { root: Uint8Array };
const toBatch = (row: BatchRow): AuditBatch => ({ ...row, root: bytesToHex(row.root) });

/**
 * Seals the entries not yet in any batch (at most `maxEntries`) under a Merkle root and stores it as
 * the next anchor; returns null when there is nothing new. The entries' chain is checked first, so
 * an anchor never cements an altered entry.
 */
export async function sealAuditBatch(
  db: Db,
  options: { maxEntries?: number } = {},
): Promise<AuditBatch | null> {
  const maxEntries = BigInt(options.maxEntries ?? 10_000);
  return db.transaction(async (tx) => {
    const [head] = await tx
      .select({ lastSeq: auditHead.lastSeq })
      .from(auditHead)
      .where(eq(auditHead.id, HEAD_ID));
    const [previous] = await tx
      .select({ batchId: auditAnchors.batchId, lastSeq: auditAnchors.lastSeq })
      .from(auditAnchors)
      .orderBy(desc(auditAnchors.batchId))
      .limit(1);
    const firstSeq = (previous?.lastSeq ?? 0n) + 1n;
    if (!head || firstSeq > head.lastSeq) return null;
    const lastSeq =
      head.lastSeq < firstSeq + maxEntries - 1n ? head.lastSeq : firstSeq + maxEntries - 1n;

    const rows = await tx
      .select()
      .from(auditLog)
      .where(and(gte(auditLog.seq, firstSeq - 1n), lte(auditLog.seq, lastSeq)))
      .orderBy(asc(auditLog.seq));
    const entries = rows.map(toEntry).filter((entry) => entry.seq >= firstSeq);
    let expectedPrev = firstSeq === 1n ? GENESIS_HASH : rows[0] ? bytesToHex(rows[0].hash) : null;
    entries.forEach((entry, index) => {
      const intact =
        entry.seq === firstSeq + BigInt(index) &&
        entry.prevHash === expectedPrev &&
        auditEntryHash(entry) === entry.hash;
      if (!intact) {
        throw new Error(
          `refusing to anchor entries ${firstSeq}–${lastSeq}: entry ${firstSeq + BigInt(index)} is not intact; run npm run audit:verify`,
        );
      }
      expectedPrev = entry.hash;
    });
    if (entries.length !== Number(lastSeq - firstSeq + 1n)) {
      throw new Error(`refusing to anchor entries ${firstSeq}–${lastSeq}: some are missing`);
    }

    const [stored] = await tx
      .insert(auditAnchors)
      .values({
        batchId: (previous?.batchId ?? -1n) + 1n,
        firstSeq,
        lastSeq,
        leafCount: entries.length,
        root: hexToBytes(auditBatchRoot(entries)),
      })
      .returning(batchColumns);
    if (!stored) throw new Error("insert into audit_anchors returned no row");
    return toBatch(stored);
  });
}

/**
 * The seam for on-chain anchoring: the oldest sealed batch whose root is not yet published. A job
 * publishes `root` for `firstSeq`–`lastSeq`, then calls `recordAnchorPublication`.
 */
export async function nextAnchorToPublish(db: Db): Promise<AuditBatch | null> {
  const [row] = await db
    .select(batchColumns)
    .from(auditAnchors)
    .where(isNull(auditAnchors.anchoredTxHash))
    .orderBy(asc(auditAnchors.batchId))
    .limit(1);
  return row ? toBatch(row) : null;
}

/** Records the transaction that published a batch's root; false when it was already recorded. */
export async function recordAnchorPublication(
  db: Db,
  batchId: bigint,
  txHash: string,
): Promise<boolean> {
  const updated = await db
    .update(auditAnchors)
    .set({ anchoredTxHash: txHash, anchoredAt: sql`now()` })
    .where(and(eq(auditAnchors.batchId, batchId), isNull(auditAnchors.anchoredTxHash)))
    .returning({ batchId: auditAnchors.batchId });
  return updated.length > 0;
}

export async function listAuditBatches(db: Db): Promise<AuditBatch[]> {
  const rows = await db.select(batchColumns).from(auditAnchors).orderBy(asc(auditAnchors.batchId));
  return rows.map(toBatch);
}

// --- verification ------------------------------------------------------------------------------

/**
 * Recomputes the whole chain and every anchor's root from what is stored, in one consistent
 * snapshot, page by page. Reports the first altered, missing or reordered entry and every anchor
 * that no longer matches.
 */
export async function verifyAuditLog(
  db: Db,
  options: { pageSize?: number } = {},
): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? 5_000;
  return db.transaction(
    async (tx) => {
      const anchors = await tx
        .select(batchColumns)
        .from(auditAnchors)
        .orderBy(asc(auditAnchors.batchId));
      const verifier = createAuditVerifier({
        anchors: anchors.map(toBatch),
        locate: async (hash) => {
          const [row] = await tx
            .select({ seq: auditLog.seq })
            .from(auditLog)
            .where(eq(auditLog.hash, hexToBytes(hash)))
            .orderBy(asc(auditLog.seq))
            .limit(1);
          return row?.seq ?? null;
        },
      });
      let cursor: bigint | null = null;
      for (;;) {
        const page: AuditLogRow[] = await tx
          .select()
          .from(auditLog)
          .where(cursor === null ? undefined : gt(auditLog.seq, cursor))
          .orderBy(asc(auditLog.seq))
          .limit(pageSize);
        for (const row of page) await verifier.push(toEntry(row));
        const last = page.at(-1);
        if (!last || page.length < pageSize) break;
        cursor = last.seq;
      }
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, HEAD_ID));
      return verifier.finish({
        lastSeq: head?.lastSeq ?? 0n,
        lastHash: head ? bytesToHex(head.lastHash) : GENESIS_HASH,
      });
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
