// ConsentRegistry through viem on Hardhat's in-process EVM: direct and relayed consents, replay, pause and
// the cohort view. Gas is measured in consentGas.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import {
  type Address,
  encodeErrorResult,
  getAddress,
  type Hex,
  keccak256,
  parseEventLogs,
  toHex,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { ANVIL_ACCOUNT_KEYS } from "../../anvil.ts";
import {
  type ConsentChange,
  consentDomain,
  custodianScope,
  DUO,
  RELAY_OUTCOMES,
  type SignedConsent,
  signConsent,
} from "../../consent.ts";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/consent/ConsentRegistry.sol/artifacts.d.ts";

const OFFER_ID = keccak256(toHex("offer-oncology-1"));
const CANCER = 4992;
const BREAST_CANCER = 7254;
const DAY = 86_400n;
const YEAR = 365n * DAY;
const RELAYER_ROLE = keccak256(toHex("RELAYER_ROLE"));
const PAUSER_ROLE = keccak256(toHex("PAUSER_ROLE"));

/** Local keys for patients who never hold gas: their consents only ever arrive signed. */
function patientKey(index: number): Hex {
  return keccak256(toHex(`consentry test patient ${index}`));
}

const outcomeIndex = (name: (typeof RELAY_OUTCOMES)[number]) => RELAY_OUTCOMES.indexOf(name);

describe("ConsentRegistry", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [adminWallet, relayerWallet, patientWallet, otherPatientWallet, strangerWallet] =
    await viem.getWalletClients();
  assert.ok(adminWallet && relayerWallet && patientWallet && otherPatientWallet && strangerWallet);
  const admin = getAddress(adminWallet.account.address);
  const relayer = getAddress(relayerWallet.account.address);
  const patient = getAddress(patientWallet.account.address);
  const otherPatient = getAddress(otherPatientWallet.account.address);
  const stranger = getAddress(strangerWallet.account.address);
  const chainId = await publicClient.getChainId();
  // Hardhat's and anvil's dev accounts come from the same mnemonic: wallet 2 is the patient.
  const PATIENT_KEY = ANVIL_ACCOUNT_KEYS[2];
  assert.equal(privateKeyToAccount(PATIENT_KEY).address, patient);

  async function deployRegistry() {
    return viem.deployContract("ConsentRegistry", [admin, relayer]);
  }

  async function sign(key: Hex, registryAddress: Address, change: ConsentChange) {
    return signConsent(key, consentDomain(chainId, registryAddress), change);
  }

  async function now(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest());
  }

  it("gives the admin the admin and pauser roles and the relayer the relayer role", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    assert.equal(await registry.read.hasRole([zeroHash, admin]), true);
    assert.equal(await registry.read.hasRole([PAUSER_ROLE, admin]), true);
    assert.equal(await registry.read.hasRole([RELAYER_ROLE, relayer]), true);
    assert.equal(await registry.read.hasRole([RELAYER_ROLE, admin]), false);
  });

  it("records a patient's own grant, emits ConsentGranted and permits what DUO's hierarchy covers", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    const expiresAt = (await now()) + YEAR;
    await viem.assertions.emitWithArgs(
      registry.write.grantConsent([OFFER_ID, DUO.HMB, 0, expiresAt], { account: patient }),
      registry,
      "ConsentGranted",
      [patient, OFFER_ID, DUO.HMB, 0, expiresAt],
    );
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.HMB, 0]), true);
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.DS, CANCER]), true);
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.GRU, 0]), false);
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.POA, 0]), false);
    assert.equal(await registry.read.isPermitted([otherPatient, OFFER_ID, DUO.HMB, 0]), false);
    assert.equal(
      await registry.read.isPermitted([patient, custodianScope(stranger), DUO.HMB, 0]),
      false,
    );
    assert.equal(await registry.read.consentExpiry([patient, OFFER_ID, DUO.HMB, 0]), expiresAt);
    assert.equal(await registry.read.nonceOf([patient, OFFER_ID]), 1);
  });

  it("stops permitting at once when the patient revokes, and emits ConsentRevoked", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    await registry.write.grantConsent([OFFER_ID, DUO.DS, CANCER, (await now()) + YEAR], {
      account: patient,
    });
    await viem.assertions.emitWithArgs(
      registry.write.revokeConsent([OFFER_ID, DUO.DS, CANCER], { account: patient }),
      registry,
      "ConsentRevoked",
      [patient, OFFER_ID, DUO.DS, CANCER],
    );
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.DS, CANCER]), false);
    assert.equal(await registry.read.consentExpiry([patient, OFFER_ID, DUO.DS, CANCER]), 0n);
  });

  it("stops permitting when the consent expires", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    const expiresAt = (await now()) + DAY;
    await registry.write.grantConsent([OFFER_ID, DUO.GRU, 0, expiresAt], { account: patient });
    await networkHelpers.time.increaseTo(expiresAt - 1n);
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.POA, 0]), true);
    await networkHelpers.time.increaseTo(expiresAt);
    assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.POA, 0]), false);
  });

  it("refuses to revoke a consent nobody granted and names it", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.revokeConsent([OFFER_ID, DUO.DS, BREAST_CANCER], { account: patient }),
      registry,
      "ConsentNotFound",
      [patient, OFFER_ID, DUO.DS, BREAST_CANCER],
    );
  });

  it("refuses a grant that has already expired, a DS grant without a disease and an empty scope", async () => {
    const registry = await networkHelpers.loadFixture(deployRegistry);
    const at = (await now()) + 100n;
    await networkHelpers.time.setNextBlockTimestamp(at);
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.grantConsent([OFFER_ID, DUO.HMB, 0, at], { account: patient }),
      registry,
      "ExpiryNotInFuture",
      [at, at],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.grantConsent([OFFER_ID, DUO.DS, 0, at + YEAR], { account: patient }),
      registry,
      "InvalidPurpose",
      [DUO.DS, 0],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      registry.write.grantConsent([zeroHash, DUO.HMB, 0, at + YEAR], { account: patient }),
      registry,
      "EmptyScope",
      [],
    );
  });

  describe("relayed batches", () => {
    it("applies the good items of a mixed batch and reports each bad one without sinking the rest", async () => {
      const registry = await networkHelpers.loadFixture(deployRegistry);
      const at = await now();
      const expiresAt = at + YEAR;
      const deadline = at + DAY;
      const [alice, bob, carol, dave, erin] = [1, 2, 3, 4, 5].map(patientKey) as [
        Hex,
        Hex,
        Hex,
        Hex,
        Hex,
      ];
      const address = (key: Hex) => privateKeyToAccount(key).address;
      const grant = (nonce: number, purpose: number = DUO.HMB) =>
        ({
          kind: "grant",
          scope: OFFER_ID,
          purpose: purpose as typeof DUO.HMB,
          nonce,
          deadline,
          expiresAt,
        }) as const;

      const aliceGrant = await sign(alice, registry.address, grant(0));
      const forgedForBob = {
        ...(await sign(carol, registry.address, grant(0))),
        patient: address(bob),
      };
      const items: SignedConsent[] = [
        aliceGrant,
        // Someone else's key signed a grant in bob's name.
        forgedForBob,
        // Carol's deadline passed before the relayer got to it.
        await sign(carol, registry.address, { ...grant(0), deadline: at - 1n }),
        // The same signed grant again in the same batch: its nonce is spent.
        aliceGrant,
        // Dave signed a revocation of something he never granted.
        await sign(dave, registry.address, {
          kind: "revoke",
          scope: OFFER_ID,
          purpose: DUO.GRU,
          nonce: 0,
          deadline,
        }),
        // Alice's second change to the same scope takes the next nonce and applies after her first.
        await sign(alice, registry.address, { ...grant(1, DUO.POA) }),
        await sign(erin, registry.address, grant(0, DUO.GRU)),
      ];

      const { result } = await registry.simulate.submitSignedConsents([items], {
        account: relayer,
      });
      assert.deepEqual(
        result.map((outcome) => RELAY_OUTCOMES[outcome]),
        [
          "applied",
          "badSignature",
          "deadlinePassed",
          "staleNonce",
          "refused",
          "applied",
          "applied",
        ],
      );

      const txHash = await registry.write.submitSignedConsents([items], { account: relayer });
      const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash });
      const rejections = parseEventLogs({
        abi: registry.abi,
        eventName: "SignedConsentRejected",
        logs: receipt.logs,
      }).map(({ args }) => args);
      assert.deepEqual(rejections, [
        { index: 1n, patient: address(bob), outcome: outcomeIndex("badSignature"), reason: "0x" },
        {
          index: 2n,
          patient: address(carol),
          outcome: outcomeIndex("deadlinePassed"),
          reason: "0x",
        },
        { index: 3n, patient: address(alice), outcome: outcomeIndex("staleNonce"), reason: "0x" },
        {
          index: 4n,
          patient: address(dave),
          outcome: outcomeIndex("refused"),
          reason: encodeErrorResult({
            abi: registry.abi,
            errorName: "ConsentNotFound",
            args: [address(dave), OFFER_ID, DUO.GRU, 0],
          }),
        },
      ]);
      const granted = parseEventLogs({
        abi: registry.abi,
        eventName: "ConsentGranted",
        logs: receipt.logs,
      });
      assert.deepEqual(
        granted.map(({ args }) => [args.patient, args.purpose]),
        [
          [address(alice), DUO.HMB],
          [address(alice), DUO.POA],
          [address(erin), DUO.GRU],
        ],
      );

      assert.equal(await registry.read.isPermitted([address(alice), OFFER_ID, DUO.HMB, 0]), true);
      assert.equal(await registry.read.isPermitted([address(alice), OFFER_ID, DUO.POA, 0]), true);
      assert.equal(await registry.read.isPermitted([address(erin), OFFER_ID, DUO.HMB, 0]), true);
      assert.equal(await registry.read.isPermitted([address(bob), OFFER_ID, DUO.HMB, 0]), false);
      assert.equal(await registry.read.isPermitted([address(carol), OFFER_ID, DUO.HMB, 0]), false);
      assert.equal(await registry.read.nonceOf([address(alice), OFFER_ID]), 2);
      assert.equal(await registry.read.nonceOf([address(dave), OFFER_ID]), 0);
    });

    it("refuses a signed revocation replayed after the patient granted again", async () => {
      const registry = await networkHelpers.loadFixture(deployRegistry);
      const at = await now();
      const key = patientKey(10);
      const signer = privateKeyToAccount(key).address;
      const grant = await sign(key, registry.address, {
        kind: "grant",
        scope: OFFER_ID,
        purpose: DUO.HMB,
        nonce: 0,
        deadline: at + DAY,
        expiresAt: at + YEAR,
      });
      const revocation = await sign(key, registry.address, {
        kind: "revoke",
        scope: OFFER_ID,
        purpose: DUO.HMB,
        nonce: 1,
        deadline: at + DAY,
      });
      const regrant = await sign(key, registry.address, {
        kind: "grant",
        scope: OFFER_ID,
        purpose: DUO.HMB,
        nonce: 2,
        deadline: at + DAY,
        expiresAt: at + YEAR,
      });
      await registry.write.submitSignedConsents([[grant, revocation, regrant]], {
        account: relayer,
      });
      assert.equal(await registry.read.isPermitted([signer, OFFER_ID, DUO.HMB, 0]), true);

      await viem.assertions.emitWithArgs(
        registry.write.submitSignedConsents([[revocation, grant]], { account: relayer }),
        registry,
        "SignedConsentRejected",
        [0n, signer, outcomeIndex("staleNonce"), "0x"],
      );
      assert.equal(await registry.read.isPermitted([signer, OFFER_ID, DUO.HMB, 0]), true);
      assert.equal(await registry.read.nonceOf([signer, OFFER_ID]), 3);
    });

    it("voids a signed grant not yet submitted when the patient revokes directly", async () => {
      const registry = await networkHelpers.loadFixture(deployRegistry);
      const at = await now();
      await registry.write.grantConsent([OFFER_ID, DUO.HMB, 0, at + YEAR], { account: patient });
      // Signed against nonce 1, then overtaken by the patient's own revocation, which takes nonce 1.
      const pending = await sign(PATIENT_KEY, registry.address, {
        kind: "grant",
        scope: OFFER_ID,
        purpose: DUO.GRU,
        nonce: 1,
        deadline: at + DAY,
        expiresAt: at + YEAR,
      });
      await registry.write.revokeConsent([OFFER_ID, DUO.HMB, 0], { account: patient });
      await viem.assertions.emitWithArgs(
        registry.write.submitSignedConsents([[pending]], { account: relayer }),
        registry,
        "SignedConsentRejected",
        [0n, patient, outcomeIndex("staleNonce"), "0x"],
      );
      assert.equal(await registry.read.isPermitted([patient, OFFER_ID, DUO.GRU, 0]), false);
      assert.equal(await registry.read.nonceOf([patient, OFFER_ID]), 2);
    });

    it("refuses a batch from an account without the relayer role", async () => {
      const registry = await networkHelpers.loadFixture(deployRegistry);
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.submitSignedConsents([[]], { account: stranger }),
        registry,
        "AccessControlUnauthorizedAccount",
        [stranger, RELAYER_ROLE],
      );
    });

    it("skips signed grants while paused but still applies signed revocations", async () => {
      const registry = await networkHelpers.loadFixture(deployRegistry);
      const at = await now();
      const key = patientKey(20);
      const signer = privateKeyToAccount(key).address;
      const change = { scope: OFFER_ID, purpose: DUO.GRU, deadline: at + DAY } as const;
      await registry.write.submitSignedConsents(
        [
          [
            await sign(key, registry.address, {
              ...change,
              kind: "grant",
              nonce: 0,
              expiresAt: at + YEAR,
            }),
          ],
        ],
        { account: relayer },
      );
      await registry.write.pause({ account: admin });

      const items = [
        await sign(key, registry.address, { ...change, kind: "revoke", nonce: 1 }),
        await sign(key, registry.address, {
          ...change,
          kind: "grant",
          nonce: 2,
          expiresAt: at + YEAR,
        }),
      ];
      const { result } = await registry.simulate.submitSignedConsents([items], {
        account: relayer,
      });
      assert.deepEqual(
        result.map((outcome) => RELAY_OUTCOMES[outcome]),
        ["applied", "grantsPaused"],
      );
      await registry.write.submitSignedConsents([items], { account: relayer });
      assert.equal(await registry.read.isPermitted([signer, OFFER_ID, DUO.GRU, 0]), false);

      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.grantConsent([OFFER_ID, DUO.GRU, 0, at + YEAR], { account: patient }),
        registry,
        "EnforcedPause",
        [],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        registry.write.unpause({ account: stranger }),
        registry,
        "AccessControlUnauthorizedAccount",
        [stranger, zeroHash],
      );
    });
  });

  describe("cohort view", () => {
    it("marks exactly the permitted patients of a cohort in the bitmap", async () => {
      const registry = await networkHelpers.loadFixture(deployRegistry);
      const expiresAt = (await now()) + YEAR;
      await registry.write.grantConsent([OFFER_ID, DUO.DS, CANCER, expiresAt], {
        account: patient,
      });
      await registry.write.grantConsent([OFFER_ID, DUO.DS, BREAST_CANCER, expiresAt], {
        account: otherPatient,
      });
      const cohort = Array.from(
        { length: 300 },
        (_, i) => privateKeyToAccount(patientKey(i)).address,
      );
      cohort[5] = patient;
      cohort[290] = otherPatient;
      const words = await registry.read.cohortPermitted([cohort, OFFER_ID, DUO.DS, CANCER]);
      assert.deepEqual(words, [1n << 5n, 0n]);
      const breast = await registry.read.cohortPermitted([cohort, OFFER_ID, DUO.DS, BREAST_CANCER]);
      assert.deepEqual(breast, [0n, 1n << 34n]);
    });
  });
});
