// Merkle trees of the ledger: access-log batches, record-commitment batches and study payouts, built and
// proved exactly as the AccessLogAnchors, RecordCommitments and Compensation contracts verify them.
//
// The layout is OpenZeppelin's StandardMerkleTree (leaves double-hashed and sorted, pairs hashed sorted), so
// its tools and `MerkleProof.verify` accept these trees too. Each leaf starts with a domain tag, so an access
// event can never be read as a payout or the other way round.
import {
  type AbiParameter,
  type Address,
  concat,
  encodeAbiParameters,
  getAddress,
  type Hex,
  isHex,
  keccak256,
  size,
  stringToHex,
  zeroHash,
} from "viem";

/** Sets access-event leaves apart; `AccessEventLeaf.DOMAIN` in Solidity. */
export const ACCESS_EVENT_LEAF_DOMAIN: Hex = keccak256(stringToHex("consentry.access-event.v1"));

/** Sets record-commitment leaves apart; `RecordCommitmentLeaf.DOMAIN` in Solidity. */
export const RECORD_COMMITMENT_LEAF_DOMAIN: Hex = keccak256(
  stringToHex("consentry.record-commitment.v1"),
);

/** Sets payout leaves apart; `PayoutLeaf.DOMAIN` in Solidity. */
export const PAYOUT_LEAF_DOMAIN: Hex = keccak256(stringToHex("consentry.payout.v1"));

/** The most events one batch may hold: `publishBatch` takes the count as a uint32. */
export const MAX_BATCH_EVENTS = 2 ** 32 - 1;

const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT128 = 2n ** 128n - 1n;

export type MerkleTree = {
  readonly root: Hex;
  /** The leaves in the order they were given. */
  readonly leaves: readonly Hex[];
  /** Every node, root first, in StandardMerkleTree's array layout (what its `dump()` calls `tree`). */
  readonly nodes: readonly Hex[];
  /** The sibling hashes from the leaf at `leafIndex` (its position in `leaves`) up to the root. */
  proof(leafIndex: number): Hex[];
};

/** Inner nodes hash the smaller child first, as OpenZeppelin's `Hashes.commutativeKeccak256` does. */
export function hashPair(a: Hex, b: Hex): Hex {
  const [left, right] = a.toLowerCase() < b.toLowerCase() ? [a, b] : [b, a];
  return keccak256(concat([left, right]));
}

/** `keccak256(bytes.concat(keccak256(abi.encode(values))))`: StandardMerkleTree's leaf hash. */
export function standardLeafHash(types: readonly AbiParameter[], values: readonly unknown[]): Hex {
  return keccak256(keccak256(encodeAbiParameters(types, values as unknown[])));
}

/**
 * Builds a tree over already hashed leaves. The leaves are sorted before the tree is laid out, so the root does
 * not depend on their order, and StandardMerkleTree over the same values yields the same root.
 */
export function buildMerkleTree(leaves: readonly Hex[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError("A Merkle tree needs at least one leaf");
  const normalised = leaves.map((leaf, index) => {
    if (!isHex(leaf, { strict: true }) || size(leaf) !== 32) {
      throw new TypeError(`Leaf ${index} is not a 32-byte hash: ${String(leaf)}`);
    }
    return leaf.toLowerCase() as Hex;
  });
  const sorted = normalised.map((leaf, index) => ({ leaf, index }));
  sorted.sort((a, b) => (a.leaf < b.leaf ? -1 : a.leaf > b.leaf ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    // Two equal leaves would share one proof and make "which entry is this" ambiguous.
    if (sorted[i]?.leaf === sorted[i - 1]?.leaf) {
      throw new RangeError(
        `Leaves ${sorted[i - 1]?.index} and ${sorted[i]?.index} are equal: each leaf must be unique`,
      );
    }
  }

  const nodes = new Array<Hex>(2 * sorted.length - 1);
  const nodeOfLeaf = new Array<number>(sorted.length);
  sorted.forEach(({ leaf, index }, position) => {
    const node = nodes.length - 1 - position;
    nodes[node] = leaf;
    nodeOfLeaf[index] = node;
  });
  for (let node = nodes.length - 1 - sorted.length; node >= 0; node--) {
    nodes[node] = hashPair(nodes[2 * node + 1] as Hex, nodes[2 * node + 2] as Hex);
  }

  return {
    root: nodes[0] as Hex,
    leaves: normalised,
    nodes,
    proof(leafIndex) {
      let node = nodeOfLeaf[leafIndex];
      if (node === undefined) {
        throw new RangeError(`No leaf ${leafIndex}: the tree has ${normalised.length}`);
      }
      const proof: Hex[] = [];
      while (node > 0) {
        proof.push(nodes[node % 2 === 1 ? node + 1 : node - 1] as Hex);
        node = Math.floor((node - 1) / 2);
      }
      return proof;
    },
  };
}

/** The root a leaf and its proof lead to. */
export function processMerkleProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf);
}

/** What `MerkleProof.verify` answers on chain. */
export function verifyMerkleProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  return processMerkleProof(leaf, proof).toLowerCase() === root.toLowerCase();
}

// --- access-log batches ---------------------------------------------------------------------------------------

/** One access to one patient's record, as a custodian's log holds it; `IAccessLogAnchors.AccessEvent`. */
export type AccessEvent = {
  /** Position in the custodian's log: 0, 1, 2, … without gaps. */
  sequence: bigint;
  /** Unix seconds. */
  accessedAt: bigint;
  /** The researcher, provider or worker account that accessed the record. */
  accessor: Address;
  /** Salted hash of the patient's pseudonym, never an identifier (ADR 0005). */
  patientRef: Hex;
  /** The consent, care grant or licence under which the access happened. */
  grantRef: Hex;
  /** Hash of what was done: the analysis spec, job or read request. */
  actionRef: Hex;
};

const ACCESS_EVENT_LEAF_TYPES = [
  { type: "bytes32" },
  { type: "address" },
  { type: "uint64" },
  { type: "uint64" },
  { type: "address" },
  { type: "bytes32" },
  { type: "bytes32" },
  { type: "bytes32" },
] as const;

/** The leaf of `event` in `custodian`'s batch tree; `AccessEventLeaf.hash` in Solidity. */
export function accessEventLeaf(custodian: Address, event: AccessEvent): Hex {
  return keccak256(
    keccak256(
      encodeAbiParameters(ACCESS_EVENT_LEAF_TYPES, [
        ACCESS_EVENT_LEAF_DOMAIN,
        custodian,
        event.sequence,
        event.accessedAt,
        event.accessor,
        event.patientRef,
        event.grantRef,
        event.actionRef,
      ]),
    ),
  );
}

export type AccessLogBatch = {
  custodian: Address;
  root: Hex;
  firstSequence: bigint;
  lastSequence: bigint;
  /** The `leafCount` that `publishBatch` takes. */
  leafCount: number;
  events: readonly AccessEvent[];
  /** The proof of the event with `sequence`, for `verifyAccessEvent`. */
  proofOf(sequence: bigint): Hex[];
};

/**
 * The batch tree over a run of a custodian's access events. The events must carry consecutive sequence numbers,
 * in order, as the contract anchors a batch as the range `firstSequence` to `lastSequence`.
 */
export function buildAccessLogBatch(
  custodian: Address,
  events: readonly AccessEvent[],
): AccessLogBatch {
  const first = events[0];
  if (first === undefined) throw new RangeError("A batch needs at least one access event");
  if (events.length > MAX_BATCH_EVENTS) {
    throw new RangeError(`A batch holds at most ${MAX_BATCH_EVENTS} events, not ${events.length}`);
  }
  if (first.sequence < 0n || first.sequence + BigInt(events.length) > MAX_UINT64) {
    throw new RangeError(
      `Sequences ${first.sequence} to ${first.sequence + BigInt(events.length - 1)} do not fit the contract's uint64`,
    );
  }
  events.forEach((event, position) => {
    const expected = first.sequence + BigInt(position);
    if (event.sequence !== expected) {
      throw new RangeError(
        `Access event ${position} has sequence ${event.sequence}, expected ${expected}: a batch is a gapless run`,
      );
    }
  });
  const checkedCustodian = getAddress(custodian);
  const tree = buildMerkleTree(events.map((event) => accessEventLeaf(checkedCustodian, event)));
  const lastSequence = first.sequence + BigInt(events.length - 1);
  return {
    custodian: checkedCustodian,
    root: tree.root,
    firstSequence: first.sequence,
    lastSequence,
    leafCount: events.length,
    events,
    proofOf(sequence) {
      if (sequence < first.sequence || sequence > lastSequence) {
        throw new RangeError(
          `Sequence ${sequence} is not in this batch (${first.sequence} to ${lastSequence})`,
        );
      }
      return tree.proof(Number(sequence - first.sequence));
    },
  };
}

/** The off-chain twin of `verifyAccessEvent`, for an auditor holding the exported log and the anchored root. */
export function verifyAccessEventProof(
  root: Hex,
  custodian: Address,
  event: AccessEvent,
  proof: readonly Hex[],
): boolean {
  return verifyMerkleProof(root, accessEventLeaf(custodian, event), proof);
}

// --- record-commitment batches -------------------------------------------------------------------------------

/** One stored record as its custodian commits it on chain; `IRecordCommitments.RecordCommitment`. */
export type RecordCommitment = {
  /** The pointer: the record's row id in the custodian's store. */
  recordId: bigint;
  /** `recordPatientRef` of the patient's pseudo id. */
  patientRef: Hex;
  /** SHA-256 of the record's encrypted envelope. */
  commitment: Hex;
};

const RECORD_COMMITMENT_LEAF_TYPES = [
  { type: "bytes32" },
  { type: "address" },
  { type: "uint64" },
  { type: "bytes32" },
  { type: "bytes32" },
] as const;

const PSEUDO_ID = /^[0-9a-f]{64}$/;

/**
 * The patient reference of a record leaf: `keccak256` of the 32 bytes of the patient's pseudo id. The pseudo
 * id is itself a keyed hash that only the custodian's secret links to a person, so the reference is no
 * low-entropy hash of an identifier (ADR 0005), and a patient who knows their pseudo id finds their leaves.
 */
export function recordPatientRef(pseudoId: string): Hex {
  if (!PSEUDO_ID.test(pseudoId)) {
    throw new TypeError(`"${pseudoId}" is not a pseudo id (64 lower-case hex digits)`);
  }
  return keccak256(`0x${pseudoId}`);
}

/** The leaf of `record` in `custodian`'s batch tree; `RecordCommitmentLeaf.hash` in Solidity. */
export function recordCommitmentLeaf(custodian: Address, record: RecordCommitment): Hex {
  return keccak256(
    keccak256(
      encodeAbiParameters(RECORD_COMMITMENT_LEAF_TYPES, [
        RECORD_COMMITMENT_LEAF_DOMAIN,
        custodian,
        record.recordId,
        record.patientRef,
        record.commitment,
      ]),
    ),
  );
}

export type RecordCommitmentBatch = {
  custodian: Address;
  root: Hex;
  /** The `leafCount` that `publishBatch` takes. */
  leafCount: number;
  records: readonly RecordCommitment[];
  /** The proof of the record with `recordId`, for `verifyRecordCommitment`. */
  proofOf(recordId: bigint): Hex[];
};

/**
 * The batch tree over some of a custodian's records. Record ids need not be consecutive (a batch holds what
 * was stored since the previous one), but each may appear once; the root does not depend on their order.
 */
export function buildRecordCommitmentBatch(
  custodian: Address,
  records: readonly RecordCommitment[],
): RecordCommitmentBatch {
  if (records.length === 0) throw new RangeError("A batch needs at least one record");
  if (records.length > MAX_BATCH_EVENTS) {
    throw new RangeError(
      `A batch holds at most ${MAX_BATCH_EVENTS} records, not ${records.length}`,
    );
  }
  const positionOf = new Map<bigint, number>();
  records.forEach((record, position) => {
    if (record.recordId < 0n || record.recordId > MAX_UINT64) {
      throw new RangeError(`Record id ${record.recordId} does not fit the contract's uint64`);
    }
    if (positionOf.has(record.recordId)) {
      throw new RangeError(
        `Record ${record.recordId} appears twice: each record is committed once`,
      );
    }
    positionOf.set(record.recordId, position);
  });
  const checkedCustodian = getAddress(custodian);
  const tree = buildMerkleTree(
    records.map((record) => recordCommitmentLeaf(checkedCustodian, record)),
  );
  return {
    custodian: checkedCustodian,
    root: tree.root,
    leafCount: records.length,
    records,
    proofOf(recordId) {
      const position = positionOf.get(recordId);
      if (position === undefined) throw new RangeError(`Record ${recordId} is not in this batch`);
      return tree.proof(position);
    },
  };
}

/** The off-chain twin of `verifyRecordCommitment`, for a patient or auditor holding the committed root. */
export function verifyRecordCommitmentProof(
  root: Hex,
  custodian: Address,
  record: RecordCommitment,
  proof: readonly Hex[],
): boolean {
  return verifyMerkleProof(root, recordCommitmentLeaf(custodian, record), proof);
}

// --- study payouts --------------------------------------------------------------------------------------------

/** What one patient is owed by one study through one offer. */
export type Payout = {
  offerId: Hex;
  /** The patient's pseudonymous address: the only account that may claim or donate the payout. */
  patient: Address;
  /** In credits (the smallest unit of the study's currency). */
  amount: bigint;
};

/** A payout in its study's list: `index` is its position there and keys its settled bit on chain. */
export type IndexedPayout = Payout & { index: bigint };

const PAYOUT_LEAF_TYPES = [
  { type: "bytes32" },
  { type: "bytes32" },
  { type: "bytes32" },
  { type: "uint256" },
  { type: "address" },
  { type: "uint256" },
] as const;

/** The leaf of `payout` in `studyId`'s payout tree; `PayoutLeaf.hash` in Solidity. */
export function payoutLeaf(studyId: Hex, payout: IndexedPayout): Hex {
  return keccak256(
    keccak256(
      encodeAbiParameters(PAYOUT_LEAF_TYPES, [
        PAYOUT_LEAF_DOMAIN,
        studyId,
        payout.offerId,
        payout.index,
        payout.patient,
        payout.amount,
      ]),
    ),
  );
}

export type PayoutTree = {
  studyId: Hex;
  root: Hex;
  /** The sum of all payouts: the least pool that pays every patient. */
  total: bigint;
  payouts: readonly IndexedPayout[];
  /** The proof of the payout at `index`, for `claim` and `donate`. */
  proofOf(index: bigint | number): Hex[];
};

/**
 * The payout tree of a study. Payouts are indexed in the order given; each (offer, patient) pair may appear
 * once and each amount must be positive.
 */
export function buildPayoutTree(studyId: Hex, payouts: readonly Payout[]): PayoutTree {
  if (studyId.toLowerCase() === zeroHash) throw new RangeError("The study id must not be zero");
  const seen = new Set<string>();
  let total = 0n;
  const indexed = payouts.map((payout, position): IndexedPayout => {
    if (payout.amount <= 0n) {
      throw new RangeError(`Payout ${position} has amount ${payout.amount}: it must be positive`);
    }
    const key = `${payout.offerId.toLowerCase()}:${payout.patient.toLowerCase()}`;
    if (seen.has(key)) {
      throw new RangeError(`Payout ${position} pays ${payout.patient} twice for one offer`);
    }
    seen.add(key);
    total += payout.amount;
    return { ...payout, patient: getAddress(payout.patient), index: BigInt(position) };
  });
  if (total > MAX_UINT128)
    throw new RangeError(`The payouts total ${total}, more than a pool holds`);
  const tree = buildMerkleTree(indexed.map((payout) => payoutLeaf(studyId, payout)));
  return {
    studyId,
    root: tree.root,
    total,
    payouts: indexed,
    proofOf(index) {
      return tree.proof(Number(index));
    },
  };
}

/** The off-chain twin of what `claim` and `donate` check, for a patient's wallet before it sends. */
export function verifyPayoutProof(
  root: Hex,
  studyId: Hex,
  payout: IndexedPayout,
  proof: readonly Hex[],
): boolean {
  return verifyMerkleProof(root, payoutLeaf(studyId, payout), proof);
}
