// Purpose limitation as data: for each purpose a patient can consent to, the permission it needs,
// the offer fields it draws on and the exact columns (or statistics, or records) it may release.
// The minimiser, the aggregator and care access read these declarations; nothing else decides.
import type { DiseaseCode, DuoPermissionId } from "#core/duo.ts";
import type { DatasetFieldId } from "#core/fields.ts";
import type { Sex } from "./patient.ts";
import {
  cardiacConditionCodes,
  cancerConditionCodes,
  diabetesMedicationCodes,
  diabetesMellitusCodes,
  glycaemicRiskCodes,
  lipidDisorderCodes,
  unionOf,
  type CodeSet,
  type MeasureName,
} from "./clinical-codes.ts";

/** What the patient must have agreed to before the purpose may read their record. */
export type PurposeConsent =
  | { kind: "duo"; permission: DuoPermissionId; disease?: DiseaseCode }
  // Care is not research: no DUO consent opens it, only the patient's grant to a provider for one
  // condition (the CareGrants contract), so a research consent can never be stretched into it.
  | { kind: "care_grant" };

/**
 * The records a column is computed from: observations of a measure (by its LOINC codes, on the
 * observation or a panel component), or conditions and prescriptions carrying a code of the set
 * (a prescription carries the codes of the condition it was written for). Only these records need
 * decrypting for the column (purpose-records.ts).
 */
export type RecordsRead =
  | { resourceType: "Observation"; measures: readonly MeasureName[] }
  | { resourceType: "Condition" | "MedicationRequest"; codes: CodeSet };

export type ColumnDeclaration = {
  /** Offer fields the column reads; it is released only when the offer lists every one. */
  fields: readonly DatasetFieldId[];
  meaning: string;
  /** Records the column is computed from; none for the patient's own profile (age band, sex). */
  reads?: RecordsRead;
};

// ---- Row shapes: one per row-level purpose; the declarations below must name every key ----

export type CardiologyRow = {
  pseudoId: string;
  ageBand: string | null;
  sex: Sex | null;
  systolicLatest: number | null;
  diastolicLatest: number | null;
  totalCholesterolLatest: number | null;
  ldlLatest: number | null;
  hdlLatest: number | null;
  triglyceridesLatest: number | null;
  ntProBnpLatest: number | null;
  troponinILatest: number | null;
  ejectionFractionLatest: number | null;
  cardiacConditions: string[] | null;
};

export type TumourVariantColumns = {
  gene: string;
  hgvs: string;
  vaf: number | null;
  germline: boolean;
};

export type OncologyRow = { variants: TumourVariantColumns[] };

export type DiabetesRow = {
  pseudoId: string;
  ageBand: string | null;
  sex: Sex | null;
  hba1cLatest: number | null;
  hba1cMean: number | null;
  glucoseLatest: number | null;
  glucoseMean: number | null;
  glucoseReadings: number | null;
  diabetesConditions: string[] | null;
  diabetesMedications: string[] | null;
};

export type MinimisedRows = {
  cardiology_study: CardiologyRow;
  oncology_trial: OncologyRow;
  diabetes_study: DiabetesRow;
};

export type RowPurposeId = keyof MinimisedRows;
export type MinimisedRow = MinimisedRows[RowPurposeId];

// ---- The declarations ----

const pseudoId: ColumnDeclaration = {
  fields: [],
  meaning: "The patient's keyed pseudonym at this custodian: one row per patient, never a name",
};
const ageBand: ColumnDeclaration = { fields: ["age_band"], meaning: "Five-year age band, 90+" };
const sex: ColumnDeclaration = { fields: ["sex"], meaning: "Administrative sex" };
const latest = (
  fields: DatasetFieldId[],
  what: string,
  measure: MeasureName,
): ColumnDeclaration => ({
  fields,
  meaning: `${what}, the most recent reading`,
  reads: observationsOf(measure),
});
const observationsOf = (measure: MeasureName): RecordsRead => ({
  resourceType: "Observation",
  measures: [measure],
});

const cardiologyConditionCodes = unionOf(cardiacConditionCodes, lipidDisorderCodes);
const diabetesConditionCodes = unionOf(diabetesMellitusCodes, glycaemicRiskCodes);

const cardiologyColumns = {
  pseudoId,
  ageBand,
  sex,
  systolicLatest: latest(["blood_pressure"], "Systolic blood pressure, mm[Hg]", "systolic"),
  diastolicLatest: latest(["blood_pressure"], "Diastolic blood pressure, mm[Hg]", "diastolic"),
  totalCholesterolLatest: latest(["cholesterol"], "Total cholesterol, mg/dL", "totalCholesterol"),
  ldlLatest: latest(["cholesterol"], "LDL cholesterol, mg/dL", "ldl"),
  hdlLatest: latest(["cholesterol"], "HDL cholesterol, mg/dL", "hdl"),
  triglyceridesLatest: latest(["cholesterol"], "Triglycerides, mg/dL", "triglycerides"),
  // Cardiac labs establish (or rule out) heart disease, so they go with the cardiac conditions field.
  ntProBnpLatest: latest(["cardiac_conditions"], "NT-proBNP, pg/mL", "ntProBnp"),
  troponinILatest: latest(["cardiac_conditions"], "Cardiac troponin I, ng/mL", "troponinI"),
  ejectionFractionLatest: latest(
    ["cardiac_conditions"],
    "Left ventricular ejection fraction, %",
    "ejectionFraction",
  ),
  cardiacConditions: {
    fields: ["cardiac_conditions"],
    meaning: "SNOMED codes of cardiovascular and lipid conditions ever recorded",
    reads: { resourceType: "Condition", codes: cardiologyConditionCodes },
  },
} as const satisfies Record<keyof CardiologyRow, ColumnDeclaration>;

const oncologyColumns = {
  variants: {
    fields: ["tumour_variants"],
    meaning: "The tumour variant panel; not even age or sex goes with it",
    reads: observationsOf("tumourVariant"),
  },
} as const satisfies Record<keyof OncologyRow, ColumnDeclaration>;

const tumourVariantColumns = {
  gene: { fields: ["tumour_variants"], meaning: "HGNC gene symbol" },
  hgvs: { fields: ["tumour_variants"], meaning: "Protein change (HGVS)" },
  vaf: { fields: ["tumour_variants"], meaning: "Variant allele fraction, 0–1" },
  germline: { fields: ["tumour_variants"], meaning: "Inherited rather than somatic" },
} as const satisfies Record<keyof TumourVariantColumns, ColumnDeclaration>;

const diabetesColumns = {
  pseudoId,
  ageBand,
  sex,
  hba1cLatest: latest(["hba1c"], "HbA1c, %", "hba1c"),
  hba1cMean: {
    fields: ["hba1c"],
    meaning: "HbA1c, %, mean of every reading",
    reads: observationsOf("hba1c"),
  },
  // The offer's field is the CGM series; laboratory glucose readings are the same measure.
  glucoseLatest: latest(["glucose_cgm"], "Glucose, mg/dL", "glucose"),
  glucoseMean: {
    fields: ["glucose_cgm"],
    meaning: "Glucose, mg/dL, mean of every reading",
    reads: observationsOf("glucose"),
  },
  glucoseReadings: {
    fields: ["glucose_cgm"],
    meaning: "How many glucose readings there are",
    reads: observationsOf("glucose"),
  },
  // core/fields.ts has no diabetes-conditions field. An HbA1c of 6.5% or more is how diabetes is
  // diagnosed, so a dataset offering HbA1c already discloses it: the diagnosis goes with that field.
  diabetesConditions: {
    fields: ["hba1c"],
    meaning: "SNOMED codes of diabetes, its complications, prediabetes and hyperglycaemia",
    reads: { resourceType: "Condition", codes: diabetesConditionCodes },
  },
  diabetesMedications: {
    fields: ["medications"],
    meaning: "RxNorm codes of drugs that treat diabetes or were prescribed for it",
    reads: {
      resourceType: "MedicationRequest",
      codes: unionOf(diabetesMedicationCodes, diabetesConditionCodes),
    },
  },
} as const satisfies Record<keyof DiabetesRow, ColumnDeclaration>;

/** The coarse age groups population statistics count by: fixed, so an empty group still shows. */
export const populationAgeGroups = ["0-19", "20-39", "40-59", "60-79", "80+", "unknown"] as const;
export type PopulationAgeGroup = (typeof populationAgeGroups)[number];

export const populationMeasures = {
  systolic: { fields: ["blood_pressure"], meaning: "Systolic blood pressure, latest, mm[Hg]" },
  diastolic: { fields: ["blood_pressure"], meaning: "Diastolic blood pressure, latest, mm[Hg]" },
  bmi: { fields: ["bmi"], meaning: "Body mass index, latest, kg/m2" },
  totalCholesterol: { fields: ["cholesterol"], meaning: "Total cholesterol, latest, mg/dL" },
  hba1c: { fields: ["hba1c"], meaning: "HbA1c, latest, %" },
} as const satisfies Record<string, ColumnDeclaration>;

export const populationConditions = {
  hypertension: { fields: ["cardiac_conditions"], meaning: "Patients with hypertension" },
  cardiovascularDisease: {
    fields: ["cardiac_conditions"],
    meaning: "Patients with any cardiovascular condition",
  },
  diabetes: { fields: ["hba1c"], meaning: "Patients with diabetes mellitus" },
} as const satisfies Record<string, ColumnDeclaration>;

export type PopulationMeasure = keyof typeof populationMeasures;
export type PopulationCondition = keyof typeof populationConditions;

/** What population health may release: these statistics over the cohort, and no row at all. */
export type PopulationStatistics = {
  purpose: "population_health";
  minCellSize: number;
  /** Null when fewer than minCellSize patients: then every other figure is null too. */
  patients: number | null;
  bySex: Record<Sex, number | null>;
  byAgeGroup: Record<PopulationAgeGroup, number | null>;
  measures: Record<PopulationMeasure, { patients: number; mean: number } | null>;
  conditions: Record<PopulationCondition, number | null>;
};

export const purposes = {
  cardiology_study: {
    label: "Cardiology study",
    plainWords:
      "A study of heart disease: your age band, sex, blood pressure, cholesterol and heart conditions.",
    consent: { kind: "duo", permission: "DUO:0000007", disease: "MONDO:0005267" },
    release: "rows",
    fields: ["age_band", "sex", "blood_pressure", "cholesterol", "cardiac_conditions"],
    columns: cardiologyColumns,
    conditionCodes: cardiologyConditionCodes,
  },
  oncology_trial: {
    label: "Oncology clinical trial",
    plainWords: "A cancer drug trial: only the list of genetic changes found in your tumour.",
    consent: { kind: "duo", permission: "DUO:0000007", disease: "MONDO:0004992" },
    release: "rows",
    fields: ["tumour_variants"],
    columns: oncologyColumns,
    variantColumns: tumourVariantColumns,
    conditionCodes: cancerConditionCodes,
  },
  diabetes_study: {
    label: "Diabetes study",
    plainWords:
      "A study of diabetes: your age band, sex, HbA1c, glucose, diabetes diagnoses and medicines.",
    consent: { kind: "duo", permission: "DUO:0000007", disease: "MONDO:0005015" },
    release: "rows",
    fields: ["age_band", "sex", "hba1c", "glucose_cgm", "medications"],
    columns: diabetesColumns,
    conditionCodes: diabetesConditionCodes,
  },
  population_health: {
    label: "Population health research",
    plainWords: "Counts and averages over many patients; no one's own record leaves the hospital.",
    // Health research, which a general-research (GRU) consent also covers under DUO's hierarchy.
    consent: { kind: "duo", permission: "DUO:0000006" },
    release: "aggregate",
    fields: [
      "age_band",
      "sex",
      "blood_pressure",
      "bmi",
      "cholesterol",
      "hba1c",
      "cardiac_conditions",
    ],
    measures: populationMeasures,
    conditions: populationConditions,
    defaultMinCellSize: 10,
  },
  specialist_care: {
    label: "Care by a specialist",
    plainWords:
      "A doctor you chose sees your full history for one condition, and nothing unrelated.",
    consent: { kind: "care_grant" },
    // Care reads the patient's own record, not an offer: what it sees is decided by the granted
    // condition (see care-access.ts), so it draws on no offer fields.
    release: "linked_resources",
    fields: [],
  },
} as const satisfies Record<
  string,
  {
    label: string;
    plainWords: string;
    consent: PurposeConsent;
    release: "rows" | "aggregate" | "linked_resources";
    fields: readonly DatasetFieldId[];
    columns?: Record<string, ColumnDeclaration>;
    variantColumns?: Record<string, ColumnDeclaration>;
    measures?: Record<string, ColumnDeclaration>;
    conditions?: Record<string, ColumnDeclaration>;
    defaultMinCellSize?: number;
    conditionCodes?: CodeSet;
  }
>;

export type PurposeId = keyof typeof purposes;
export const purposeIds = Object.keys(purposes) as [PurposeId, ...PurposeId[]];

/** The purpose's fields the offer lists (released) and those it does not (never released). */
export function offerFieldsFor(
  purpose: PurposeId,
  offerFields: readonly string[],
): { released: DatasetFieldId[]; withheld: DatasetFieldId[] } {
  const declared: readonly DatasetFieldId[] = purposes[purpose].fields;
  return {
    released: declared.filter((field) => offerFields.includes(field)),
    withheld: declared.filter((field) => !offerFields.includes(field)),
  };
}

/** Fields a request asks for beyond what its purpose needs: the board's minimisation diff. */
export function fieldsBeyondPurpose(purpose: PurposeId, requested: readonly string[]): string[] {
  const declared: readonly string[] = purposes[purpose].fields;
  return requested.filter((field) => !declared.includes(field));
}

/** Whether a column may be released given the offer's fields (all fields when none are given). */
export function columnReleased(
  column: ColumnDeclaration,
  offerFields: readonly string[] | undefined,
): boolean {
  return fieldsReleased(column.fields, offerFields);
}

export function fieldsReleased(
  fields: readonly string[],
  offerFields: readonly string[] | undefined,
): boolean {
  return offerFields === undefined || fields.every((field) => offerFields.includes(field));
}
