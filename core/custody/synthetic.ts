// Deterministic synthetic de-identified patients for tests and benchmarks: realistic shapes and
// sizes (FHIR Observations and Conditions of a few hundred bytes), no real person behind them.
import { createHash } from "node:crypto";
import type { DeidentifiedPatient, DeidentifiedResource } from "./patient.ts";

const keyedHash = (text: string) => createHash("sha256").update(text).digest("hex");

const observations = [
  { code: "2093-3", display: "Cholesterol [Mass/volume] in Serum or Plasma", unit: "mg/dL" },
  { code: "8480-6", display: "Systolic blood pressure", unit: "mm[Hg]" },
  { code: "4548-4", display: "Hemoglobin A1c/Hemoglobin.total in Blood", unit: "%" },
  { code: "39156-5", display: "Body mass index (BMI) [Ratio]", unit: "kg/m2" },
];
const conditions = [
  { code: "44054006", display: "Diabetes mellitus type 2" },
  { code: "38341003", display: "Hypertensive disorder" },
  { code: "254837009", display: "Malignant neoplasm of breast" },
];

export function syntheticResource(seed: string, index: number): DeidentifiedResource {
  const resourceId = keyedHash(`${seed}/resource/${index}`);
  const patientRef = `Patient/${keyedHash(seed).slice(0, 16)}`;
  if (index % 5 === 4) {
    const condition = conditions[index % conditions.length] as (typeof conditions)[number];
    return {
      resourceId,
      resourceType: "Condition",
      codes: [`http://snomed.info/sct|${condition.code}`],
      resource: {
        resourceType: "Condition",
        id: resourceId.slice(0, 16),
        subject: { reference: patientRef },
        code: { coding: [{ system: "http://snomed.info/sct", ...condition }] },
        clinicalStatus: { coding: [{ code: "active" }] },
        onsetDateTime: `20${10 + (index % 14)}-03-0${1 + (index % 9)}`,
      },
    };
  }
  const observation = observations[index % observations.length] as (typeof observations)[number];
  return {
    resourceId,
    resourceType: "Observation",
    codes: [`http://loinc.org|${observation.code}`],
    resource: {
      resourceType: "Observation",
      id: resourceId.slice(0, 16),
      status: "final",
      subject: { reference: patientRef },
      code: { coding: [{ system: "http://loinc.org", ...observation }] },
      valueQuantity: { value: 50 + ((index * 37) % 150) / 10, unit: observation.unit },
      effectiveDateTime: `20${10 + (index % 14)}-0${1 + (index % 9)}-1${index % 10}T08:30:00Z`,
    },
  };
}

/** A patient with `recordCount` resources, the same for the same seed. */
export function syntheticPatient(seed: string, recordCount: number): DeidentifiedPatient {
  const n = Number.parseInt(keyedHash(seed).slice(0, 8), 16);
  return {
    pseudoId: keyedHash(`${seed}/patient`),
    sex: (["female", "male", "other", "unknown"] as const)[n % 4] ?? "unknown",
    ageBand: `${(n % 18) * 5}-${(n % 18) * 5 + 4}`,
    zip3: n % 7 === 0 ? null : String(n % 1000).padStart(3, "0"),
    dateShiftDays: (n % 731) - 365,
    resources: Array.from({ length: recordCount }, (_, index) => syntheticResource(seed, index)),
  };
}
