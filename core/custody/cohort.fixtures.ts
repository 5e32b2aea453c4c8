// Test fixtures: de-identified patients as the custody layer receives them after decryption — the
// 60 Synthea sample bundles and a slice of the generated population, each with its tumour variant
// panel added as ingest adds it.
import { deidentifyBundle } from "#core/deid/safe-harbor.ts";
import { readSyntheaBundle, syntheaBundleFiles } from "#core/fhir/synthea.fixtures.ts";
import { parseBundleText, validateBundle } from "#core/fhir/validate.ts";
import { generatePatient } from "#core/synthetic/population.ts";
import { generateTumourVariants } from "#core/synthetic/tumour-variants.ts";
import type { DeidentifiedPatient, DeidentifiedResource } from "./patient.ts";

export const testSecrets = {
  pseudonymKey: new Uint8Array(32).fill(0x5a),
  dateShiftKey: new Uint8Array(32).fill(0xa5),
};
const today = new Date("2026-11-25T00:00:00Z");

function withVariants(patient: DeidentifiedPatient): DeidentifiedPatient {
  return { ...patient, resources: [...patient.resources, ...generateTumourVariants(patient)] };
}

let synthea: Map<string, DeidentifiedPatient> | null = null;

/** The Synthea sample, de-identified, by bundle file name (empty when the data is absent). */
export function syntheaPatients(): Map<string, DeidentifiedPatient> {
  synthea ??= new Map(
    syntheaBundleFiles().map((file) => {
      const parsed = parseBundleText(readSyntheaBundle(file));
      if (!parsed.ok) throw new Error(`${file} does not validate`);
      return [file, withVariants(deidentifyBundle(parsed.bundle, testSecrets, { today }))];
    }),
  );
  return synthea;
}

/** The Synthea patient whose bundle file starts with the given name ("Dusty_Stracke"). */
export function syntheaPatient(name: string): DeidentifiedPatient {
  const entry = [...syntheaPatients()].find(([file]) => file.startsWith(`${name}_`));
  if (!entry) throw new Error(`No Synthea bundle for ${name}`);
  return entry[1];
}

/** Patients 0 … size − 1 of the seeded synthetic population, de-identified. */
export function generatedPatients(size: number, seed = "custody-tests"): DeidentifiedPatient[] {
  return Array.from({ length: size }, (_, index) => {
    const result = validateBundle(generatePatient(seed, index));
    if (!result.ok) throw new Error(`generated patient ${index} does not validate`);
    return withVariants(deidentifyBundle(result.bundle, testSecrets, { today }));
  });
}

// ---- Hand-made records: a few resources with exactly the links a test is about ----

type Json = Record<string, unknown>;
let counter = 0;

/** A de-identified resource; `codes` are worked out as de-identification would (own codings). */
export function resource(
  resourceType: DeidentifiedResource["resourceType"],
  body: Json,
  linkedCodes: string[] = [],
): DeidentifiedResource {
  counter += 1;
  const resourceId = counter.toString(16).padStart(64, "0");
  const codes = new Set(linkedCodes);
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      const object = value as Json;
      if (typeof object.system === "string" && typeof object.code === "string") {
        codes.add(`${object.system}|${object.code}`);
      }
      Object.values(object).forEach(walk);
    }
  };
  walk(body);
  return {
    resourceId,
    resourceType,
    codes: [...codes].sort(),
    resource: { resourceType, id: resourceId, ...body },
  };
}

export const ref = (target: DeidentifiedResource) => ({
  reference: `${target.resourceType}/${target.resourceId}`,
});

export const concept = (system: string, code: string) => ({ coding: [{ system, code }] });

export function patientWith(
  resources: DeidentifiedResource[],
  demographics: Partial<Pick<DeidentifiedPatient, "sex" | "ageBand">> = {},
): DeidentifiedPatient {
  counter += 1;
  return {
    pseudoId: `p${counter.toString(16).padStart(63, "0")}`,
    sex: demographics.sex ?? "female",
    ageBand: demographics.ageBand ?? "50-54",
    zip3: "021",
    dateShiftDays: 0,
    resources,
  };
}

/** A quantity observation (or a panel, with components) taken at `at`. */
export function observation(
  loinc: string,
  at: string,
  value: { value: number; unit: string } | null,
  extra: Json = {},
): DeidentifiedResource {
  return resource("Observation", {
    status: "final",
    code: concept("http://loinc.org", loinc),
    effectiveDateTime: at,
    ...(value ? { valueQuantity: { value: value.value, unit: value.unit, code: value.unit } } : {}),
    ...extra,
  });
}

export function bloodPressure(at: string, systolic: number, diastolic: number, extra: Json = {}) {
  const part = (code: string, value: number) => ({
    code: concept("http://loinc.org", code),
    valueQuantity: { value, unit: "mm[Hg]", code: "mm[Hg]" },
  });
  return observation("85354-9", at, null, {
    component: [part("8480-6", systolic), part("8462-4", diastolic)],
    ...extra,
  });
}

export function condition(snomed: string, extra: Json = {}): DeidentifiedResource {
  return resource("Condition", { code: concept("http://snomed.info/sct", snomed), ...extra });
}
