// AccessLogAnchors through viem on Hardhat's in-process EVM, with batches built by core/merkle.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { getAddress, type Hex, keccak256, stringToHex, toHex } from "viem";

import {
  type AccessEvent,
  accessEventLeaf,
  buildAccessLogBatch,
  verifyAccessEventProof,
} from "#core/merkle.ts";
import { gasSnapshot } from "../gas.ts";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/ledger/AccessLogAnchors.sol/artifacts.d.ts";

const CUSTODIAN_ROLE = keccak256(stringToHex("CUSTODIAN_ROLE"));
const gas = gasSnapshot("ledger");

/** A deterministic but irregular event, so leaves differ in every field. */
function accessEvent(sequence: bigint): AccessEvent {
  const seed = keccak256(toHex(`event-${sequence}`));
  return {
    sequence,
    accessedAt: 1_760_000_000n + sequence * 7n,
    accessor: getAddress(`0x${seed.slice(2, 42)}`),
    patientRef: keccak256(toHex(`patient-ref-${sequence % 97n}`)),
    grantRef: keccak256(toHex(`grant-${sequence % 5n}`)),
    actionRef: keccak256(toHex(`job-${sequence / 10n}`)),
  };
}

function events(first: bigint, count: number): AccessEvent[] {
  return Array.from({ length: count }, (_, i) => accessEvent(first + BigInt(i)));
}

describe("AccessLogAnchors", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [adminWallet, custodianWallet, otherCustodianWallet] = await viem.getWalletClients();
  assert.ok(adminWallet && custodianWallet && otherCustodianWallet);
  const admin = getAddress(adminWallet.account.address);
  const custodian = getAddress(custodianWallet.account.address);
  const otherCustodian = getAddress(otherCustodianWallet.account.address);

  async function deployWithCustodians() {
    const anchors = await viem.deployContract("AccessLogAnchors", [
      admin,
      "0x0000000000000000000000000000000000000000",
    ]);
    await anchors.write.grantRole([CUSTODIAN_ROLE, custodian], { account: admin });
    await anchors.write.grantRole([CUSTODIAN_ROLE, otherCustodian], { account: admin });
    return anchors;
  }

  it("anchors batches built by core/merkle and verifies every one of their events on chain", async () => {
    const anchors = await networkHelpers.loadFixture(deployWithCustodians);
    const first = buildAccessLogBatch(custodian, events(0n, 100));
    const second = buildAccessLogBatch(custodian, events(100n, 1_000));

    const firstHash = await anchors.write.publishBatch(
      [0n, first.root, first.firstSequence, first.leafCount],
      { account: custodian },
    );
    gas.check(
      "anchors.publish.first",
      (await publicClient.waitForTransactionReceipt({ hash: firstHash })).gasUsed,
    );
    const secondHash = await anchors.write.publishBatch(
      [1n, second.root, second.firstSequence, second.leafCount],
      { account: custodian },
    );
    gas.check(
      "anchors.publish",
      (await publicClient.waitForTransactionReceipt({ hash: secondHash })).gasUsed,
    );

    assert.deepEqual(await anchors.read.batchOf([custodian, 1n]), {
      root: second.root,
      firstSequence: 100n,
      lastSequence: 1_099n,
      anchoredAt: (await publicClient.getBlock()).timestamp,
    });
    assert.equal(await anchors.read.nextSequenceOf([custodian]), 1_100n);

    for (const event of first.events) {
      const proof = first.proofOf(event.sequence);
      assert.equal(await anchors.read.verifyAccessEvent([custodian, 0n, event, proof]), true);
    }
    for (let sequence = 100n; sequence < 1_100n; sequence += 37n) {
      const proof = second.proofOf(sequence);
      assert.equal(
        await anchors.read.verifyAccessEvent([custodian, 1n, accessEvent(sequence), proof]),
        true,
        `event ${sequence}`,
      );
    }
  });

  it("computes the same leaf as core/merkle for any event and custodian", async () => {
    const anchors = await networkHelpers.loadFixture(deployWithCustodians);
    for (let sequence = 0n; sequence < 25n; sequence++) {
      const event = { ...accessEvent(sequence), sequence: sequence * 1_000_003n };
      const account = sequence % 2n === 0n ? custodian : otherCustodian;
      assert.equal(
        await anchors.read.accessEventLeaf([account, event]),
        accessEventLeaf(account, event),
      );
    }
  });

  it("refuses, on chain as off chain, an altered event, another custodian's event and the wrong batch", async () => {
    const anchors = await networkHelpers.loadFixture(deployWithCustodians);
    const batch = buildAccessLogBatch(custodian, events(0n, 16));
    await anchors.write.publishBatch([0n, batch.root, 0n, batch.leafCount], { account: custodian });
    await anchors.write.publishBatch([0n, batch.root, 0n, batch.leafCount], {
      account: otherCustodian,
    });

    const event = accessEvent(5n);
    const proof = batch.proofOf(5n);
    const altered = { ...event, grantRef: keccak256(stringToHex("another consent")) };
    const cases: Array<[string, Hex, bigint, AccessEvent, boolean]> = [
      ["the anchored event", custodian, 0n, event, true],
      ["an altered event", custodian, 0n, altered, false],
      ["another custodian's event under the same root", otherCustodian, 0n, event, false],
      ["a batch not anchored", custodian, 1n, event, false],
    ];
    for (const [name, account, batchId, candidate, expected] of cases) {
      assert.equal(
        await anchors.read.verifyAccessEvent([account, batchId, candidate, proof]),
        expected,
        name,
      );
    }
    assert.equal(verifyAccessEventProof(batch.root, custodian, altered, proof), false);
    assert.equal(verifyAccessEventProof(batch.root, otherCustodian, event, proof), false);
  });

  it("emits BatchAnchored and refuses a batch that does not start where the log stands", async () => {
    const anchors = await networkHelpers.loadFixture(deployWithCustodians);
    const batch = buildAccessLogBatch(custodian, events(0n, 10));
    await viem.assertions.emitWithArgs(
      anchors.write.publishBatch([0n, batch.root, 0n, 10], { account: custodian }),
      anchors,
      "BatchAnchored",
      [custodian, 0n, batch.root, 0n, 9n, 10],
    );

    const gapped = buildAccessLogBatch(custodian, events(11n, 5));
    await viem.assertions.revertWithCustomErrorWithArgs(
      anchors.write.publishBatch([1n, gapped.root, 11n, 5], { account: custodian }),
      anchors,
      "SequenceGap",
      [custodian, 10n, 11n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      anchors.write.publishBatch([0n, gapped.root, 10n, 5], { account: custodian }),
      anchors,
      "BatchOutOfOrder",
      [custodian, 1n, 0n],
    );
  });
});
