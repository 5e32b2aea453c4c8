// Merkle roots over batches of audit-log entries, for anchoring on chain.
//
// Laid out as OpenZeppelin's StandardMerkleTree (leaves double-hashed with keccak-256 and sorted,
// inner pairs hashed smaller-first), the layout of `core/merkle.ts` on the ledger branch and of
// OpenZeppelin's `MerkleProof.verify`: once that module lands, `buildMerkleTree` here can give way to
// it without changing a single root.
import { concat, encodeAbiParameters, keccak256, stringToHex, type Hex } from "viem";

/** Sets audit-entry leaves apart from every other leaf of the project (access events, payouts). */
export const AUDIT_ENTRY_LEAF_DOMAIN: Hex = keccak256(stringToHex("consentry.audit-entry.v1"));

export type MerkleTree = {
  readonly root: Hex;
  /** The sibling hashes from the leaf given at `leafIndex` up to the root. */
  proof(leafIndex: number): Hex[];
};

/** Inner nodes hash the smaller child first (OpenZeppelin's `Hashes.commutativeKeccak256`). */
export function hashPair(a: Hex, b: Hex): Hex {
  return a.toLowerCase() < b.toLowerCase() ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * A tree over 32-byte leaves. Leaves are sorted before the tree is laid out, so the root does not
 * depend on their order (an audit leaf carries its sequence number, so order is still committed).
 */
export function buildMerkleTree(leaves: readonly Hex[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const normalised = leaves.map((leaf, index) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(leaf)) {
      throw new TypeError(`leaf ${index} is not a 32-byte hash: ${leaf}`);
    }
    return leaf.toLowerCase() as Hex;
  });
  const sorted = normalised.map((leaf, index) => ({ leaf, index }));
  sorted.sort((a, b) => (a.leaf < b.leaf ? -1 : a.leaf > b.leaf ? 1 : 0));
  for (let i = 1; i < sorted.length; i += 1) {
    if (sorted[i]?.leaf === sorted[i - 1]?.leaf) {
      throw new RangeError(`leaves ${sorted[i - 1]?.index} and ${sorted[i]?.index} are equal`);
    }
  }
  // StandardMerkleTree's array layout: node i has children 2i+1 and 2i+2; leaves fill the end, reversed.
  const nodes = new Array<Hex>(2 * sorted.length - 1);
  const nodeOfLeaf = new Array<number>(sorted.length);
  sorted.forEach(({ leaf, index }, position) => {
    const node = nodes.length - 1 - position;
    nodes[node] = leaf;
    nodeOfLeaf[index] = node;
  });
  for (let node = nodes.length - 1 - sorted.length; node >= 0; node -= 1) {
    nodes[node] = hashPair(nodes[2 * node + 1] as Hex, nodes[2 * node + 2] as Hex);
  }
  return {
    root: nodes[0] as Hex,
    proof(leafIndex) {
      let node = nodeOfLeaf[leafIndex];
      if (node === undefined) throw new RangeError(`no leaf ${leafIndex}`);
      const proof: Hex[] = [];
      while (node > 0) {
        proof.push(nodes[node % 2 === 1 ? node + 1 : node - 1] as Hex);
        node = Math.floor((node - 1) / 2);
      }
      return proof;
    },
  };
}

export function verifyMerkleProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  const computed = proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf);
  return computed.toLowerCase() === root.toLowerCase();
}

const AUDIT_ENTRY_LEAF_TYPES = [
  { type: "bytes32" },
  { type: "uint64" },
  { type: "bytes32" },
] as const;

/** `keccak256(bytes.concat(keccak256(abi.encode(DOMAIN, seq, entryHash))))`. */
export function auditEntryLeaf(seq: bigint, entryHash: Hex): Hex {
  return keccak256(
    keccak256(
      encodeAbiParameters(AUDIT_ENTRY_LEAF_TYPES, [AUDIT_ENTRY_LEAF_DOMAIN, seq, entryHash]),
    ),
  );
}

/** The root over a run of audit entries, each given by its sequence number and stored hash. */
export function auditBatchRoot(entries: ReadonlyArray<{ seq: bigint; hash: Hex }>): Hex {
  return buildMerkleTree(entries.map((entry) => auditEntryLeaf(entry.seq, entry.hash))).root;
}
