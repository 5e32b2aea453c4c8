// The audit log's rules: which actions exist and what their details may hold (ids, codes and counts,
// never health data or free text), how an entry is hashed into the chain, and how a stored log is
// verified entry by entry and anchor by anchor.
import { createHash } from "node:crypto";
import type { Hex } from "viem";
import { z } from "zod";
import { canonicalJson, type Canonical } from "#core/canonical.ts";
import { ServiceError } from "#core/errors.ts";
import { auditBatchRoot } from "./merkle.ts";

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH: Hex = `0x${"0".repeat(64)}`;

const ref = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,200}$/, "must be an id or code (letters, digits, . _ : / -)");
const uuid = z.string().uuid();
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const sha256Hex = z.string().regex(/^0x[0-9a-f]{64}$/, "must be a 0x-prefixed SHA-256 hash");
const txHash = z.string().regex(/^0x[0-9a-f]{64}$/, "must be a 0x-prefixed transaction hash");

/** Why a patient's data was erased: a fixed list, so no free text (which could hold health data) is logged. */
export const erasureReasons = [
  "patient-request",
  "consent-withdrawn",
  "legal-obligation",
  "ingest-error",
] as const;
export type ErasureReason = (typeof erasureReasons)[number];

/** Every action the log knows, with the only details it may carry. */
export const auditActions = {
  "records.stored": z.object({ custodianId: uuid, recordsAdded: count }).strict(),
  "records.read": z
    .object({
      custodianId: uuid,
      /** What the read was for: a job, licence or care grant id. */
      purpose: ref,
      recordCount: count,
      /** SHA-256 over the sorted resource ids read, so a patient can later prove which records. */
      resourcesDigest: sha256Hex,
    })
    .strict(),
  "patient.erased": z
    .object({ custodianId: uuid, reason: z.enum(erasureReasons), dataKeysDestroyed: count })
    .strict(),
  "data-keys.rewrapped": z
    .object({ custodianId: uuid, kekId: ref, kekVersion: count, dataKeys: count })
    .strict(),
  "consent.changed": z
    .object({
      consentId: ref,
      /** A DUO code for research consent; the MONDO condition for a care grant. */
      purpose: ref,
      change: z.enum(["granted", "revoked", "expired", "care-granted", "care-revoked"]),
      /** Where the chain recorded the change, when it came from the chain. */
      blockNumber: count.optional(),
      txHash: txHash.optional(),
    })
    .strict(),
  "study.decided": z
    .object({
      studyId: ref,
      decision: z.enum(["approved", "rejected"]),
      blockNumber: count.optional(),
      txHash: txHash.optional(),
    })
    .strict(),
  "job.completed": z.object({ jobId: ref, name: ref }).strict(),
  /**
   * The indexer undid what it had learnt from blocks `fromBlock`–`toBlock` (a reorganisation): the
   * entries written for those events stay, this entry says they no longer hold.
   */
  "chain.rewound": z
    .object({ chainId: count, fromBlock: count, toBlock: count, count: count })
    .strict(),
} as const;

export type AuditAction = keyof typeof auditActions;
export type AuditDetails<A extends AuditAction> = z.infer<(typeof auditActions)[A]>;

/**
 * Pseudonymous: `patient:<pseudoId>`, `custodian:<uuid>`, `study:<id>`, `account:<address>` (a
 * patient's chain account, lower-case), `job:<id>`, `chain:<chainId>` … never a name.
 */
const subjectPattern = /^[a-z][a-z-]{0,31}:[A-Za-z0-9._:/-]{1,200}$/;
/**
 * Who acted: `custodian:<uuid>`, `worker:<site>`, `patient:<pseudoId>`, `account:<address>`,
 * `board:<EthicsBoard address>`, or `system`.
 */
const actorPattern = /^[a-z][a-z-]{0,31}(:[A-Za-z0-9._:/-]{1,200})?$/;

/** An entry to append: one member per action, so `details` always fits its `action`. */
export type AuditEntryInput = {
  [A in AuditAction]: { actor: string; action: A; subject: string; details: AuditDetails<A> };
}[AuditAction];

/** An entry as stored: `hash` chains it to the entry before. */
export type AuditEntry = {
  seq: bigint;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, Canonical>;
  prevHash: Hex;
  hash: Hex;
};

/** An entry the catalogue refuses: a 400 when the offending value came from a request. */
export class AuditEntryError extends ServiceError {
  constructor(message: string) {
    super(400, message);
    this.name = "AuditEntryError";
  }
}

/** Checks an entry against the catalogue; what it returns is exactly what gets hashed and stored. */
export function parseAuditEntry(input: AuditEntryInput): AuditEntryInput {
  if (!Object.hasOwn(auditActions, input.action)) {
    throw new AuditEntryError(`audit action "${input.action}" is not in the catalogue`);
  }
  if (!actorPattern.test(input.actor)) {
    throw new AuditEntryError(`audit actor "${input.actor}" is not a kind:id reference`);
  }
  if (!subjectPattern.test(input.subject)) {
    throw new AuditEntryError(`audit subject "${input.subject}" is not a kind:id reference`);
  }
  const parsed = auditActions[input.action].safeParse(input.details);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "details"} ${issue.message}`,
    );
    throw new AuditEntryError(`audit ${input.action} details: ${problems.join("; ")}`);
  }
  return { ...input, details: parsed.data } as AuditEntryInput;
}

/**
 * SHA-256 over the canonical JSON (sorted keys, no whitespace) of the entry's seven fields; `seq` as a
 * decimal string (exact beyond 2^53), `at` as ISO 8601 in UTC with milliseconds, hashes as 0x-hex.
 */
export function auditEntryHash(entry: Omit<AuditEntry, "hash">): Hex {
  const canonical = canonicalJson({
    prevHash: entry.prevHash.toLowerCase(),
    seq: entry.seq.toString(),
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
  });
  return `0x${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
}

/** SHA-256 over the sorted, newline-joined resource ids: what `records.read` logs instead of the ids. */
export function resourcesDigest(resourceIds: readonly string[]): Hex {
  return `0x${createHash("sha256")
    .update([...resourceIds].sort().join("\n"), "utf8")
    .digest("hex")}`;
}

// --- verification ------------------------------------------------------------------------------

export type ChainProblem =
  | { kind: "missing"; firstSeq: bigint; lastSeq: bigint; message: string }
  | { kind: "altered"; seq: bigint; message: string }
  | { kind: "reordered"; seq: bigint; message: string };

export type StoredAnchor = { batchId: bigint; firstSeq: bigint; lastSeq: bigint; root: Hex };
export type AnchorProblem = { batchId: bigint; message: string };
export type AuditHeadState = { lastSeq: bigint; lastHash: Hex };

export type AuditVerification = {
  ok: boolean;
  entriesChecked: number;
  anchorsChecked: number;
  /** The first thing wrong with the chain, in sequence order; later entries are not judged. */
  chainProblem: ChainProblem | null;
  /** Every anchor whose batch no longer has the root it was anchored with. */
  anchorProblems: AnchorProblem[];
};

export type AuditVerifier = {
  /** Feeds the next stored entry, in `seq` order. */
  push(entry: AuditEntry): Promise<void>;
  finish(head: AuditHeadState): AuditVerification;
};

/**
 * Verifies a log streamed in `seq` order. `locate` finds the stored entry with a given hash (only
 * asked when a link is broken, to tell a reordering from an alteration).
 */
export function createAuditVerifier(options: {
  anchors: readonly StoredAnchor[];
  locate: (hash: Hex) => Promise<bigint | null>;
}): AuditVerifier {
  const anchors = [...options.anchors].sort((a, b) => (a.firstSeq < b.firstSeq ? -1 : 1));
  const anchorProblems: AnchorProblem[] = [];
  let chainProblem: ChainProblem | null = null;
  let previous: AuditEntry | null = null;
  let entriesChecked = 0;
  let anchorIndex = 0;
  let batch: Array<{ seq: bigint; hash: Hex }> = [];

  anchors.forEach((anchor, index) => {
    const expectedFirst = index === 0 ? 1n : (anchors[index - 1]?.lastSeq ?? 0n) + 1n;
    if (anchor.firstSeq !== expectedFirst || anchor.lastSeq < anchor.firstSeq) {
      anchorProblems.push({
        batchId: anchor.batchId,
        message: `anchor ${anchor.batchId} covers ${anchor.firstSeq}–${anchor.lastSeq}, but the anchors before it end at ${expectedFirst - 1n}`,
      });
    }
  });

  const closeAnchor = (anchor: StoredAnchor) => {
    const expected = Number(anchor.lastSeq - anchor.firstSeq + 1n);
    if (batch.length !== expected) {
      anchorProblems.push({
        batchId: anchor.batchId,
        message: `anchor ${anchor.batchId} covers ${expected} entries (${anchor.firstSeq}–${anchor.lastSeq}); the log holds ${batch.length} of them`,
      });
    } else if (auditBatchRoot(batch).toLowerCase() !== anchor.root.toLowerCase()) {
      anchorProblems.push({
        batchId: anchor.batchId,
        message: `anchor ${anchor.batchId} (${anchor.firstSeq}–${anchor.lastSeq}): the entries' Merkle root no longer matches the anchored root`,
      });
    }
    batch = [];
  };

  // Anchors are checked against the entries' content (their recomputed hashes), not the stored
  // hash column: an anchor attests what each entry says.
  const feedAnchors = (entry: AuditEntry, contentHash: Hex) => {
    for (;;) {
      const anchor = anchors[anchorIndex];
      if (!anchor || entry.seq < anchor.firstSeq) return;
      if (entry.seq <= anchor.lastSeq) {
        batch.push({ seq: entry.seq, hash: contentHash });
        return;
      }
      closeAnchor(anchor);
      anchorIndex += 1;
    }
  };

  const judge = async (entry: AuditEntry, contentHash: Hex): Promise<ChainProblem | null> => {
    const expectedSeq = previous ? previous.seq + 1n : 1n;
    if (entry.seq > expectedSeq) {
      return {
        kind: "missing",
        firstSeq: expectedSeq,
        lastSeq: entry.seq - 1n,
        message:
          expectedSeq === entry.seq - 1n
            ? `entry ${expectedSeq} is missing`
            : `entries ${expectedSeq}–${entry.seq - 1n} are missing`,
      };
    }
    const hashOk = contentHash === entry.hash.toLowerCase();
    const expectedPrev = previous ? previous.hash : GENESIS_HASH;
    const linkOk = entry.prevHash.toLowerCase() === expectedPrev.toLowerCase();
    if (hashOk && linkOk) return null;
    if (!linkOk) {
      const predecessor = await options.locate(entry.prevHash);
      if (predecessor !== null && predecessor >= entry.seq) {
        return {
          kind: "reordered",
          seq: entry.seq,
          message: `entry ${entry.seq} was written after entry ${predecessor}, which the log now places after it`,
        };
      }
      if (hashOk && previous) {
        return {
          kind: "altered",
          seq: previous.seq,
          message: `entry ${previous.seq} was altered (and its hash recomputed): entry ${entry.seq} links to a different predecessor`,
        };
      }
    }
    return {
      kind: "altered",
      seq: entry.seq,
      message: hashOk
        ? `entry ${entry.seq} was altered: it does not link to the entry before it`
        : `entry ${entry.seq} was altered: its content no longer hashes to its stored hash`,
    };
  };

  return {
    async push(entry) {
      entriesChecked += 1;
      const contentHash = auditEntryHash(entry);
      feedAnchors(entry, contentHash);
      if (chainProblem === null) chainProblem = await judge(entry, contentHash);
      previous = entry;
    },
    finish(head) {
      const anchor = anchors[anchorIndex];
      if (anchor) {
        closeAnchor(anchor);
        for (const later of anchors.slice(anchorIndex + 1)) closeAnchor(later);
      }
      const lastSeq = previous?.seq ?? 0n;
      if (chainProblem === null && lastSeq < head.lastSeq) {
        chainProblem = {
          kind: "missing",
          firstSeq: lastSeq + 1n,
          lastSeq: head.lastSeq,
          message: `the newest entries ${lastSeq + 1n}–${head.lastSeq} are missing (the log's head is at ${head.lastSeq})`,
        };
      } else if (chainProblem === null && lastSeq > head.lastSeq) {
        chainProblem = {
          kind: "altered",
          seq: head.lastSeq + 1n,
          message: `entries ${head.lastSeq + 1n}–${lastSeq} lie beyond the log's head: they were not appended through the log`,
        };
      } else if (
        chainProblem === null &&
        previous &&
        previous.hash.toLowerCase() !== head.lastHash.toLowerCase()
      ) {
        chainProblem = {
          kind: "altered",
          seq: previous.seq,
          message: `entry ${previous.seq} was altered: its hash is not the one the log's head recorded`,
        };
      }
      return {
        ok: chainProblem === null && anchorProblems.length === 0,
        entriesChecked,
        anchorsChecked: anchors.length,
        chainProblem,
        anchorProblems,
      };
    },
  };
}

// --- anchors on chain --------------------------------------------------------------------------

/**
 * How an audit batch appears in AccessLogAnchors, published by the operator's account: the
 * contract's `batchId` is `audit_anchors.batch_id`, and its sequence numbers are the log's minus
 * one, as the log counts from 1 (seq 0 would be the genesis hash) and the contract from 0. So
 * `firstSequence = first_seq - 1`, `lastSequence = last_seq - 1`, `leafCount = leaf_count`.
 */
export function anchorOnChain(anchor: {
  batchId: bigint;
  firstSeq: bigint;
  lastSeq: bigint;
  root: Hex;
}): { batchId: bigint; root: Hex; firstSequence: bigint; lastSequence: bigint; leafCount: number } {
  return {
    batchId: anchor.batchId,
    root: anchor.root,
    firstSequence: anchor.firstSeq - 1n,
    lastSequence: anchor.lastSeq - 1n,
    leafCount: Number(anchor.lastSeq - anchor.firstSeq + 1n),
  };
}

export type ChainBatch = { root: Hex; firstSequence: bigint; lastSequence: bigint };

/** Whether the chain's batch is exactly what the stored anchor says was published. */
export function chainBatchMatches(
  anchor: { batchId: bigint; firstSeq: bigint; lastSeq: bigint; root: Hex },
  onChain: ChainBatch,
): boolean {
  const expected = anchorOnChain(anchor);
  return (
    onChain.root.toLowerCase() === expected.root.toLowerCase() &&
    onChain.firstSequence === expected.firstSequence &&
    onChain.lastSequence === expected.lastSequence
  );
}

/**
 * Compares the stored anchors with the publisher's batches on chain (`chainBatches[i]` is batch
 * `i`, all of them). Every anchor recorded as published must be on chain, identical; the chain
 * must hold no batch the database lacks. An anchor published but not yet recorded (the anchoring
 * job stopped between sending and recording) is fine when identical: the next run records it.
 */
export function compareAnchorsWithChain(
  anchors: ReadonlyArray<StoredAnchor & { anchoredTxHash: string | null }>,
  chainBatches: readonly ChainBatch[],
): AnchorProblem[] {
  const problems: AnchorProblem[] = [];
  const describe = (batch: ChainBatch) =>
    `root ${batch.root}, seq ${batch.firstSequence + 1n}–${batch.lastSequence + 1n}`;
  const stored = new Map(anchors.map((anchor) => [anchor.batchId, anchor]));
  for (const anchor of anchors) {
    const onChain = chainBatches[Number(anchor.batchId)];
    if (!onChain) {
      if (anchor.anchoredTxHash !== null) {
        problems.push({
          batchId: anchor.batchId,
          message: `anchor ${anchor.batchId} is recorded as published (tx ${anchor.anchoredTxHash}), but the chain holds no batch ${anchor.batchId}`,
        });
      }
      continue;
    }
    if (!chainBatchMatches(anchor, onChain)) {
      problems.push({
        batchId: anchor.batchId,
        message: `anchor ${anchor.batchId} differs from the chain: the database has root ${anchor.root}, seq ${anchor.firstSeq}–${anchor.lastSeq}; the chain has ${describe(onChain)}`,
      });
    }
  }
  chainBatches.forEach((onChain, index) => {
    const batchId = BigInt(index);
    if (!stored.has(batchId)) {
      problems.push({
        batchId,
        message: `the chain holds batch ${batchId} (${describe(onChain)}) that the database lacks`,
      });
    }
  });
  return problems;
}
