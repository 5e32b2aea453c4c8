import { describe, expect, it } from "vitest";
import { keepExtension } from "./extensions.ts";

describe("keepExtension", () => {
  it("keeps an allowed extension's allowed value only", () => {
    expect(
      keepExtension({
        url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
        valueCode: "F",
        valueString: "female, born at home on Elm St",
      }),
    ).toEqual({
      url: "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
      valueCode: "F",
    });
  });

  it("drops what is not on the list, however harmless it looks", () => {
    expect(
      keepExtension({
        url: "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
        valueString: "Smith",
      }),
    ).toBeNull();
    expect(
      keepExtension({
        url: "http://hl7.org/fhir/StructureDefinition/geolocation",
        extension: [{ url: "latitude", valueDecimal: 42.53 }],
      }),
    ).toBeNull();
    expect(keepExtension({ valueCode: "F" })).toBeNull();
  });

  it("filters nested extensions by their own rules, and drops a parent left empty", () => {
    const race = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
    expect(
      keepExtension({ url: race, extension: [{ url: "text", valueString: "White" }] }),
    ).toBeNull();
  });

  it("passes kept values through the caller's cleaning, which may drop them", () => {
    expect(
      keepExtension(
        {
          url: "http://synthetichealth.github.io/synthea/quality-adjusted-life-years",
          valueDecimal: 63.6,
        },
        () => undefined,
      ),
    ).toBeNull();
  });
});
