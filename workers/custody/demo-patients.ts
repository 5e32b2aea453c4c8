// The demo's patients: a small deterministic synthetic population per demo custodian, ingested the
// way a custodian's upload is (validate, de-identify, leak check, encrypt, audit), each patient then
// linked to its demo account. Patients whose account is linked already are left alone, so a restart
// adds nothing and an erased demo patient stays erased; an unlinked one is re-ingested (no change)
// and linked.
import { privateKeyToAddress } from "viem/accounts";
import { demoPatientKey, demoPatientsPerCustodian } from "#core/synthetic/demo-patients.ts";
import { defaultAsOf, generatePatient } from "#core/synthetic/population.ts";
import type { Db } from "#db/client.ts";
import {
  linkPatientAccount,
  listLinkedAccounts,
  normaliseAccount,
} from "#db/queries/patient-accounts.ts";
import type { Keyring } from "../keyring.ts";
import { ingestBundles } from "./ingest.ts";
import type { KekKeyring } from "./kek-keyring.ts";

export type DemoPatientsOptions = {
  db: Db;
  kekKeyring: KekKeyring;
  keyring: Keyring;
  /** The demo custodians as stored; each one's slug seeds its population. */
  custodians: ReadonlyArray<{ id: string; slug: string }>;
};

export type DemoPatientsSummary = { patientsLinked: number; recordsAdded: number };

/** Demo patient `index` (1-based) of a custodian is patient `index − 1` of the population seeded by its slug. */
export const demoPatientAccount = (slug: string, index: number) =>
  privateKeyToAddress(demoPatientKey(slug, index));

export async function seedDemoPatients(options: DemoPatientsOptions): Promise<DemoPatientsSummary> {
  let patientsLinked = 0;
  let recordsAdded = 0;
  for (const custodian of options.custodians) {
    const accounts = Array.from({ length: demoPatientsPerCustodian }, (_, offset) =>
      demoPatientAccount(custodian.slug, offset + 1),
    );
    const linked = await listLinkedAccounts(options.db, custodian.id, accounts);
    const missing = accounts
      .map((account, offset) => ({ account, index: offset + 1 }))
      .filter(({ account }) => !linked.has(normaliseAccount(account)));
    if (missing.length === 0) continue;

    const outcomes = await ingestBundles(
      missing.map(({ index }) => ({
        name: `${custodian.slug}-demo-patient-${index}.json`,
        text: JSON.stringify(generatePatient(custodian.slug, index - 1)),
      })),
      {
        db: options.db,
        kes: options.kekKeyring.forCustodian(custodian.id),
        keys: await options.keyring.deidentificationKeys(custodian.id),
        custodianId: custodian.id,
        actor: `custodian:${custodian.id}`,
        // The population ends on this day; counting ages to it keeps each patient's age band, and
        // so the stored profile, the same whenever the seed runs.
        today: defaultAsOf,
      },
    );
    for (const [position, outcome] of outcomes.entries()) {
      const { account } = missing[position] as (typeof missing)[number];
      if (outcome.outcome !== "stored") {
        const problems = outcome.outcome === "refused" ? outcome.problems.join("; ") : "no patient";
        throw new Error(`${outcome.name} was not stored: ${problems}`);
      }
      await linkPatientAccount(options.db, custodian.id, outcome.pseudoId, account);
      patientsLinked += 1;
      recordsAdded += outcome.recordsAdded;
    }
  }
  return { patientsLinked, recordsAdded };
}
