import { describe, expect, it } from "vitest";
import {
  readSyntheaBundle,
  readSyntheaDirectoryBundles,
  syntheaBundleFiles,
  syntheaDir,
  syntheaMissingReason,
} from "./synthea.fixtures.ts";
import {
  defaultBundleLimits,
  describeBundleError,
  parseBundleText,
  validateBundle,
  type BundleError,
  type BundleValidation,
} from "./validate.ts";

type Json = Record<string, unknown>;
type Entry = { fullUrl: string; resource: Json & { resourceType: string; id: string } };
type Bundle = { resourceType: string; type: string; entry: Entry[] };

function errorsOf(result: BundleValidation): BundleError[] {
  if (result.ok) throw new Error("expected the bundle to be refused");
  return result.errors;
}

/** A small, valid patient bundle built by hand (the real ones are used below when present). */
function tinyBundle(): Bundle {
  const patient = "urn:uuid:11111111-1111-4111-8111-111111111111";
  const encounter = "urn:uuid:22222222-2222-4222-8222-222222222222";
  return {
    resourceType: "Bundle",
    type: "transaction",
    entry: [
      {
        fullUrl: patient,
        resource: {
          resourceType: "Patient",
          id: "11111111-1111-4111-8111-111111111111",
          gender: "female",
          birthDate: "1970-04-02",
        },
      },
      {
        fullUrl: encounter,
        resource: {
          resourceType: "Encounter",
          id: "22222222-2222-4222-8222-222222222222",
          subject: { reference: patient },
          period: { start: "2020-01-01T10:00:00+00:00", end: "2020-01-01T10:30:00+00:00" },
        },
      },
      {
        fullUrl: "urn:uuid:33333333-3333-4333-8333-333333333333",
        resource: {
          resourceType: "Condition",
          id: "33333333-3333-4333-8333-333333333333",
          code: { coding: [{ system: "http://snomed.info/sct", code: "44054006" }] },
          subject: { reference: patient },
          encounter: { reference: encounter },
          onsetDateTime: "2020-01-01T10:00:00+00:00",
        },
      },
    ],
  };
}

describe("validateBundle", () => {
  it("accepts a patient bundle and says which entry is the patient", () => {
    const result = validateBundle(tinyBundle());
    expect(result).toMatchObject({ ok: true, kind: "patient", patientIndex: 0 });
  });

  it("accepts a collection bundle, and an entry named only by its urn:uuid fullUrl", () => {
    const bundle = tinyBundle();
    bundle.type = "collection";
    delete (bundle.entry[2]!.resource as Json).id;
    expect(validateBundle(bundle).ok).toBe(true);
  });

  it("refuses what is not a bundle, in plain words", () => {
    expect(errorsOf(validateBundle([]))[0]!.message).toMatch(/should be a JSON object/);
    expect(errorsOf(validateBundle({ resourceType: "Patient" }))[0]!.message).toMatch(
      /resourceType is "Patient", not "Bundle"/,
    );
    expect(
      errorsOf(validateBundle({ resourceType: "Bundle", type: "transaction", entry: [] }))[0],
    ).toMatchObject({ path: "entry", message: "the bundle has no entries" });
  });

  it("names the entry and the path of every fault, and collects them all", () => {
    const bundle = tinyBundle();
    bundle.type = "batch";
    delete (bundle.entry[1]!.resource as Json).subject;
    bundle.entry[2]!.resource.onsetDateTime = "2020-02-30";
    bundle.entry[2]!.resource.code = { coding: [{ display: "Diabetes" }] };
    const errors = errorsOf(validateBundle(bundle));
    expect(errors).toEqual([
      {
        entryIndex: null,
        entryRef: null,
        path: "type",
        message: 'should be "transaction" or "collection", not "batch"',
      },
      {
        entryIndex: 1,
        entryRef: "urn:uuid:22222222-2222-4222-8222-222222222222",
        path: "entry[1].resource.subject",
        message: "is missing",
      },
      {
        entryIndex: 2,
        entryRef: "urn:uuid:33333333-3333-4333-8333-333333333333",
        path: "entry[2].resource.code.coding",
        message: "needs at least one coding with both a system and a code",
      },
      expect.objectContaining({
        entryIndex: 2,
        path: "entry[2].resource.onsetDateTime",
        message: expect.stringContaining('"2020-02-30" is not a FHIR date or dateTime'),
      }),
    ]);
    expect(describeBundleError(errors[1]!)).toBe(
      "Entry 1 (urn:uuid:22222222-2222-4222-8222-222222222222) at entry[1].resource.subject: is missing",
    );
  });

  it("refuses a clinical resource whose subject is not the bundle's patient", () => {
    const bundle = tinyBundle();
    bundle.entry[2]!.resource.subject = { reference: bundle.entry[1]!.fullUrl };
    expect(errorsOf(validateBundle(bundle))).toEqual([
      expect.objectContaining({
        entryIndex: 2,
        path: "entry[2].resource.subject.reference",
        message: "points to entry 1, an Encounter; it must be the bundle's Patient (entry 0)",
      }),
    ]);
    bundle.entry[2]!.resource.subject = { reference: "Patient/someone-else" };
    expect(errorsOf(validateBundle(bundle))[0]!.message).toMatch(
      /"Patient\/someone-else", outside this bundle/,
    );
  });

  it("accepts references to resources outside the bundle but not urn:uuids it does not hold", () => {
    const bundle = tinyBundle();
    bundle.entry[2]!.resource.asserter = { reference: "Practitioner/123" };
    bundle.entry[2]!.resource.recorder = { reference: "https://example.org/fhir/Practitioner/9" };
    expect(validateBundle(bundle).ok).toBe(true);
    bundle.entry[2]!.resource.encounter = {
      reference: "urn:uuid:99999999-9999-4999-8999-999999999999",
    };
    bundle.entry[2]!.resource.evidence = [{ detail: [{ reference: "#nowhere" }] }];
    bundle.entry[2]!.resource.stage = [{ assessment: [{ reference: "not a reference" }] }];
    expect(errorsOf(validateBundle(bundle)).map((error) => [error.path, error.message])).toEqual([
      [
        "entry[2].resource.encounter.reference",
        '"urn:uuid:99999999-9999-4999-8999-999999999999" names no entry in this bundle',
      ],
      [
        "entry[2].resource.evidence[0].detail[0].reference",
        '"#nowhere" names no contained resource of this resource',
      ],
      [
        "entry[2].resource.stage[0].assessment[0].reference",
        '"not a reference" is not a reference (expected urn:uuid:…, Type/id, #id or an absolute URL)',
      ],
    ]);
  });

  it("refuses one id for two resources, even of different types", () => {
    const bundle = tinyBundle();
    bundle.entry[2]!.resource.id = bundle.entry[1]!.resource.id;
    expect(errorsOf(validateBundle(bundle))).toEqual([
      expect.objectContaining({
        entryIndex: 2,
        path: "entry[2].resource.id",
        message:
          '"22222222-2222-4222-8222-222222222222" is also the id of entry 1 (an Encounter); ids must be unique within a bundle',
      }),
    ]);
  });

  it("refuses modifier extensions, which could change what a resource means", () => {
    const bundle = tinyBundle();
    bundle.entry[2]!.resource.modifierExtension = [{ url: "http://example.org/negated" }];
    expect(errorsOf(validateBundle(bundle))[0]).toMatchObject({
      entryIndex: 2,
      path: "entry[2].resource.modifierExtension",
    });
  });

  it("checks the Patient's gender and birth date", () => {
    const bundle = tinyBundle();
    bundle.entry[0]!.resource.gender = "f";
    bundle.entry[0]!.resource.birthDate = "1970-04-02T10:00:00+00:00";
    expect(errorsOf(validateBundle(bundle)).map((error) => [error.path, error.message])).toEqual([
      ["entry[0].resource.gender", 'should be one of male, female, other, unknown, not "f"'],
      ["entry[0].resource.birthDate", "should be a date without a time (YYYY-MM-DD)"],
    ]);
  });

  it("refuses clinical resources without a patient", () => {
    const bundle = tinyBundle();
    bundle.entry.shift();
    const messages = errorsOf(validateBundle(bundle)).map((error) => error.message);
    expect(messages).toContain(
      "holds clinical resources (entry 0 is an Encounter) but no Patient; a bundle must carry exactly one patient's record",
    );
  });

  it("accepts a bundle of only Organizations and Practitioners as a directory with no patient", () => {
    const directory = {
      resourceType: "Bundle",
      type: "transaction",
      entry: [
        { resource: { resourceType: "Organization", id: "org-1", name: "General Hospital" } },
        { resource: { resourceType: "Practitioner", id: "pr-1" } },
      ],
    };
    expect(validateBundle(directory)).toMatchObject({
      ok: true,
      kind: "directory",
      patientIndex: null,
    });
  });

  it("refuses a bundle with more entries than the limit before checking any of them", () => {
    const bundle = tinyBundle();
    const errors = errorsOf(validateBundle(bundle, { maxEntries: 2 }));
    expect(errors).toEqual([
      {
        entryIndex: null,
        entryRef: null,
        path: "entry",
        message:
          "The bundle has 3 entries, over the limit of 2, so they were not checked. Send one patient's record per bundle.",
      },
    ]);
  });

  it("stops after the most faults it was told to report, and says so", () => {
    const bundle = tinyBundle();
    for (let i = 0; i < 20; i += 1) {
      bundle.entry.push({
        fullUrl: `urn:uuid:44444444-4444-4444-8444-${String(i).padStart(12, "0")}`,
        resource: { resourceType: "Condition", id: `c${i}` },
      });
    }
    const errors = errorsOf(validateBundle(bundle, { maxErrors: 5 }));
    expect(errors).toHaveLength(6);
    expect(errors[5]!.message).toBe(
      "checking stopped after 5 faults; fix these and send the bundle again",
    );
  });
});

describe("parseBundleText", () => {
  it("reads a bundle with a byte-order mark", () => {
    expect(parseBundleText(`\uFEFF${JSON.stringify(tinyBundle())}`).ok).toBe(true);
  });

  it("says where malformed JSON breaks, by line and column", () => {
    const text = JSON.stringify(tinyBundle(), null, 2).replace(
      '"gender": "female",',
      '"gender": "female"',
    );
    const line = text.split("\n").findIndex((row) => row.includes('"birthDate"')) + 1;
    const column = (text.split("\n")[line - 1] as string).indexOf('"birthDate"') + 1;
    expect(errorsOf(parseBundleText(text))).toEqual([
      {
        entryIndex: null,
        entryRef: null,
        path: "",
        message: expect.stringMatching(
          new RegExp(
            `^The file is not valid JSON: at line ${line}, column ${column} \\(character \\d+\\): ` +
              "expected ',' or '}' after a property value\\.$",
          ),
        ),
      },
    ]);
  });

  it("explains a truncated file", () => {
    const text = JSON.stringify(tinyBundle()).slice(0, 200);
    expect(errorsOf(parseBundleText(text))[0]!.message).toMatch(
      /^The file is not valid JSON: at line 1/,
    );
  });

  it("refuses text over the size limit without parsing it", () => {
    // Malformed as well as too large: only the size is reported, so it was refused before parsing.
    const text = `${JSON.stringify(tinyBundle())}`.padEnd(2_000, " ") + "{";
    expect(errorsOf(parseBundleText(text, { maxBytes: 1_000 }))).toEqual([
      {
        entryIndex: null,
        entryRef: null,
        path: "",
        message:
          "The bundle is 2 kB, over the 1 kB limit, so it was not read. Send one patient's record per bundle.",
      },
    ]);
  });

  it("counts the limit in UTF-8 bytes, not characters", () => {
    const text = JSON.stringify({ ...tinyBundle(), note: "é".repeat(600) });
    const bytes = new TextEncoder().encode(text).length;
    expect(bytes).toBe(text.length + 600);
    expect(parseBundleText(text, { maxBytes: bytes - 1 }).ok).toBe(false);
    expect(parseBundleText(text, { maxBytes: bytes }).ok).toBe(true);
  });
});

describe.skipIf(!syntheaDir)(
  `the Synthea sample bundles${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    const files = syntheaBundleFiles();
    const sample = files[0] as string;
    const sampleBundle = (): Bundle => JSON.parse(readSyntheaBundle(sample)) as Bundle;
    const indexOf = (bundle: Bundle, type: string) =>
      bundle.entry.findIndex((entry) => entry.resource.resourceType === type);

    it("accepts all 60 patient bundles, each with exactly one patient", () => {
      expect(files).toHaveLength(60);
      for (const file of files) {
        const result = parseBundleText(readSyntheaBundle(file));
        if (!result.ok)
          throw new Error(`${file}: ${result.errors.map(describeBundleError).join("; ")}`);
        expect(result.kind).toBe("patient");
        expect(result.bundle.entry[result.patientIndex as number]!.resource.resourceType).toBe(
          "Patient",
        );
      }
    });

    it("accepts the Organization and Practitioner lists as directory bundles", () => {
      const directories = readSyntheaDirectoryBundles();
      expect(directories).toHaveLength(2);
      for (const { text } of directories) {
        expect(parseBundleText(text)).toMatchObject({
          ok: true,
          kind: "directory",
          patientIndex: null,
        });
      }
    });

    it("names the entry whose resourceType was dropped", () => {
      const bundle = sampleBundle();
      const index = indexOf(bundle, "Condition");
      delete (bundle.entry[index]!.resource as Json).resourceType;
      expect(errorsOf(parseBundleText(JSON.stringify(bundle)))).toEqual([
        {
          entryIndex: index,
          entryRef: bundle.entry[index]!.fullUrl,
          path: `entry[${index}].resource.resourceType`,
          message: "is missing: the resource does not say what it is",
        },
      ]);
    });

    it("names the entry of a resource type Consentry does not ingest", () => {
      const bundle = sampleBundle();
      const index = indexOf(bundle, "Immunization");
      bundle.entry[index]!.resource.resourceType = "Medication";
      expect(errorsOf(parseBundleText(JSON.stringify(bundle)))).toEqual([
        expect.objectContaining({
          entryIndex: index,
          entryRef: bundle.entry[index]!.fullUrl,
          path: `entry[${index}].resource.resourceType`,
          message: expect.stringMatching(/^"Medication" is not a resource type Consentry ingests/),
        }),
      ]);
    });

    it("names the entry with a reference to nothing in the bundle", () => {
      const bundle = sampleBundle();
      const index = indexOf(bundle, "Observation");
      const missing = "urn:uuid:00000000-0000-4000-8000-000000000000";
      bundle.entry[index]!.resource.encounter = { reference: missing };
      expect(errorsOf(parseBundleText(JSON.stringify(bundle)))).toEqual([
        {
          entryIndex: index,
          entryRef: bundle.entry[index]!.fullUrl,
          path: `entry[${index}].resource.encounter.reference`,
          message: `"${missing}" names no entry in this bundle`,
        },
      ]);
    });

    it("says where a real bundle's malformed JSON breaks", () => {
      const text = readSyntheaBundle(sample);
      const cut = text.indexOf('"resourceType": "Condition"');
      const broken = `${text.slice(0, cut)}${text.slice(cut + 1)}`; // drop a quote
      const line = text.slice(0, cut).split("\n").length;
      expect(errorsOf(parseBundleText(broken))[0]!.message).toMatch(
        new RegExp(`^The file is not valid JSON: at line ${line}, column \\d+ `),
      );
    });

    it("refuses a bundle ten times over the size limit before parsing it", () => {
      const bundle = sampleBundle();
      const copies: Entry[] = [];
      let size = 0;
      const unit = JSON.stringify(bundle.entry).length;
      for (let i = 0; size < 10 * defaultBundleLimits.maxBytes; i += 1) {
        copies.push(...bundle.entry);
        size += unit;
      }
      const text = JSON.stringify({ ...bundle, entry: copies });
      expect(text.length).toBeGreaterThan(10 * defaultBundleLimits.maxBytes);
      const started = performance.now();
      const errors = errorsOf(parseBundleText(`${text}!`)); // malformed too: the size comes first
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(
        /^The bundle is 5\d\.\d MB, over the 5 MB limit, so it was not read\./,
      );
    });

    it("names the second Patient of a bundle with two", () => {
      const bundle = sampleBundle();
      const patient = bundle.entry[indexOf(bundle, "Patient")]!;
      const twin: Entry = {
        fullUrl: "urn:uuid:0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
        resource: { ...patient.resource, id: "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f" },
      };
      bundle.entry.push(twin);
      const index = bundle.entry.length - 1;
      expect(errorsOf(parseBundleText(JSON.stringify(bundle)))).toEqual([
        {
          entryIndex: index,
          entryRef: twin.fullUrl,
          path: `entry[${index}].resource`,
          message: `is a second Patient (the first is entry ${indexOf(bundle, "Patient")}); a bundle must carry exactly one patient's record`,
        },
      ]);
    });
  },
);
