import { describe, expect, it } from "vitest";
import { syntheaDir, syntheaMissingReason } from "#core/fhir/synthea.fixtures.ts";
import { careResourceTypes, linkedToCondition } from "./care-access.ts";
import { LOINC, mentalHealthCodes, RXNORM, SNOMED } from "./clinical-codes.ts";
import {
  bloodPressure,
  concept,
  condition,
  generatedPatients,
  observation,
  patientWith,
  ref,
  resource,
  syntheaPatient,
  syntheaPatients,
} from "./cohort.fixtures.ts";
import type { DeidentifiedPatient, DeidentifiedResource } from "./patient.ts";

const snomed = (code: string) => `${SNOMED}|${code}`;
const hypertension = snomed("38341003");
const cardiovascular = snomed("49601007");

const coded = (patient: DeidentifiedPatient, type: string, code: string) =>
  patient.resources.filter(
    (resource) => resource.resourceType === type && resource.codes.includes(code),
  );
const ids = (resources: DeidentifiedResource[]) =>
  new Set(resources.map((resource) => resource.resourceId));
const encounterRef = (resource: DeidentifiedResource) =>
  (resource.resource.encounter as { reference: string } | undefined)?.reference;

describe.skipIf(!syntheaDir)(
  `care access over the Synthea sample${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    it("gives a hypertension grant the condition, its visit, its drug and every blood pressure, and no ADHD or asthma record", () => {
      // Dusty Stracke has hypertension, and also ADHD (treated with atomoxetine), asthma and allergies.
      const patient = syntheaPatient("Dusty_Stracke");
      const linked = linkedToCondition(patient, hypertension);
      const got = ids(linked);

      const [condition] = coded(patient, "Condition", hypertension);
      const visit = encounterRef(condition!);
      const inVisit = patient.resources.filter(
        (resource) => encounterRef(resource) === visit && resource.resourceType !== "Claim",
      );
      const bloodPressures = coded(patient, "Observation", `${LOINC}|55284-4`);
      const expected = new Set([
        condition!.resourceId,
        visit!.split("/")[1]!,
        ...inVisit
          .filter(
            (resource) => !["ExplanationOfBenefit", "Immunization"].includes(resource.resourceType),
          )
          .map((resource) => resource.resourceId),
        ...bloodPressures.map((resource) => resource.resourceId),
      ]);
      expect(got).toEqual(expected);
      expect(
        linked
          .filter((resource) => resource.resourceType === "MedicationRequest")
          .map((drug) => drug.codes.filter((code) => code.startsWith(RXNORM))),
      ).toEqual([[`${RXNORM}|316049`]]); // hydrochlorothiazide

      const adhd = snomed("192127007");
      const withheld = [
        ...coded(patient, "Condition", adhd),
        ...coded(patient, "Encounter", adhd),
        ...coded(patient, "MedicationRequest", adhd),
        ...coded(patient, "CarePlan", adhd),
        ...coded(patient, "Condition", snomed("233678006")), // childhood asthma
        ...patient.resources.filter((resource) =>
          ["AllergyIntolerance", "Claim", "ExplanationOfBenefit", "Patient"].includes(
            resource.resourceType,
          ),
        ),
      ];
      expect(withheld.length).toBeGreaterThanOrEqual(12);
      for (const resource of withheld) expect(got.has(resource.resourceId)).toBe(false);
    });

    it("gives a diabetes grant the diagnosis, metformin, the care plan and its goals, and every HbA1c, but no stroke, fibrillation or prediabetes", () => {
      // Clarine O'Keefe: diabetes recorded at a sinusitis visit, and atrial fibrillation, a stroke, prediabetes.
      const patient = syntheaPatient("Clarine_O'Keefe");
      const linked = linkedToCondition(patient, snomed("44054006"));
      const byType = (type: string) => linked.filter((resource) => resource.resourceType === type);

      expect(byType("Condition").flatMap((resource) => resource.codes)).toEqual([
        snomed("44054006"),
      ]);
      expect(
        byType("MedicationRequest").map((drug) =>
          drug.codes.filter((code) => code.startsWith(RXNORM)),
        ),
      ).toEqual([[`${RXNORM}|860975`]]);
      expect(byType("CarePlan")).toHaveLength(1);
      const plan = byType("CarePlan")[0]!;
      const goals = (plan.resource.goal as { reference: string }[]).map(
        (goal) => goal.reference.split("/")[1],
      );
      expect(ids(byType("Goal"))).toEqual(new Set(goals));
      expect(ids(byType("Observation"))).toEqual(
        ids([
          ...coded(patient, "Observation", `${LOINC}|4548-4`),
          ...coded(patient, "Observation", `${LOINC}|2339-0`),
        ]),
      );
      // The sinusitis visit the diagnosis was recorded at names another reason, so it stays out.
      expect(byType("Encounter")).toEqual([]);
      expect(byType("Procedure")).toEqual([]);
      for (const other of ["49436004", "230690007", "15777000", "80394007", "237602007"]) {
        expect(linked.some((resource) => resource.codes.includes(snomed(other)))).toBe(false);
      }
    });

    it("opens mental-health records to a grant for the mental-health condition itself", () => {
      const patient = syntheaPatient("Louis_Ullrich");
      const linked = linkedToCondition(patient, snomed("192127007"));
      expect(linked.map((resource) => resource.resourceType).sort()).toEqual([
        "CarePlan",
        "Condition",
        "Encounter",
        "MedicationRequest",
      ]);
    });

    it("never returns a mental-health record, or a reference to one, for a cardiovascular grant", () => {
      const cohort = [...syntheaPatients().values(), ...generatedPatients(200)];
      let withBoth = 0;
      for (const patient of cohort) {
        const mental = patient.resources.filter((resource) =>
          resource.codes.some((code) => mentalHealthCodes.has(code)),
        );
        const linked = linkedToCondition(patient, cardiovascular);
        if (mental.length > 0 && linked.length > 0) withBoth += 1;
        const text = JSON.stringify(linked);
        for (const resource of mental) expect(text).not.toContain(resource.resourceId);
        for (const resource of linked) {
          expect(careResourceTypes).toContain(resource.resourceType);
          expect(resource.codes.filter((code) => mentalHealthCodes.has(code))).toEqual([]);
        }
      }
      expect(withBoth).toBeGreaterThan(10);
    });
  },
);

describe("linkedToCondition", () => {
  const visit = resource("Encounter", { status: "finished" });
  const granted = condition("38341003", { encounter: ref(visit) });
  const depression = condition("370143000");

  it("follows reasonReference, addresses, diagnosis and encounter links to the granted condition", () => {
    const problemVisit = resource(
      "Encounter",
      { diagnosis: [{ condition: ref(granted) }] },
      granted.codes,
    );
    const plan = resource("CarePlan", { addresses: [ref(granted)] }, granted.codes);
    const drug = resource("MedicationRequest", { reasonReference: [ref(granted)] }, granted.codes);
    const weight = observation(
      "29463-7",
      "2020-01-01T00:00:00Z",
      { value: 80, unit: "kg" },
      { encounter: ref(visit) },
    );
    const inProblemVisit = resource("Procedure", { encounter: ref(problemVisit) });
    const elsewhere = resource("Encounter", { status: "finished" });
    const unrelated = observation(
      "29463-7",
      "2021-01-01T00:00:00Z",
      { value: 81, unit: "kg" },
      { encounter: ref(elsewhere) },
    );
    const patient = patientWith([
      granted,
      visit,
      problemVisit,
      plan,
      drug,
      weight,
      inProblemVisit,
      elsewhere,
      unrelated,
    ]);
    expect(linkedToCondition(patient, hypertension)).toEqual([
      granted,
      visit,
      problemVisit,
      plan,
      drug,
      weight,
      inProblemVisit,
    ]);
  });

  it("withholds a drug given for the granted condition and another, rather than disclose the other", () => {
    const both = resource(
      "MedicationRequest",
      { reasonReference: [ref(granted), ref(depression)] },
      [...granted.codes, ...depression.codes],
    );
    const patient = patientWith([granted, visit, depression, both]);
    expect(linkedToCondition(patient, hypertension)).toEqual([granted, visit]);
  });

  it("withholds a record at the granted condition's visit whose value is another of the patient's conditions", () => {
    const asthma = condition("195967001");
    const finding = observation("75326-9", "2020-01-01T00:00:00Z", null, {
      encounter: ref(visit),
      valueCodeableConcept: concept(SNOMED, "195967001"),
    });
    const patient = patientWith([granted, visit, asthma, finding]);
    expect(linkedToCondition(patient, hypertension)).toEqual([granted, visit]);
  });

  it("withholds a sensitive record made at the granted condition's visit", () => {
    const hivStatus = observation("55277-8", "2020-01-01T00:00:00Z", null, {
      encounter: ref(visit),
      valueCodeableConcept: concept(SNOMED, "260385009"),
    });
    const antidepressant = resource("MedicationRequest", {
      medicationCodeableConcept: concept(RXNORM, "310385"),
      encounter: ref(visit),
    });
    const pressure = bloodPressure("2020-01-01T00:00:00Z", 150, 95, { encounter: ref(visit) });
    const patient = patientWith([granted, visit, hivStatus, antidepressant, pressure]);
    expect(linkedToCondition(patient, hypertension)).toEqual([granted, visit, pressure]);
  });

  it("grants the codes declared under a broad one, and not the other way round", () => {
    const infarction = condition("22298006");
    const history = condition("399211009");
    const patient = patientWith([infarction, history, granted]);
    expect(linkedToCondition(patient, snomed("22298006"))).toEqual([infarction, history]);
    expect(linkedToCondition(patient, snomed("399211009"))).toEqual([history]);
    expect(linkedToCondition(patient, cardiovascular)).toEqual([infarction, history, granted]);
  });

  it("refuses a condition that is not written system|code", () => {
    expect(() => linkedToCondition(patientWith([]), "38341003")).toThrow(TypeError);
  });
});
