// Merkle roots over batches of audit-log entries, for anchoring on chain. The trees are the
// ledger's (core/merkle.ts: OpenZeppelin's StandardMerkleTree layout); only the leaf is the audit
// log's own, domain-tagged so it can never pass for an access event, record or payout.
import { keccak256, stringToHex, type Hex } from "viem";
import { buildMerkleTree, standardLeafHash } from "#core/merkle.ts";

/** Sets audit-entry leaves apart from every other leaf of the project (access events, payouts). */
export const AUDIT_ENTRY_LEAF_DOMAIN: Hex = keccak256(stringToHex("consentry.audit-entry.v1"));

const AUDIT_ENTRY_LEAF_TYPES = [
  { type: "bytes32" },
  { type: "uint64" },
  { type: "bytes32" },
] as const;

/** `keccak256(bytes.concat(keccak256(abi.encode(DOMAIN, seq, entryHash))))`. */
export function auditEntryLeaf(seq: bigint, entryHash: Hex): Hex {
  return standardLeafHash(AUDIT_ENTRY_LEAF_TYPES, [AUDIT_ENTRY_LEAF_DOMAIN, seq, entryHash]);
}

/** The root over a run of audit entries, each given by its sequence number and stored hash. */
export function auditBatchRoot(entries: ReadonlyArray<{ seq: bigint; hash: Hex }>): Hex {
  return buildMerkleTree(entries.map((entry) => auditEntryLeaf(entry.seq, entry.hash))).root;
}
