// The identifier scan: every identifier of every Synthea sample bundle is looked for in its
// de-identified output. The matching rules are explained at the top of leak-check.ts.
import { describe, expect, it } from "vitest";
import type { DeidentifiedPatient } from "#core/custody/patient.ts";
import type { ValidBundle } from "#core/fhir/bundle.ts";
import {
  readSyntheaBundle,
  syntheaBundleFiles,
  syntheaDir,
  syntheaMissingReason,
} from "#core/fhir/synthea.fixtures.ts";
import { parseBundleText } from "#core/fhir/validate.ts";
import { allowedExtensions } from "./extensions.ts";
import {
  collectSourceIdentifiers,
  findLeakedIdentifiers,
  identifierCategories,
  type IdentifierCategory,
} from "./leak-check.ts";
import { deidentifyBundle } from "./safe-harbor.ts";

const secrets = {
  pseudonymKey: new Uint8Array(32).fill(0x5a),
  dateShiftKey: new Uint8Array(32).fill(0xa5),
};
const today = new Date("2026-11-25T00:00:00Z");

/** Elements that must not appear anywhere in a de-identified record, whatever their value. */
const forbiddenElements = new Set([
  "identifier",
  "name",
  "telecom",
  "line",
  "city",
  "postalCode",
  "district",
  "photo",
  "note",
  "div",
  "contained",
  "meta",
  "valueString",
  "valueAddress",
  "valueAttachment",
  "lotNumber",
  "url",
]);

function load(file: string): ValidBundle {
  const result = parseBundleText(readSyntheaBundle(file));
  if (!result.ok) throw new Error(`${file} did not validate: ${JSON.stringify(result.errors)}`);
  return result.bundle;
}

/** Element names in the record, except the `url` of kept extensions (which say what they are). */
function elementNames(value: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => elementNames(item, names));
  else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const isExtensionUrl =
        key === "url" && typeof child === "string" && child in allowedExtensions;
      const isNestedExtensionUrl = key === "url" && /^(ombCategory|detailed)$/.test(String(child));
      if (!isExtensionUrl && !isNestedExtensionUrl) names.add(key);
      elementNames(child, names);
    }
  }
  return names;
}

function referencesOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => referencesOf(item, found));
  else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "reference" && typeof child === "string") found.push(child);
      else referencesOf(child, found);
    }
  }
  return found;
}

describe.skipIf(!syntheaDir)(
  `identifier scan of the Synthea sample${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    const files = syntheaBundleFiles();

    it("has all 60 patient bundles to scan", () => {
      expect(files).toHaveLength(60);
    });

    for (const file of files) {
      it(`leaves no identifier of ${file} in its de-identified record`, () => {
        const bundle = load(file);
        const record = deidentifyBundle(bundle, secrets, { today });
        const { leaks } = findLeakedIdentifiers(bundle, record);
        expect(leaks).toEqual([]);

        const present = [...elementNames(record.resources)].filter((name) =>
          forbiddenElements.has(name),
        );
        expect(present).toEqual([]);

        const patient = bundle.entry.find((entry) => entry.resource.resourceType === "Patient")!;
        expect(record.pseudoId).toMatch(/^[0-9a-f]{64}$/);
        expect(record.pseudoId).not.toContain(patient.resource.id as string);
        expect(record.dateShiftDays).not.toBe(0);

        // Every reference is a pseudonym of a resource in the same record.
        const ids = new Set(record.resources.map((r) => `${r.resourceType}/${r.resourceId}`));
        const dangling = referencesOf(record.resources).filter((reference) => !ids.has(reference));
        expect(dangling).toEqual([]);
      });
    }

    it("finds identifiers of every category in the source, so the scan has something to miss", () => {
      const totals = Object.fromEntries(identifierCategories.map((c) => [c, 0])) as Record<
        IdentifierCategory,
        number
      >;
      for (const file of files) {
        const identifiers = collectSourceIdentifiers(load(file));
        for (const category of identifierCategories) totals[category] += identifiers[category].size;
      }
      for (const category of identifierCategories)
        expect(totals[category], category).toBeGreaterThan(0);
      // The patient's own identifiers, per bundle: SSN, name, home address, phone, birth date.
      const identifiers = collectSourceIdentifiers(load(files[0] as string));
      expect(
        [...identifiers["identifier value"]].some((value) => /^999-\d{2}-\d{4}$/.test(value)),
      ).toBe(true);
    });

    describe("catches each kind of identifier planted in an otherwise clean record", () => {
      const file = files.find((name) => name.startsWith("Abdul_Koepp")) ?? (files[0] as string);
      const bundle = () => load(file);
      const record = () => deidentifyBundle(bundle(), secrets, { today });
      const plant = (clean: DeidentifiedPatient, text: string): DeidentifiedPatient => ({
        ...clean,
        resources: [
          ...clean.resources,
          {
            resourceId: "0".repeat(64),
            resourceType: "Observation",
            codes: [],
            resource: { resourceType: "Observation", code: { text } },
          },
        ],
      });
      const patient = () =>
        bundle().entry.find((entry) => entry.resource.resourceType === "Patient")!
          .resource as unknown as {
          name: { family: string; given: string[] }[];
          birthDate: string;
          telecom: { value: string }[];
          address: { line: string[]; city: string; postalCode: string }[];
          identifier: { value: string }[];
          id: string;
        };

      const cases: [IdentifierCategory, () => string][] = [
        ["name", () => `seen by ${patient().name[0]!.family.toUpperCase()}`],
        ["name", () => `${patient().name[0]!.given[0]}'s note`],
        ["address line", () => patient().address[0]!.line[0]!.toLowerCase()],
        ["city", () => `lives in ${patient().address[0]!.city}`],
        ["postal code", () => `zip ${patient().address[0]!.postalCode}`],
        ["telecom", () => `call ${patient().telecom[0]!.value}`],
        ["identifier value", () => `ssn ${patient().identifier[2]!.value}`],
        ["date", () => `born ${patient().birthDate}`],
        ["source id", () => `Patient/${patient().id}`],
        ["url", () => "see http://hospital.smarthealthit.org for more"],
        ["organisation name", () => "referred to North Shore Medical Center"],
        ["coordinates", () => "at 42.534202, -70.969734"],
        ["dicom uid", () => "1.2.840.99999999.1.82637698.1559319198567"],
        ["narrative number", () => "seed 8766734163625651911"],
      ];
      for (const [category, text] of cases) {
        it(`reports a planted ${category}`, () => {
          const { leaks } = findLeakedIdentifiers(bundle(), plant(record(), text()));
          expect(leaks.map((leak) => leak.category)).toContain(category);
        });
      }
    });
  },
);
