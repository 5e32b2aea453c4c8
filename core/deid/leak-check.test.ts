import { describe, expect, it } from "vitest";
import type { DeidentifiedPatient } from "#core/custody/patient.ts";
import { collectSourceIdentifiers, containsToken, findLeakedIdentifiers } from "./leak-check.ts";

describe("containsToken", () => {
  it("matches whole tokens only", () => {
    expect(containsToken("seen by koepp today", "koepp")).toBe(true);
    expect(containsToken("seen by koeppel today", "koepp")).toBe(false);
    expect(containsToken("ordóñez", "ordóñez")).toBe(true);
    expect(containsToken("xordóñez", "ordóñez")).toBe(false);
  });

  it("does not find a number inside a longer decimal", () => {
    expect(containsToken('"value":0.199999999999', "99999999999")).toBe(false);
    expect(containsToken('"value":42.534202', "534202")).toBe(false);
    expect(containsToken('"value":42.534202,', "42.534202")).toBe(true);
  });

  it("matches honorifics with their dot", () => {
    expect(containsToken("dear mr. koepp", "mr.")).toBe(true);
    expect(containsToken("hmr.", "mr.")).toBe(false);
  });
});

const bundle = {
  entry: [
    {
      fullUrl: "urn:uuid:11111111-1111-4111-8111-111111111111",
      resource: {
        resourceType: "Patient",
        id: "11111111-1111-4111-8111-111111111111",
        name: [{ family: "Parkinson", given: ["Al", "James"] }],
        birthDate: "1970-04-02",
      },
    },
    {
      resource: {
        resourceType: "Condition",
        id: "c1",
        code: {
          coding: [
            { system: "http://snomed.info/sct", code: "49049000", display: "Parkinson's disease" },
          ],
        },
        onsetDateTime: "2010-05-02T10:00:00+00:00",
      },
    },
  ],
};

const record = (text: string, dateShiftDays = 30): DeidentifiedPatient => ({
  pseudoId: "f".repeat(64),
  sex: "male",
  ageBand: "55-59",
  zip3: null,
  dateShiftDays,
  resources: [
    {
      resourceId: "e".repeat(64),
      resourceType: "Condition",
      codes: [],
      resource: { code: { text } },
    },
  ],
});

describe("findLeakedIdentifiers", () => {
  it("skips name parts shorter than three letters", () => {
    expect([...collectSourceIdentifiers(bundle).name].sort()).toEqual(["James", "Parkinson"]);
  });

  it("does not count a name the kept terminology also uses, and says so", () => {
    expect(findLeakedIdentifiers(bundle, record("Parkinson's disease"))).toEqual({
      leaks: [],
      exempted: ["Parkinson"],
    });
    expect(findLeakedIdentifiers(bundle, record("JAMES")).leaks).toEqual([
      { category: "name", value: "James" },
    ]);
  });

  it("reports a true date, but not one that is the shifted image of another true date", () => {
    const born = (birthDate: string) => ({
      entry: [{ resource: { ...bundle.entry[0]!.resource, birthDate } }, bundle.entry[1]!],
    });
    expect(findLeakedIdentifiers(bundle, record("2010-05-02")).leaks).toEqual([
      { category: "date", value: "2010-05-02" },
    ]);
    // Born 2010-04-02 and shifted by 30 days, the birth date reads 2010-05-02: the onset's true date.
    expect(findLeakedIdentifiers(born("2010-04-02"), record("2010-05-02", 30)).leaks).toEqual([]);
    expect(findLeakedIdentifiers(born("2010-04-02"), record("2010-04-02", 30)).leaks).toEqual([
      { category: "date", value: "2010-04-02" },
    ]);
  });
});
