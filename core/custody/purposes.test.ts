import { describe, expect, it } from "vitest";
import { duoPermissionIds, diseaseCodeIds } from "#core/duo.ts";
import { datasetFieldIds } from "#core/fields.ts";
import { expandConditionCode, mentalHealthCodes, SNOMED } from "./clinical-codes.ts";
import { fieldsBeyondPurpose, offerFieldsFor, purposeIds, purposes } from "./purposes.ts";

describe("purpose declarations", () => {
  it("declare for each research purpose exactly the offer fields its columns read", () => {
    for (const id of purposeIds) {
      const purpose = purposes[id];
      const read = new Set<string>();
      const groups = [
        "columns" in purpose ? purpose.columns : {},
        "measures" in purpose ? purpose.measures : {},
        "conditions" in purpose ? purpose.conditions : {},
      ];
      for (const group of groups) {
        for (const column of Object.values(group) as { fields: readonly string[] }[]) {
          for (const field of column.fields) read.add(field);
        }
      }
      if (id === "population_health") ["age_band", "sex"].forEach((field) => read.add(field));
      expect([...read].sort(), id).toEqual([...purpose.fields].sort());
      for (const field of purpose.fields) expect(datasetFieldIds).toContain(field);
    }
  });

  it("give an oncology trial the tumour variant panel and nothing else", () => {
    expect(purposes.oncology_trial.fields).toEqual(["tumour_variants"]);
    expect(Object.keys(purposes.oncology_trial.columns)).toEqual(["variants"]);
  });

  it("ask disease-specific consent with the disease for cardiology, oncology and diabetes, and health research for population health", () => {
    expect(purposes.cardiology_study.consent).toEqual({
      kind: "duo",
      permission: "DUO:0000007",
      disease: "MONDO:0005267",
    });
    expect(purposes.oncology_trial.consent).toEqual({
      kind: "duo",
      permission: "DUO:0000007",
      disease: "MONDO:0004992",
    });
    expect(purposes.diabetes_study.consent).toEqual({
      kind: "duo",
      permission: "DUO:0000007",
      disease: "MONDO:0005015",
    });
    expect(purposes.population_health.consent).toEqual({ kind: "duo", permission: "DUO:0000006" });
    expect(purposes.specialist_care.consent).toEqual({ kind: "care_grant" });
    for (const id of purposeIds) {
      const consent = purposes[id].consent;
      if (consent.kind !== "duo") continue;
      expect(duoPermissionIds).toContain(consent.permission);
      if ("disease" in consent) expect(diseaseCodeIds).toContain(consent.disease);
    }
  });

  it("count no mental-health code among any purpose's conditions", () => {
    for (const id of purposeIds) {
      const purpose = purposes[id];
      if (!("conditionCodes" in purpose)) continue;
      for (const code of purpose.conditionCodes.keys())
        expect(mentalHealthCodes.has(code), code).toBe(false);
    }
  });

  it("split a purpose's fields into those the offer lists and those it withholds", () => {
    expect(
      offerFieldsFor("cardiology_study", ["sex", "blood_pressure", "zip3", "tumour_variants"]),
    ).toEqual({
      released: ["sex", "blood_pressure"],
      withheld: ["age_band", "cholesterol", "cardiac_conditions"],
    });
  });

  it("name the fields a request asks for beyond its purpose", () => {
    expect(fieldsBeyondPurpose("oncology_trial", ["tumour_variants", "age_band", "sex"])).toEqual([
      "age_band",
      "sex",
    ]);
    expect(fieldsBeyondPurpose("cardiology_study", ["blood_pressure"])).toEqual([]);
  });
});

describe("expandConditionCode", () => {
  const snomed = (code: string) => `${SNOMED}|${code}`;

  it("grants every code declared under a broad one, transitively", () => {
    const cardiovascular = expandConditionCode(snomed("49601007"));
    for (const code of ["38341003", "22298006", "399211009", "88805009"]) {
      expect(cardiovascular.has(snomed(code))).toBe(true);
    }
    expect(expandConditionCode(snomed("414545008")).has(snomed("399211009"))).toBe(true);
  });

  it("grants nothing above or beside the code", () => {
    expect([...expandConditionCode(snomed("22298006"))].sort()).toEqual([
      snomed("22298006"),
      snomed("399211009"),
    ]);
    expect(expandConditionCode(snomed("49601007")).has(snomed("370143000"))).toBe(false);
  });
});
