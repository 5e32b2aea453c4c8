import { describe, expect, it } from "vitest";
import { syntheaDir, syntheaMissingReason } from "#core/fhir/synthea.fixtures.ts";
import { aggregateCohort, ageGroupOf } from "./aggregate.ts";
import {
  bloodPressure,
  condition,
  generatedPatients,
  observation,
  patientWith,
  syntheaPatients,
} from "./cohort.fixtures.ts";
import type { DeidentifiedPatient, Sex } from "./patient.ts";
import { populationAgeGroups, purposes } from "./purposes.ts";

const many = (count: number, make: (i: number) => DeidentifiedPatient) =>
  Array.from({ length: count }, (_, i) => make(i));
const plain = (sex: Sex = "female", ageBand = "50-54") => patientWith([], { sex, ageBand });

describe.skipIf(!syntheaDir)(
  `population statistics over the Synthea sample${syntheaDir ? "" : ` (skipped: ${syntheaMissingReason})`}`,
  () => {
    const cohort = [...syntheaPatients().values(), ...generatedPatients(200)];
    const stats = aggregateCohort(cohort, "population_health");

    it("releases only the declared statistics, and no patient's pseudonym", () => {
      expect(Object.keys(stats).sort()).toEqual(
        [
          "byAgeGroup",
          "bySex",
          "conditions",
          "measures",
          "minCellSize",
          "patients",
          "purpose",
        ].sort(),
      );
      expect(Object.keys(stats.measures).sort()).toEqual(
        Object.keys(purposes.population_health.measures).sort(),
      );
      expect(Object.keys(stats.conditions).sort()).toEqual(
        Object.keys(purposes.population_health.conditions).sort(),
      );
      expect(Object.keys(stats.byAgeGroup)).toEqual([...populationAgeGroups]);
      const text = JSON.stringify(stats);
      for (const patient of cohort) expect(text).not.toContain(patient.pseudoId);
    });

    it("shows no count between 1 and the minimum cell size", () => {
      const counts = [
        stats.patients,
        ...Object.values(stats.bySex),
        ...Object.values(stats.byAgeGroup),
        ...Object.values(stats.conditions),
        ...Object.values(stats.measures).map((measure) => measure?.patients ?? null),
      ];
      expect(counts.filter((count) => count !== null).length).toBeGreaterThan(10);
      for (const count of counts)
        if (count !== null && count !== 0) expect(count).toBeGreaterThanOrEqual(10);
      expect(stats.patients).toBe(cohort.length);
    });
  },
);

describe("aggregateCohort", () => {
  it("suppresses everything for a cohort smaller than the minimum cell size", () => {
    const stats = aggregateCohort(
      many(9, () => plain()),
      "population_health",
    );
    expect(stats.patients).toBeNull();
    expect(Object.values(stats.bySex).every((count) => count === null)).toBe(true);
    expect(Object.values(stats.measures).every((measure) => measure === null)).toBe(true);
  });

  it("suppresses a small cell and, since the total would give it back, the next smallest", () => {
    const cohort = [
      ...many(20, () => plain("female", "25-29")),
      ...many(12, () => plain("male", "45-49")),
      ...many(3, () => plain("unknown", "65-69")),
    ];
    const stats = aggregateCohort(cohort, "population_health");
    expect(stats.patients).toBe(35);
    expect(stats.bySex).toEqual({ female: 20, male: null, other: 0, unknown: null });
    expect(stats.byAgeGroup).toEqual({
      "0-19": 0,
      "20-39": 20,
      "40-59": null,
      "60-79": null,
      "80+": 0,
      unknown: 0,
    });
  });

  it("suppresses a condition count when those without it are a small cell", () => {
    const cohort = [
      ...many(15, () => patientWith([condition("38341003")])),
      ...many(3, () => plain()),
    ];
    expect(aggregateCohort(cohort, "population_health").conditions.hypertension).toBeNull();
    const larger = [...cohort, ...many(10, () => plain())];
    expect(aggregateCohort(larger, "population_health").conditions.hypertension).toBe(15);
  });

  it("takes each patient's latest reading for a mean, and only over enough patients", () => {
    const cohort = many(10, (i) =>
      patientWith([
        bloodPressure("2018-01-01T00:00:00Z", 200, 120),
        bloodPressure("2024-01-01T00:00:00Z", 120 + i, 80),
      ]),
    );
    const stats = aggregateCohort(cohort, "population_health");
    expect(stats.measures.systolic).toEqual({ patients: 10, mean: 124.5 });
    expect(stats.measures.bmi).toBeNull();
    const withBmi = [
      ...cohort.slice(0, 9).map((patient) => ({
        ...patient,
        resources: [
          ...patient.resources,
          observation("39156-5", "2024-01-01T00:00:00Z", { value: 30, unit: "kg/m2" }),
        ],
      })),
      cohort[9]!,
    ];
    expect(aggregateCohort(withBmi, "population_health").measures.bmi).toBeNull();
  });

  it("takes another minimum cell size when the board sets one", () => {
    const cohort = [...many(7, () => plain("female")), ...many(7, () => plain("male"))];
    expect(aggregateCohort(cohort, "population_health").patients).toBe(14);
    expect(aggregateCohort(cohort, "population_health").bySex.female).toBeNull();
    expect(aggregateCohort(cohort, "population_health", { minCellSize: 5 }).bySex.female).toBe(7);
    expect(() => aggregateCohort(cohort, "population_health", { minCellSize: 0 })).toThrow(
      TypeError,
    );
  });

  it("leaves out the statistics whose fields the offer does not list", () => {
    const cohort = many(12, () => patientWith([bloodPressure("2024-01-01T00:00:00Z", 130, 85)]));
    const stats = aggregateCohort(cohort, "population_health", { offerFields: ["age_band"] });
    expect(stats.measures.systolic).toBeNull();
    expect(stats.bySex.female).toBeNull();
    expect(stats.byAgeGroup["40-59"]).toBe(12);
  });

  it("groups five-year bands into the population age groups, 90+ among the oldest", () => {
    expect(
      ["0-4", "15-19", "20-24", "55-59", "75-79", "85-89", "90+", "unknown"].map(ageGroupOf),
    ).toEqual(["0-19", "0-19", "20-39", "40-59", "60-79", "80+", "80+", "unknown"]);
  });
});
