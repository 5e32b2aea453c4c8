// Compensation through viem on Hardhat's in-process EVM, with payout trees built by core/merkle.ts, and the
// gas a patient and a publisher pay.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import {
  type Address,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
  stringToHex,
  toHex,
} from "viem";

import { buildPayoutTree, type Payout, payoutLeaf } from "#core/merkle.ts";
import { gasSnapshot } from "../gas.ts";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/ledger/Compensation.sol/artifacts.d.ts";

const PAYOUT_PUBLISHER_ROLE = keccak256(stringToHex("PAYOUT_PUBLISHER_ROLE"));
const CLAIM_GAS_TARGET = 80_000n;
const OFFER = keccak256(stringToHex("offer-1"));
// Both studies share out the same pool, so the publish calls differ only in the study id and the root.
const POOL = 5_000_000n;
const gas = gasSnapshot("ledger");

function studyId(name: string): Hex {
  return keccak256(stringToHex(name));
}

function somePatient(n: number): Address {
  return getAddress(keccak256(toHex(`patient-${n}`)).slice(0, 42));
}

/** `count` equal shares of POOL; the patients listed in `signers` take the first positions and the last one. */
function payoutList(count: number, signers: readonly Address[]): Payout[] {
  const list = Array.from({ length: count }, (_, i) => ({
    offerId: OFFER,
    patient: somePatient(i),
    amount: POOL / BigInt(count),
  }));
  signers.forEach((patient, i) => {
    const position = i === signers.length - 1 ? count - 1 : i;
    list[position] = { offerId: OFFER, patient, amount: POOL / BigInt(count) };
  });
  return list;
}

function zeroBytes(data: Hex): number {
  return hexToBytes(data).filter((byte) => byte === 0).length;
}

describe("Compensation", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const [adminWallet, publisherWallet, fundWallet, ...patientWallets] = wallets;
  assert.ok(adminWallet && publisherWallet && fundWallet && patientWallets.length >= 4);
  const admin = getAddress(adminWallet.account.address);
  const publisher = getAddress(publisherWallet.account.address);
  const fund = getAddress(fundWallet.account.address);
  const signers = patientWallets.slice(0, 4).map((wallet) => getAddress(wallet.account.address));
  const [alice, bob, carol, dave] = signers as [Address, Address, Address, Address];

  const smallStudy = buildPayoutTree(studyId("study-10"), payoutList(10, signers));
  const largeStudy = buildPayoutTree(studyId("study-10000"), payoutList(10_000, signers));

  async function deployWithPublisher() {
    const compensation = await viem.deployContract("Compensation", [admin, fund]);
    await compensation.write.grantRole([PAYOUT_PUBLISHER_ROLE, publisher], { account: admin });
    return compensation;
  }

  async function deployWithBothStudies() {
    const compensation = await deployWithPublisher();
    for (const tree of [smallStudy, largeStudy]) {
      await compensation.write.publishPayouts([tree.studyId, tree.root, POOL], {
        account: publisher,
      });
    }
    return compensation;
  }

  async function gasUsed(txHash: Hex): Promise<bigint> {
    return (await publicClient.waitForTransactionReceipt({ hash: txHash })).gasUsed;
  }

  it("publishes the payouts of 10 and of 10,000 patients for the same gas", async () => {
    const compensation = await networkHelpers.loadFixture(deployWithPublisher);
    const smallHash = await compensation.write.publishPayouts(
      [smallStudy.studyId, smallStudy.root, POOL],
      { account: publisher },
    );
    const largeHash = await compensation.write.publishPayouts(
      [largeStudy.studyId, largeStudy.root, POOL],
      { account: publisher },
    );

    // Calldata costs 4 gas per zero byte and 16 per other byte; equal counts keep the comparison about storage.
    const [smallInput, largeInput] = await Promise.all(
      [smallHash, largeHash].map(
        async (hash) => (await publicClient.getTransaction({ hash })).input,
      ),
    );
    assert.equal(zeroBytes(smallInput as Hex), zeroBytes(largeInput as Hex), "same calldata shape");

    const [smallGas, largeGas] = [await gasUsed(smallHash), await gasUsed(largeHash)];
    gas.check("compensation.publish.10", smallGas);
    gas.check("compensation.publish.10000", largeGas);
    assert.equal(largeGas, smallGas, "publishing costs the same whatever the number of patients");
    assert.deepEqual(await compensation.read.payoutsOf([largeStudy.studyId]), [
      largeStudy.root,
      POOL,
      0n,
    ]);
  });

  it("pays claims proved with core/merkle from a 10,000-patient tree, within 80,000 gas", async () => {
    const compensation = await networkHelpers.loadFixture(deployWithBothStudies);
    const claim = (patient: Address, index: bigint) => {
      const payout = largeStudy.payouts[Number(index)];
      assert.ok(payout && payout.patient === patient);
      return compensation.write.claim(
        [largeStudy.studyId, OFFER, index, payout.amount, largeStudy.proofOf(index)],
        { account: patient },
      );
    };

    // Settled bits come 256 to a storage word: the first claim of a word pays to create it, the next 255 do not.
    const firstOfWordGas = await gasUsed(await claim(alice, 0n));
    const claimGas = await gasUsed(await claim(bob, 1n));
    await claim(dave, 9_999n);
    gas.check("compensation.claim.firstOfWord", firstOfWordGas);
    gas.check("compensation.claim", claimGas);
    assert.ok(
      claimGas <= CLAIM_GAS_TARGET,
      `a claim costs ${claimGas} gas, over the ${CLAIM_GAS_TARGET} target`,
    );

    const tokenId = BigInt(largeStudy.studyId);
    for (const [patient, index] of [
      [alice, 0],
      [bob, 1],
      [dave, 9_999],
    ] as const) {
      assert.equal(await compensation.read.balanceOf([patient, tokenId]), POOL / 10_000n);
      assert.equal(await compensation.read.isSettled([largeStudy.studyId, BigInt(index)]), true);
    }
    assert.equal(await compensation.read.isSettled([largeStudy.studyId, 2n]), false);
    const [, , paidOut] = await compensation.read.payoutsOf([largeStudy.studyId]);
    assert.equal(paidOut, (3n * POOL) / 10_000n);
  });

  it("donates a payout to the research fund as credits of the study", async () => {
    const compensation = await networkHelpers.loadFixture(deployWithBothStudies);
    const payout = smallStudy.payouts[2];
    assert.ok(payout && payout.patient === carol);
    const hash = await compensation.write.donate(
      [smallStudy.studyId, OFFER, 2n, payout.amount, smallStudy.proofOf(2)],
      { account: carol },
    );
    gas.check("compensation.donate", await gasUsed(hash));
    await viem.assertions.emitWithArgs(Promise.resolve(hash), compensation, "PayoutDonated", [
      smallStudy.studyId,
      carol,
      OFFER,
      2n,
      payout.amount,
    ]);
    const tokenId = BigInt(smallStudy.studyId);
    assert.equal(await compensation.read.balanceOf([fund, tokenId]), payout.amount);
    assert.equal(await compensation.read.balanceOf([carol, tokenId]), 0n);
  });

  it("computes the same leaf as core/merkle", async () => {
    const compensation = await networkHelpers.loadFixture(deployWithPublisher);
    for (const payout of largeStudy.payouts.slice(0, 20)) {
      assert.equal(
        await compensation.read.payoutLeaf([
          largeStudy.studyId,
          payout.offerId,
          payout.index,
          payout.patient,
          payout.amount,
        ]),
        payoutLeaf(largeStudy.studyId, payout),
      );
    }
  });

  it("refuses a second claim, a donation after a claim, and a proof from another study", async () => {
    const compensation = await networkHelpers.loadFixture(deployWithBothStudies);
    const payout = smallStudy.payouts[0];
    assert.ok(payout && payout.patient === alice);
    const args = [smallStudy.studyId, OFFER, 0n, payout.amount, smallStudy.proofOf(0)] as const;
    await compensation.write.claim(args, { account: alice });

    await viem.assertions.revertWithCustomErrorWithArgs(
      compensation.write.claim(args, { account: alice }),
      compensation,
      "PayoutAlreadySettled",
      [smallStudy.studyId, 0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      compensation.write.donate(args, { account: alice }),
      compensation,
      "PayoutAlreadySettled",
      [smallStudy.studyId, 0n],
    );
    // A study published under the small study's very root: only the study id in the leaf tells them apart.
    const copycat = studyId("study-copycat");
    await compensation.write.publishPayouts([copycat, smallStudy.root, POOL], {
      account: publisher,
    });
    await viem.assertions.revertWithCustomErrorWithArgs(
      compensation.write.claim([copycat, OFFER, 0n, payout.amount, smallStudy.proofOf(0)], {
        account: alice,
      }),
      compensation,
      "InvalidPayoutProof",
      [copycat, alice, 0n],
    );
    assert.equal(
      await compensation.read.balanceOf([alice, BigInt(smallStudy.studyId)]),
      payout.amount,
    );
    assert.equal(await compensation.read.balanceOf([alice, BigInt(copycat)]), 0n);
  });

  it("stops paying once the pool is spent, whatever the tree promises", async () => {
    const compensation = await networkHelpers.loadFixture(deployWithPublisher);
    const overcommitted = buildPayoutTree(studyId("study-overcommitted"), [
      { offerId: OFFER, patient: alice, amount: 600n },
      { offerId: OFFER, patient: bob, amount: 600n },
    ]);
    await compensation.write.publishPayouts([overcommitted.studyId, overcommitted.root, 1_000n], {
      account: publisher,
    });
    await compensation.write.claim(
      [overcommitted.studyId, OFFER, 0n, 600n, overcommitted.proofOf(0)],
      { account: alice },
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      compensation.write.claim([overcommitted.studyId, OFFER, 1n, 600n, overcommitted.proofOf(1)], {
        account: bob,
      }),
      compensation,
      "PoolExceeded",
      [overcommitted.studyId, 600n, 400n],
    );
  });
});
