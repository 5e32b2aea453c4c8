// The study client against a real anvil node: deploy with a separate admin, then the whole study through the
// client's calls, refusals decoded by name, and a fast failure when the node is down.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { ANVIL_ACCOUNT_KEYS, ANVIL_CHAIN_ID, ANVIL_DEPLOYER_KEY, startAnvil } from "../../anvil.ts";
import type { AnvilNode } from "../../anvil.ts";
import { studyEscrowAbi } from "../../generated/abis.ts";
import {
  createStudyClient,
  decodeContractRevert,
  deployStudyContracts,
  isChainUnavailable,
  type StudyClient,
  type StudyDeployment,
} from "../../study.ts";

const ADMIN_KEY = ANVIL_ACCOUNT_KEYS[1];
const RESEARCHER_KEY = ANVIL_ACCOUNT_KEYS[2];
const MEMBER_1_KEY = ANVIL_ACCOUNT_KEYS[3];
const DAY = 86_400n;
const PRICE = 250_000_000n; // 250 dollars at 6 decimals
const SCOPE_HASH = keccak256(toHex("oncology trial scope"));
const REASON = keccak256(toHex("proportionate and minimised"));

const addressOf = (key: Hex): Address => privateKeyToAccount(key).address;

describe("study client on anvil", () => {
  let workDir: string;
  let node: AnvilNode;
  let deployment: StudyDeployment;
  let study: StudyClient;
  // Keys anvil does not fund: funded from the deployer before use.
  const member2Key = generatePrivateKey();
  const custodianKey = generatePrivateKey();
  const siteWorkerKey = generatePrivateKey();
  const payoutPool = privateKeyToAccount(generatePrivateKey()).address;

  async function mined(sent: Promise<{ txHash: Hex }>) {
    const { txHash } = await sent;
    const outcome = await study.waitForReceipt(txHash);
    assert.equal(outcome.status, "success", `transaction ${txHash} reverted`);
    return outcome;
  }

  async function latestTimestamp(): Promise<bigint> {
    const client = createPublicClient({ transport: http(node.rpcUrl) });
    return (await client.getBlock()).timestamp;
  }

  async function revertOf(sent: Promise<unknown>) {
    const error = await sent.then(
      () => assert.fail("the call succeeded"),
      (caught: unknown) => caught,
    );
    return decodeContractRevert(error);
  }

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-study-"));
    node = await startAnvil({ stateFile: path.join(workDir, "state.json"), silent: true });
    const funder = createWalletClient({
      account: privateKeyToAccount(ANVIL_DEPLOYER_KEY),
      transport: http(node.rpcUrl),
    });
    const publicClient = createPublicClient({ transport: http(node.rpcUrl) });
    for (const key of [member2Key, custodianKey, siteWorkerKey]) {
      const hash = await funder.sendTransaction({
        to: addressOf(key),
        value: parseEther("10"),
        chain: null,
      });
      await publicClient.waitForTransactionReceipt({ hash });
    }

    deployment = await deployStudyContracts({
      rpcUrl: node.rpcUrl,
      deployerKey: ANVIL_DEPLOYER_KEY,
      admin: addressOf(ADMIN_KEY),
      payoutPool,
      custodianFeeBps: 2_000,
    });
    study = createStudyClient({ rpcUrl: node.rpcUrl, ...deployment });

    const admin = ADMIN_KEY;
    await mined(study.grantRole(admin, "credentialIssuer", addressOf(admin)));
    await mined(study.grantRole(admin, "siteWorker", addressOf(siteWorkerKey)));
    await mined(study.addBoardMember(admin, addressOf(MEMBER_1_KEY)));
    await mined(study.addBoardMember(admin, addressOf(member2Key)));
    await mined(study.setQuorum(admin, 2));
    await mined(
      study.issueCredential(admin, {
        researcher: addressOf(RESEARCHER_KEY),
        visaType: "ResearcherStatus",
        valueHash: keccak256(toHex("passport visa")),
        expiresAt: (await latestTimestamp()) + 365n * DAY,
      }),
    );
  });

  after(async () => {
    await node.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it("deploys every contract and leaves the admin and pauser roles with the admin, none with the deployer", async () => {
    assert.equal(deployment.chainId, ANVIL_CHAIN_ID);
    assert.ok(deployment.deployBlock > 0n);
    assert.equal(await study.hasRole("credentialIssuer", addressOf(ADMIN_KEY)), true);
    assert.equal(await study.hasRole("siteWorker", addressOf(siteWorkerKey)), true);
    assert.equal(await study.hasRole("paymentOperator", addressOf(ADMIN_KEY)), false);
    assert.equal(await study.isBoardMember(addressOf(member2Key)), true);

    const refused = await revertOf(
      study.addBoardMember(ANVIL_DEPLOYER_KEY, addressOf(custodianKey)),
    );
    assert.deepEqual(refused, {
      errorName: "AccessControlUnauthorizedAccount",
      args: [addressOf(ANVIL_DEPLOYER_KEY), `0x${"00".repeat(32)}`],
    });

    const publicClient = createPublicClient({ transport: http(node.rpcUrl) });
    const pauserRole = keccak256(toHex("PAUSER_ROLE"));
    const { stablecoin: _unpausable, ...pausable } = deployment.addresses;
    for (const [name, address] of Object.entries(pausable)) {
      const holds = (account: Address) =>
        publicClient.readContract({
          address,
          abi: studyEscrowAbi,
          functionName: "hasRole",
          args: [pauserRole, account],
        });
      assert.equal(await holds(addressOf(ADMIN_KEY)), true, `the admin pauses ${name}`);
      assert.equal(
        await holds(addressOf(ANVIL_DEPLOYER_KEY)),
        false,
        `the deployer no longer pauses ${name}`,
      );
    }
  });

  it("runs a study from request to a verified result through the client", async () => {
    const studyId = keccak256(toHex("client-study-1"));
    const researcher = addressOf(RESEARCHER_KEY);
    const custodian = addressOf(custodianKey);
    await mined(study.mintStablecoin(ADMIN_KEY, researcher, PRICE));
    await mined(
      study.submitRequest(RESEARCHER_KEY, studyId, {
        scopeHash: SCOPE_HASH,
        custodian,
        price: PRICE,
        licenceDurationSeconds: 30n * DAY,
        decisionDeadline: (await latestTimestamp()) + 7n * DAY,
      }),
    );
    assert.equal(await study.studyStatus(studyId), "pending");

    await mined(study.vote(MEMBER_1_KEY, studyId, true, REASON));
    await mined(study.vote(member2Key, studyId, true, REASON));
    const request = await study.studyRequest(studyId);
    assert.equal(request?.status, "approved");
    assert.equal(request?.approvals, 2);
    assert.equal(await study.voteOf(studyId, addressOf(member2Key)), "approve");

    assert.deepEqual(await revertOf(study.vote(MEMBER_1_KEY, studyId, false, REASON)), {
      errorName: "RequestAlreadyDecided",
      args: [studyId, 2],
    });

    await mined(study.payInStablecoin(RESEARCHER_KEY, studyId));
    assert.equal((await study.paymentOf(studyId)).state, "held");
    await mined(study.mintLicence(RESEARCHER_KEY, studyId));
    const licence = await study.licenceOf(researcher, studyId);
    assert.equal(licence.live, true);
    assert.equal(licence.scopeHash, SCOPE_HASH);
    assert.equal((await study.paymentOf(studyId)).state, "released");
    assert.equal(await study.stablecoinBalance(payoutPool), (PRICE * 8_000n) / 10_000n);
    assert.equal(await study.feesOwed(custodian), (PRICE * 2_000n) / 10_000n);
    await mined(study.withdrawFees(custodianKey));
    assert.equal(await study.stablecoinBalance(custodian), (PRICE * 2_000n) / 10_000n);

    const jobId = keccak256(toHex("client-job-1"));
    const resultHash = keccak256(toHex("counts per arm"));
    await mined(
      study.publishResult(siteWorkerKey, {
        studyId,
        jobId,
        specHash: keccak256(toHex("spec")),
        cohortRoot: keccak256(toHex("cohort")),
        resultHash,
      }),
    );
    assert.equal(await study.verifyResult(studyId, jobId, resultHash), true);
    assert.equal(await study.verifyResult(studyId, jobId, keccak256(toHex("forged"))), false);
    assert.equal((await study.resultOf(studyId, jobId))?.siteWorker, addressOf(siteWorkerKey));
    assert.equal(await study.resultOf(studyId, keccak256(toHex("no such job"))), null);
  });

  it("decodes a refusal raised by the stablecoin inside the escrow, and refunds a rejected study", async () => {
    const studyId = keccak256(toHex("client-study-2"));
    const researcher = addressOf(RESEARCHER_KEY);
    await mined(
      study.submitRequest(RESEARCHER_KEY, studyId, {
        scopeHash: SCOPE_HASH,
        custodian: addressOf(custodianKey),
        price: PRICE,
        licenceDurationSeconds: DAY,
        decisionDeadline: (await latestTimestamp()) + DAY,
      }),
    );
    const balance = await study.stablecoinBalance(researcher);
    assert.deepEqual(await revertOf(study.payInStablecoin(RESEARCHER_KEY, studyId)), {
      errorName: "ERC20InsufficientBalance",
      args: [researcher, balance, PRICE],
    });

    await mined(study.mintStablecoin(ADMIN_KEY, researcher, PRICE));
    await mined(study.payInStablecoin(RESEARCHER_KEY, studyId));
    await mined(study.vote(MEMBER_1_KEY, studyId, false, REASON));
    await mined(study.vote(member2Key, studyId, false, REASON));
    assert.equal(await study.studyStatus(studyId), "rejected");
    await mined(study.refund(custodianKey, studyId));
    assert.equal(await study.stablecoinBalance(researcher), balance + PRICE);
    assert.equal((await study.paymentOf(studyId)).state, "refunded");
    assert.equal(await study.studyRequest(keccak256(toHex("never filed"))), null);
  });

  it("fails fast with an error isChainUnavailable recognises when the node is down", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address === "object");
    await new Promise((resolve) => server.close(resolve));

    const down = createStudyClient({
      rpcUrl: `http://127.0.0.1:${address.port}`,
      ...deployment,
    });
    const startedAt = performance.now();
    await assert.rejects(down.studyStatus(keccak256(toHex("any"))), (caught) =>
      isChainUnavailable(caught),
    );
    await assert.rejects(down.vote(MEMBER_1_KEY, keccak256(toHex("any")), true, REASON), (caught) =>
      isChainUnavailable(caught),
    );
    assert.ok(performance.now() - startedAt < 10_000, "every call failed fast");
  });
});
