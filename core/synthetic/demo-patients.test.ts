import { keccak256, toHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { demoPatientKey, demoPatientsPerCustodian } from "./demo-patients.ts";

describe("demoPatientKey", () => {
  it("is the published derivation, so anyone can recreate a demo patient's key", () => {
    expect(demoPatientKey("st-marys", 1)).toBe(
      keccak256(toHex("consentry demo patient st-marys 1")),
    );
  });

  it("gives every demo patient of every custodian an account of its own", () => {
    const accounts = ["st-marys", "northfield"].flatMap((slug) =>
      Array.from({ length: demoPatientsPerCustodian }, (_, offset) =>
        privateKeyToAddress(demoPatientKey(slug, offset + 1)),
      ),
    );
    expect(new Set(accounts).size).toBe(2 * demoPatientsPerCustodian);
  });

  it("refuses a patient number outside the seeded population", () => {
    expect(() => demoPatientKey("st-marys", 0)).toThrow(RangeError);
    expect(() => demoPatientKey("st-marys", demoPatientsPerCustodian + 1)).toThrow(RangeError);
  });
});
