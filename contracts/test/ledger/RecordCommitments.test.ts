// RecordCommitments through viem on Hardhat's in-process EVM, with batches built by core/merkle.ts, and the gas a
// custodian pays per batch.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { getAddress, type Hex, hexToBytes, keccak256, stringToHex, toHex } from "viem";

import {
  buildRecordCommitmentBatch,
  type RecordCommitment,
  recordCommitmentLeaf,
  recordPatientRef,
  verifyRecordCommitmentProof,
} from "#core/merkle.ts";
import { gasSnapshot } from "../gas.ts";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/ledger/RecordCommitments.sol/artifacts.d.ts";

const CUSTODIAN_ROLE = keccak256(stringToHex("CUSTODIAN_ROLE"));
const gas = gasSnapshot("ledger");

/** A deterministic record: ids with gaps (other custodians' rows sit between), a few patients, distinct ciphertexts. */
function storedRecord(n: number): RecordCommitment {
  return {
    recordId: BigInt(3 * n + 1),
    patientRef: recordPatientRef(keccak256(toHex(`pseudo-${n % 13}`)).slice(2)),
    commitment: keccak256(toHex(`envelope-${n}`)),
  };
}

function storedRecords(first: number, count: number): RecordCommitment[] {
  return Array.from({ length: count }, (_, i) => storedRecord(first + i));
}

/** What the calldata of a transaction costs: 4 gas per zero byte, 16 per other byte. */
function calldataGas(input: Hex): bigint {
  return hexToBytes(input).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
}

describe("RecordCommitments", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [adminWallet, custodianWallet, otherCustodianWallet] = await viem.getWalletClients();
  assert.ok(adminWallet && custodianWallet && otherCustodianWallet);
  const admin = getAddress(adminWallet.account.address);
  const custodian = getAddress(custodianWallet.account.address);
  const otherCustodian = getAddress(otherCustodianWallet.account.address);

  async function deployWithCustodians() {
    const commitments = await viem.deployContract("RecordCommitments", [admin]);
    await commitments.write.grantRole([CUSTODIAN_ROLE, custodian], { account: admin });
    await commitments.write.grantRole([CUSTODIAN_ROLE, otherCustodian], { account: admin });
    return commitments;
  }

  it("commits batches built by core/merkle and verifies every one of their records on chain", async () => {
    const commitments = await networkHelpers.loadFixture(deployWithCustodians);
    const first = buildRecordCommitmentBatch(custodian, storedRecords(0, 40));
    const second = buildRecordCommitmentBatch(custodian, storedRecords(40, 300));

    await commitments.write.publishBatch([0n, first.root, first.leafCount], { account: custodian });
    const secondHash = await commitments.write.publishBatch([1n, second.root, second.leafCount], {
      account: custodian,
    });
    gas.check(
      "records.publish",
      (await publicClient.waitForTransactionReceipt({ hash: secondHash })).gasUsed,
    );

    assert.deepEqual(await commitments.read.batchOf([custodian, 1n]), {
      root: second.root,
      leafCount: 300,
      committedAt: (await publicClient.getBlock()).timestamp,
    });
    assert.equal(await commitments.read.batchCountOf([custodian]), 2n);
    for (const record of first.records) {
      const proof = first.proofOf(record.recordId);
      assert.equal(
        await commitments.read.verifyRecordCommitment([custodian, 0n, record, proof]),
        true,
      );
    }
    for (let n = 40; n < 340; n += 23) {
      const record = storedRecord(n);
      const proof = second.proofOf(record.recordId);
      assert.equal(
        await commitments.read.verifyRecordCommitment([custodian, 1n, record, proof]),
        true,
        `record ${record.recordId}`,
      );
      assert.equal(
        await commitments.read.verifyRecordCommitment([custodian, 0n, record, proof]),
        false,
        `record ${record.recordId} is not in the first batch`,
      );
    }
  });

  it("computes the same leaf as core/merkle for any record and custodian", async () => {
    const commitments = await networkHelpers.loadFixture(deployWithCustodians);
    for (let n = 0; n < 25; n++) {
      const record = { ...storedRecord(n), recordId: BigInt(n) * 1_000_000_007n };
      const account = n % 2 === 0 ? custodian : otherCustodian;
      assert.equal(
        await commitments.read.recordCommitmentLeaf([account, record]),
        recordCommitmentLeaf(account, record),
      );
    }
    const largest = { ...storedRecord(1), recordId: 2n ** 64n - 1n };
    assert.equal(
      await commitments.read.recordCommitmentLeaf([custodian, largest]),
      recordCommitmentLeaf(custodian, largest),
    );
  });

  it("refuses, on chain as off chain, a changed commitment, another custodian's record and the wrong batch", async () => {
    const commitments = await networkHelpers.loadFixture(deployWithCustodians);
    const batch = buildRecordCommitmentBatch(custodian, storedRecords(0, 16));
    await commitments.write.publishBatch([0n, batch.root, batch.leafCount], { account: custodian });
    await commitments.write.publishBatch([0n, batch.root, batch.leafCount], {
      account: otherCustodian,
    });

    const record = storedRecord(5);
    const proof = batch.proofOf(record.recordId);
    const changed = { ...record, commitment: keccak256(stringToHex("another envelope")) };
    const cases: Array<[string, Hex, bigint, RecordCommitment, boolean]> = [
      ["the committed record", custodian, 0n, record, true],
      ["a changed commitment", custodian, 0n, changed, false],
      ["another custodian's record under the same root", otherCustodian, 0n, record, false],
      ["a batch not committed", custodian, 1n, record, false],
    ];
    for (const [name, account, batchId, candidate, expected] of cases) {
      assert.equal(
        await commitments.read.verifyRecordCommitment([account, batchId, candidate, proof]),
        expected,
        name,
      );
    }
    assert.equal(verifyRecordCommitmentProof(batch.root, custodian, record, proof), true);
    assert.equal(verifyRecordCommitmentProof(batch.root, custodian, changed, proof), false);
    assert.equal(verifyRecordCommitmentProof(batch.root, otherCustodian, record, proof), false);
  });

  it("emits RecordBatchCommitted and refuses a batch out of order", async () => {
    const commitments = await networkHelpers.loadFixture(deployWithCustodians);
    const batch = buildRecordCommitmentBatch(custodian, storedRecords(0, 10));
    await viem.assertions.emitWithArgs(
      commitments.write.publishBatch([0n, batch.root, 10], { account: custodian }),
      commitments,
      "RecordBatchCommitted",
      [custodian, 0n, batch.root, 10],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      commitments.write.publishBatch([0n, batch.root, 10], { account: custodian }),
      commitments,
      "BatchOutOfOrder",
      [custodian, 1n, 0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      commitments.write.publishBatch([2n, batch.root, 10], { account: custodian }),
      commitments,
      "BatchOutOfOrder",
      [custodian, 1n, 2n],
    );
  });

  it("commits a batch of 10 records and one of 5,000 for the same gas", async () => {
    const commitments = await networkHelpers.loadFixture(deployWithCustodians);
    // Each custodian's first batch, so both write the same fresh storage slots.
    const small = buildRecordCommitmentBatch(custodian, storedRecords(0, 10));
    const large = buildRecordCommitmentBatch(otherCustodian, storedRecords(10, 5_000));
    const smallHash = await commitments.write.publishBatch([0n, small.root, small.leafCount], {
      account: custodian,
    });
    const largeHash = await commitments.write.publishBatch([0n, large.root, large.leafCount], {
      account: otherCustodian,
    });

    const gasUsed = async (hash: Hex) =>
      (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;
    const calldataOf = async (hash: Hex) =>
      calldataGas((await publicClient.getTransaction({ hash })).input);
    const [smallGas, largeGas] = [await gasUsed(smallHash), await gasUsed(largeHash)];
    const [smallCalldata, largeCalldata] = [
      await calldataOf(smallHash),
      await calldataOf(largeHash),
    ];
    gas.check("records.publish.10", smallGas);
    gas.check("records.publish.5000", largeGas);
    // The roots and counts differ in how many of their bytes are zero; beyond that calldata, nothing may differ.
    assert.equal(
      largeGas - largeCalldata,
      smallGas - smallCalldata,
      "committing costs the same whatever the number of records",
    );
    assert.equal((await commitments.read.batchOf([otherCustodian, 0n])).leafCount, 5_000);
  });
});
