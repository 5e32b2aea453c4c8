import { getAddress, type Hex, keccak256, stringToHex, toHex, zeroHash } from "viem";
import { describe, expect, it } from "vitest";

import {
  type AccessEvent,
  accessEventLeaf,
  buildAccessLogBatch,
  buildMerkleTree,
  buildPayoutTree,
  buildRecordCommitmentBatch,
  hashPair,
  type Payout,
  payoutLeaf,
  type RecordCommitment,
  recordCommitmentLeaf,
  recordPatientRef,
  standardLeafHash,
  verifyAccessEventProof,
  verifyMerkleProof,
  verifyPayoutProof,
  verifyRecordCommitmentProof,
} from "./merkle.ts";

const custodian = getAddress("0x1111111111111111111111111111111111111111");
const otherCustodian = getAddress("0x2222222222222222222222222222222222222222");
const researcher = getAddress("0x3333333333333333333333333333333333333333");
const STUDY = keccak256(stringToHex("study-1"));
const OTHER_STUDY = keccak256(stringToHex("study-2"));
const OFFER = keccak256(stringToHex("offer-1"));

function leafOf(n: number): Hex {
  return keccak256(toHex(`leaf-${n}`));
}

function patientOf(n: number) {
  return getAddress(keccak256(toHex(`patient-${n}`)).slice(0, 42));
}

function accessEvent(sequence: bigint): AccessEvent {
  return {
    sequence,
    accessedAt: 1_750_000_000n + sequence,
    accessor: researcher,
    patientRef: keccak256(toHex(`patient-ref-${sequence % 3n}`)),
    grantRef: keccak256(stringToHex("consent-oncology")),
    actionRef: keccak256(toHex(`analysis-${sequence / 2n}`)),
  };
}

function storedRecord(n: number): RecordCommitment {
  return {
    recordId: BigInt(10 * n + 3),
    patientRef: keccak256(toHex(`patient-ref-${n % 4}`)),
    commitment: keccak256(toHex(`envelope-${n}`)),
  };
}

function payouts(count: number): Payout[] {
  return Array.from({ length: count }, (_, i) => ({
    offerId: OFFER,
    patient: patientOf(i),
    amount: BigInt(100 * (i + 1)),
  }));
}

describe("buildMerkleTree", () => {
  // OpenZeppelin merkle-tree's own test dump (test/dumps/standard-v1.sorted.1_0_6.json): StandardMerkleTree.of
  // over the strings "a" to "f" with leaf encoding ["string"]. Equal nodes mean its tools read our trees.
  const standardDump = {
    tree: [
      "0x6deb52b5da8fd108f79fab00341f38d2587896634c646ee52e49f845680a70c8",
      "0x52426e0f1f65ff7e209a13b8c29cffe82e3acaf3dad0a9b9088f3b9a61a929c3",
      "0xfd3cf45654e88d1cc5d663578c82c76f4b5e3826bacaa1216441443504538f51",
      "0x8076923e76cf01a7c048400a2304c9a9c23bbbdac3a98ea3946340fdafbba34f",
      "0x965b92c6cf08303cc4feb7f3e0819c436c2cec17c6f0688a6af139c9a368707c",
      "0xeba909cf4bb90c6922771d7f126ad0fd11dfde93f3937a196274e1ac20fd2f5b",
      "0xc62a8cfa41edc0ef6f6ae27a2985b7d39c7fea770787d7e104696c6e81f64848",
      "0x9cf5a63718145ba968a01c1d557020181c5b252f665cf7386d370eddb176517b",
      "0x9c15a6a0eaeed500fd9eed4cbeab71f797cefcc67bfd46683e4d2e6ff7f06d1c",
      "0x9a4f64e953595df82d1b4f570d34c4f4f0cfaf729a61e9d60e83e579e1aa283e",
      "0x19ba6c6333e0e9a15bf67523e0676e2f23eb8e574092552d5e888c64a4bb3681",
    ],
    treeIndexOf: { a: 8, b: 10, c: 7, d: 5, e: 9, f: 6 },
  } as const;
  const letters = ["a", "b", "c", "d", "e", "f"] as const;
  const letterLeaves = letters.map((letter) => standardLeafHash([{ type: "string" }], [letter]));

  it("lays out the same nodes as OpenZeppelin's StandardMerkleTree", () => {
    const tree = buildMerkleTree(letterLeaves);
    expect(tree.root).toBe(standardDump.tree[0]);
    expect(tree.nodes).toEqual(standardDump.tree);
    letters.forEach((letter, i) => {
      expect(tree.nodes[standardDump.treeIndexOf[letter]]).toBe(letterLeaves[i]);
    });
  });

  it("gives the proof StandardMerkleTree gives: siblings from the leaf up", () => {
    const tree = buildMerkleTree(letterLeaves);
    // "a" sits at node 8: its sibling is 7, its parent 3 has sibling 4, whose parent 1 has sibling 2.
    expect(tree.proof(0)).toEqual([
      standardDump.tree[7],
      standardDump.tree[4],
      standardDump.tree[2],
    ]);
  });

  it("proves every leaf of trees of every size from 1 to 33", () => {
    for (let size = 1; size <= 33; size++) {
      const leaves = Array.from({ length: size }, (_, i) => leafOf(i));
      const tree = buildMerkleTree(leaves);
      leaves.forEach((leaf, i) => {
        expect(verifyMerkleProof(tree.root, leaf, tree.proof(i)), `leaf ${i} of ${size}`).toBe(
          true,
        );
      });
    }
  });

  it("makes a single leaf its own root, with an empty proof", () => {
    const tree = buildMerkleTree([leafOf(0)]);
    expect(tree.root).toBe(leafOf(0));
    expect(tree.proof(0)).toEqual([]);
  });

  it("gives the same root whatever order the leaves come in", () => {
    const leaves = Array.from({ length: 9 }, (_, i) => leafOf(i));
    expect(buildMerkleTree([...leaves].reverse()).root).toBe(buildMerkleTree(leaves).root);
  });

  it("refuses a leaf that is not in the tree, and a proof of another leaf", () => {
    const leaves = Array.from({ length: 8 }, (_, i) => leafOf(i));
    const tree = buildMerkleTree(leaves);
    expect(verifyMerkleProof(tree.root, leafOf(8), tree.proof(0))).toBe(false);
    expect(verifyMerkleProof(tree.root, leafOf(1), tree.proof(0))).toBe(false);
    const tampered = tree.proof(3);
    tampered[1] = leafOf(99);
    expect(verifyMerkleProof(tree.root, leafOf(3), tampered)).toBe(false);
  });

  it("hashes pairs the same way round whichever comes first", () => {
    expect(hashPair(leafOf(1), leafOf(2))).toBe(hashPair(leafOf(2), leafOf(1)));
  });

  it("refuses no leaves, a leaf that is not 32 bytes, equal leaves, and a proof of a leaf it lacks", () => {
    expect(() => buildMerkleTree([])).toThrow(/at least one leaf/);
    expect(() => buildMerkleTree(["0x1234"])).toThrow(/not a 32-byte hash/);
    expect(() => buildMerkleTree([leafOf(1), leafOf(2), leafOf(1)])).toThrow(
      /Leaves 0 and 2 are equal/,
    );
    expect(() => buildMerkleTree([leafOf(1)]).proof(1)).toThrow(/No leaf 1/);
  });
});

describe("accessEventLeaf", () => {
  it("matches the leaf AccessLogAnchors.accessEventLeaf computed on chain for the same event", () => {
    // Pinned from the deployed contract: leaves already anchored stay provable only while this holds.
    const event: AccessEvent = {
      sequence: 42n,
      accessedAt: 1_750_000_000n,
      accessor: researcher,
      patientRef: keccak256(stringToHex("patient-ref")),
      grantRef: keccak256(stringToHex("consent-oncology")),
      actionRef: keccak256(stringToHex("analysis-spec")),
    };
    expect(accessEventLeaf(custodian, event)).toBe(
      "0x0d5e6d11667849e22d23e895d5b0a4a69bccb223b816e99672207a94bfb3fe0a",
    );
  });

  it("changes when any field of the event or the custodian changes", () => {
    const event = accessEvent(7n);
    const leaf = accessEventLeaf(custodian, event);
    const variants: AccessEvent[] = [
      { ...event, sequence: 8n },
      { ...event, accessedAt: event.accessedAt + 1n },
      { ...event, accessor: custodian },
      { ...event, patientRef: zeroHash },
      { ...event, grantRef: zeroHash },
      { ...event, actionRef: zeroHash },
    ];
    for (const variant of variants) expect(accessEventLeaf(custodian, variant)).not.toBe(leaf);
    expect(accessEventLeaf(otherCustodian, event)).not.toBe(leaf);
  });
});

describe("buildAccessLogBatch", () => {
  it("anchors a gapless run of events and proves each by its sequence", () => {
    const events = Array.from({ length: 12 }, (_, i) => accessEvent(40n + BigInt(i)));
    const batch = buildAccessLogBatch(custodian, events);
    expect(batch.firstSequence).toBe(40n);
    expect(batch.lastSequence).toBe(51n);
    expect(batch.leafCount).toBe(12);
    for (const event of events) {
      expect(
        verifyAccessEventProof(batch.root, custodian, event, batch.proofOf(event.sequence)),
      ).toBe(true);
    }
  });

  it("does not verify an event under another custodian or with a field changed", () => {
    const batch = buildAccessLogBatch(custodian, [accessEvent(0n), accessEvent(1n)]);
    const proof = batch.proofOf(1n);
    expect(verifyAccessEventProof(batch.root, otherCustodian, accessEvent(1n), proof)).toBe(false);
    expect(
      verifyAccessEventProof(
        batch.root,
        custodian,
        { ...accessEvent(1n), accessor: custodian },
        proof,
      ),
    ).toBe(false);
  });

  it("refuses an empty batch, a gap, a repeated or out-of-order sequence, and sequences past uint64", () => {
    expect(() => buildAccessLogBatch(custodian, [])).toThrow(/at least one access event/);
    expect(() => buildAccessLogBatch(custodian, [accessEvent(0n), accessEvent(2n)])).toThrow(
      /sequence 2, expected 1/,
    );
    expect(() => buildAccessLogBatch(custodian, [accessEvent(3n), accessEvent(3n)])).toThrow(
      /sequence 3, expected 4/,
    );
    expect(() => buildAccessLogBatch(custodian, [accessEvent(5n), accessEvent(4n)])).toThrow(
      /sequence 4, expected 6/,
    );
    expect(() => buildAccessLogBatch(custodian, [accessEvent(2n ** 64n - 1n)])).toThrow(
      /do not fit the contract's uint64/,
    );
  });

  it("refuses a proof for a sequence outside the batch", () => {
    const batch = buildAccessLogBatch(custodian, [accessEvent(10n), accessEvent(11n)]);
    expect(() => batch.proofOf(12n)).toThrow(/not in this batch \(10 to 11\)/);
    expect(() => batch.proofOf(9n)).toThrow(/not in this batch/);
  });
});

describe("recordCommitmentLeaf", () => {
  it("matches the leaf RecordCommitments.recordCommitmentLeaf computed on chain for the same record", () => {
    // Pinned from the contract: committed records stay provable only while this holds.
    const record: RecordCommitment = {
      recordId: 42n,
      patientRef: keccak256(stringToHex("patient-ref")),
      commitment: keccak256(stringToHex("envelope")),
    };
    expect(recordCommitmentLeaf(custodian, record)).toBe(
      "0xc7b274815aae9e052012257e181a2e4aca99cdf77f0400f03efadb3129229e3d",
    );
  });

  it("changes when the pointer, the patient, the commitment or the custodian changes", () => {
    const record = storedRecord(7);
    const leaf = recordCommitmentLeaf(custodian, record);
    const variants: RecordCommitment[] = [
      { ...record, recordId: record.recordId + 1n },
      { ...record, patientRef: zeroHash },
      { ...record, commitment: zeroHash },
    ];
    for (const variant of variants) expect(recordCommitmentLeaf(custodian, variant)).not.toBe(leaf);
    expect(recordCommitmentLeaf(otherCustodian, record)).not.toBe(leaf);
  });

  it("is never the leaf of an access event with the same fields", () => {
    // The domain tags differ, so one tree's leaf cannot pass for the other's.
    expect(recordCommitmentLeaf(custodian, storedRecord(1))).not.toBe(
      accessEventLeaf(custodian, accessEvent(1n)),
    );
  });
});

describe("recordPatientRef", () => {
  it("hashes the 32 bytes of the pseudo id, and refuses anything that is not one", () => {
    const pseudoId = "ab".repeat(32);
    expect(recordPatientRef(pseudoId)).toBe(keccak256(`0x${pseudoId}`));
    expect(recordPatientRef(pseudoId)).not.toBe(recordPatientRef("ac".repeat(32)));
    for (const bad of [
      "",
      "AB".repeat(32),
      `0x${"ab".repeat(32)}`,
      "ab".repeat(31),
      "zz".repeat(32),
    ]) {
      expect(() => recordPatientRef(bad)).toThrow(/is not a pseudo id/);
    }
  });
});

describe("buildRecordCommitmentBatch", () => {
  it("commits records with gaps between their ids and proves each by its id", () => {
    const records = Array.from({ length: 21 }, (_, n) => storedRecord(n));
    const batch = buildRecordCommitmentBatch(custodian, records);
    expect(batch).toMatchObject({ custodian, leafCount: 21 });
    for (const record of records) {
      expect(
        verifyRecordCommitmentProof(batch.root, custodian, record, batch.proofOf(record.recordId)),
      ).toBe(true);
    }
    expect(buildRecordCommitmentBatch(custodian, [...records].reverse()).root).toBe(batch.root);
  });

  it("does not verify a record under another custodian or with its commitment changed", () => {
    const batch = buildRecordCommitmentBatch(custodian, [storedRecord(0), storedRecord(1)]);
    const record = storedRecord(1);
    const proof = batch.proofOf(record.recordId);
    expect(verifyRecordCommitmentProof(batch.root, otherCustodian, record, proof)).toBe(false);
    expect(
      verifyRecordCommitmentProof(
        batch.root,
        custodian,
        { ...record, commitment: zeroHash },
        proof,
      ),
    ).toBe(false);
  });

  it("refuses an empty batch, a record twice, an id past uint64, and a proof of a record it lacks", () => {
    expect(() => buildRecordCommitmentBatch(custodian, [])).toThrow(/at least one record/);
    expect(() => buildRecordCommitmentBatch(custodian, [storedRecord(2), storedRecord(2)])).toThrow(
      /appears twice/,
    );
    expect(() =>
      buildRecordCommitmentBatch(custodian, [{ ...storedRecord(0), recordId: 2n ** 64n }]),
    ).toThrow(/uint64/);
    expect(() =>
      buildRecordCommitmentBatch(custodian, [{ ...storedRecord(0), recordId: -1n }]),
    ).toThrow(/uint64/);
    const batch = buildRecordCommitmentBatch(custodian, [storedRecord(0)]);
    expect(batch.proofOf(storedRecord(0).recordId)).toEqual([]);
    expect(() => batch.proofOf(storedRecord(1).recordId)).toThrow(/not in this batch/);
  });
});

describe("buildPayoutTree", () => {
  it("indexes payouts in the order given, sums them and proves each", () => {
    const tree = buildPayoutTree(STUDY, payouts(7));
    expect(tree.total).toBe(2_800n);
    expect(tree.payouts.map((payout) => payout.index)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    for (const payout of tree.payouts) {
      expect(verifyPayoutProof(tree.root, STUDY, payout, tree.proofOf(payout.index))).toBe(true);
    }
  });

  it("never verifies a payout of one study under another study, even under the same root", () => {
    const tree = buildPayoutTree(STUDY, payouts(5));
    for (const payout of tree.payouts) {
      expect(verifyPayoutProof(tree.root, OTHER_STUDY, payout, tree.proofOf(payout.index))).toBe(
        false,
      );
    }
    expect(buildPayoutTree(OTHER_STUDY, payouts(5)).root).not.toBe(tree.root);
  });

  it("does not verify a payout with its amount, index, offer or patient changed", () => {
    const tree = buildPayoutTree(STUDY, payouts(4));
    const payout = tree.payouts[2];
    if (payout === undefined) throw new Error("no payout 2");
    const proof = tree.proofOf(2);
    for (const changed of [
      { ...payout, amount: payout.amount + 1n },
      { ...payout, index: 3n },
      { ...payout, offerId: keccak256(stringToHex("offer-2")) },
      { ...payout, patient: patientOf(99) },
    ]) {
      expect(verifyPayoutProof(tree.root, STUDY, changed, proof)).toBe(false);
    }
  });

  it("matches the leaf Compensation.payoutLeaf computed on chain for the same payout", () => {
    // Pinned from the deployed contract: published payout roots stay claimable only while this holds.
    const payout = {
      offerId: OFFER,
      index: 7n,
      patient: getAddress("0x4444444444444444444444444444444444444444"),
      amount: 12_345n,
    };
    expect(payoutLeaf(STUDY, payout)).toBe(
      "0x8ad73c2a81e53cc2e76b5b23f803306dc1a5db4b03f6fe7d2ef793f455b4cf83",
    );
  });

  it("puts the study, offer, index, patient and amount in the leaf", () => {
    const payout = { offerId: OFFER, patient: patientOf(1), amount: 500n, index: 1n };
    const leaf = payoutLeaf(STUDY, payout);
    expect(payoutLeaf(OTHER_STUDY, payout)).not.toBe(leaf);
    expect(payoutLeaf(STUDY, { ...payout, offerId: zeroHash })).not.toBe(leaf);
    expect(payoutLeaf(STUDY, { ...payout, index: 2n })).not.toBe(leaf);
    expect(payoutLeaf(STUDY, { ...payout, patient: patientOf(2) })).not.toBe(leaf);
    expect(payoutLeaf(STUDY, { ...payout, amount: 501n })).not.toBe(leaf);
  });

  it("builds a tree of 10,000 payouts with proofs of 14 siblings", () => {
    const tree = buildPayoutTree(STUDY, payouts(10_000));
    const last = tree.payouts[9_999];
    if (last === undefined) throw new Error("no payout 9,999");
    expect(tree.proofOf(9_999)).toHaveLength(14);
    expect(verifyPayoutProof(tree.root, STUDY, last, tree.proofOf(9_999))).toBe(true);
  });

  it("refuses a zero study id, a non-positive amount, one patient paid twice for an offer, a total past uint128", () => {
    expect(() => buildPayoutTree(zeroHash, payouts(2))).toThrow(/study id must not be zero/);
    expect(() =>
      buildPayoutTree(STUDY, [{ offerId: OFFER, patient: patientOf(1), amount: 0n }]),
    ).toThrow(/amount 0: it must be positive/);
    expect(() => buildPayoutTree(STUDY, [...payouts(2), ...payouts(1)])).toThrow(
      /Payout 2 pays .* twice for one offer/,
    );
    expect(() =>
      buildPayoutTree(STUDY, [
        { offerId: OFFER, patient: patientOf(1), amount: 2n ** 127n },
        { offerId: OFFER, patient: patientOf(2), amount: 2n ** 127n },
      ]),
    ).toThrow(/more than a pool holds/);
  });

  it("lets one patient be paid through two offers of the same study", () => {
    const tree = buildPayoutTree(STUDY, [
      { offerId: OFFER, patient: patientOf(1), amount: 10n },
      { offerId: keccak256(stringToHex("offer-2")), patient: patientOf(1), amount: 20n },
    ]);
    expect(tree.total).toBe(30n);
  });
});
