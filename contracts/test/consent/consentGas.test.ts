// Gas of the consent area, checked against contracts/gas/consent.json (one file measures them all, so an
// update writes every label at once), and the targets each must meet.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import {
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  parseEventLogs,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  COHORT_CHUNK_SIZE,
  type ConsentChange,
  consentDomain,
  DUO,
  signConsent,
} from "../../consent.ts";
import { gasSnapshot } from "../gas.ts";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/consent/CareGrants.sol/artifacts.d.ts";
import type {} from "../../../artifacts/contracts/src/consent/ConsentRegistry.sol/artifacts.d.ts";

const gas = gasSnapshot("consent");

const OFFER_ID = keccak256(toHex("offer-oncology-1"));
const CANCER = 4992;
const HEART_DISORDER = 5267;
const DAY = 86_400n;
const YEAR = 365n * DAY;

function patientKey(index: number): Hex {
  return keccak256(toHex(`consentry gas patient ${index}`));
}

describe("consent gas", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [adminWallet, relayerWallet, patientWallet, providerWallet] = await viem.getWalletClients();
  assert.ok(adminWallet && relayerWallet && patientWallet && providerWallet);
  const admin = getAddress(adminWallet.account.address);
  const relayer = getAddress(relayerWallet.account.address);
  const patient = getAddress(patientWallet.account.address);
  const provider = getAddress(providerWallet.account.address);
  const chainId = await publicClient.getChainId();

  async function deployRegistry() {
    return viem.deployContract("ConsentRegistry", [admin, relayer]);
  }

  async function deployCareGrants() {
    return viem.deployContract("CareGrants", [admin]);
  }

  async function sign(key: Hex, registryAddress: Address, change: ConsentChange) {
    return signConsent(key, consentDomain(chainId, registryAddress), change);
  }

  async function now(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest());
  }

  it("costs at most 55,000 gas for a patient's first direct grant, the whole transaction", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    const txHash = await registry.write.grantConsent(
      [OFFER_ID, DUO.DS, CANCER, (await now()) + YEAR],
      { account: patient },
    );
    const { gasUsed } = await publicClient.waitForTransactionReceipt({ hash: txHash });
    gas.check("consent.grant.direct", gasUsed);
    assert.ok(gasUsed <= 55_000n, `direct grant used ${gasUsed} gas`);
  });

  it("costs at most 35,000 gas per consent in a relayed batch of 100 first grants by 100 patients", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    const at = await now();
    const items = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        sign(patientKey(100 + i), registry.address, {
          kind: "grant",
          scope: OFFER_ID,
          purpose: DUO.DS,
          disease: CANCER,
          nonce: 0,
          deadline: at + DAY,
          expiresAt: at + YEAR,
        }),
      ),
    );
    const txHash = await registry.write.submitSignedConsents([items], { account: relayer });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash });
    assert.equal(
      parseEventLogs({ abi: registry.abi, eventName: "ConsentGranted", logs: receipt.logs }).length,
      100,
    );
    const perConsent = receipt.gasUsed / 100n;
    gas.check("consent.grant.relayed.batch100.perConsent", perConsent);
    assert.ok(perConsent <= 35_000n, `relayed grant used ${perConsent} gas per consent`);
  });

  it("records the gas of a patient's direct revocation", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    await registry.write.grantConsent([OFFER_ID, DUO.DS, CANCER, (await now()) + YEAR], {
      account: patient,
    });
    const txHash = await registry.write.revokeConsent([OFFER_ID, DUO.DS, CANCER], {
      account: patient,
    });
    const { gasUsed } = await publicClient.waitForTransactionReceipt({ hash: txHash });
    gas.check("consent.revoke.direct", gasUsed);
  });

  it("records the gas of a patient's first care grant", async () => {
    const grants = await networkHelpers.loadFixture(deployCareGrants);
    const txHash = await grants.write.grantCareAccess(
      [provider, HEART_DISORDER, (await now()) + 30n * DAY],
      { account: patient },
    );
    const { gasUsed } = await publicClient.waitForTransactionReceipt({ hash: txHash });
    gas.check("careGrant.grant", gasUsed);
  });

  it(`answers for a cohort of ${COHORT_CHUNK_SIZE} patients in one eth_call under Hardhat's default call gas cap`, async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    const at = await now();
    const keys = Array.from({ length: COHORT_CHUNK_SIZE }, (_, i) => patientKey(1_000 + i));
    const cohort = keys.map((key) => privateKeyToAccount(key).address);
    // Every fourth patient consents, alternately HMB and POA; the others never did, and their empty slot
    // costs the same cold read. Seeding goes through the relayer: direct grants need funded accounts.
    const consenting = Array.from({ length: COHORT_CHUNK_SIZE / 4 }, (_, j) => j * 4);
    const permitted = (i: number) => i % 8 === 0;
    for (let start = 0; start < consenting.length; start += 400) {
      const items = await Promise.all(
        consenting.slice(start, start + 400).map((i) =>
          sign(keys[i] ?? patientKey(i), registry.address, {
            kind: "grant",
            scope: OFFER_ID,
            purpose: permitted(i) ? DUO.HMB : DUO.POA,
            nonce: 0,
            deadline: at + DAY,
            expiresAt: at + YEAR,
          }),
        ),
      );
      await registry.write.submitSignedConsents([items], { account: relayer });
    }

    const request = [cohort, OFFER_ID, DUO.DS, CANCER] as const;
    const gasUsed = await publicClient.estimateGas({
      to: registry.address,
      data: encodeFunctionData({
        abi: registry.abi,
        functionName: "cohortPermitted",
        args: request,
      }),
    });
    // EIP-7825 (Osaka, Hardhat's default hardfork) caps every call at 2^24 gas unless told otherwise.
    assert.ok(gasUsed < 16_777_216n, `cohort of ${COHORT_CHUNK_SIZE} used ${gasUsed} gas`);
    gas.check(`consent.cohort.${COHORT_CHUNK_SIZE}.eth_call`, gasUsed);

    const words = await registry.read.cohortPermitted(request);
    for (let i = 0; i < cohort.length; i++) {
      const bit = ((words[i >> 8] ?? 0n) >> BigInt(i & 255)) & 1n;
      assert.equal(bit, permitted(i) ? 1n : 0n, `patient ${i}`);
    }
  });
});
