import { describe, expect, it } from "vitest";
import { restrictedZip3Prefixes, zip3Of } from "./zip.ts";

describe("zip3Of", () => {
  it("keeps the first three digits of a US ZIP code", () => {
    expect(zip3Of("01940")).toBe("019");
    expect(zip3Of("01940-1234", "US")).toBe("019");
    expect(zip3Of(" 02108 ", "United States")).toBe("021");
  });

  it("writes 000 for each of the 17 prefixes whose area has 20,000 people or fewer", () => {
    expect(restrictedZip3Prefixes.size).toBe(17);
    for (const prefix of restrictedZip3Prefixes) expect(zip3Of(`${prefix}42`)).toBe("000");
    expect(zip3Of("03601")).toBe("000"); // 036, New Hampshire
    expect(zip3Of("89301")).toBe("000"); // 893, Nevada
  });

  it("reads a four-digit code as a ZIP that lost its leading zero", () => {
    expect(zip3Of("2649")).toBe("026");
    expect(zip3Of("3601")).toBe("000");
  });

  it("keeps nothing of a code it cannot read as a US ZIP", () => {
    expect(zip3Of(undefined)).toBeNull();
    expect(zip3Of("SW1A 1AA", "GB")).toBeNull();
    expect(zip3Of("75001", "France")).toBeNull();
    expect(zip3Of("01")).toBeNull();
  });
});
