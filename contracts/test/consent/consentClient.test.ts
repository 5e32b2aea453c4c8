// The consent client against a real anvil node, as the app and workers use it: deploy, direct and relayed
// consents, care grants, and a 10,000-patient cohort answered in one eth_call under anvil's default gas limit.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  type Hex,
  http,
  keccak256,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { type AnvilNode, ANVIL_ACCOUNT_KEYS, ANVIL_DEPLOYER_KEY, startAnvil } from "../../anvil.ts";
import { decodeContractRevert } from "../../client.ts";
import {
  type ConsentClient,
  type ConsentDeployment,
  createConsentClient,
  custodianScope,
  deployConsentContracts,
  DUO,
  type SignedConsent,
} from "../../consent.ts";
import { careGrantsAbi, consentRegistryAbi } from "../../generated/abis.ts";

const RELAYER_KEY = ANVIL_ACCOUNT_KEYS[1];
const PATIENT_KEY = ANVIL_ACCOUNT_KEYS[2];
const PROVIDER_KEY = ANVIL_ACCOUNT_KEYS[3];
const patient = privateKeyToAccount(PATIENT_KEY).address;
const provider = privateKeyToAccount(PROVIDER_KEY).address;
const OFFER_ID = keccak256(toHex("offer-anvil-oncology"));
const CANCER = 4992;
const HEART_DISORDER = 5267;
const DAY = 86_400n;
const YEAR = 365n * DAY;
const COHORT = 10_000;

function localPatientKey(index: number): Hex {
  return keccak256(toHex(`consentry anvil patient ${index}`));
}

describe("consent client on anvil", () => {
  let workDir: string;
  let node: AnvilNode;
  let addresses: ConsentDeployment;
  let client: ConsentClient;

  async function now(): Promise<bigint> {
    const block = await createPublicClient({ transport: http(node.rpcUrl) }).getBlock();
    return block.timestamp;
  }

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-consent-"));
    node = await startAnvil({
      stateFile: path.join(workDir, "state.json"),
      stateIntervalSeconds: 3_600,
      silent: true,
    });
    addresses = await deployConsentContracts({
      rpcUrl: node.rpcUrl,
      deployerKey: ANVIL_DEPLOYER_KEY,
      relayer: privateKeyToAccount(RELAYER_KEY).address,
    });
    client = createConsentClient({ rpcUrl: node.rpcUrl, addresses });
  });

  after(async () => {
    await node?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it("deploys both contracts, the admin able to pause each, and reports the deploy block", async () => {
    const publicClient = createPublicClient({ transport: http(node.rpcUrl) });
    assert.equal(addresses.chainId, 31337);
    assert.ok((await publicClient.getCode({ address: addresses.consentRegistry }))?.length);
    assert.ok((await publicClient.getCode({ address: addresses.careGrants }))?.length);
    assert.ok(addresses.deployBlock > 0n);

    // Both are AccessControl with the same PAUSER_ROLE: one ABI serves for both.
    const admin = privateKeyToAccount(ANVIL_DEPLOYER_KEY).address;
    for (const address of [addresses.consentRegistry, addresses.careGrants]) {
      const contract = { address, abi: careGrantsAbi } as const;
      const pauserRole = await publicClient.readContract({
        ...contract,
        functionName: "PAUSER_ROLE",
      });
      assert.equal(
        await publicClient.readContract({
          ...contract,
          functionName: "hasRole",
          args: [pauserRole, admin],
        }),
        true,
        `the admin pauses ${address}`,
      );
    }
  });

  it("grants and revokes by the patient's own transaction", async () => {
    const scope = custodianScope(privateKeyToAccount(ANVIL_DEPLOYER_KEY).address);
    const consent = { scope, purpose: DUO.DS, disease: CANCER } as const;
    const granted = await client.grantConsent(PATIENT_KEY, {
      ...consent,
      expiresAt: (await now()) + YEAR,
    });
    assert.equal((await client.waitForReceipt(granted.txHash)).status, "success");
    assert.equal(await client.isPermitted(patient, consent), true);
    assert.equal(await client.isPermitted(patient, { scope, purpose: DUO.HMB }), false);

    const revoked = await client.revokeConsent(PATIENT_KEY, consent);
    assert.equal((await client.waitForReceipt(revoked.txHash)).status, "success");
    assert.equal(await client.isPermitted(patient, consent), false);
    assert.equal(await client.consentExpiry(patient, consent), null);
    assert.equal(await client.nonceOf(patient, scope), 2);

    const error = await client.revokeConsent(PATIENT_KEY, consent).then(
      () => assert.fail("revoking twice must fail"),
      (caught: unknown) => caught,
    );
    assert.deepEqual(decodeContractRevert(error), {
      errorName: "ConsentNotFound",
      args: [patient, scope, DUO.DS, CANCER],
    });
  });

  it("submits a relayed batch and reports each item's outcome", async () => {
    const at = await now();
    const [alice, bob] = [localPatientKey(1), localPatientKey(2)];
    const change = { scope: OFFER_ID, purpose: DUO.HMB, nonce: 0, deadline: at + DAY } as const;
    const aliceGrant = await client.signConsent(alice, {
      ...change,
      kind: "grant",
      expiresAt: at + YEAR,
    });
    const forged: SignedConsent = {
      ...(await client.signConsent(alice, { ...change, kind: "grant", expiresAt: at + YEAR })),
      patient: privateKeyToAccount(bob).address,
    };
    const nothingToRevoke = await client.signConsent(bob, { ...change, kind: "revoke" });

    const result = await client.submitConsentBatch(RELAYER_KEY, [
      aliceGrant,
      forged,
      aliceGrant,
      nothingToRevoke,
    ]);
    assert.equal(result.status, "success");
    assert.deepEqual(result.items, [
      { outcome: "applied", reason: null },
      { outcome: "badSignature", reason: null },
      { outcome: "staleNonce", reason: null },
      {
        outcome: "refused",
        reason: {
          errorName: "ConsentNotFound",
          args: [privateKeyToAccount(bob).address, OFFER_ID, DUO.HMB, 0],
        },
      },
    ]);
    assert.equal(
      await client.isPermitted(privateKeyToAccount(alice).address, {
        scope: OFFER_ID,
        purpose: DUO.DS,
        disease: CANCER,
      }),
      true,
    );
  });

  it("refuses a batch from a key without the relayer role, with the contract's error", async () => {
    const error = await client.submitConsentBatch(PATIENT_KEY, []).then(
      () => assert.fail("a patient cannot relay"),
      (caught: unknown) => caught,
    );
    assert.equal(decodeContractRevert(error)?.errorName, "AccessControlUnauthorizedAccount");
  });

  it("grants and revokes care access for one condition", async () => {
    const granted = await client.grantCareAccess(PATIENT_KEY, {
      provider,
      condition: HEART_DISORDER,
      expiresAt: (await now()) + 30n * DAY,
    });
    assert.equal((await client.waitForReceipt(granted.txHash)).status, "success");
    assert.equal(await client.hasCareAccess(patient, provider, HEART_DISORDER), true);
    assert.equal(await client.hasCareAccess(patient, provider, CANCER), false);
    assert.ok((await client.careAccessExpiry(patient, provider, HEART_DISORDER)) !== null);

    const revoked = await client.revokeCareAccess(PATIENT_KEY, {
      provider,
      condition: HEART_DISORDER,
    });
    assert.equal((await client.waitForReceipt(revoked.txHash)).status, "success");
    assert.equal(await client.hasCareAccess(patient, provider, HEART_DISORDER), false);
    assert.equal(await client.careAccessExpiry(patient, provider, HEART_DISORDER), null);
  });

  it(`answers for a cohort of ${COHORT} patients in one eth_call under anvil's default gas limit`, async () => {
    const scope = keccak256(toHex("offer-anvil-cohort"));
    const at = await now();
    const purposes = [DUO.GRU, DUO.HMB, DUO.POA, DUO.DS, DUO.DS] as const;
    const keys = Array.from({ length: COHORT }, (_, i) => localPatientKey(100_000 + i));
    const cohort: Address[] = keys.map((key) => privateKeyToAccount(key).address);
    // Every fourth patient consents, to purposes[(i / 4) % 5] (the DS ones for cancer, then heart disorder).
    // The others never did: their empty slot costs the same cold read and the longest evaluation.
    const consenting = Array.from({ length: COHORT / 4 }, (_, j) => j * 4);
    const permittedForCancer = (i: number) => i % 4 === 0 && [0, 1, 3].includes((i / 4) % 5);
    for (let start = 0; start < consenting.length; start += 400) {
      const items = await Promise.all(
        consenting.slice(start, start + 400).map((i) => {
          const kind = (i / 4) % 5;
          return client.signConsent(keys[i] ?? localPatientKey(i), {
            kind: "grant",
            scope,
            purpose: purposes[kind] ?? DUO.GRU,
            disease: kind === 3 ? CANCER : kind === 4 ? HEART_DISORDER : 0,
            nonce: 0,
            deadline: at + DAY,
            expiresAt: at + YEAR,
          });
        }),
      );
      const batch = await client.submitConsentBatch(RELAYER_KEY, items);
      assert.ok(batch.items.every((item) => item.outcome === "applied"));
    }

    const publicClient = createPublicClient({ transport: http(node.rpcUrl) });
    const { gasLimit } = await publicClient.getBlock();
    const args = [cohort, scope, DUO.DS, CANCER] as const;
    const gasUsed = await publicClient.estimateGas({
      to: addresses.consentRegistry,
      data: encodeFunctionData({ abi: consentRegistryAbi, functionName: "cohortPermitted", args }),
    });
    assert.equal(gasLimit, 30_000_000n, "anvil's default block gas limit, which caps eth_call");
    assert.ok(gasUsed < gasLimit, `cohort of ${COHORT} used ${gasUsed} gas`);
    process.stdout.write(`    cohortPermitted over ${COHORT} patients: ${gasUsed} gas\n`);

    // No gas given: the node applies its default call gas limit.
    const words = await publicClient.readContract({
      address: addresses.consentRegistry,
      abi: consentRegistryAbi,
      functionName: "cohortPermitted",
      args,
    });
    for (let i = 0; i < COHORT; i++) {
      const bit = (((words[i >> 8] ?? 0n) >> BigInt(i & 255)) & 1n) === 1n;
      assert.equal(bit, permittedForCancer(i), `patient ${i}`);
    }

    const chunked = await client.cohortPermitted(cohort, {
      scope,
      purpose: DUO.DS,
      disease: CANCER,
    });
    assert.deepEqual(
      chunked,
      cohort.map((_, i) => permittedForCancer(i)),
    );
  });
});
