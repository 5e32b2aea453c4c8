import { describe, expect, it } from "vitest";
import {
  isDateElement,
  isFhirInstant,
  parseFhirDateTime,
  shiftFhirDateTime,
  wholeYearsBetween,
} from "./datetime.ts";

describe("parseFhirDateTime", () => {
  it("reads every precision FHIR allows", () => {
    expect(parseFhirDateTime("1956")).toEqual({ year: 1956, month: null, day: null, rest: "" });
    expect(parseFhirDateTime("1956-08")).toEqual({ year: 1956, month: 8, day: null, rest: "" });
    expect(parseFhirDateTime("1956-08-03")).toEqual({ year: 1956, month: 8, day: 3, rest: "" });
    expect(parseFhirDateTime("1991-06-07T23:37:54+00:00")).toEqual({
      year: 1991,
      month: 6,
      day: 7,
      rest: "T23:37:54+00:00",
    });
  });

  it("refuses days the calendar does not have, and times without a zone", () => {
    expect(parseFhirDateTime("2021-02-29")).toBeNull();
    expect(parseFhirDateTime("2020-02-29")).not.toBeNull();
    expect(parseFhirDateTime("2020-04-31")).toBeNull();
    expect(parseFhirDateTime("2020-13-01")).toBeNull();
    expect(parseFhirDateTime("2020-01-01T10:00:00")).toBeNull();
    expect(parseFhirDateTime("03/08/1956")).toBeNull();
    expect(parseFhirDateTime("")).toBeNull();
  });

  it("tells an instant from a dateTime", () => {
    expect(isFhirInstant("2011-10-14T23:37:54.530+00:00")).toBe(true);
    expect(isFhirInstant("2011-10-14")).toBe(false);
  });
});

describe("isDateElement", () => {
  it("knows date elements by their FHIR names", () => {
    for (const name of ["birthDate", "onsetDateTime", "issued", "start", "end", "authoredOn"]) {
      expect(isDateElement(name)).toBe(true);
    }
    for (const name of ["postalCode", "code", "value", "display"]) {
      expect(isDateElement(name)).toBe(false);
    }
  });
});

describe("shiftFhirDateTime", () => {
  it("moves the date by whole days and keeps the time and zone as written", () => {
    expect(shiftFhirDateTime("1991-06-07T23:37:54+00:00", 30)).toBe("1991-07-07T23:37:54+00:00");
    expect(shiftFhirDateTime("2000-01-10", -15)).toBe("1999-12-26");
    expect(shiftFhirDateTime("2020-02-28", 1)).toBe("2020-02-29");
  });

  it("keeps the number of days between any two dates", () => {
    const a = "2012-11-25T23:37:54+00:00";
    const b = "2013-03-02T00:19:54-04:00";
    const days = (x: string, y: string) => (Date.parse(y) - Date.parse(x)) / 86_400_000;
    for (const shift of [-180, -97, -1, 1, 45, 180]) {
      const shiftedA = shiftFhirDateTime(a, shift) as string;
      const shiftedB = shiftFhirDateTime(b, shift) as string;
      expect(days(shiftedA, shiftedB)).toBe(days(a, b));
      expect(days(a, shiftedA)).toBe(shift);
    }
  });

  it("keeps a year-only date's year for any shift within 180 days", () => {
    for (const shift of [-180, -1, 1, 180]) expect(shiftFhirDateTime("1956", shift)).toBe("1956");
  });

  it("moves a year-and-month date with the middle of its month", () => {
    expect(shiftFhirDateTime("1956-08", 20)).toBe("1956-09");
    expect(shiftFhirDateTime("1956-08", -10)).toBe("1956-08");
  });

  it("returns null for text that is not a date", () => {
    expect(shiftFhirDateTime("01940", 3)).toBeNull();
  });
});

describe("wholeYearsBetween", () => {
  it("counts a birthday only once it is reached", () => {
    const born = parseFhirDateTime("1936-10-06")!;
    expect(wholeYearsBetween(born, new Date("2026-10-05T12:00:00Z"))).toBe(89);
    expect(wholeYearsBetween(born, new Date("2026-10-06T00:00:00Z"))).toBe(90);
  });

  it("takes the earliest day a partial birth date allows, erring towards the older age", () => {
    expect(wholeYearsBetween(parseFhirDateTime("1936")!, new Date("2026-01-01T00:00:00Z"))).toBe(
      90,
    );
  });
});
