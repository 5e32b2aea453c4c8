import { describe, expect, it } from "vitest";
import { syntheaDir, syntheaMissingReason } from "#core/fhir/synthea.fixtures.ts";
import { mentalHealthCodes, RXNORM, SNOMED } from "./clinical-codes.ts";
import {
  bloodPressure,
  condition,
  generatedPatients,
  observation,
  patientWith,
  ref,
  resource,
  concept,
  syntheaPatient,
  syntheaPatients,
} from "./cohort.fixtures.ts";
import { minimiseColumns } from "./minimise.ts";
import type { DeidentifiedPatient } from "./patient.ts";
import { purposes, type RowPurposeId } from "./purposes.ts";

const rowPurposes: RowPurposeId[] = ["cardiology_study", "oncology_trial", "diabetes_study"];
const declaredKeys = (purpose: RowPurposeId) => Object.keys(purposes[purpose].columns).sort();

describe.skipIf(!syntheaDir)(
  `every purpose over the Synthea sample and generated patients${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    const cohort: DeidentifiedPatient[] = [
      ...syntheaPatients().values(),
      ...generatedPatients(200),
    ];

    it("releases exactly the declared columns for every patient and row-level purpose", () => {
      const rows: Record<RowPurposeId, number> = {
        cardiology_study: 0,
        oncology_trial: 0,
        diabetes_study: 0,
      };
      for (const patient of cohort) {
        for (const purpose of rowPurposes) {
          const row = minimiseColumns(patient, purpose);
          if (row === null) continue;
          rows[purpose] += 1;
          expect(Object.keys(row).sort()).toEqual(declaredKeys(purpose));
          if (purpose === "oncology_trial" && "variants" in row) {
            for (const variant of row.variants) {
              expect(Object.keys(variant).sort()).toEqual(
                Object.keys(purposes.oncology_trial.variantColumns).sort(),
              );
            }
          }
        }
      }
      // Every patient is a cardiology and diabetes row; only those with a sequenced tumour are trial rows.
      expect(rows.cardiology_study).toBe(cohort.length);
      expect(rows.diabetes_study).toBe(cohort.length);
      expect(rows.oncology_trial).toBeGreaterThan(5);
      expect(rows.oncology_trial).toBeLessThan(cohort.length / 2);
    });

    it("never puts a mental-health code in a cardiology row, though the cohort has them", () => {
      const mentalHealthPatients = cohort.filter((patient) =>
        patient.resources.some((resource) =>
          resource.codes.some((code) => mentalHealthCodes.has(code)),
        ),
      );
      expect(mentalHealthPatients.length).toBeGreaterThan(10);
      for (const patient of mentalHealthPatients) {
        const row = minimiseColumns(patient, "cardiology_study");
        const { pseudoId: _pseudoId, ...released } = row ?? {};
        const text = JSON.stringify(released);
        for (const code of mentalHealthCodes.keys()) expect(text).not.toContain(code);
        for (const code of row?.cardiacConditions ?? []) {
          expect(purposes.cardiology_study.conditionCodes.has(code)).toBe(true);
        }
      }
    });

    it("gives an oncology trial the variant panel and nothing of age, sex or pseudonym", () => {
      const row = minimiseColumns(syntheaPatient("Darin_Skiles"), "oncology_trial");
      expect(row).not.toBeNull();
      expect(Object.keys(row ?? {})).toEqual(["variants"]);
      expect(row?.variants.length).toBeGreaterThan(0);
      const text = JSON.stringify(row);
      expect(text).not.toContain(syntheaPatient("Darin_Skiles").pseudoId);
      expect(text).not.toMatch(/ageBand|male|sex/);
    });

    it("gives an oncology trial no row for a patient without a tumour", () => {
      expect(minimiseColumns(syntheaPatient("Dusty_Stracke"), "oncology_trial")).toBeNull();
    });

    it("reads a Synthea hypertensive patient's cardiac conditions and latest blood pressure", () => {
      const patient = syntheaPatient("Dusty_Stracke");
      const row = minimiseColumns(patient, "cardiology_study");
      expect(row?.cardiacConditions).toEqual([`${SNOMED}|38341003`]);
      expect(row?.systolicLatest).toBeGreaterThan(60);
      expect(row?.diastolicLatest).toBeGreaterThan(30);
      expect(row?.ageBand).toBe(patient.ageBand);
    });
  },
);

describe("minimiseColumns", () => {
  it("takes the latest reading by date, not by place in the record", () => {
    const patient = patientWith([
      bloodPressure("2024-05-01T10:00:00+00:00", 150, 95),
      bloodPressure("2019-01-01T10:00:00+00:00", 120, 80),
    ]);
    const row = minimiseColumns(patient, "cardiology_study");
    expect(row).toMatchObject({ systolicLatest: 150, diastolicLatest: 95 });
  });

  it("converts cholesterol reported in mmol/L and leaves out a reading in a unit it cannot convert", () => {
    const patient = patientWith([
      observation("2093-3", "2020-01-01T00:00:00Z", { value: 5, unit: "mmol/L" }),
      observation("2085-9", "2021-01-01T00:00:00Z", { value: 1, unit: "g/L" }),
    ]);
    const row = minimiseColumns(patient, "cardiology_study");
    expect(row?.totalCholesterolLatest).toBe(193.4);
    expect(row?.hdlLatest).toBeNull();
  });

  it("ignores a diagnosis recorded in error or refuted", () => {
    const refuted = {
      verificationStatus: concept(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status",
        "refuted",
      ),
    };
    const patient = patientWith([condition("22298006", refuted), condition("38341003")]);
    expect(minimiseColumns(patient, "cardiology_study")?.cardiacConditions).toEqual([
      `${SNOMED}|38341003`,
    ]);
  });

  it("counts a drug prescribed for diabetes as a diabetes medication, and no other drug", () => {
    const diabetes = condition("44054006");
    const prescribedFor = resource(
      "MedicationRequest",
      { medicationCodeableConcept: concept(RXNORM, "999001"), reasonReference: [ref(diabetes)] },
      diabetes.codes,
    );
    const unrelated = resource("MedicationRequest", {
      medicationCodeableConcept: concept(RXNORM, "310385"),
    });
    const listed = resource("MedicationRequest", {
      medicationCodeableConcept: concept(RXNORM, "860975"),
    });
    const row = minimiseColumns(
      patientWith([diabetes, prescribedFor, unrelated, listed]),
      "diabetes_study",
    );
    expect(row?.diabetesMedications).toEqual([`${RXNORM}|860975`, `${RXNORM}|999001`]);
    expect(row?.diabetesConditions).toEqual([`${SNOMED}|44054006`]);
  });

  it("summarises HbA1c and glucose as latest, mean and count", () => {
    const patient = patientWith([
      observation("4548-4", "2020-01-01T00:00:00Z", { value: 7, unit: "%" }),
      observation("4548-4", "2022-01-01T00:00:00Z", { value: 8, unit: "%" }),
      observation("99504-3", "2022-01-01T00:05:00Z", { value: 5, unit: "mmol/L" }),
      observation("99504-3", "2022-01-01T00:10:00Z", { value: 110, unit: "mg/dL" }),
    ]);
    const row = minimiseColumns(patient, "diabetes_study");
    expect(row).toMatchObject({
      hba1cLatest: 8,
      hba1cMean: 7.5,
      glucoseLatest: 110,
      glucoseReadings: 2,
      glucoseMean: 100.1, // 5 mmol/L is 90.1 mg/dL
    });
  });

  it("releases as null every column whose field the offer does not list", () => {
    const patient = patientWith([
      bloodPressure("2024-05-01T10:00:00Z", 150, 95),
      condition("38341003"),
    ]);
    const row = minimiseColumns(patient, "cardiology_study", {
      offerFields: ["age_band", "blood_pressure"],
    });
    expect(row).toMatchObject({
      ageBand: "50-54",
      sex: null,
      systolicLatest: 150,
      cardiacConditions: null,
    });
    expect(Object.keys(row ?? {}).sort()).toEqual(declaredKeys("cardiology_study"));
  });

  it("releases nothing for a patient when the offer lists none of the purpose's fields", () => {
    const patient = patientWith([bloodPressure("2024-05-01T10:00:00Z", 150, 95)]);
    expect(minimiseColumns(patient, "cardiology_study", { offerFields: ["zip3"] })).toBeNull();
  });

  it("refuses to make rows for population health, which releases statistics only", () => {
    const patient = patientWith([]);
    expect(() => minimiseColumns(patient, "population_health" as RowPurposeId)).toThrow(TypeError);
  });
});
