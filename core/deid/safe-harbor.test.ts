import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DeidentifiedPatient } from "#core/custody/patient.ts";
import { ServiceError } from "#core/errors.ts";
import type { ValidBundle } from "#core/fhir/bundle.ts";
import {
  readSyntheaBundle,
  readSyntheaDirectoryBundles,
  syntheaBundleFiles,
  syntheaDir,
  syntheaMissingReason,
} from "#core/fhir/synthea.fixtures.ts";
import { parseBundleText, validateBundle } from "#core/fhir/validate.ts";
import { pseudonymFor } from "./pseudonyms.ts";
import { ageBandOf, deidentifyBundle } from "./safe-harbor.ts";

const secrets = {
  pseudonymKey: new Uint8Array(32).fill(0x11),
  dateShiftKey: new Uint8Array(32).fill(0x22),
};
const today = new Date("2026-11-25T00:00:00Z");

type Json = Record<string, unknown>;

function valid(json: unknown): ValidBundle {
  const result = validateBundle(json);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.bundle;
}

const patientUrl = "urn:uuid:11111111-1111-4111-8111-111111111111";
const practitionerUrl = "urn:uuid:22222222-2222-4222-8222-222222222222";
const conditionUrl = "urn:uuid:33333333-3333-4333-8333-333333333333";

/** A hand-made patient bundle carrying one of everything Safe Harbor must deal with. */
function bundleWith(patient: Json = {}, extraEntries: Json[] = []): ValidBundle {
  return valid({
    resourceType: "Bundle",
    type: "collection",
    entry: [
      {
        fullUrl: patientUrl,
        resource: {
          resourceType: "Patient",
          id: "11111111-1111-4111-8111-111111111111",
          text: { status: "generated", div: "<div>Jane Roe, 1 Elm St</div>" },
          extension: [
            {
              url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
              extension: [
                {
                  url: "ombCategory",
                  valueCoding: {
                    system: "urn:oid:2.16.840.1.113883.6.238",
                    code: "2106-3",
                    display: "White",
                  },
                },
                { url: "text", valueString: "White, member of the Roe family" },
              ],
            },
            {
              url: "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
              valueString: "Ann Smith",
            },
            {
              url: "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
              valueAddress: { city: "Holyoke", state: "Massachusetts", country: "US" },
            },
            { url: "http://example.org/favourite-colour", valueString: "green" },
          ],
          identifier: [{ system: "http://hl7.org/fhir/sid/us-ssn", value: "999-12-3456" }],
          name: [{ family: "Roe", given: ["Jane"], prefix: ["Ms."] }],
          telecom: [{ system: "email", value: "jane@example.org" }],
          gender: "female",
          birthDate: "1970-04-02",
          address: [
            {
              line: ["1 Elm St"],
              city: "Springfield",
              state: "MA",
              postalCode: "01103",
              country: "US",
            },
          ],
          photo: [{ contentType: "image/jpeg", data: "aGVsbG8=" }],
          ...patient,
        },
      },
      {
        fullUrl: practitionerUrl,
        resource: {
          resourceType: "Practitioner",
          id: "22222222-2222-4222-8222-222222222222",
          identifier: [{ system: "http://hl7.org/fhir/sid/us-npi", value: "1234567890" }],
          name: [{ family: "Who", given: ["Doctor"] }],
          address: [{ line: ["2 Oak Rd"], city: "Boston", postalCode: "02108" }],
        },
      },
      {
        fullUrl: conditionUrl,
        resource: {
          resourceType: "Condition",
          id: "33333333-3333-4333-8333-333333333333",
          code: {
            coding: [
              {
                system: "http://snomed.info/sct",
                code: "44054006",
                display: "Diabetes mellitus type 2",
              },
            ],
          },
          subject: { reference: patientUrl, display: "Jane Roe" },
          asserter: { reference: practitionerUrl, display: "Dr Doctor Who" },
          recorder: { reference: "https://other.example.org/fhir/Practitioner/77" },
          onsetDateTime: "2015-03-01T08:00:00+00:00",
          abatementAge: {
            value: 92,
            unit: "years",
            system: "http://unitsofmeasure.org",
            code: "a",
          },
          note: [{ text: "Jane's sister Ann also has it" }],
          extension: [{ url: "http://example.org/clinic-room", valueString: "Room 12" }],
        },
      },
      ...extraEntries,
    ],
  });
}

function resourceOf(record: DeidentifiedPatient, type: string): Json {
  const found = record.resources.find((resource) => resource.resourceType === type);
  if (!found) throw new Error(`no ${type} in the record`);
  return found.resource;
}

describe("deidentifyBundle", () => {
  it("names the patient by the HMAC of the source patient id, never the id itself", () => {
    const record = deidentifyBundle(bundleWith(), secrets, { today });
    const expected = createHmac("sha256", secrets.pseudonymKey)
      .update("11111111-1111-4111-8111-111111111111")
      .digest("hex");
    expect(record.pseudoId).toBe(expected);
    expect(resourceOf(record, "Patient").id).toBe(expected);
    expect(JSON.stringify(record)).not.toContain("11111111-1111-4111-8111-111111111111");
  });

  it("keeps sex, age band, state and ZIP3, and nothing else of who the patient is", () => {
    const record = deidentifyBundle(bundleWith(), secrets, { today });
    expect(record).toMatchObject({ sex: "female", ageBand: "55-59", zip3: "011" });
    const patient = resourceOf(record, "Patient");
    expect(Object.keys(patient)).toEqual([
      "resourceType",
      "id",
      "extension",
      "gender",
      "birthDate",
      "address",
    ]);
    expect(patient.address).toEqual([{ state: "MA", country: "US" }]);
  });

  it("keeps extensions by an allow-list: race codes stay, the maiden name, birthplace, race free text and unknown ones go", () => {
    const record = deidentifyBundle(bundleWith(), secrets, { today });
    expect(resourceOf(record, "Patient").extension).toEqual([
      {
        url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
        extension: [
          {
            url: "ombCategory",
            valueCoding: {
              system: "urn:oid:2.16.840.1.113883.6.238",
              code: "2106-3",
              display: "White",
            },
          },
        ],
      },
    ]);
    expect(resourceOf(record, "Condition").extension).toBeUndefined();
  });

  it("drops free text, notes and identifying displays but keeps codes and clinical wording", () => {
    const record = deidentifyBundle(bundleWith(), secrets, { today });
    const condition = resourceOf(record, "Condition");
    expect(condition.note).toBeUndefined();
    expect(condition.code).toEqual({
      coding: [
        { system: "http://snomed.info/sct", code: "44054006", display: "Diabetes mellitus type 2" },
      ],
    });
    expect(condition.subject).toEqual({ reference: `Patient/${record.pseudoId}` });
    const serialised = JSON.stringify(record);
    for (const identifying of ["Jane", "Roe", "Ann", "Smith", "Elm", "Springfield", "Holyoke"]) {
      expect(serialised).not.toContain(identifying);
    }
  });

  it("turns a practitioner into an opaque pseudonym and drops references to other servers", () => {
    const record = deidentifyBundle(bundleWith(), secrets, { today });
    const practitionerId = createHmac("sha256", secrets.pseudonymKey)
      .update("22222222-2222-4222-8222-222222222222")
      .digest("hex");
    const condition = resourceOf(record, "Condition");
    expect(condition.asserter).toEqual({ reference: `Practitioner/${practitionerId}` });
    expect(condition.recorder).toBeUndefined();
    expect(resourceOf(record, "Practitioner")).toEqual({
      resourceType: "Practitioner",
      id: practitionerId,
    });
  });

  it("drops an age over 89 wherever it is recorded", () => {
    const record = deidentifyBundle(bundleWith(), secrets, { today });
    expect(resourceOf(record, "Condition").abatementAge).toBeUndefined();
  });

  it("masks an observation of the patient's age when it is over 89", () => {
    const ageObservation = (id: string, value: Json) => ({
      fullUrl: `urn:uuid:${id}`,
      resource: {
        resourceType: "Observation",
        id,
        status: "final",
        code: { coding: [{ system: "http://loinc.org", code: "30525-0", display: "Age" }] },
        subject: { reference: patientUrl },
        ...value,
      },
    });
    const record = deidentifyBundle(
      bundleWith({}, [
        ageObservation("88888888-8888-4888-8888-888888888881", { valueInteger: 93 }),
        ageObservation("88888888-8888-4888-8888-888888888882", {
          valueQuantity: { value: 91, unit: "a", system: "http://unitsofmeasure.org", code: "a" },
        }),
        ageObservation("88888888-8888-4888-8888-888888888883", { valueInteger: 56 }),
      ]),
      secrets,
      { today },
    );
    const values = record.resources
      .filter((resource) => resource.resourceType === "Observation")
      .map(({ resource }) => resource.valueInteger ?? resource.dataAbsentReason);
    expect(values).toEqual([
      expect.objectContaining({ coding: [expect.objectContaining({ code: "masked" })] }),
      expect.objectContaining({ coding: [expect.objectContaining({ code: "masked" })] }),
      56,
    ]);
  });

  it("groups every age over 89 as 90+ and drops the birth date, year included", () => {
    const record = deidentifyBundle(bundleWith({ birthDate: "1936-10-06" }), secrets, {
      today: new Date("2026-10-06T00:00:00Z"),
    });
    expect(record.ageBand).toBe("90+");
    expect(resourceOf(record, "Patient").birthDate).toBeUndefined();
    expect(JSON.stringify(record)).not.toMatch(/1936/);

    const day89 = deidentifyBundle(bundleWith({ birthDate: "1936-10-06" }), secrets, {
      today: new Date("2026-10-05T00:00:00Z"),
    });
    expect(day89.ageBand).toBe("85-89");
    expect(resourceOf(day89, "Patient").birthDate).toMatch(/^193[67]-\d{2}-\d{2}$/);
  });

  it("leaves out, for a patient over 89, what was recorded more than 90 years ago", () => {
    const childhood = {
      fullUrl: "urn:uuid:66666666-6666-4666-8666-666666666666",
      resource: {
        resourceType: "Encounter",
        id: "66666666-6666-4666-8666-666666666666",
        subject: { reference: patientUrl },
        period: { start: "1931-06-01T10:00:00+00:00" },
      },
    };
    const later = {
      fullUrl: "urn:uuid:77777777-7777-4777-8777-777777777777",
      resource: {
        resourceType: "Procedure",
        id: "77777777-7777-4777-8777-777777777777",
        code: { coding: [{ system: "http://snomed.info/sct", code: "73761001" }] },
        subject: { reference: patientUrl },
        encounter: { reference: childhood.fullUrl },
        performedDateTime: "2001-06-01T10:00:00+00:00",
      },
    };
    const record = deidentifyBundle(
      bundleWith({ birthDate: "1930-04-02" }, [childhood, later]),
      secrets,
      { today },
    );
    expect(record.ageBand).toBe("90+");
    expect(record.resources.map((resource) => resource.resourceType)).toEqual([
      "Patient",
      "Practitioner",
      "Condition",
      "Procedure",
    ]);
    expect(resourceOf(record, "Procedure").encounter).toBeUndefined();
    expect(resourceOf(record, "Procedure").performedDateTime).toMatch(/^200[01]-/);
  });

  it("counts a dead patient's age at death", () => {
    const record = deidentifyBundle(
      bundleWith({ birthDate: "1913-01-13", deceasedDateTime: "1998-11-24T05:19:57+00:00" }),
      secrets,
      { today },
    );
    expect(record.ageBand).toBe("85-89");
    expect(resourceOf(record, "Patient").deceasedDateTime).not.toBe("1998-11-24T05:19:57+00:00");
  });

  it("writes 000 for a ZIP whose three-digit area has 20,000 people or fewer", () => {
    const restricted = (postalCode: string) =>
      deidentifyBundle(
        bundleWith({ address: [{ state: "NH", postalCode, country: "US" }] }),
        secrets,
        { today },
      ).zip3;
    expect(restricted("03601")).toBe("000");
    expect(restricted("82301-1234")).toBe("000");
    expect(restricted("03101")).toBe("031");
  });

  it("gives byte-identical output for the same bundle and keys", () => {
    const first = JSON.stringify(deidentifyBundle(bundleWith(), secrets, { today }));
    const second = JSON.stringify(deidentifyBundle(bundleWith(), secrets, { today }));
    expect(second).toBe(first);
  });

  it("gives different ids throughout under another pseudonym key, and the same date shift", () => {
    const one = deidentifyBundle(bundleWith(), secrets, { today });
    const other = deidentifyBundle(
      bundleWith(),
      { ...secrets, pseudonymKey: new Uint8Array(32).fill(0x33) },
      { today },
    );
    expect(other.pseudoId).not.toBe(one.pseudoId);
    const ids = new Set(one.resources.map((resource) => resource.resourceId));
    expect(other.resources.filter((resource) => ids.has(resource.resourceId))).toEqual([]);
    expect(other.dateShiftDays).toBe(one.dateShiftDays);
  });

  it("shifts dates by another amount under another date-shift key", () => {
    const shifts = new Set(
      [0x22, 0x44, 0x55, 0x66, 0x77].map(
        (fill) =>
          deidentifyBundle(
            bundleWith(),
            { ...secrets, dateShiftKey: new Uint8Array(32).fill(fill) },
            { today },
          ).dateShiftDays,
      ),
    );
    expect(shifts.size).toBeGreaterThan(1);
  });

  it("links a resource to the codes of the condition it refers to", () => {
    const procedure = {
      fullUrl: "urn:uuid:44444444-4444-4444-8444-444444444444",
      resource: {
        resourceType: "Procedure",
        id: "44444444-4444-4444-8444-444444444444",
        code: { coding: [{ system: "http://snomed.info/sct", code: "73761001" }] },
        subject: { reference: patientUrl },
        reasonReference: [{ reference: conditionUrl, display: "Diabetes" }],
      },
    };
    const record = deidentifyBundle(bundleWith({}, [procedure]), secrets, { today });
    const found = record.resources.find((resource) => resource.resourceType === "Procedure")!;
    expect(found.codes).toEqual([
      "http://snomed.info/sct|44054006",
      "http://snomed.info/sct|73761001",
    ]);
    expect(found.resource.reasonReference).toEqual([
      {
        reference: `Condition/${record.resources[2]!.resourceId}`,
        display: "Diabetes",
      },
    ]);
  });

  it("masks an observation whose value was free text, rather than dropping that it had one", () => {
    const observation = {
      fullUrl: "urn:uuid:55555555-5555-4555-8555-555555555555",
      resource: {
        resourceType: "Observation",
        id: "55555555-5555-4555-8555-555555555555",
        status: "final",
        code: { coding: [{ system: "http://loinc.org", code: "71802-3" }] },
        subject: { reference: patientUrl },
        valueString: "Lives with Ann at 1 Elm St",
      },
    };
    const record = deidentifyBundle(bundleWith({}, [observation]), secrets, { today });
    const found = resourceOf(record, "Observation");
    expect(found.valueString).toBeUndefined();
    expect(found.dataAbsentReason).toMatchObject({ coding: [{ code: "masked" }] });
  });

  it("refuses a directory bundle: there is no patient to de-identify", () => {
    const directory = valid({
      resourceType: "Bundle",
      type: "transaction",
      entry: [{ resource: { resourceType: "Organization", id: "org-1" } }],
    });
    expect(() => deidentifyBundle(directory, secrets, { today })).toThrow(ServiceError);
  });

  it("refuses short keys, and one key used for both pseudonyms and date shifts", () => {
    const key = new Uint8Array(32).fill(9);
    expect(() =>
      deidentifyBundle(bundleWith(), { pseudonymKey: key, dateShiftKey: key }, { today }),
    ).toThrow(/must differ/);
    expect(() =>
      deidentifyBundle(
        bundleWith(),
        { pseudonymKey: new Uint8Array(16), dateShiftKey: new Uint8Array(32) },
        { today },
      ),
    ).toThrow(/at least 32 bytes/);
  });
});

describe("ageBandOf", () => {
  it("draws five-year bands and groups everything over 89", () => {
    expect([0, 4, 5, 44, 89, 90, 104].map(ageBandOf)).toEqual([
      "0-4",
      "0-4",
      "5-9",
      "40-44",
      "85-89",
      "90+",
      "90+",
    ]);
  });
});

describe.skipIf(!syntheaDir)(
  `de-identifying the Synthea sample${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    const files = syntheaBundleFiles();
    const load = (file: string): ValidBundle => {
      const result = parseBundleText(readSyntheaBundle(file));
      if (!result.ok) throw new Error(file);
      return result.bundle;
    };

    /** Every (path, value) of a date in a resource, by the same walk for source and output. */
    const datesOf = (value: unknown, path = "", found = new Map<string, string>()) => {
      if (Array.isArray(value)) value.forEach((item, i) => datesOf(item, `${path}[${i}]`, found));
      else if (typeof value === "object" && value !== null) {
        for (const [key, child] of Object.entries(value)) datesOf(child, `${path}.${key}`, found);
      } else if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value)) {
        found.set(path, value);
      }
      return found;
    };

    it("moves every date of every resource by the patient's shift, so every interval is kept", () => {
      let compared = 0;
      for (const file of files) {
        const bundle = load(file);
        const record = deidentifyBundle(bundle, secrets, { today });
        const shiftMs = record.dateShiftDays * 86_400_000;
        const sourceById = new Map(
          bundle.entry.map((entry) => [
            pseudonymFor(secrets.pseudonymKey, entry.resource.id as string),
            entry.resource,
          ]),
        );
        record.resources.forEach((output) => {
          const source = datesOf(sourceById.get(output.resourceId));
          for (const [path, value] of datesOf(output.resource)) {
            const original = source.get(path);
            expect(original, `${file} ${path}`).toBeDefined();
            expect(Date.parse(value) - Date.parse(original as string)).toBe(shiftMs);
            compared += 1;
          }
        });
      }
      expect(compared).toBeGreaterThan(30_000);
    });

    it("keeps the time between a patient's first and last encounter to the second", () => {
      for (const file of files.slice(0, 10)) {
        const bundle = load(file);
        const record = deidentifyBundle(bundle, secrets, { today });
        const span = (starts: string[]) => {
          const times = starts.map((start) => Date.parse(start)).sort((a, b) => a - b);
          return (times.at(-1) as number) - (times[0] as number);
        };
        const sourceStarts = bundle.entry
          .filter((entry) => entry.resource.resourceType === "Encounter")
          .map((entry) => (entry.resource.period as { start: string }).start);
        const outputStarts = record.resources
          .filter((resource) => resource.resourceType === "Encounter")
          .map((resource) => (resource.resource.period as { start: string }).start);
        expect(span(outputStarts)).toBe(span(sourceStarts));
        expect(outputStarts[0]).not.toBe(sourceStarts[0]);
      }
    });

    it("groups the one living patient born in 1936 as 90+ once they turn 90", () => {
      const ages = files.map((file) => deidentifyBundle(load(file), secrets, { today }).ageBand);
      expect(ages.filter((band) => band === "90+")).toHaveLength(1);
      const earlier = files.map(
        (file) =>
          deidentifyBundle(load(file), secrets, { today: new Date("2026-01-01T00:00:00Z") })
            .ageBand,
      );
      expect(earlier.filter((band) => band === "90+")).toHaveLength(0);
    });

    it("keeps nothing of the 90+ patient dated more than 90 years before today", () => {
      const file = files.find((name) => name.startsWith("Oswaldo_Armstrong")) as string;
      const bundle = load(file);
      const record = deidentifyBundle(bundle, secrets, { today });
      expect(record.ageBand).toBe("90+");
      const cutoff = Date.parse("1936-11-25T00:00:00Z");
      const shiftMs = record.dateShiftDays * 86_400_000;
      const trueDates = record.resources.flatMap((resource) =>
        [...datesOf(resource.resource).values()].map((date) => Date.parse(date) - shiftMs),
      );
      expect(Math.min(...trueDates)).toBeGreaterThanOrEqual(cutoff);
      expect(record.resources.length).toBeLessThan(bundle.entry.length);
    });

    it("produces records that are still valid FHIR, with every reference resolving", () => {
      for (const file of files.slice(0, 5)) {
        const record = deidentifyBundle(load(file), secrets, { today });
        const result = validateBundle({
          resourceType: "Bundle",
          type: "collection",
          entry: record.resources.map((resource) => ({ resource: resource.resource })),
        });
        expect(result.ok ? [] : result.errors).toEqual([]);
      }
    });

    it("accepts the directory bundles but has no patient to de-identify in them", () => {
      for (const { text } of readSyntheaDirectoryBundles()) {
        const result = parseBundleText(text);
        if (!result.ok) throw new Error("directory bundle refused");
        expect(() => deidentifyBundle(result.bundle, secrets, { today })).toThrow(
          /holds no patient/,
        );
      }
    });
  },
);
