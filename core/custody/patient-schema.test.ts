import { describe, expect, it } from "vitest";
import { ServiceError } from "#core/errors.ts";
import { parseDeidentifiedPatients } from "./patient-schema.ts";
import { syntheticPatient } from "./synthetic.ts";

function problemsOf(input: unknown[]): string {
  try {
    parseDeidentifiedPatients(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).status).toBe(400);
    return (error as Error).message;
  }
  throw new Error("expected the patients to be refused");
}

describe("parseDeidentifiedPatients", () => {
  it("accepts the synthetic generator's patients unchanged", () => {
    const patients = [syntheticPatient("a", 12), syntheticPatient("b", 0)];
    expect(parseDeidentifiedPatients(patients)).toEqual(patients);
  });

  it("names each bad field by patient and path", () => {
    const patient = syntheticPatient("a", 2);
    const message = problemsOf([
      patient,
      { ...patient, pseudoId: "P-1234", zip3: "02139", dateShiftDays: 1.5 },
    ]);
    expect(message).toMatch(/patient 1: pseudoId must be 64 lowercase hex characters/);
    expect(message).toMatch(/patient 1: zip3 must be three digits or null/);
    expect(message).toMatch(/patient 1: dateShiftDays must be a whole number of days/);
    expect(message).not.toMatch(/patient 0/);
  });

  it("refuses a resource that is not JSON, saying where", () => {
    const patient = syntheticPatient("a", 1);
    const notJson = structuredClone(patient);
    notJson.resources[0]!.resource = { valueQuantity: { value: Number.NaN }, issued: new Date(0) };
    expect(problemsOf([notJson])).toMatch(/resource\.valueQuantity\.value is NaN/);
  });

  it("refuses codes PostgreSQL cannot store, unknown resource types and repeated patients", () => {
    const patient = syntheticPatient("a", 1);
    const bad = structuredClone(patient);
    bad.resources[0]!.codes = ["http://loinc.org|\u0000"];
    (bad.resources[0] as { resourceType: string }).resourceType = "Media";
    const message = problemsOf([bad, patient, patient]);
    expect(message).toMatch(/resources\.0\.resourceType/);
    expect(message).toMatch(/codes\.0 must not contain a NUL character/);
    expect(message).toMatch(/patient 2: pseudoId repeats that of patient 1/);
  });
});
