import { describe, expect, it } from "vitest";
import { findLeakedIdentifiers } from "#core/deid/leak-check.ts";
import { deidentifyBundle } from "#core/deid/safe-harbor.ts";
import type { FhirBundle, FhirResource } from "#core/fhir/bundle.ts";
import { describeBundleError, validateBundle } from "#core/fhir/validate.ts";
import { conditionCatalogue, generatePatient, generatePopulation } from "./population.ts";
import { cancerKindsByCode } from "./tumour-variants.ts";

const secrets = {
  pseudonymKey: new Uint8Array(32).fill(3),
  dateShiftKey: new Uint8Array(32).fill(4),
};
const asOf = new Date("2025-01-01T00:00:00Z");

function resourcesOf(bundle: FhirBundle, type: string): FhirResource[] {
  return bundle.entry.map((entry) => entry.resource).filter((r) => r.resourceType === type);
}

function codeOf(resource: FhirResource): string {
  return ((resource.code as { coding: { code: string }[] }).coding[0] as { code: string }).code;
}

describe("generatePopulation", () => {
  it("gives the same patients for the same seed, and others for another seed", () => {
    const run = (seed: string) => JSON.stringify([...generatePopulation({ seed, size: 20 })]);
    expect(run("demo")).toBe(run("demo"));
    expect(run("demo")).not.toBe(run("other"));
  });

  it("makes patient i the same whether it is generated alone or in a run", () => {
    const run = [...generatePopulation({ seed: "demo", size: 10 })];
    const slice = [...generatePopulation({ seed: "demo", size: 3, start: 7 })];
    expect(slice).toEqual(run.slice(7));
    expect(generatePatient("demo", 4)).toEqual(run[4]);
  });

  it("streams: the first patients of a million come at once", () => {
    const started = performance.now();
    const patients = generatePopulation({ seed: "demo", size: 1_000_000 });
    const first = [patients.next(), patients.next(), patients.next()];
    expect(first.every((result) => result.done === false)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("writes bundles that validate, de-identify and leave no identifier behind", () => {
    for (const bundle of generatePopulation({ seed: "validate", size: 300, asOf })) {
      const result = validateBundle(bundle);
      if (!result.ok) throw new Error(result.errors.map(describeBundleError).join("\n"));
      expect(result.kind).toBe("patient");
      const record = deidentifyBundle(result.bundle, secrets, { today: asOf });
      expect(findLeakedIdentifiers(bundle, record).leaks).toEqual([]);
    }
  });

  it("has Synthea's shape: urn:uuid fullUrls, POST requests, its own organisation and practitioner", () => {
    const bundle = generatePatient("shape", 0);
    expect(bundle).toMatchObject({ resourceType: "Bundle", type: "transaction" });
    for (const entry of bundle.entry) {
      expect(entry.fullUrl).toBe(`urn:uuid:${entry.resource.id}`);
      expect(entry.request).toEqual({ method: "POST", url: entry.resource.resourceType });
    }
    expect(resourcesOf(bundle, "Patient")).toHaveLength(1);
    expect(resourcesOf(bundle, "Organization")).toHaveLength(1);
    expect(resourcesOf(bundle, "Practitioner")).toHaveLength(1);
  });

  it("only writes cancers the tumour-variant generator knows", () => {
    const cancers = Object.values(conditionCatalogue)
      .map(({ condition }) => condition.code)
      .filter((code) =>
        ["254637007", "254632001", "363406005", "126906006", "254837009"].includes(code),
      );
    expect(cancers).toHaveLength(5);
    for (const code of cancers) expect(cancerKindsByCode[code]).toBeDefined();
  });

  it("generates 10,000 patients in reasonable time, with conditions and measurements at plausible rates", () => {
    const started = performance.now();
    const size = 10_000;
    let adults = 0;
    const withCondition = new Map<string, number>();
    const systolic: number[] = [];
    const hba1cDiabetic: number[] = [];
    const hba1cOther: number[] = [];
    const measured = new Set<string>();
    for (const bundle of generatePopulation({ seed: "rates", size, asOf })) {
      const patient = resourcesOf(bundle, "Patient")[0] as FhirResource;
      const age =
        (asOf.getTime() - Date.parse(patient.birthDate as string)) / (365.25 * 86_400_000);
      if (age >= 18) adults += 1;
      const codes = new Set(resourcesOf(bundle, "Condition").map(codeOf));
      for (const code of codes) withCondition.set(code, (withCondition.get(code) ?? 0) + 1);
      for (const observation of resourcesOf(bundle, "Observation")) {
        const code = codeOf(observation);
        measured.add(code);
        if (code === "55284-4") {
          const components = observation.component as { valueQuantity: { value: number } }[];
          systolic.push(
            (components[1] as { valueQuantity: { value: number } }).valueQuantity.value,
          );
        }
        if (code === "4548-4") {
          const value = (observation.valueQuantity as { value: number }).value;
          (codes.has("44054006") ? hba1cDiabetic : hba1cOther).push(value);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(30);

    const share = (code: string) => (withCondition.get(code) ?? 0) / size;
    const mean = (values: number[]) =>
      values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(adults / size).toBeGreaterThan(0.7);
    expect(share("38341003")).toBeGreaterThan(0.15); // hypertension
    expect(share("38341003")).toBeLessThan(0.4);
    expect(share("44054006")).toBeGreaterThan(0.06); // diabetes
    expect(share("44054006")).toBeLessThan(0.16);
    expect(share("53741008")).toBeGreaterThan(0.02); // coronary heart disease
    expect(share("53741008")).toBeLessThan(0.1);
    expect(share("370143000")).toBeGreaterThan(0.04); // depression
    expect(share("370143000")).toBeLessThan(0.12);
    const cancer = Object.keys(cancerKindsByCode).reduce((sum, code) => sum + share(code), 0);
    expect(cancer).toBeGreaterThan(0.015);
    expect(cancer).toBeLessThan(0.06);
    for (const code of ["55284-4", "2093-3", "2085-9", "18262-6", "4548-4", "39156-5"]) {
      expect(measured).toContain(code);
    }
    expect(mean(systolic)).toBeGreaterThan(110);
    expect(mean(systolic)).toBeLessThan(135);
    expect(mean(hba1cDiabetic)).toBeGreaterThan(mean(hba1cOther) + 1);
  });
});
