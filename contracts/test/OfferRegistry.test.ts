// OfferRegistry through viem on Hardhat's in-process EVM, as the TypeScript side of the project calls it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { getAddress, keccak256, toHex, zeroHash } from "viem";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../artifacts/contracts/src/OfferRegistry.sol/artifacts.d.ts";

const OFFER_ID = keccak256(toHex("offer-1"));
const METADATA_HASH = keccak256(toHex("metadata-1"));
const CUSTODIAN_ROLE = keccak256(toHex("CUSTODIAN_ROLE"));

describe("OfferRegistry", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [adminWallet, custodianWallet, otherCustodianWallet, strangerWallet] =
    await viem.getWalletClients();
  assert.ok(adminWallet && custodianWallet && otherCustodianWallet && strangerWallet);
  const admin = getAddress(adminWallet.account.address);
  const custodian = getAddress(custodianWallet.account.address);
  const otherCustodian = getAddress(otherCustodianWallet.account.address);
  const stranger = getAddress(strangerWallet.account.address);

  async function deployWithCustodians() {
    const registry = await viem.deployContract("OfferRegistry", [admin]);
    await registry.write.grantRole([CUSTODIAN_ROLE, custodian], { account: admin });
    await registry.write.grantRole([CUSTODIAN_ROLE, otherCustodian], { account: admin });
    return registry;
  }

  it("gives the constructor's admin the admin role and nobody the custodian role", async () => {
    const registry = await viem.deployContract("OfferRegistry", [admin]);
    assert.equal(
      await registry.read.hasRole([await registry.read.DEFAULT_ADMIN_ROLE(), admin]),
      true,
    );
    assert.equal(await registry.read.CUSTODIAN_ROLE(), CUSTODIAN_ROLE);
    assert.equal(await registry.read.hasRole([CUSTODIAN_ROLE, admin]), false);
  });

  it("lets the admin grant the custodian role and emits RoleGranted", async () => {
    const registry = await viem.deployContract("OfferRegistry", [admin]);
    await viem.assertions.emitWithArgs(
      registry.write.grantRole([CUSTODIAN_ROLE, custodian], { account: admin }),
      registry,
      "RoleGranted",
      [CUSTODIAN_ROLE, custodian, admin],
    );
    assert.equal(await registry.read.hasRole([CUSTODIAN_ROLE, custodian]), true);
  });

  it("refuses a role grant from an account that is not admin", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.grantRole([CUSTODIAN_ROLE, stranger], { account: custodian }),
      registry,
      "AccessControlUnauthorizedAccount",
      [custodian, zeroHash],
    );
  });

  it("registers an offer, emits OfferRegistered and returns it from offerOf", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await viem.assertions.emitWithArgs(
      registry.write.registerOffer([OFFER_ID, METADATA_HASH], { account: custodian }),
      registry,
      "OfferRegistered",
      [OFFER_ID, custodian, METADATA_HASH],
    );
    const block = await publicClient.getBlock();
    const [storedCustodian, storedHash, registeredAt] = await registry.read.offerOf([OFFER_ID]);
    assert.equal(getAddress(storedCustodian), custodian);
    assert.equal(storedHash, METADATA_HASH);
    assert.equal(registeredAt, block.timestamp);
  });

  it("returns zeros from offerOf for an offer nobody registered", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    assert.deepEqual(await registry.read.offerOf([OFFER_ID]), [
      "0x0000000000000000000000000000000000000000",
      zeroHash,
      0n,
    ]);
  });

  it("refuses a registration from an account without the custodian role", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerOffer([OFFER_ID, METADATA_HASH], { account: stranger }),
      registry,
      "AccessControlUnauthorizedAccount",
      [stranger, CUSTODIAN_ROLE],
    );
  });

  it("refuses a registration once the custodian role is revoked", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await registry.write.revokeRole([CUSTODIAN_ROLE, custodian], { account: admin });
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerOffer([OFFER_ID, METADATA_HASH], { account: custodian }),
      registry,
      "AccessControlUnauthorizedAccount",
      [custodian, CUSTODIAN_ROLE],
    );
  });

  it("refuses an empty offer id", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerOffer([zeroHash, METADATA_HASH], { account: custodian }),
      registry,
      "EmptyOfferId",
      [],
    );
  });

  it("refuses an empty metadata hash and names the offer", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerOffer([OFFER_ID, zeroHash], { account: custodian }),
      registry,
      "EmptyMetadataHash",
      [OFFER_ID],
    );
  });

  it("refuses a second registration of an id and names the first custodian", async () => {
    const registry = await networkHelpers.loadFixture(deployWithCustodians);
    await registry.write.registerOffer([OFFER_ID, METADATA_HASH], { account: custodian });
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.registerOffer([OFFER_ID, keccak256(toHex("metadata-2"))], {
        account: otherCustodian,
      }),
      registry,
      "OfferAlreadyRegistered",
      [OFFER_ID, custodian],
    );
    const [storedCustodian, storedHash] = await registry.read.offerOf([OFFER_ID]);
    assert.equal(getAddress(storedCustodian), custodian);
    assert.equal(storedHash, METADATA_HASH);
  });
});
