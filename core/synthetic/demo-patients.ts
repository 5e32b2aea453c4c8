// The demo's patients: each demo custodian holds a small synthetic population, and patient i of a
// custodian speaks through a chain account whose key anyone can derive. Demo keys are public by
// construction, so they exist only where SEED_DEMO put them, never beside real patients' data.
import { keccak256, toHex, type Hex } from "viem";

/** Patients per demo custodian: enough for a page to look lived in, few enough to seed in a second. */
export const demoPatientsPerCustodian = 20;

/** The private key of demo patient `index` (1-based) at the demo custodian `slug`. */
export function demoPatientKey(slug: string, index: number): Hex {
  if (!Number.isInteger(index) || index < 1 || index > demoPatientsPerCustodian) {
    throw new RangeError(`demo patient ${index} is not between 1 and ${demoPatientsPerCustodian}`);
  }
  return keccak256(toHex(`consentry demo patient ${slug} ${index}`));
}
