import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkedToCondition } from "#core/custody/care-access.ts";
import { careConditionFor } from "#core/custody/care-conditions.ts";
import { mentalHealthCodes, SNOMED } from "#core/custody/clinical-codes.ts";
import { generatedPatients, syntheaPatient } from "#core/custody/cohort.fixtures.ts";
import type { DeidentifiedPatient } from "#core/custody/patient.ts";
import { purposes } from "#core/custody/purposes.ts";
import { syntheaDir, syntheaMissingReason } from "#core/fhir/synthea.fixtures.ts";
import {
  anvilRpc,
  ANVIL_ACCOUNT_KEYS,
  ANVIL_DEPLOYER_KEY,
  startAnvil,
  type AnvilNode,
} from "#contracts/anvil.ts";
import {
  consentRequestFor,
  createConsentClient,
  custodianScope,
  DUO,
  type ConsentClient,
  type ConsentKey,
} from "#contracts/consent.ts";
import { consentDeployment, deploySystem } from "#contracts/system.ts";
import type { Database } from "#db/client.ts";
import { listAuditEntries } from "#db/queries/audit.ts";
import { ensureCustodian, setCustodianChainAddress } from "#db/queries/custodians.ts";
import { erasePatient, storePatients } from "#db/queries/custody.ts";
import { createOffer } from "#db/queries/offers.ts";
import { linkPatientAccount } from "#db/queries/patient-accounts.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import { openKekKeyring, type KekKeyring } from "./kek-keyring.ts";
import { readCareHistory, readPurposeCohort, type MinimiserDeps } from "./minimiser.ts";

const CUSTODIAN_A = privateKeyToAddress(ANVIL_ACCOUNT_KEYS[1]);
const CUSTODIAN_B = privateKeyToAddress(ANVIL_ACCOUNT_KEYS[2]);
const HEART = 5267;
const HYPERTENSION = 5044;
const PSYCHIATRIC = 2025;
const ASTHMA = 4979;
const CANCER = 4992;
const YEAR = 365n * 24n * 3600n;

describe("the consent each research purpose is checked against", () => {
  it("is asked under the DUO term's own number, and DS under its disease's MONDO number", () => {
    const scope = custodianScope(CUSTODIAN_A);
    for (const id of ["cardiology_study", "oncology_trial", "diabetes_study"] as const) {
      const declared = purposes[id].consent;
      expect(consentRequestFor(declared, scope)).toEqual({
        scope,
        purpose: Number(declared.permission.slice("DUO:".length)),
        disease: Number(declared.disease.slice("MONDO:".length)),
      });
    }
    expect(consentRequestFor(purposes.population_health.consent, scope)).toEqual({
      scope,
      purpose: DUO.HMB,
    });
  });
});

/** A patient with their own key, as a wallet holds it. */
type Person = { key: Hex; account: Address; record: DeidentifiedPatient };

describe.skipIf(!syntheaDir)(
  `the minimiser on a real anvil chain${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    describe.each(engines)("%s database", (engine) => {
      let workDir: string;
      let anvil: AnvilNode;
      let database: Database;
      let keyring: KekKeyring;
      let consent: ConsentClient;
      let custodianA: string;
      let custodianB: string;
      let offerId: string;
      let chainOfferId: Hex;
      let depsA: MinimiserDeps;
      let depsB: MinimiserDeps;
      const provider = privateKeyToAddress(generatePrivateKey());
      const otherProvider = privateKeyToAddress(generatePrivateKey());

      // Custodian A's cohort, one patient per case.
      const [
        offerConsented,
        custodianConsented,
        revoked,
        expired,
        erased,
        unlinked,
        unconsented,
        otherDisease,
        careErased,
      ] = generatedPatients(9).map((record): Person => {
        const key = generatePrivateKey();
        return { key, account: privateKeyToAddress(key), record };
      }) as [Person, Person, Person, Person, Person, Person, Person, Person, Person];
      // Custodian B's patient, who consented to custodian A's whole holding (which A does not hold).
      const atOtherCustodian = ((): Person => {
        const key = generatePrivateKey();
        return { key, account: privateKeyToAddress(key), record: generatedPatients(10)[9]! };
      })();
      // Dusty Stracke: hypertension, and ADHD, asthma and allergies besides.
      const dusty = ((): Person => {
        const key = generatePrivateKey();
        return {
          key,
          account: privateKeyToAddress(key),
          record: syntheaPatient("Dusty_Stracke"),
        };
      })();

      const cohortA = [
        offerConsented,
        custodianConsented,
        revoked,
        expired,
        erased,
        unlinked,
        unconsented,
        otherDisease,
        careErased,
        dusty,
      ];

      async function send(tx: Promise<{ txHash: Hex }>) {
        const outcome = await consent.waitForReceipt((await tx).txHash);
        expect(outcome.status).toBe("success");
      }
      const heartStudy = (scope: Hex): ConsentKey => ({ scope, purpose: DUO.DS, disease: HEART });
      const readEntries = async () =>
        (await listAuditEntries(database.db, { limit: 10_000 })).filter(
          (entry) => entry.action === "records.read",
        );

      beforeAll(async () => {
        workDir = await mkdtemp(path.join(tmpdir(), "consentry-minimiser-"));
        [anvil, database] = await Promise.all([
          startAnvil({ stateFile: path.join(workDir, "anvil-state.json"), silent: true }),
          createTestDatabase(engine),
        ]);
        const system = await deploySystem({
          rpcUrl: anvil.rpcUrl,
          deployerKey: ANVIL_DEPLOYER_KEY,
        });
        consent = createConsentClient({
          rpcUrl: anvil.rpcUrl,
          addresses: consentDeployment(system),
        });
        keyring = openKekKeyring(path.join(workDir, "kek-keyring.json"), {
          createIfMissing: true,
        });
        ({ id: custodianA } = await ensureCustodian(database.db, { slug: "a", name: "A" }));
        ({ id: custodianB } = await ensureCustodian(database.db, { slug: "b", name: "B" }));
        await setCustodianChainAddress(database.db, custodianA, CUSTODIAN_A);
        await setCustodianChainAddress(database.db, custodianB, CUSTODIAN_B);
        depsA = { db: database.db, kes: keyring.forCustodian(custodianA), consent };
        depsB = { db: database.db, kes: keyring.forCustodian(custodianB), consent };
        const offer = await createOffer(database.db, {
          custodianId: custodianA,
          terms: {
            title: "Cardiology outcomes",
            description: "De-identified adult cardiology patients.",
            fields: ["age_band", "sex", "blood_pressure"],
            duoCode: "DUO:0000007",
            diseaseCode: "MONDO:0005267",
            priceCents: 120000,
            currency: "EUR",
          },
        });
        offerId = offer.id;
        chainOfferId = offer.chainOfferId as Hex;

        await storePatients(
          database.db,
          depsA.kes,
          custodianA,
          cohortA.map((person) => person.record),
          { actor: "system" },
        );
        await storePatients(database.db, depsB.kes, custodianB, [atOtherCustodian.record], {
          actor: "system",
        });
        for (const person of cohortA.filter((person) => person !== unlinked)) {
          await linkPatientAccount(database.db, custodianA, person.record.pseudoId, person.account);
        }
        await linkPatientAccount(
          database.db,
          custodianB,
          atOtherCustodian.record.pseudoId,
          atOtherCustodian.account,
        );
        for (const person of [...cohortA, atOtherCustodian]) {
          await anvilRpc(anvil.rpcUrl, "anvil_setBalance", [person.account, "0xDE0B6B3A7640000"]);
        }

        const now = BigInt(
          (
            await anvilRpc<{ timestamp: Hex }>(anvil.rpcUrl, "eth_getBlockByNumber", [
              "latest",
              false,
            ])
          ).timestamp,
        );
        const later = now + YEAR;
        const soon = now + 60n;
        const ownScope = custodianScope(CUSTODIAN_A);
        await send(
          consent.grantConsent(offerConsented.key, {
            ...heartStudy(chainOfferId),
            expiresAt: later,
          }),
        );
        // General research use covers a heart study and population health (DUO's hierarchy).
        await send(
          consent.grantConsent(custodianConsented.key, {
            scope: ownScope,
            purpose: DUO.GRU,
            expiresAt: later,
          }),
        );
        for (const person of [revoked, erased, unlinked]) {
          await send(
            consent.grantConsent(person.key, { ...heartStudy(ownScope), expiresAt: later }),
          );
        }
        await send(consent.revokeConsent(revoked.key, heartStudy(ownScope)));
        await send(consent.grantConsent(expired.key, { ...heartStudy(ownScope), expiresAt: soon }));
        await send(
          consent.grantConsent(otherDisease.key, {
            scope: ownScope,
            purpose: DUO.DS,
            disease: CANCER,
            expiresAt: later,
          }),
        );
        await send(
          consent.grantConsent(atOtherCustodian.key, {
            scope: ownScope,
            purpose: DUO.GRU,
            expiresAt: later,
          }),
        );

        const careGrant = (person: Person, to: Address, condition: number, expiresAt = later) =>
          send(consent.grantCareAccess(person.key, { provider: to, condition, expiresAt }));
        await careGrant(dusty, provider, HYPERTENSION);
        await careGrant(dusty, provider, HEART);
        await send(consent.revokeCareAccess(dusty.key, { provider, condition: HEART }));
        await careGrant(dusty, provider, ASTHMA, soon);
        await careGrant(careErased, provider, HYPERTENSION);

        await erasePatient(database.db, custodianA, erased.record.pseudoId, {
          actor: "system",
          reason: "patient-request",
        });
        await erasePatient(database.db, custodianA, careErased.record.pseudoId, {
          actor: "system",
          reason: "patient-request",
        });
        await anvilRpc(anvil.rpcUrl, "evm_increaseTime", [120]);
        await anvilRpc(anvil.rpcUrl, "evm_mine");
      }, 120_000);

      afterAll(async () => {
        await anvil?.stop();
        await database?.close();
        await rm(workDir, { recursive: true, force: true });
      });

      it("decrypts exactly the patients permitted on chain now under the offer or the custodian, and logs each", async () => {
        const before = (await readEntries()).length;
        const result = await readPurposeCohort(depsA, {
          custodianId: custodianA,
          purpose: "cardiology_study",
          offerId,
          accessor: "worker:site-a",
          accessRef: "job:cardiology-1",
        });
        const expected = [offerConsented, custodianConsented]
          .map((person) => person.record.pseudoId)
          .sort();
        expect(result.readPatients).toEqual(expected);
        expect(result.rows.map((row) => row.pseudoId).sort()).toEqual(expected);
        expect(result.consentBlock).toBeGreaterThan(0n);

        const entries = (await readEntries()).slice(before);
        expect(entries.map((entry) => entry.subject).sort()).toEqual(
          expected.map((pseudoId) => `patient:${pseudoId}`),
        );
        for (const entry of entries) {
          expect(entry.actor).toBe("worker:site-a");
          expect(entry.details).toMatchObject({
            custodianId: custodianA,
            purpose: "job:cardiology-1",
          });
        }
      });

      it("returns the purpose's declared columns only, and nulls those the offer does not list", async () => {
        const { rows } = await readPurposeCohort(depsA, {
          custodianId: custodianA,
          purpose: "cardiology_study",
          offerId,
          accessor: "worker:site-a",
          accessRef: "job:cardiology-2",
        });
        const declared = Object.keys(purposes.cardiology_study.columns).sort();
        expect(rows.length).toBe(2);
        for (const row of rows) {
          expect(Object.keys(row).sort()).toEqual(declared);
          // The offer lists age band, sex and blood pressure: no cholesterol, no diagnoses.
          expect(row.totalCholesterolLatest).toBeNull();
          expect(row.ldlLatest).toBeNull();
          expect(row.cardiacConditions).toBeNull();
          expect(row.ageBand).not.toBeNull();
        }
        expect(JSON.stringify(rows)).not.toContain('"resourceType"');
      });

      it("without an offer, counts consent to the custodian's whole holding only", async () => {
        const result = await readPurposeCohort(depsA, {
          custodianId: custodianA,
          purpose: "cardiology_study",
          accessor: "worker:site-a",
          accessRef: "job:cardiology-3",
        });
        expect(result.readPatients).toEqual([custodianConsented.record.pseudoId]);
        // Without an offer's field list, every declared column may carry a value.
        expect(result.rows[0]!.ageBand).not.toBeNull();
      });

      it("never returns another custodian's patient, even one who consented to this custodian's scope", async () => {
        const fromA = await readPurposeCohort(depsA, {
          custodianId: custodianA,
          purpose: "cardiology_study",
          accessor: "worker:site-a",
          accessRef: "job:cardiology-4",
        });
        expect(fromA.readPatients).not.toContain(atOtherCustodian.record.pseudoId);
        const fromB = await readPurposeCohort(depsB, {
          custodianId: custodianB,
          purpose: "cardiology_study",
          accessor: "worker:site-b",
          accessRef: "job:cardiology-5",
        });
        expect(fromB.readPatients).toEqual([]);
        await expect(
          readPurposeCohort(depsB, {
            custodianId: custodianB,
            purpose: "cardiology_study",
            offerId,
            accessor: "worker:site-b",
            accessRef: "job:cardiology-6",
          }),
        ).rejects.toMatchObject({ status: 404 });
      });

      it("releases statistics only for population health", async () => {
        const before = (await readEntries()).length;
        const result = await readPurposeCohort(depsA, {
          custodianId: custodianA,
          purpose: "population_health",
          accessor: "worker:site-a",
          accessRef: "job:population-1",
          minCellSize: 1,
        });
        expect(Object.keys(result).sort()).toEqual([
          "consentBlock",
          "purpose",
          "readPatients",
          "release",
          "statistics",
        ]);
        expect(result.release).toBe("aggregate");
        // Only the general-research consent covers health research; the heart-only ones do not.
        expect(result.readPatients).toEqual([custodianConsented.record.pseudoId]);
        expect(result.statistics.patients).toBe(1);
        expect(JSON.stringify(result.statistics)).not.toContain(custodianConsented.record.pseudoId);
        expect((await readEntries()).length - before).toBe(1);

        const suppressed = await readPurposeCohort(depsA, {
          custodianId: custodianA,
          purpose: "population_health",
          accessor: "worker:site-a",
          accessRef: "job:population-2",
        });
        expect(suppressed.statistics.patients).toBeNull();
      });

      it("refuses care as a research purpose", async () => {
        await expect(
          readPurposeCohort(depsA, {
            custodianId: custodianA,
            // @ts-expect-error care is read through readCareHistory
            purpose: "specialist_care",
            accessor: "worker:site-a",
            accessRef: "job:care",
          }),
        ).rejects.toMatchObject({ status: 400 });
      });

      it("gives a provider with a hypertension grant that history, without mental-health or unrelated records, and logs the read", async () => {
        const before = (await readEntries()).length;
        const history = await readCareHistory(depsA, {
          custodianId: custodianA,
          provider,
          patientAccount: dusty.account,
          condition: HYPERTENSION,
        });
        const expected = linkedToCondition(dusty.record, `${SNOMED}|38341003`);
        expect(expected.length).toBeGreaterThan(5);
        expect(history.resources.map((resource) => resource.resourceId).sort()).toEqual(
          expected.map((resource) => resource.resourceId).sort(),
        );
        const codes = history.resources.flatMap((resource) => resource.codes);
        expect(codes).toContain(`${SNOMED}|38341003`);
        expect(codes.filter((code) => mentalHealthCodes.has(code))).toEqual([]);
        for (const unrelated of ["192127007", "233678006"]) {
          expect(codes).not.toContain(`${SNOMED}|${unrelated}`); // ADHD, childhood asthma
        }
        const types = new Set(history.resources.map((resource) => resource.resourceType));
        for (const never of ["Claim", "ExplanationOfBenefit", "AllergyIntolerance", "Patient"]) {
          expect(types.has(never as never)).toBe(false);
        }
        expect(history.condition).toEqual(careConditionFor(HYPERTENSION));

        const entries = (await readEntries()).slice(before);
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          actor: `provider:${provider.toLowerCase()}`,
          subject: `patient:${dusty.record.pseudoId}`,
          details: { purpose: `care:${provider.toLowerCase()}:${HYPERTENSION}` },
        });
      });

      it("refuses with 403, and reads nothing, without a grant, after revocation or expiry, or for another provider", async () => {
        const before = (await readEntries()).length;
        const refused = [
          { provider, condition: PSYCHIATRIC }, // never granted
          { provider, condition: HEART }, // revoked
          { provider, condition: ASTHMA }, // expired
          { provider: otherProvider, condition: HYPERTENSION }, // someone else's grant
        ];
        for (const ask of refused) {
          await expect(
            readCareHistory(depsA, {
              custodianId: custodianA,
              patientAccount: dusty.account,
              ...ask,
            }),
          ).rejects.toMatchObject({ status: 403 });
        }
        expect((await readEntries()).length).toBe(before);
      });

      it("answers 410 with the erasure time for an erased patient, 404 at a custodian without the patient, 400 for an unknown condition", async () => {
        const before = (await readEntries()).length;
        const gone = readCareHistory(depsA, {
          custodianId: custodianA,
          provider,
          patientAccount: careErased.account,
          condition: HYPERTENSION,
        });
        await expect(gone).rejects.toMatchObject({ status: 410 });
        await expect(gone).rejects.toThrow(/erased on \d{4}-\d{2}-\d{2}T/);
        await expect(
          readCareHistory(depsB, {
            custodianId: custodianB,
            provider,
            patientAccount: dusty.account,
            condition: HYPERTENSION,
          }),
        ).rejects.toMatchObject({ status: 404 });
        await expect(
          readCareHistory(depsA, {
            custodianId: custodianA,
            provider,
            patientAccount: dusty.account,
            condition: 1234,
          }),
        ).rejects.toMatchObject({ status: 400 });
        expect((await readEntries()).length).toBe(before);
      });
    });
  },
);
