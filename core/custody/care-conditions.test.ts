import { describe, expect, it } from "vitest";
import { syntheaDir, syntheaMissingReason } from "#core/fhir/synthea.fixtures.ts";
import { linkedToCondition } from "./care-access.ts";
import { careConditionFor, careConditions, mondoId, mondoNumber } from "./care-conditions.ts";
import {
  asthmaCodes,
  cancerConditionCodes,
  cardiacConditionCodes,
  diabetesMellitusCodes,
  expandConditionCode,
  mentalHealthConditionCodes,
  SNOMED,
  unionOf,
} from "./clinical-codes.ts";
import { condition, patientWith, syntheaPatient } from "./cohort.fixtures.ts";

const snomed = (code: string) => `${SNOMED}|${code}`;
const grantOf = (number: number) => careConditionFor(number)!.code;
const conditionCodes = (resources: { resourceType: string; codes: string[] }[]) =>
  resources.filter((resource) => resource.resourceType === "Condition").flatMap((r) => r.codes);

describe("care conditions", () => {
  it("covers the conditions a patient can grant, each under its MONDO number", () => {
    expect(careConditions.map((condition) => condition.mondo).sort()).toEqual([
      "MONDO:0002025", // psychiatric disorder
      "MONDO:0004979", // asthma
      "MONDO:0004992", // cancer
      "MONDO:0005015", // diabetes mellitus
      "MONDO:0005044", // hypertension
      "MONDO:0005148", // type 2 diabetes mellitus
      "MONDO:0005267", // heart disorder
    ]);
    for (const condition of careConditions) {
      expect(mondoId(condition.number)).toBe(condition.mondo);
      expect(careConditionFor(condition.number)).toBe(condition);
    }
    expect(mondoNumber("MONDO:5044")).toBeNull();
    expect(mondoNumber("MONDO:0000000")).toBeNull();
    expect(careConditionFor(1234)).toBeUndefined();
  });

  it("opens only SNOMED codes the clinical code sets declare", () => {
    const known = unionOf(
      cardiacConditionCodes,
      diabetesMellitusCodes,
      cancerConditionCodes,
      asthmaCodes,
      mentalHealthConditionCodes,
    );
    for (const condition of careConditions) expect(known.has(condition.code)).toBe(true);
  });

  it("gives a heart grant the heart's conditions and not hypertension or stroke", () => {
    const heart = expandConditionCode(grantOf(5267));
    for (const code of ["22298006", "53741008", "49436004", "88805009", "410429000"]) {
      expect(heart.has(snomed(code))).toBe(true);
    }
    for (const code of ["38341003", "59621000", "230690007"]) {
      expect(heart.has(snomed(code))).toBe(false);
    }
    const patient = patientWith([condition("22298006"), condition("38341003")]);
    expect(conditionCodes(linkedToCondition(patient, grantOf(5267)))).toEqual([snomed("22298006")]);
    expect(conditionCodes(linkedToCondition(patient, grantOf(5044)))).toEqual([snomed("38341003")]);
    // Heart disease stays a cardiovascular disorder.
    expect(expandConditionCode(snomed("49601007")).has(snomed("56265001"))).toBe(true);
  });
});

describe.skipIf(!syntheaDir)(
  `care conditions over the Synthea sample${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    it("reaches Synthea's childhood asthma through an asthma grant", () => {
      const patient = syntheaPatient("Erminia_Ondricka");
      expect(conditionCodes(linkedToCondition(patient, grantOf(4979)))).toContain(
        snomed("233678006"),
      );
    });

    it("opens ADHD records to a psychiatric grant only", () => {
      const patient = syntheaPatient("Dusty_Stracke");
      const adhd = snomed("192127007");
      expect(conditionCodes(linkedToCondition(patient, grantOf(2025)))).toEqual([adhd]);
      for (const other of [5044, 5267, 4979]) {
        const linked = linkedToCondition(patient, grantOf(other));
        expect(linked.flatMap((resource) => resource.codes)).not.toContain(adhd);
      }
    });
  },
);
