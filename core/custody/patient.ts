// The shape of a patient's record after de-identification: what ingest produces and storage
// encrypts. Nothing here may identify a person (HIPAA Safe Harbor); ids are keyed hashes.

/** FHIR R4 resource types Consentry ingests; anything else in a bundle is refused. */
export const ingestibleResourceTypes = [
  "Patient",
  "Encounter",
  "Condition",
  "Observation",
  "Procedure",
  "MedicationRequest",
  "Immunization",
  "DiagnosticReport",
  "CarePlan",
  "Goal",
  "AllergyIntolerance",
  "ImagingStudy",
  "Claim",
  "ExplanationOfBenefit",
  "Organization",
  "Practitioner",
] as const;

export type IngestibleResourceType = (typeof ingestibleResourceTypes)[number];

export type Sex = "female" | "male" | "other" | "unknown";

export type DeidentifiedResource = {
  /** Keyed hash of the source resource id (64 hex characters), stable per custodian secret. */
  resourceId: string;
  resourceType: IngestibleResourceType;
  /** Codings as "system|code", used to link resources to a condition (care access, cohorts). */
  codes: string[];
  /** The de-identified FHIR resource: identifiers removed, dates shifted, references pseudonymised. */
  resource: Record<string, unknown>;
};

export type DeidentifiedPatient = {
  /** Keyed hash of the source patient id (64 hex characters); never the source id. */
  pseudoId: string;
  sex: Sex;
  /** "0-4" … "85-89", and "90+" for every age over 89. */
  ageBand: string;
  /** The first three ZIP digits; "000" for the sparsely populated prefixes; null without a US ZIP. */
  zip3: string | null;
  /** The per-patient date shift applied, in days; secret, kept only with the encrypted record. */
  dateShiftDays: number;
  resources: DeidentifiedResource[];
};
