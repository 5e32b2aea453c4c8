import { concat, keccak256, toHex, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { buildMerkleTree, hashPair, verifyMerkleProof } from "#core/merkle.ts";
import { auditBatchRoot, auditEntryLeaf } from "./merkle.ts";

const entryHash = (n: number) => keccak256(toHex(`entry ${n}`));
const leavesOf = (count: number) =>
  Array.from({ length: count }, (_, i) => auditEntryLeaf(BigInt(i + 1), entryHash(i + 1)));

describe("the ledger's trees over audit-entry leaves", () => {
  it("give the roots the audit anchors were first computed with", () => {
    // Fixed before the audit log shared core/merkle.ts: sharing it changed no root.
    expect(buildMerkleTree(leavesOf(5)).root).toBe(
      "0x2fc3c1f54ef92cb5f24819d860351a3d1c2fec407573f526c7365aa575cca73c",
    );
    expect(buildMerkleTree(leavesOf(13)).root).toBe(
      "0x231bfb5d683a39c4479b7bb2f310868c8015621dafcc21393365fce58dd7241e",
    );
  });

  it("hashes two leaves as keccak256 of the smaller followed by the larger", () => {
    const [a, b] = leavesOf(2) as [Hex, Hex];
    const [low, high] = a < b ? [a, b] : [b, a];
    expect(buildMerkleTree([a, b]).root).toBe(keccak256(concat([low, high])));
    expect(hashPair(a, b)).toBe(hashPair(b, a));
  });

  it("uses a single leaf as the root", () => {
    const [leaf] = leavesOf(1) as [Hex];
    expect(buildMerkleTree([leaf]).root).toBe(leaf);
  });

  it("does not depend on the order the leaves come in", () => {
    const leaves = leavesOf(7);
    expect(buildMerkleTree([...leaves].reverse()).root).toBe(buildMerkleTree(leaves).root);
  });

  it("proves every leaf, and no proof works for a leaf that is not in the tree", () => {
    for (const count of [1, 2, 3, 6, 9]) {
      const leaves = leavesOf(count);
      const tree = buildMerkleTree(leaves);
      leaves.forEach((leaf, index) => {
        expect(verifyMerkleProof(tree.root, leaf, tree.proof(index))).toBe(true);
      });
      const outsider = auditEntryLeaf(99n, entryHash(99));
      expect(verifyMerkleProof(tree.root, outsider, tree.proof(0))).toBe(false);
    }
  });

  it("refuses no leaves, equal leaves and leaves that are not 32-byte hashes", () => {
    const [leaf] = leavesOf(1) as [Hex];
    expect(() => buildMerkleTree([])).toThrow(RangeError);
    expect(() => buildMerkleTree([leaf, leaf])).toThrow(/equal/);
    expect(() => buildMerkleTree(["0x1234"])).toThrow(/not a 32-byte hash/);
  });
});

describe("auditBatchRoot", () => {
  it("commits to each entry's sequence number as well as its hash", () => {
    const entries = [
      { seq: 1n, hash: entryHash(1) },
      { seq: 2n, hash: entryHash(2) },
    ];
    const root = auditBatchRoot(entries);
    expect(
      auditBatchRoot([
        { seq: 1n, hash: entryHash(2) },
        { seq: 2n, hash: entryHash(1) },
      ]),
    ).not.toBe(root);
    expect(auditBatchRoot([{ ...entries[0]!, hash: entryHash(3) }, entries[1]!])).not.toBe(root);
  });
});
