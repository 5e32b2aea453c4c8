// Reading values out of a patient's de-identified resources: measurements by LOINC code (whether
// the observation's own value or a panel component's), condition codes, prescribed drugs.
import {
  LOINC,
  RXNORM,
  SNOMED,
  measureUnits,
  observationCodes,
  type CodeSet,
  type MeasureName,
} from "./clinical-codes.ts";
import type { DeidentifiedPatient, DeidentifiedResource } from "./patient.ts";

export type Reading = { at: number; value: number };

type Coding = { system?: unknown; code?: unknown };
type Quantity = { value?: unknown; code?: unknown; unit?: unknown };

/** Every reading of the measure, oldest first (undated ones first, in record order). */
export function readingsOf(patient: DeidentifiedPatient, measure: MeasureName): Reading[] {
  const codes: readonly string[] = observationCodes[measure];
  const found: Reading[] = [];
  for (const resource of patient.resources) {
    if (resource.resourceType !== "Observation" || !isUsable(resource.resource)) continue;
    const observation = resource.resource;
    const at = timeOf(observation);
    const candidates = [
      observation,
      ...(Array.isArray(observation.component) ? observation.component : []),
    ] as Record<string, unknown>[];
    for (const part of candidates) {
      if (!hasCode(part.code, LOINC, codes)) continue;
      const value = valueIn(part.valueQuantity as Quantity | undefined, measure);
      if (value !== null) found.push({ at, value });
    }
  }
  // A stable sort keeps record order among readings taken at the same time.
  return found.sort((a, b) => (a.at === b.at ? 0 : a.at - b.at));
}

export function latestOf(readings: readonly Reading[]): number | null {
  return readings.at(-1)?.value ?? null;
}

export function meanOf(readings: readonly Reading[]): number | null {
  if (readings.length === 0) return null;
  return round(readings.reduce((sum, reading) => sum + reading.value, 0) / readings.length, 1);
}

/** The "system|code" of each recorded condition in the set, sorted, once each. */
export function conditionCodesIn(patient: DeidentifiedPatient, set: CodeSet): string[] {
  const codes = new Set<string>();
  for (const resource of patient.resources) {
    if (resource.resourceType !== "Condition" || !isUsable(resource.resource)) continue;
    for (const code of ownConditionCodes(resource)) if (set.has(code)) codes.add(code);
  }
  return [...codes].sort();
}

/** The codes of what a Condition is (its `code`), not of what it cites as evidence or site. */
export function ownConditionCodes(condition: DeidentifiedResource): string[] {
  const coding = (condition.resource.code as { coding?: Coding[] } | undefined)?.coding ?? [];
  return coding
    .filter((code) => typeof code.system === "string" && typeof code.code === "string")
    .map((code) => `${String(code.system)}|${String(code.code)}`);
}

/**
 * RxNorm codes of the patient's prescriptions that are in the drug set, or whose reason is one of
 * the conditions (de-identification puts a cited condition's codes on the prescription).
 */
export function medicationCodesFor(
  patient: DeidentifiedPatient,
  drugs: CodeSet,
  reasons: CodeSet,
): string[] {
  const codes = new Set<string>();
  for (const resource of patient.resources) {
    if (resource.resourceType !== "MedicationRequest" || !isUsable(resource.resource)) continue;
    const concept = resource.resource.medicationCodeableConcept as
      { coding?: Coding[] } | undefined;
    const rxnorm = (concept?.coding ?? [])
      .filter((code) => code.system === RXNORM && typeof code.code === "string")
      .map((code) => `${RXNORM}|${String(code.code)}`);
    const forReason = resource.codes.some(
      (code) => code.startsWith(`${SNOMED}|`) && reasons.has(code),
    );
    for (const code of rxnorm) if (forReason || drugs.has(code)) codes.add(code);
  }
  return [...codes].sort();
}

/** A record entered in error, or a refuted diagnosis, says nothing about the patient. */
export function isUsable(resource: Record<string, unknown>): boolean {
  if (resource.status === "entered-in-error") return false;
  const verification = (resource.verificationStatus as { coding?: Coding[] } | undefined)?.coding;
  return !verification?.some((code) => code.code === "entered-in-error" || code.code === "refuted");
}

export function hasCode(concept: unknown, system: string, codes: readonly string[]): boolean {
  const coding = (concept as { coding?: Coding[] } | undefined)?.coding;
  return (
    Array.isArray(coding) &&
    coding.some((code) => code.system === system && codes.includes(String(code.code)))
  );
}

function valueIn(quantity: Quantity | undefined, measure: MeasureName): number | null {
  if (typeof quantity?.value !== "number" || !Number.isFinite(quantity.value)) return null;
  const expected = measureUnits[measure];
  if (!expected) return round(quantity.value, 1);
  const decimals = expected.decimals ?? 1;
  const unit = String(quantity.code ?? quantity.unit ?? "").toLowerCase();
  if (unit === expected.unit.toLowerCase()) return round(quantity.value, decimals);
  const convert = Object.entries(expected.from ?? {}).find(
    ([from]) => from.toLowerCase() === unit,
  )?.[1];
  // A reading in a unit we cannot convert is left out rather than mixed in on the wrong scale.
  return convert ? round(convert(quantity.value), decimals) : null;
}

function timeOf(observation: Record<string, unknown>): number {
  const period = observation.effectivePeriod as { start?: unknown } | undefined;
  const when =
    observation.effectiveDateTime ??
    observation.effectiveInstant ??
    period?.start ??
    observation.issued;
  const time = typeof when === "string" ? Date.parse(when) : Number.NaN;
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
