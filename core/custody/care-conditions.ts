// The conditions a patient can grant a care provider, as the CareGrants contract names them (MONDO
// numbers), and the one SNOMED CT code each opens in the patient's record. care-access.ts takes it
// from there: the code and every code declared under it (clinical-codes.ts, conditionSubCodes).
// A condition missing here cannot be read through a grant at all, whatever the chain says.
//
// Each MONDO term's SNOMED CT cross-reference, checked against the codes Synthea writes
// (../shared/data/synthea-fhir-r4): hypertension 38341003, childhood asthma 233678006, asthma
// 195967001, type 2 diabetes 44054006, ADHD 192127007 (under mental disorder 74732009).
import { SNOMED } from "./clinical-codes.ts";

export type CareCondition = {
  /** The MONDO id, "MONDO:0005044". */
  mondo: string;
  /** The MONDO number the contract holds, 5044. */
  number: number;
  label: string;
  /** The granted SNOMED CT code, "system|code", as linkedToCondition takes it. */
  code: string;
};

const declared = {
  // Heart disease (56265001), not disorder of the cardiovascular system (49601007): a cardiology
  // grant for the heart reaches no hypertension or stroke record unless the patient grants those too.
  "MONDO:0005267": { label: "heart disorder", snomed: "56265001" },
  "MONDO:0005044": { label: "hypertension", snomed: "38341003" },
  "MONDO:0005015": { label: "diabetes mellitus", snomed: "73211009" },
  "MONDO:0005148": { label: "type 2 diabetes mellitus", snomed: "44054006" },
  "MONDO:0004992": { label: "cancer", snomed: "363346000" },
  "MONDO:0004979": { label: "asthma", snomed: "195967001" },
  // The one grant that opens mental-health records (care-access.ts keeps them from every other).
  "MONDO:0002025": { label: "psychiatric disorder", snomed: "74732009" },
} as const satisfies Record<string, { label: string; snomed: string }>;

export type CareConditionId = keyof typeof declared;

/** "MONDO:0005267" → 5267, the form the consent and care contracts hold; null when not a MONDO id. */
export function mondoNumber(id: string): number | null {
  const match = /^MONDO:(\d{7})$/.exec(id);
  const number = match ? Number(match[1]) : 0;
  return number > 0 ? number : null;
}

/** 5267 → "MONDO:0005267". */
export function mondoId(number: number): string {
  return `MONDO:${String(number).padStart(7, "0")}`;
}

export const careConditions: readonly CareCondition[] = Object.entries(declared).map(
  ([mondo, { label, snomed }]) => ({
    mondo,
    number: mondoNumber(mondo) as number,
    label,
    code: `${SNOMED}|${snomed}`,
  }),
);

/** The care condition the contract's MONDO number names, or undefined when none is declared. */
export function careConditionFor(number: number): CareCondition | undefined {
  return careConditions.find((condition) => condition.number === number);
}
