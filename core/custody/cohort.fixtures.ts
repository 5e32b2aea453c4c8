// Test fixtures: de-identified patients as the custody layer receives them after decryption — the
// 60 Synthea sample bundles and a slice of the generated population, each with its tumour variant
// panel added as ingest adds it.
import { deidentifyBundle } from "#core/deid/safe-harbor.ts";
import { readSyntheaBundle, syntheaBundleFiles } from "#core/fhir/synthea.fixtures.ts";
import { parseBundleText, validateBundle } from "#core/fhir/validate.ts";
import { generatePatient } from "#core/synthetic/population.ts";
import { generateTumourVariants } from "#core/synthetic/tumour-variants.ts";
import type { DeidentifiedPatient } from "./patient.ts";

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
