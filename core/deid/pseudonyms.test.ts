import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dateShiftDaysFor, maxDateShiftDays, pseudonymFor, pseudonymousUid } from "./pseudonyms.ts";

const key = new Uint8Array(32).fill(1);

describe("pseudonymFor", () => {
  it("is HMAC-SHA256 of the source id under the key, in hex", () => {
    expect(pseudonymFor(key, "abc")).toBe(createHmac("sha256", key).update("abc").digest("hex"));
    expect(pseudonymFor(key, "abc")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("differs between keys and between ids", () => {
    expect(pseudonymFor(key, "abc")).not.toBe(pseudonymFor(new Uint8Array(32).fill(2), "abc"));
    expect(pseudonymFor(key, "abc")).not.toBe(pseudonymFor(key, "abd"));
  });
});

describe("dateShiftDaysFor", () => {
  it("spreads patients over ±180 days, both ways, never 0", () => {
    const shifts = Array.from({ length: 20_000 }, (_, i) => dateShiftDaysFor(key, `patient-${i}`));
    expect(Math.min(...shifts)).toBe(-maxDateShiftDays);
    expect(Math.max(...shifts)).toBe(maxDateShiftDays);
    expect(shifts).not.toContain(0);
    const negative = shifts.filter((shift) => shift < 0).length;
    expect(negative / shifts.length).toBeGreaterThan(0.45);
    expect(negative / shifts.length).toBeLessThan(0.55);
    expect(new Set(shifts).size).toBe(2 * maxDateShiftDays);
  });

  it("gives one patient the same shift every time", () => {
    expect(dateShiftDaysFor(key, "p")).toBe(dateShiftDaysFor(key, "p"));
  });
});

describe("pseudonymousUid", () => {
  it("replaces a DICOM UID by a valid 2.25 UID of at most 64 characters", () => {
    const uid = pseudonymousUid(key, "1.2.840.99999999.1.82637698.1559319198567");
    expect(uid).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(uid.length).toBeLessThanOrEqual(64);
    expect(uid).toBe(pseudonymousUid(key, "1.2.840.99999999.1.82637698.1559319198567"));
  });
});
