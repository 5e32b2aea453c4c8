import { describe, expect, it } from "vitest";
import type { DeidentifiedPatient, DeidentifiedResource } from "#core/custody/patient.ts";
import { deidentifyBundle } from "#core/deid/safe-harbor.ts";
import { parseBundleText, validateBundle } from "#core/fhir/validate.ts";
import {
  readSyntheaBundle,
  syntheaBundleFiles,
  syntheaDir,
  syntheaMissingReason,
} from "#core/fhir/synthea.fixtures.ts";
import { createRandom } from "./random.ts";
import { drawTumourPanel, generateTumourVariants, type CancerKind } from "./tumour-variants.ts";

const SNOMED = "http://snomed.info/sct";

function patientWith(conditionCodes: string[], pseudoId = "a".repeat(64)): DeidentifiedPatient {
  return {
    pseudoId,
    sex: "female",
    ageBand: "60-64",
    zip3: "021",
    dateShiftDays: 12,
    resources: [
      {
        resourceId: pseudoId,
        resourceType: "Patient",
        codes: [],
        resource: { resourceType: "Patient", id: pseudoId },
      },
      ...conditionCodes.map((code, i): DeidentifiedResource => ({
        resourceId: String(i).repeat(64).slice(0, 64),
        resourceType: "Condition",
        codes: [`${SNOMED}|${code}`],
        resource: {
          resourceType: "Condition",
          id: String(i).repeat(64).slice(0, 64),
          code: { coding: [{ system: SNOMED, code }] },
          subject: { reference: `Patient/${pseudoId}` },
          onsetDateTime: "2019-03-02T10:00:00+00:00",
        },
      })),
    ],
  };
}

type Component = {
  code: { coding: { code: string }[] };
  valueCodeableConcept?: { coding: { code: string; display?: string }[] };
  valueQuantity?: { value: number };
};

function variantsOf(observations: DeidentifiedResource[]) {
  return observations.map((observation) => {
    const components = observation.resource.component as Component[];
    const find = (loinc: string) =>
      components.find((component) => component.code.coding[0]?.code === loinc) as Component;
    return {
      gene: find("48018-6").valueCodeableConcept!.coding[0]!.display as string,
      hgvs: find("48005-3").valueCodeableConcept!.coding[0]!.code,
      vaf: find("81258-6").valueQuantity!.value,
    };
  });
}

describe("generateTumourVariants", () => {
  it("gives no variants to a patient without cancer", () => {
    expect(generateTumourVariants(patientWith(["44054006", "38341003"]))).toEqual([]);
  });

  it("gives a metastasis its primary's panel rather than a second tumour", () => {
    const variants = generateTumourVariants(patientWith(["93761005", "94260004"]));
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) {
      expect(variant.codes).toEqual(
        expect.arrayContaining([`${SNOMED}|93761005`, `${SNOMED}|94260004`]),
      );
    }
    const genes = variantsOf(variants).map((variant) => variant.gene);
    expect(new Set(genes).size).toBe(genes.length);
  });

  it("gives the same panel to the same patient every time, and another to another patient", () => {
    const one = generateTumourVariants(patientWith(["254637007"]));
    expect(one.length).toBeGreaterThan(0);
    expect(generateTumourVariants(patientWith(["254637007"]))).toEqual(one);
    const panels = new Set(
      Array.from({ length: 20 }, (_, i) =>
        JSON.stringify(
          variantsOf(
            generateTumourVariants(patientWith(["254637007"], String(i).padStart(64, "b"))),
          ),
        ),
      ),
    );
    expect(panels.size).toBeGreaterThan(5);
  });

  it("writes each variant as a genomics Observation about the patient, linked to the cancer by code", () => {
    const [variant] = generateTumourVariants(patientWith(["363406005"]));
    expect(variant).toMatchObject({
      resourceType: "Observation",
      resourceId: expect.stringMatching(/^[0-9a-f]{64}$/),
      codes: expect.arrayContaining(["http://loinc.org|69548-6", `${SNOMED}|363406005`]),
      resource: {
        resourceType: "Observation",
        status: "final",
        code: { coding: [{ system: "http://loinc.org", code: "69548-6" }] },
        subject: { reference: `Patient/${"a".repeat(64)}` },
        valueCodeableConcept: { coding: [{ code: "LA9633-4" }] },
      },
    });
    expect((variant!.resource.effectiveDateTime as string) > "2019-03-02").toBe(true);
    expect(variant!.codes.some((code) => code.startsWith("http://www.genenames.org|HGNC:"))).toBe(
      true,
    );
  });

  it("passes the validator as part of the patient's record", () => {
    const patient = patientWith(["254837009"]);
    const bundle = {
      resourceType: "Bundle",
      type: "collection",
      entry: [...patient.resources, ...generateTumourVariants(patient)].map((resource) => ({
        resource: resource.resource,
      })),
    };
    const result = validateBundle(bundle);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe("drawTumourPanel", () => {
  const expectedGenes: Record<CancerKind, string[]> = {
    nonSmallCellLung: ["KRAS", "EGFR", "TP53", "STK11", "KEAP1"],
    smallCellLung: ["TP53", "RB1"],
    colorectal: ["APC", "KRAS", "TP53", "BRAF", "PIK3CA"],
    prostate: ["TP53", "SPOP", "PTEN"],
    breast: ["PIK3CA", "TP53", "GATA3", "CDH1"],
  };

  for (const [kind, genes] of Object.entries(expectedGenes) as [CancerKind, string[]][]) {
    it(`draws ${kind} panels from that cancer's genes, with allele fractions between 0 and 1`, () => {
      const seen = new Map<string, number>();
      const tumours = 2_000;
      for (let i = 0; i < tumours; i += 1) {
        const panel = drawTumourPanel(kind, createRandom(`${kind}-${i}`));
        expect(panel.length).toBeGreaterThan(0);
        for (const variant of panel) {
          expect(variant.vaf).toBeGreaterThan(0);
          expect(variant.vaf).toBeLessThanOrEqual(1);
          expect(variant.hgvs).toMatch(/^p\.[A-Z][a-z]{2}\d+/);
        }
        for (const gene of new Set(panel.map((variant) => variant.gene))) {
          seen.set(gene, (seen.get(gene) ?? 0) + 1);
        }
      }
      for (const gene of genes) expect(seen.get(gene) ?? 0, gene).toBeGreaterThan(tumours * 0.04);
    });
  }

  it("never gives one lung tumour two of its mutually exclusive drivers (KRAS, EGFR, BRAF, …)", () => {
    let both = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const genes = new Set(
        drawTumourPanel("nonSmallCellLung", createRandom(`x${i}`)).map((v) => v.gene),
      );
      const drivers = ["KRAS", "EGFR", "BRAF", "ALK", "MET", "ERBB2"].filter((g) => genes.has(g));
      if (drivers.length > 1) both += 1;
    }
    expect(both).toBe(0);
  });

  it("gives germline BRCA variants an allele fraction near one half", () => {
    const germline = Array.from({ length: 5_000 }, (_, i) =>
      drawTumourPanel("breast", createRandom(`brca-${i}`)),
    )
      .flat()
      .filter((variant) => variant.germline);
    expect(germline.length).toBeGreaterThan(0);
    for (const variant of germline) {
      expect(["BRCA1", "BRCA2"]).toContain(variant.gene);
      expect(variant.vaf).toBeGreaterThan(0.4);
      expect(variant.vaf).toBeLessThan(0.6);
    }
  });
});

describe.skipIf(!syntheaDir)(
  `tumour variants for the Synthea sample${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    it("gives the two patients with colon cancer colorectal panels and the other 58 none", () => {
      const secrets = {
        pseudonymKey: new Uint8Array(32).fill(7),
        dateShiftKey: new Uint8Array(32).fill(8),
      };
      const withVariants = new Map<string, string[]>();
      for (const file of syntheaBundleFiles()) {
        const result = parseBundleText(readSyntheaBundle(file));
        if (!result.ok) throw new Error(file);
        const record = deidentifyBundle(result.bundle, secrets, {
          today: new Date("2026-11-25T00:00:00Z"),
        });
        const variants = generateTumourVariants(record);
        if (variants.length > 0) {
          withVariants.set(
            file.split("_").slice(0, 2).join(" "),
            variantsOf(variants).map((variant) => variant.gene),
          );
        }
      }
      // Primary malignant neoplasm of colon, and secondary malignant neoplasm of colon.
      expect([...withVariants.keys()].sort()).toEqual(["Darin Skiles", "Micah Schinner"]);
      const colorectalGenes = ["APC", "KRAS", "TP53", "BRAF", "PIK3CA", "SMAD4", "FBXW7"];
      for (const genes of withVariants.values()) {
        for (const gene of genes) expect(colorectalGenes).toContain(gene);
      }
    });
  },
);
