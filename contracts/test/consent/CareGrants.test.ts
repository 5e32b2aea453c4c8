// CareGrants through viem on Hardhat's in-process EVM: grant, revoke and expiry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { getAddress } from "viem";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/consent/CareGrants.sol/artifacts.d.ts";

const HEART_DISORDER = 5267;
const MENTAL_DISORDER = 4994;
const DAY = 86_400n;

describe("CareGrants", async () => {
  const { viem, networkHelpers } = await network.create();
  const [patientWallet, cardiologistWallet, strangerWallet, adminWallet] =
    await viem.getWalletClients();
  assert.ok(patientWallet && cardiologistWallet && strangerWallet && adminWallet);
  const patient = getAddress(patientWallet.account.address);
  const cardiologist = getAddress(cardiologistWallet.account.address);
  const stranger = getAddress(strangerWallet.account.address);
  const admin = getAddress(adminWallet.account.address);

  async function deployGrants() {
    return viem.deployContract("CareGrants", [admin]);
  }

  async function now(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest());
  }

  it("gives a provider access to one condition until the expiry, and emits CareAccessGranted", async () => {
    const grants = await networkHelpers.loadFixture(deployGrants);
    const expiresAt = (await now()) + 30n * DAY;
    await viem.assertions.emitWithArgs(
      grants.write.grantCareAccess([cardiologist, HEART_DISORDER, expiresAt], { account: patient }),
      grants,
      "CareAccessGranted",
      [patient, cardiologist, HEART_DISORDER, expiresAt],
    );
    assert.equal(await grants.read.hasCareAccess([patient, cardiologist, HEART_DISORDER]), true);
    assert.equal(await grants.read.hasCareAccess([patient, cardiologist, MENTAL_DISORDER]), false);
    assert.equal(await grants.read.hasCareAccess([patient, stranger, HEART_DISORDER]), false);

    await networkHelpers.time.increaseTo(expiresAt);
    assert.equal(await grants.read.hasCareAccess([patient, cardiologist, HEART_DISORDER]), false);
  });

  it("ends access when the patient revokes, and refuses a revocation by anyone else", async () => {
    const grants = await networkHelpers.loadFixture(deployGrants);
    await grants.write.grantCareAccess([cardiologist, HEART_DISORDER, (await now()) + DAY], {
      account: patient,
    });
    await viem.assertions.revertWithCustomErrorWithArgs(
      grants.write.revokeCareAccess([cardiologist, HEART_DISORDER], { account: stranger }),
      grants,
      "CareGrantNotFound",
      [stranger, cardiologist, HEART_DISORDER],
    );
    await viem.assertions.emitWithArgs(
      grants.write.revokeCareAccess([cardiologist, HEART_DISORDER], { account: patient }),
      grants,
      "CareAccessRevoked",
      [patient, cardiologist, HEART_DISORDER],
    );
    assert.equal(await grants.read.hasCareAccess([patient, cardiologist, HEART_DISORDER]), false);
  });

  it("refuses a grant to the patient themself", async () => {
    const grants = await networkHelpers.loadFixture(deployGrants);
    await viem.assertions.revertWithCustomErrorWithArgs(
      grants.write.grantCareAccess([patient, HEART_DISORDER, (await now()) + DAY], {
        account: patient,
      }),
      grants,
      "InvalidProvider",
      [patient],
    );
  });
});
