import { describe, expect, it } from "vitest";
import { LOINC, SNOMED, mentalHealthCodes, observationCodes } from "./clinical-codes.ts";
import { generatedPatients, syntheaPatients } from "./cohort.fixtures.ts";
import { minimiseColumns } from "./minimise.ts";
import type { DeidentifiedPatient } from "./patient.ts";
import { recordFilterFor, type RecordFilter } from "./purpose-records.ts";
import { purposes, type RowPurposeId } from "./purposes.ts";

const rowPurposes = ["cardiology_study", "diabetes_study", "oncology_trial"] as const;

/** What readCohortRecords does with the filter: the type is one of them and a code overlaps. */
function filtered(patient: DeidentifiedPatient, filter: RecordFilter): DeidentifiedPatient {
  const codes = new Set(filter.codes);
  return {
    ...patient,
    resources: patient.resources.filter(
      (resource) =>
        filter.resourceTypes.includes(resource.resourceType) &&
        resource.codes.some((code) => codes.has(code)),
    ),
  };
}

const synthea = [...syntheaPatients().values()];
// Without the shared data the Synthea comparisons are skipped; the generated ones still run.
const generated = generatedPatients(150, "purpose-records");

describe("recordFilterFor", () => {
  it("asks a cardiology study for its observations and cardiac and lipid conditions, nothing else", () => {
    const filter = recordFilterFor("cardiology_study");
    expect(filter.resourceTypes).toEqual(["Condition", "Observation"]);
    for (const code of [
      ...observationCodes.systolic,
      ...observationCodes.diastolic,
      ...observationCodes.totalCholesterol,
      ...observationCodes.ldl,
      ...observationCodes.hdl,
      ...observationCodes.triglycerides,
      ...observationCodes.ntProBnp,
      ...observationCodes.troponinI,
      ...observationCodes.ejectionFraction,
    ]) {
      expect(filter.codes).toContain(`${LOINC}|${code}`);
    }
    expect(filter.codes).toEqual(
      expect.arrayContaining([...purposes.cardiology_study.conditionCodes.keys()]),
    );
    expect(filter.codes).not.toContain(`${LOINC}|${observationCodes.hba1c[0]}`);
    expect(filter.codes).not.toContain(`${SNOMED}|44054006`); // diabetes type 2
    expect(filter.codes.filter((code) => mentalHealthCodes.has(code))).toEqual([]);
  });

  it("asks a diabetes study for prescriptions too, and an oncology trial for variants only", () => {
    expect(recordFilterFor("diabetes_study").resourceTypes).toEqual([
      "Condition",
      "MedicationRequest",
      "Observation",
    ]);
    expect(recordFilterFor("oncology_trial")).toEqual({
      resourceTypes: ["Observation"],
      codes: [`${LOINC}|69548-6`],
    });
  });

  describe.each(rowPurposes)("%s", (purpose: RowPurposeId) => {
    const filter = recordFilterFor(purpose);

    it.skipIf(synthea.length === 0)(
      "gives the same rows over the filtered Synthea records as over all",
      () => {
        const all = synthea.map((patient) => minimiseColumns(patient, purpose));
        const only = synthea.map((patient) => minimiseColumns(filtered(patient, filter), purpose));
        expect(only).toEqual(all);
        expect(all.some((row) => row !== null)).toBe(true);
      },
    );

    it("gives the same rows over the filtered generated records as over all", () => {
      const all = generated.map((patient) => minimiseColumns(patient, purpose));
      const only = generated.map((patient) => minimiseColumns(filtered(patient, filter), purpose));
      expect(only).toEqual(all);
      expect(all.some((row) => row !== null)).toBe(true);
    });

    it("leaves most records out", () => {
      const count = (patients: DeidentifiedPatient[]) =>
        patients.reduce((sum, patient) => sum + patient.resources.length, 0);
      const cohort = [...synthea, ...generated];
      const kept = count(cohort.map((patient) => filtered(patient, filter)));
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(count(cohort) / 2);
    });
  });

  it("finds cardiology readings and conditions in the fixtures, so the comparison means something", () => {
    const rows = [...synthea, ...generated].map((patient) =>
      minimiseColumns(patient, "cardiology_study"),
    );
    expect(rows.some((row) => row?.systolicLatest != null)).toBe(true);
    expect(rows.some((row) => row?.totalCholesterolLatest != null)).toBe(true);
    expect(rows.some((row) => (row?.cardiacConditions ?? []).length > 0)).toBe(true);
  });
});
