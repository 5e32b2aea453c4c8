// Population health releases statistics only: counts and means over the cohort, with every count
// below the minimum cell size suppressed, and a second cell suppressed wherever the published total
// would give the first one back by subtraction. No row of any patient leaves this function.
import {
  cardiacConditionCodes,
  diabetesMellitusCodes,
  SNOMED,
  type CodeSet,
} from "./clinical-codes.ts";
import type { DeidentifiedPatient, Sex } from "./patient.ts";
import {
  fieldsReleased,
  populationAgeGroups,
  purposes,
  type PopulationAgeGroup,
  type PopulationCondition,
  type PopulationMeasure,
  type PopulationStatistics,
} from "./purposes.ts";
import { conditionCodesIn, latestOf, readingsOf } from "./readings.ts";

export type AggregateOptions = {
  /** Counts from 1 to minCellSize − 1 are suppressed; 10 unless the board set another. */
  minCellSize?: number;
  /** The offer's fields: statistics reading a field the offer does not list are null. */
  offerFields?: readonly string[];
};

const sexes = ["female", "male", "other", "unknown"] as const satisfies readonly Sex[];
const declared = purposes.population_health;
const measureNames = Object.keys(declared.measures) as PopulationMeasure[];
const conditionNames = Object.keys(declared.conditions) as PopulationCondition[];

const hypertensionCodes = ["38341003", "59621000"].map((code) => `${SNOMED}|${code}`);
const conditionSets: Record<PopulationCondition, CodeSet> = {
  hypertension: new Map(
    [...cardiacConditionCodes].filter(([code]) => hypertensionCodes.includes(code)),
  ),
  cardiovascularDisease: purposes.cardiology_study.conditionCodes,
  diabetes: diabetesMellitusCodes,
};

/** Statistics over the cohort (patients are read one at a time, so any size fits in memory). */
export function aggregateCohort(
  patients: Iterable<DeidentifiedPatient>,
  purpose: "population_health",
  options: AggregateOptions = {},
): PopulationStatistics {
  if (purpose !== "population_health") {
    throw new TypeError(`The purpose "${String(purpose)}" releases no aggregate statistics`);
  }
  const minCellSize = options.minCellSize ?? declared.defaultMinCellSize;
  if (!Number.isInteger(minCellSize) || minCellSize < 1) {
    throw new TypeError("The minimum cell size must be a whole number of at least 1");
  }
  const tally = tallyOf(patients);
  const released = (fields: readonly string[]) => fieldsReleased(fields, options.offerFields);
  const shown = tally.patients >= minCellSize;
  const count = (n: number) => (n > 0 && n < minCellSize ? null : n);

  const bySex = partition(sexes, tally.bySex, minCellSize);
  const byAgeGroup = partition(populationAgeGroups, tally.byAgeGroup, minCellSize);
  return {
    purpose,
    minCellSize,
    patients: shown ? tally.patients : null,
    bySex: mapValues(bySex, (n) => (shown && released(["sex"]) ? n : null)),
    byAgeGroup: mapValues(byAgeGroup, (n) => (shown && released(["age_band"]) ? n : null)),
    measures: Object.fromEntries(
      measureNames.map((name) => {
        const { n, sum } = tally.measures[name];
        const ok = shown && n >= minCellSize && released(declared.measures[name].fields);
        return [name, ok ? { patients: n, mean: Math.round((sum / n) * 10) / 10 } : null];
      }),
    ) as PopulationStatistics["measures"],
    conditions: Object.fromEntries(
      conditionNames.map((name) => {
        const n = tally.conditions[name];
        // Those without the condition are a cell too: "all but 3 have it" discloses the 3.
        const ok =
          shown &&
          count(n) !== null &&
          count(tally.patients - n) !== null &&
          released(declared.conditions[name].fields);
        return [name, ok ? n : null];
      }),
    ) as PopulationStatistics["conditions"],
  };
}

type Tally = {
  patients: number;
  bySex: Record<Sex, number>;
  byAgeGroup: Record<PopulationAgeGroup, number>;
  measures: Record<PopulationMeasure, { n: number; sum: number }>;
  conditions: Record<PopulationCondition, number>;
};

function tallyOf(patients: Iterable<DeidentifiedPatient>): Tally {
  const tally: Tally = {
    patients: 0,
    bySex: Object.fromEntries(sexes.map((sex) => [sex, 0])) as Record<Sex, number>,
    byAgeGroup: Object.fromEntries(populationAgeGroups.map((group) => [group, 0])) as Record<
      PopulationAgeGroup,
      number
    >,
    measures: Object.fromEntries(
      measureNames.map((name) => [name, { n: 0, sum: 0 }]),
    ) as Tally["measures"],
    conditions: Object.fromEntries(conditionNames.map((name) => [name, 0])) as Tally["conditions"],
  };
  for (const patient of patients) {
    tally.patients += 1;
    tally.bySex[patient.sex] += 1;
    tally.byAgeGroup[ageGroupOf(patient.ageBand)] += 1;
    for (const name of measureNames) {
      const value = latestOf(readingsOf(patient, name));
      if (value === null) continue;
      tally.measures[name].n += 1;
      tally.measures[name].sum += value;
    }
    for (const name of conditionNames) {
      if (conditionCodesIn(patient, conditionSets[name]).length > 0) tally.conditions[name] += 1;
    }
  }
  return tally;
}

/** "45-49" → "40-59"; "90+" → "80+"; anything unreadable → "unknown". */
export function ageGroupOf(ageBand: string): PopulationAgeGroup {
  const low = /^(\d+)/.exec(ageBand)?.[1];
  if (low === undefined) return "unknown";
  const age = Number(low);
  if (age >= 80) return "80+";
  return populationAgeGroups[Math.floor(age / 20)] as PopulationAgeGroup;
}

/**
 * A breakdown whose cells add up to the published total: small cells are suppressed, and when only
 * one is, the smallest other non-empty cell goes too, so the total cannot give it back.
 */
function partition<K extends string>(
  keys: readonly K[],
  counts: Record<K, number>,
  minCellSize: number,
): Record<K, number | null> {
  const out = { ...counts } as Record<K, number | null>;
  const small = keys.filter((key) => counts[key] > 0 && counts[key] < minCellSize);
  for (const key of small) out[key] = null;
  if (small.length === 1) {
    const next = keys
      .filter((key) => out[key] !== null && counts[key] > 0)
      .sort((a, b) => counts[a] - counts[b])[0];
    if (next !== undefined) out[next] = null;
  }
  return out;
}

function mapValues<K extends string, V, W>(
  record: Record<K, V>,
  map: (value: V) => W,
): Record<K, W> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, map(value as V)]),
  ) as Record<K, W>;
}
