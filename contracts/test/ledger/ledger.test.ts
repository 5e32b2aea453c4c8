// The ledger client against a real anvil node: deploy, anchor, verify, publish, claim, donate, and fail fast.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { getAddress, type Hex, keccak256, stringToHex, toHex, zeroAddress, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  type AccessEvent,
  buildAccessLogBatch,
  buildPayoutTree,
  buildRecordCommitmentBatch,
  type RecordCommitment,
} from "#core/merkle.ts";
import { ANVIL_ACCOUNT_KEYS, ANVIL_DEPLOYER_KEY, type AnvilNode, startAnvil } from "../../anvil.ts";
import { decodeContractRevert, isChainUnavailable } from "../../client.ts";
import {
  createLedgerClient,
  deployLedgerContracts,
  LEDGER_ROLES,
  type LedgerClient,
} from "../../ledger.ts";

const [, CUSTODIAN_KEY, ALICE_KEY, BOB_KEY] = ANVIL_ACCOUNT_KEYS;
const admin = privateKeyToAccount(ANVIL_DEPLOYER_KEY).address;
const custodian = privateKeyToAccount(CUSTODIAN_KEY).address;
const alice = privateKeyToAccount(ALICE_KEY).address;
const bob = privateKeyToAccount(BOB_KEY).address;
const researchFund = getAddress("0x00000000000000000000000000000000000f00d5");
const STUDY = keccak256(stringToHex("study-anvil-1"));
const OFFER = keccak256(stringToHex("offer-anvil-1"));

function accessEvent(sequence: bigint): AccessEvent {
  return {
    sequence,
    accessedAt: 1_760_000_000n + sequence,
    accessor: alice,
    patientRef: keccak256(toHex(`patient-ref-${sequence % 4n}`)),
    grantRef: keccak256(stringToHex("licence-1")),
    actionRef: keccak256(stringToHex("feasibility-count")),
  };
}

async function mined(ledger: LedgerClient, sent: Promise<{ txHash: Hex }>): Promise<void> {
  const outcome = await ledger.waitForReceipt((await sent).txHash);
  assert.equal(outcome.status, "success");
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => assert.fail("the contract accepted what it must refuse"),
    (caught: unknown) => caught,
  );
  assert.equal(isChainUnavailable(error), false, "a refusal is not an unreachable node");
  return decodeContractRevert(error);
}

describe("ledger client on anvil", () => {
  let workDir: string;
  let node: AnvilNode;

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-ledger-"));
    node = await startAnvil({ stateFile: path.join(workDir, "state.json"), silent: true });
  });

  after(async () => {
    await node.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it("deploys the ledger contracts, anchors a custodian's batch and verifies its events", async () => {
    const deployment = await deployLedgerContracts({
      rpcUrl: node.rpcUrl,
      deployerKey: ANVIL_DEPLOYER_KEY,
      researchFund,
    });
    const ledger = createLedgerClient({ rpcUrl: node.rpcUrl, addresses: deployment });
    assert.equal(await ledger.hasRole("accessLogAnchors", LEDGER_ROLES.pauser, admin), true);
    await mined(ledger, ledger.grantAnchorCustodianRole(ANVIL_DEPLOYER_KEY, custodian));
    assert.equal(await ledger.hasRole("accessLogAnchors", LEDGER_ROLES.custodian, custodian), true);

    const batch = buildAccessLogBatch(
      custodian,
      Array.from({ length: 20 }, (_, i) => accessEvent(BigInt(i))),
    );
    assert.equal(await ledger.accessBatchOf(custodian, 0n), null);
    await mined(ledger, ledger.publishAccessBatch(CUSTODIAN_KEY, { batchId: 0n, ...batch }));

    const anchored = await ledger.accessBatchOf(custodian, 0n);
    assert.equal(anchored?.root, batch.root);
    assert.equal(anchored?.lastSequence, 19n);
    assert.deepEqual(await ledger.accessLogPosition(custodian), {
      nextBatchId: 1n,
      nextSequence: 20n,
    });
    for (const event of batch.events) {
      assert.equal(
        await ledger.verifyAccessEvent(custodian, 0n, event, batch.proofOf(event.sequence)),
        true,
      );
    }
    const altered = { ...accessEvent(3n), accessor: bob };
    assert.equal(await ledger.verifyAccessEvent(custodian, 0n, altered, batch.proofOf(3n)), false);

    // A retry of a batch that already landed is refused by name, so a job can tell it from a failure.
    assert.deepEqual(
      await refusal(ledger.publishAccessBatch(CUSTODIAN_KEY, { batchId: 0n, ...batch })),
      { errorName: "BatchOutOfOrder", args: [custodian, 1n, 0n] },
    );

    // A redeployment continues each custodian's log where the predecessor left it.
    const successor = await deployLedgerContracts({
      rpcUrl: node.rpcUrl,
      deployerKey: ANVIL_DEPLOYER_KEY,
      researchFund,
      predecessorAnchors: deployment.accessLogAnchors,
    });
    const successorLedger = createLedgerClient({ rpcUrl: node.rpcUrl, addresses: successor });
    assert.deepEqual(await successorLedger.accessLogPosition(custodian), {
      nextBatchId: 0n,
      nextSequence: 20n,
    });
  });

  it("commits a custodian's record batches in order, verifies their records, and pauses", async () => {
    const deployment = await deployLedgerContracts({
      rpcUrl: node.rpcUrl,
      deployerKey: ANVIL_DEPLOYER_KEY,
      researchFund,
    });
    const ledger = createLedgerClient({ rpcUrl: node.rpcUrl, addresses: deployment });
    assert.equal(await ledger.hasRole("recordCommitments", LEDGER_ROLES.pauser, admin), true);
    assert.equal(
      await ledger.hasRole("recordCommitments", LEDGER_ROLES.custodian, custodian),
      false,
    );
    assert.deepEqual(
      await refusal(
        ledger.publishRecordBatch(CUSTODIAN_KEY, { batchId: 0n, root: OFFER, leafCount: 1 }),
      ),
      { errorName: "AccessControlUnauthorizedAccount", args: [custodian, LEDGER_ROLES.custodian] },
    );
    await mined(ledger, ledger.grantRecordCustodianRole(ANVIL_DEPLOYER_KEY, custodian));

    const record = (n: number): RecordCommitment => ({
      recordId: BigInt(n * 2),
      patientRef: keccak256(toHex(`patient-${n % 3}`)),
      commitment: keccak256(toHex(`envelope-${n}`)),
    });
    const batch = buildRecordCommitmentBatch(
      custodian,
      Array.from({ length: 12 }, (_, n) => record(n)),
    );
    assert.equal(await ledger.recordBatchCount(custodian), 0n);
    assert.equal(await ledger.recordBatchOf(custodian, 0n), null);
    await mined(ledger, ledger.publishRecordBatch(CUSTODIAN_KEY, { batchId: 0n, ...batch }));

    assert.equal(await ledger.recordBatchCount(custodian), 1n);
    const committed = await ledger.recordBatchOf(custodian, 0n);
    assert.equal(committed?.root, batch.root);
    assert.equal(committed?.leafCount, 12);
    assert.ok((committed?.committedAt ?? 0n) > 0n, "committedAt is the block time");
    for (const stored of batch.records) {
      const proof = batch.proofOf(stored.recordId);
      assert.equal(await ledger.verifyRecordCommitment(custodian, 0n, stored, proof), true);
    }
    const changed = { ...record(4), commitment: keccak256(toHex("another envelope")) };
    assert.equal(
      await ledger.verifyRecordCommitment(custodian, 0n, changed, batch.proofOf(8n)),
      false,
    );
    assert.deepEqual(
      await refusal(ledger.publishRecordBatch(CUSTODIAN_KEY, { batchId: 0n, ...batch })),
      { errorName: "BatchOutOfOrder", args: [custodian, 1n, 0n] },
    );

    await mined(ledger, ledger.pause(ANVIL_DEPLOYER_KEY, "recordCommitments"));
    const next = buildRecordCommitmentBatch(custodian, [record(20)]);
    assert.deepEqual(
      await refusal(ledger.publishRecordBatch(CUSTODIAN_KEY, { batchId: 1n, ...next })),
      { errorName: "EnforcedPause", args: [] },
    );
    assert.equal(
      await ledger.verifyRecordCommitment(custodian, 0n, record(4), batch.proofOf(8n)),
      true,
    );
    // The pauser role alone does not resume commits: the custodian holds none of the admin's roles.
    assert.deepEqual(await refusal(ledger.unpause(CUSTODIAN_KEY, "recordCommitments")), {
      errorName: "AccessControlUnauthorizedAccount",
      args: [custodian, zeroHash],
    });
    await mined(ledger, ledger.unpause(ANVIL_DEPLOYER_KEY, "recordCommitments"));
    await mined(ledger, ledger.publishRecordBatch(CUSTODIAN_KEY, { batchId: 1n, ...next }));
    assert.equal(await ledger.recordBatchCount(custodian), 2n);
  });

  it("publishes a study's payouts, pays a claim and a donation once each, and pauses", async () => {
    const deployment = await deployLedgerContracts({
      rpcUrl: node.rpcUrl,
      deployerKey: ANVIL_DEPLOYER_KEY,
      researchFund,
    });
    const ledger = createLedgerClient({
      rpcUrl: node.rpcUrl,
      addresses: deployment,
      chainId: deployment.chainId,
    });
    assert.equal(await ledger.researchFund(), researchFund);
    await mined(ledger, ledger.grantPayoutPublisherRole(ANVIL_DEPLOYER_KEY, admin));

    const tree = buildPayoutTree(STUDY, [
      { offerId: OFFER, patient: alice, amount: 700n },
      { offerId: OFFER, patient: bob, amount: 300n },
    ]);
    const [alicePayout, bobPayout] = tree.payouts;
    assert.ok(alicePayout && bobPayout);
    assert.equal(await ledger.payoutsOf(STUDY), null);
    await mined(
      ledger,
      ledger.publishPayouts(ANVIL_DEPLOYER_KEY, {
        studyId: STUDY,
        root: tree.root,
        pool: tree.total,
      }),
    );
    assert.deepEqual(await ledger.payoutsOf(STUDY), { root: tree.root, pool: 1_000n, paidOut: 0n });

    await mined(ledger, ledger.claimPayout(ALICE_KEY, STUDY, alicePayout, tree.proofOf(0)));
    await mined(ledger, ledger.donatePayout(BOB_KEY, STUDY, bobPayout, tree.proofOf(1)));
    assert.equal(await ledger.isPayoutSettled(STUDY, 0n), true);
    assert.equal(await ledger.isPayoutSettled(STUDY, 1n), true);
    assert.equal(await ledger.creditsOf(alice, STUDY), 700n);
    assert.equal(await ledger.creditsOf(bob, STUDY), 0n);
    assert.equal(await ledger.creditsOf(researchFund, STUDY), 300n);
    assert.deepEqual(await ledger.payoutsOf(STUDY), {
      root: tree.root,
      pool: 1_000n,
      paidOut: 1_000n,
    });

    assert.deepEqual(
      await refusal(ledger.claimPayout(ALICE_KEY, STUDY, alicePayout, tree.proofOf(0))),
      { errorName: "PayoutAlreadySettled", args: [STUDY, 0n] },
    );
    assert.deepEqual(
      await refusal(ledger.claimPayout(BOB_KEY, STUDY, alicePayout, tree.proofOf(0))),
      { errorName: "InvalidPayoutProof", args: [STUDY, bob, 0n] },
    );

    await mined(ledger, ledger.pause(ANVIL_DEPLOYER_KEY, "compensation"));
    assert.deepEqual(await refusal(ledger.redeemCredits(ALICE_KEY, STUDY, 200n)), {
      errorName: "EnforcedPause",
      args: [],
    });
    await mined(ledger, ledger.unpause(ANVIL_DEPLOYER_KEY, "compensation"));
    await mined(ledger, ledger.redeemCredits(ALICE_KEY, STUDY, 200n));
    assert.equal(await ledger.creditsOf(alice, STUDY), 500n);
  });

  it("fails fast, with an error isChainUnavailable recognises, when no node listens", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === "object");
    await new Promise((resolve) => server.close(resolve));

    const ledger = createLedgerClient({
      rpcUrl: `http://127.0.0.1:${address.port}`,
      addresses: {
        accessLogAnchors: zeroAddress,
        recordCommitments: zeroAddress,
        compensation: zeroAddress,
      },
    });
    const tree = buildPayoutTree(STUDY, [{ offerId: OFFER, patient: alice, amount: 1n }]);
    const payout = tree.payouts[0];
    assert.ok(payout);
    const startedAt = performance.now();
    await assert.rejects(ledger.isPayoutSettled(STUDY, 0n), (caught) => isChainUnavailable(caught));
    await assert.rejects(ledger.claimPayout(ALICE_KEY, STUDY, payout, []), (caught) =>
      isChainUnavailable(caught),
    );
    assert.ok(performance.now() - startedAt < 10_000, "every call failed fast");
  });
});
