// Purpose-minimised rows: from one patient's decrypted, de-identified record, only the columns the
// purpose declares (purposes.ts), and of those only the ones the offer lists. An analysis never
// receives anything else.
import { HGNC, LOINC, diabetesMedicationCodes } from "./clinical-codes.ts";
import type { DeidentifiedPatient } from "./patient.ts";
import {
  columnReleased,
  purposes,
  type CardiologyRow,
  type ColumnDeclaration,
  type DiabetesRow,
  type MinimisedRows,
  type OncologyRow,
  type RowPurposeId,
  type TumourVariantColumns,
} from "./purposes.ts";
import {
  conditionCodesIn,
  hasCode,
  isUsable,
  latestOf,
  meanOf,
  medicationCodesFor,
  readingsOf,
} from "./readings.ts";

export type MinimiseOptions = {
  /** The offer's fields: a column reading a field the offer does not list is released as null. */
  offerFields?: readonly string[];
};

const rowBuilders: {
  [P in RowPurposeId]: (patient: DeidentifiedPatient) => MinimisedRows[P] | null;
} = {
  cardiology_study: cardiologyRow,
  oncology_trial: oncologyRow,
  diabetes_study: diabetesRow,
};

/**
 * The patient's row for a row-level purpose, or null when the purpose has nothing of theirs to
 * release (an oncology trial and a patient without a sequenced tumour). Population health has no
 * rows (aggregateCohort) and care has no columns (linkedToCondition): asking for them is a bug.
 */
export function minimiseColumns<P extends RowPurposeId>(
  patient: DeidentifiedPatient,
  purpose: P,
  options: MinimiseOptions = {},
): MinimisedRows[P] | null {
  const build = rowBuilders[purpose] as
    ((patient: DeidentifiedPatient) => MinimisedRows[P] | null) | undefined;
  if (!build) throw new TypeError(`The purpose "${purpose}" releases no rows`);
  const row = build(patient);
  if (row === null) return null;
  const columns: Record<string, ColumnDeclaration> = purposes[purpose].columns;
  const withheld = Object.entries(columns).filter(
    ([, column]) => !columnReleased(column, options.offerFields),
  );
  if (withheld.length === Object.keys(columns).filter((key) => key !== "pseudoId").length) {
    return null; // the offer lists none of what the purpose reads: nothing of the patient goes
  }
  const out = { ...row } as Record<string, unknown>;
  for (const [key] of withheld) out[key] = null;
  return out as MinimisedRows[P];
}

function cardiologyRow(patient: DeidentifiedPatient): CardiologyRow {
  return {
    pseudoId: patient.pseudoId,
    ageBand: patient.ageBand,
    sex: patient.sex,
    systolicLatest: latestOf(readingsOf(patient, "systolic")),
    diastolicLatest: latestOf(readingsOf(patient, "diastolic")),
    totalCholesterolLatest: latestOf(readingsOf(patient, "totalCholesterol")),
    ldlLatest: latestOf(readingsOf(patient, "ldl")),
    hdlLatest: latestOf(readingsOf(patient, "hdl")),
    triglyceridesLatest: latestOf(readingsOf(patient, "triglycerides")),
    ntProBnpLatest: latestOf(readingsOf(patient, "ntProBnp")),
    troponinILatest: latestOf(readingsOf(patient, "troponinI")),
    ejectionFractionLatest: latestOf(readingsOf(patient, "ejectionFraction")),
    cardiacConditions: conditionCodesIn(patient, purposes.cardiology_study.conditionCodes),
  };
}

function diabetesRow(patient: DeidentifiedPatient): DiabetesRow {
  const hba1c = readingsOf(patient, "hba1c");
  const glucose = readingsOf(patient, "glucose");
  const conditions = purposes.diabetes_study.conditionCodes;
  return {
    pseudoId: patient.pseudoId,
    ageBand: patient.ageBand,
    sex: patient.sex,
    hba1cLatest: latestOf(hba1c),
    hba1cMean: meanOf(hba1c),
    glucoseLatest: latestOf(glucose),
    glucoseMean: meanOf(glucose),
    glucoseReadings: glucose.length,
    diabetesConditions: conditionCodesIn(patient, conditions),
    diabetesMedications: medicationCodesFor(patient, diabetesMedicationCodes, conditions),
  };
}

function oncologyRow(patient: DeidentifiedPatient): OncologyRow | null {
  const variants: TumourVariantColumns[] = [];
  for (const resource of patient.resources) {
    const observation = resource.resource;
    if (resource.resourceType !== "Observation" || !isUsable(observation)) continue;
    if (!hasCode(observation.code, LOINC, ["69548-6"])) continue;
    const variant = variantOf(observation);
    if (variant) variants.push(variant);
  }
  return variants.length > 0 ? { variants } : null;
}

type Component = { code?: unknown; valueCodeableConcept?: unknown; valueQuantity?: unknown };
type Coding = { system?: unknown; code?: unknown; display?: unknown };

/** One variant's gene, change, allele fraction and origin; null when gene or change is missing. */
function variantOf(observation: Record<string, unknown>): TumourVariantColumns | null {
  const components = (
    Array.isArray(observation.component) ? observation.component : []
  ) as Component[];
  const part = (loinc: string) =>
    components.find((component) => hasCode(component.code, LOINC, [loinc]));
  const firstCoding = (component: Component | undefined): Coding | undefined =>
    (component?.valueCodeableConcept as { coding?: Coding[] } | undefined)?.coding?.[0];
  const gene = firstCoding(part("48018-6"));
  const change = firstCoding(part("48005-3"));
  if (!gene || gene.system !== HGNC || typeof change?.code !== "string") return null;
  const vaf = (part("81258-6")?.valueQuantity as { value?: unknown } | undefined)?.value;
  return {
    gene: typeof gene.display === "string" ? gene.display : String(gene.code),
    hgvs: change.code,
    vaf: typeof vaf === "number" ? vaf : null,
    germline: firstCoding(part("48002-0"))?.code === "LA6683-2", // LA6683-2: Germline
  };
}
