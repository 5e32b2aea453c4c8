import { describe, expect, it } from "vitest";
import { isJobName, jobCatalogue, retryDelayMs } from "./jobs.ts";

describe("retryDelayMs", () => {
  it("doubles from the base delay with each attempt", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, 1000, 60_000))).toEqual([
      1000, 2000, 4000, 8000, 16_000,
    ]);
  });

  it("never waits longer than the ceiling", () => {
    expect(retryDelayMs(6, 1000, 30_000)).toBe(30_000);
    expect(retryDelayMs(7, 1000, 60_000)).toBe(60_000);
    expect(retryDelayMs(1_000, 1000, 60_000)).toBe(60_000);
    expect(retryDelayMs(Number.MAX_SAFE_INTEGER, 1000, 60_000)).toBe(60_000);
  });

  it("waits the base delay for an attempt number below one", () => {
    expect(retryDelayMs(0, 250, 60_000)).toBe(250);
    expect(retryDelayMs(-3, 250, 60_000)).toBe(250);
  });
});

describe("jobCatalogue", () => {
  it("knows offer.register and nothing inherited from Object", () => {
    expect(isJobName("offer.register")).toBe(true);
    expect(isJobName("offer.unknown")).toBe(false);
    expect(isJobName("toString")).toBe(false);
  });

  it("wants an offer.register payload to carry a uuid offer id", () => {
    const schema = jobCatalogue["offer.register"];
    expect(schema.safeParse({ offerId: crypto.randomUUID() }).success).toBe(true);
    expect(schema.safeParse({ offerId: "42" }).success).toBe(false);
    expect(schema.safeParse({}).success).toBe(false);
  });

  it("wants a custody.commit-records payload to carry a uuid custodian id, and nothing else", () => {
    const schema = jobCatalogue["custody.commit-records"];
    const custodianId = crypto.randomUUID();
    expect(schema.safeParse({ custodianId }).success).toBe(true);
    expect(schema.parse({ custodianId, records: [1, 2] })).toEqual({ custodianId });
    expect(schema.safeParse({ custodianId: "st-marys" }).success).toBe(false);
  });
});
