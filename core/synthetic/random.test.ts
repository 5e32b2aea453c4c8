import { describe, expect, it } from "vitest";
import { createRandom } from "./random.ts";

describe("createRandom", () => {
  it("gives the same sequence for the same seed, and another for another seed", () => {
    const draw = (seed: string) => Array.from({ length: 5 }, createRandom(seed).next);
    expect(draw("a")).toEqual(draw("a"));
    expect(draw("a")).not.toEqual(draw("b"));
  });

  it("gives these numbers for this seed on every machine", () => {
    const random = createRandom("consentry");
    expect([random.int(0, 999), random.int(0, 999), random.int(0, 999)]).toEqual([183, 197, 915]);
    expect(createRandom("consentry").uuid()).toBe("2f0addc5-3292-464d-aa78-0bd4d0b8f31a");
  });

  it("draws uniform numbers in [0, 1) and integers within their bounds", () => {
    const random = createRandom("uniform");
    const values = Array.from({ length: 10_000 }, random.next);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeCloseTo(0.5, 1);
    const dice = new Set(Array.from({ length: 1_000 }, () => random.int(1, 6)));
    expect([...dice].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("draws roughly normal values with the asked mean and spread", () => {
    const random = createRandom("normal");
    const values = Array.from({ length: 20_000 }, () => random.normal(120, 10));
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const sd = Math.sqrt(
      values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length,
    );
    expect(mean).toBeCloseTo(120, 0);
    expect(sd).toBeGreaterThan(9.5);
    expect(sd).toBeLessThan(10.5);
  });

  it("picks by weight", () => {
    const random = createRandom("weights");
    const picks = Array.from({ length: 10_000 }, () =>
      random.weighted([
        ["rare", 1],
        ["common", 9],
      ] as const),
    );
    const rare = picks.filter((pick) => pick === "rare").length / picks.length;
    expect(rare).toBeGreaterThan(0.08);
    expect(rare).toBeLessThan(0.12);
  });

  it("makes version 4 UUIDs", () => {
    const random = createRandom("uuid");
    for (let i = 0; i < 100; i += 1) {
      expect(random.uuid()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});
