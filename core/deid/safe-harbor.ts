// HIPAA Safe Harbor de-identification of one patient's bundle: the 18 identifiers removed or
// generalised, every date moved by a secret per-patient shift, references rewritten to pseudonyms.
//
// What stays is decided by allow-lists, never by hunting for what to remove: per resource type only
// the listed elements are kept, extensions only by URL, and below those elements identifiers, free
// text, contact details, attachments and URLs are dropped wherever they sit.
import type {
  DeidentifiedPatient,
  DeidentifiedResource,
  IngestibleResourceType,
  Sex,
} from "#core/custody/patient.ts";
import { ServiceError } from "#core/errors.ts";
import { indexBundle, sourceIdOf, type BundleIndex, type ValidBundle } from "#core/fhir/bundle.ts";
import {
  hasFullDate,
  isDateElement,
  parseFhirDateTime,
  shiftFhirDateTime,
  wholeYearsBetween,
  type FhirDateParts,
} from "#core/fhir/datetime.ts";
import { keepExtension } from "./extensions.ts";
import { dateShiftDaysFor, pseudonymFor, pseudonymousUid } from "./pseudonyms.ts";
import { zip3Of } from "./zip.ts";

export type DeidentificationSecrets = {
  /** Keys source ids to pseudonyms; at least 32 bytes. */
  pseudonymKey: Uint8Array;
  /** Keys each patient's date shift; at least 32 bytes, and never the pseudonym key. */
  dateShiftKey: Uint8Array;
};

export type DeidentificationOptions = {
  /** The day ages are counted to (and age bands drawn from); passed in so output is reproducible. */
  today: Date;
};

/**
 * Elements kept per resource type; "onset[x]" keeps every onset choice except those that carry free
 * text or identifiers (onsetString, valueAttachment, …), which are dropped wherever they appear.
 * Anything not listed is dropped: identifier, text, note, contained, meta, and every element a later
 * FHIR version or another generator may add.
 */
const keptElements: Record<Exclude<IngestibleResourceType, "Patient">, readonly string[]> = {
  Encounter: [
    "status",
    "statusHistory",
    "class",
    "classHistory",
    "type",
    "serviceType",
    "priority",
    "subject",
    "participant",
    "period",
    "length",
    "reasonCode",
    "reasonReference",
    "diagnosis",
    "hospitalization",
    "serviceProvider",
    "partOf",
  ],
  Condition: [
    "clinicalStatus",
    "verificationStatus",
    "category",
    "severity",
    "code",
    "bodySite",
    "subject",
    "encounter",
    "onset[x]",
    "abatement[x]",
    "recordedDate",
    "recorder",
    "asserter",
    "stage",
    "evidence",
  ],
  Observation: [
    "status",
    "category",
    "code",
    "subject",
    "encounter",
    "effective[x]",
    "issued",
    "performer",
    "value[x]",
    "dataAbsentReason",
    "interpretation",
    "bodySite",
    "method",
    "referenceRange",
    "hasMember",
    "derivedFrom",
    "component",
  ],
  Procedure: [
    "status",
    "statusReason",
    "category",
    "code",
    "subject",
    "encounter",
    "performed[x]",
    "recorder",
    "asserter",
    "performer",
    "reasonCode",
    "reasonReference",
    "bodySite",
    "outcome",
    "complication",
    "complicationDetail",
    "followUp",
    "usedCode",
  ],
  MedicationRequest: [
    "status",
    "statusReason",
    "intent",
    "category",
    "priority",
    "doNotPerform",
    "reported[x]",
    "medication[x]",
    "subject",
    "encounter",
    "authoredOn",
    "requester",
    "performer",
    "performerType",
    "reasonCode",
    "reasonReference",
    "courseOfTherapyType",
    "dosageInstruction",
    "dispenseRequest",
    "substitution",
  ],
  Immunization: [
    "status",
    "statusReason",
    "vaccineCode",
    "patient",
    "encounter",
    "occurrence[x]",
    "recorded",
    "primarySource",
    "reportOrigin",
    "site",
    "route",
    "doseQuantity",
    "performer",
    "reasonCode",
    "reasonReference",
    "isSubpotent",
    "subpotentReason",
    "programEligibility",
    "fundingSource",
    "reaction",
    "protocolApplied",
  ],
  DiagnosticReport: [
    "status",
    "category",
    "code",
    "subject",
    "encounter",
    "effective[x]",
    "issued",
    "performer",
    "resultsInterpreter",
    "result",
    "imagingStudy",
    "conclusionCode",
  ],
  CarePlan: [
    "status",
    "intent",
    "category",
    "subject",
    "encounter",
    "period",
    "created",
    "addresses",
    "goal",
    "activity",
  ],
  Goal: [
    "lifecycleStatus",
    "achievementStatus",
    "category",
    "priority",
    "description",
    "subject",
    "start[x]",
    "target",
    "statusDate",
    "addresses",
    "outcomeCode",
    "outcomeReference",
  ],
  AllergyIntolerance: [
    "clinicalStatus",
    "verificationStatus",
    "type",
    "category",
    "criticality",
    "code",
    "patient",
    "encounter",
    "onset[x]",
    "recordedDate",
    "recorder",
    "asserter",
    "lastOccurrence",
    "reaction",
  ],
  ImagingStudy: [
    "status",
    "modality",
    "subject",
    "encounter",
    "started",
    "numberOfSeries",
    "numberOfInstances",
    "procedureCode",
    "reasonCode",
    "reasonReference",
    "series",
  ],
  Claim: [
    "status",
    "type",
    "subType",
    "use",
    "patient",
    "billablePeriod",
    "created",
    "provider",
    "priority",
    "prescription",
    "careTeam",
    "supportingInfo",
    "diagnosis",
    "procedure",
    "insurance",
    "item",
    "total",
  ],
  ExplanationOfBenefit: [
    "status",
    "type",
    "subType",
    "use",
    "patient",
    "billablePeriod",
    "created",
    "provider",
    "outcome",
    "claim",
    "careTeam",
    "supportingInfo",
    "diagnosis",
    "procedure",
    "insurance",
    "item",
    "addItem",
    "adjudication",
    "total",
    "payment",
    "benefitPeriod",
  ],
  // Who treated the patient is not what research needs, and a hospital's name or address places
  // the patient below state level: only an opaque pseudonym and the kind of organisation stay.
  Organization: ["active", "type"],
  Practitioner: ["active"],
};

/** Dropped wherever they appear: identifiers, contact details, people's names, attachments, URLs. */
const droppedElements = new Set([
  "identifier",
  "modifierExtension",
  "meta",
  "contained",
  "implicitRules",
  "text",
  "note",
  "progress",
  "name",
  "alias",
  "telecom",
  "address",
  "contact",
  "photo",
  "presentedForm",
  "attachment",
  "content",
  "data",
  "url",
  "accident",
  "payee",
  "udiCarrier",
  "lotNumber",
]);

/** Free text when they hold a string (a CodeableConcept of the same name is kept). */
const freeTextElements = new Set([
  "description",
  "comment",
  "patientInstruction",
  "title",
  "conclusion",
  "disposition",
  "preAuthRef",
  "statusReason",
  "series",
]);

/** Choice types that carry free text, identifiers, contact details or files: valueString, … */
const droppedChoiceTypes =
  /^[a-z][A-Za-z]*(String|Markdown|Uri|Url|Canonical|Oid|Uuid|Id|Attachment|Identifier|HumanName|Address|ContactPoint|Base64Binary|Signature|Annotation)$/;

/** Code systems whose codes link a resource to a condition (care grants, cohorts). */
const clinicalCodeSystems = new Set([
  "http://snomed.info/sct",
  "http://loinc.org",
  "http://www.nlm.nih.gov/research/umls/rxnorm",
  "http://hl7.org/fhir/sid/cvx",
  "http://hl7.org/fhir/sid/icd-10",
  "http://hl7.org/fhir/sid/icd-10-cm",
  "http://hl7.org/fhir/sid/icd-9-cm",
  "http://hl7.org/fhir/sid/ndc",
  "http://www.ama-assn.org/go/cpt",
  "http://www.genenames.org",
]);

/** Targets whose names a reference's display would spell out. */
const peopleAndPlaces = new Set(["Patient", "Practitioner", "Organization"]);

const maskedValue = () => ({
  coding: [
    {
      system: "http://terminology.hl7.org/CodeSystem/data-absent-reason",
      code: "masked",
      display: "Masked",
    },
  ],
});

const identifyingPatterns = [
  /https?:\/\/|\bwww\./i, // URL
  /@[^\s@]+\.[a-z]{2,}/i, // email
  /(^|[^\d.])\d{1,3}(\.\d{1,3}){3}($|[^\d.])/, // IPv4 address
  /\b\d{3}-\d{2}-\d{4}\b/, // SSN
  /(\(\d{3}\)\s*|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b/, // US phone or fax
];

type Context = {
  pseudonymKey: Uint8Array;
  shiftDays: number;
  index: BundleIndex;
  types: readonly IngestibleResourceType[];
  pseudonyms: readonly string[];
  /** Entries left out of the record; references to them are dropped like external ones. */
  excluded: ReadonlySet<number>;
  /** Entries the resource being de-identified refers to (filled in as references are rewritten). */
  referenced: Set<number>;
};

/**
 * De-identifies one patient's validated bundle. The same bundle and secrets give byte-identical
 * output; another pseudonym key gives other ids throughout.
 */
export function deidentifyBundle(
  bundle: ValidBundle,
  secrets: DeidentificationSecrets,
  options: DeidentificationOptions,
): DeidentifiedPatient {
  checkSecrets(secrets);
  const entries = bundle.entry;
  const patientIndex = entries.findIndex((entry) => entry.resource.resourceType === "Patient");
  if (patientIndex === -1) {
    throw new ServiceError(
      422,
      "This bundle holds no patient (it lists organisations or practitioners), so there is nothing to de-identify.",
    );
  }
  const sourceIds = entries.map((entry) => sourceIdOf(entry) as string);
  const sourcePatientId = sourceIds[patientIndex] as string;
  const context: Context = {
    pseudonymKey: secrets.pseudonymKey,
    shiftDays: dateShiftDaysFor(secrets.dateShiftKey, sourcePatientId),
    index: indexBundle(entries),
    types: entries.map((entry) => entry.resource.resourceType),
    pseudonyms: sourceIds.map((id) => pseudonymFor(secrets.pseudonymKey, id)),
    excluded: new Set(),
    referenced: new Set(),
  };
  const patient = entries[patientIndex]!.resource;
  const { age, asOf } = ageOf(patient, options.today);
  const address = homeAddressOf(patient);
  if (age !== null && age >= 90) {
    context.excluded = recordedBeforeAge90(entries, patientIndex, asOf);
  }

  const cleaned = entries.map((entry, i) => {
    if (context.excluded.has(i)) return null;
    context.referenced = new Set();
    const resource =
      entry.resource.resourceType === "Patient"
        ? deidentifyPatient(entry.resource, context.pseudonyms[i] as string, age, address, context)
        : deidentifyResource(entry.resource, context.pseudonyms[i] as string, context);
    return { resource, codes: clinicalCodesOf(resource), referenced: context.referenced };
  });

  const resources: DeidentifiedResource[] = cleaned.flatMap((item, i) => {
    if (item === null) return [];
    // A resource about a condition (an encounter for it, a claim for it, a drug given for it) is
    // linked by that condition's codes too.
    const codes = new Set(item.codes);
    for (const target of item.referenced) {
      if (context.types[target] === "Condition") {
        for (const code of cleaned[target]?.codes ?? []) codes.add(code);
      }
    }
    return [
      {
        resourceId: context.pseudonyms[i] as string,
        resourceType: context.types[i] as IngestibleResourceType,
        codes: [...codes].sort(),
        resource: item.resource,
      },
    ];
  });

  return {
    pseudoId: context.pseudonyms[patientIndex] as string,
    sex: sexOf(patient.gender),
    ageBand: age === null ? "unknown" : ageBandOf(age),
    zip3: address ? zip3Of(address.postalCode, address.country) : null,
    dateShiftDays: context.shiftDays,
    resources,
  };
}

/** Five-year bands up to 85-89, then "90+" for every age over 89 (Safe Harbor). */
export function ageBandOf(age: number): string {
  if (age >= 90) return "90+";
  const low = Math.max(0, Math.floor(age / 5) * 5);
  return `${low}-${low + 4}`;
}

function checkSecrets(secrets: DeidentificationSecrets): void {
  if (secrets.pseudonymKey.length < 32 || secrets.dateShiftKey.length < 32) {
    throw new TypeError("De-identification keys must be at least 32 bytes each");
  }
  // Under one key the patient's pseudonym would be the very HMAC its date shift is read from.
  const { pseudonymKey, dateShiftKey } = secrets;
  if (
    pseudonymKey.length === dateShiftKey.length &&
    pseudonymKey.every((byte, i) => byte === dateShiftKey[i])
  ) {
    throw new TypeError("The pseudonym key and the date-shift key must differ");
  }
}

function deidentifyPatient(
  patient: Record<string, unknown>,
  pseudoId: string,
  age: number | null,
  address: Record<string, unknown> | null,
  context: Context,
): Record<string, unknown> {
  const out: Record<string, unknown> = { resourceType: "Patient", id: pseudoId };
  const extension = clean(patient.extension, "extension", context);
  if (extension !== undefined) out.extension = extension;
  if (typeof patient.gender === "string") out.gender = patient.gender;
  // Over 89 even the year of birth tells the age, so the birth date goes altogether.
  if (typeof patient.birthDate === "string" && age !== null && age < 90) {
    const birthDate = shiftFhirDateTime(patient.birthDate, context.shiftDays);
    if (birthDate) out.birthDate = birthDate;
  }
  if (typeof patient.deceasedBoolean === "boolean") out.deceasedBoolean = patient.deceasedBoolean;
  if (typeof patient.deceasedDateTime === "string") {
    const deceased = shiftFhirDateTime(patient.deceasedDateTime, context.shiftDays);
    if (deceased) out.deceasedDateTime = deceased;
  }
  if (address) {
    const generalised: Record<string, unknown> = {};
    if (typeof address.state === "string") generalised.state = address.state;
    if (typeof address.country === "string") generalised.country = address.country;
    if (Object.keys(generalised).length > 0) out.address = [generalised];
  }
  const maritalStatus = clean(patient.maritalStatus, "maritalStatus", context);
  if (maritalStatus !== undefined) out.maritalStatus = maritalStatus;
  if (typeof patient.multipleBirthBoolean === "boolean") {
    out.multipleBirthBoolean = patient.multipleBirthBoolean;
  } else if (typeof patient.multipleBirthInteger === "number") {
    out.multipleBirthBoolean = true; // the birth order is dropped; being one of several is kept
  }
  const communication = clean(patient.communication, "communication", context);
  if (communication !== undefined) out.communication = communication;
  return out;
}

function deidentifyResource(
  resource: Record<string, unknown>,
  pseudonym: string,
  context: Context,
): Record<string, unknown> {
  const type = resource.resourceType as Exclude<IngestibleResourceType, "Patient">;
  const out: Record<string, unknown> = { resourceType: type, id: pseudonym };
  const kept = keptElements[type];
  for (const [key, value] of Object.entries(resource)) {
    if (!isKept(key, kept) || isDropped(key, value)) continue;
    const cleaned = clean(value, key, context);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  if (type === "Observation") {
    dropAgeOver89(out);
    maskDroppedValue(resource, out);
  }
  return out;
}

function isKept(key: string, kept: readonly string[]): boolean {
  for (const element of kept) {
    if (element === key) return true;
    if (element.endsWith("[x]")) {
      const prefix = element.slice(0, -3);
      if (key.startsWith(prefix) && /^[A-Z]/.test(key.slice(prefix.length))) return true;
    }
  }
  return false;
}

/** LOINC codes of observations whose value is the patient's age in years. */
const ageObservationCodes = new Set(["30525-0", "21612-7", "29553-5", "63900-5"]);

/** An observation that records the age itself, as a bare number over 89, loses the number. */
function dropAgeOver89(observation: Record<string, unknown>): void {
  const coding = (observation.code as { coding?: { system?: unknown; code?: unknown }[] })?.coding;
  const isAge = coding?.some(
    (code) => code.system === "http://loinc.org" && ageObservationCodes.has(String(code.code)),
  );
  if (!isAge) return;
  for (const key of ["valueInteger", "valueDecimal"]) {
    if (typeof observation[key] === "number" && (observation[key] as number) >= 90) {
      delete observation[key];
    }
  }
}

/** An observation whose value was dropped says the value is masked, not that there was none. */
function maskDroppedValue(source: Record<string, unknown>, out: Record<string, unknown>): void {
  const hasValue = (object: Record<string, unknown>) =>
    Object.keys(object).some((key) => /^value[A-Z]/.test(key));
  if (hasValue(source) && !hasValue(out) && out.dataAbsentReason === undefined) {
    out.dataAbsentReason = maskedValue();
  }
}

function isDropped(name: string, value: unknown): boolean {
  return (
    droppedElements.has(name) ||
    droppedChoiceTypes.test(name) ||
    (freeTextElements.has(name) && typeof value === "string")
  );
}

function clean(value: unknown, key: string, context: Context): unknown {
  if (key === "extension") {
    if (!Array.isArray(value)) return undefined;
    const kept = value
      .map((extension) => keepExtension(extension, (item, type) => clean(item, type, context)))
      .filter((extension) => extension !== null);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value === "string") return cleanString(value, key, context);
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) {
    const items = value
      .map((item) => clean(item, key, context))
      .filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === "object" && value !== null) {
    return cleanObject(value as Record<string, unknown>, key, context);
  }
  return undefined;
}

function cleanString(value: string, key: string, context: Context): string | undefined {
  // A date the shift cannot read is dropped rather than kept as it was.
  if (isDateElement(key) || hasFullDate(value)) {
    return shiftFhirDateTime(value, context.shiftDays) ?? undefined;
  }
  if (key === "system" || key === "code" || key === "version") return value;
  return looksIdentifying(value) ? undefined : value;
}

function cleanObject(
  object: Record<string, unknown>,
  key: string,
  context: Context,
): Record<string, unknown> | undefined {
  if (typeof object.reference === "string") return cleanReference(object, context);
  if (isAgeOver89(object)) return undefined;
  const isCoding = typeof object.system === "string" || typeof object.code === "string";
  const isCodeableConcept = Array.isArray(object.coding);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(object)) {
    if (name === "text" && isCodeableConcept && typeof value === "string") {
      // The text of a coded concept is the code's wording; a concept with no coding is free text.
      if (!looksIdentifying(value)) out.text = value;
      continue;
    }
    if (name === "display") {
      if (isCoding && typeof value === "string" && !looksIdentifying(value)) out.display = value;
      continue;
    }
    if (isDropped(name, value)) continue;
    if (name === "uid" && typeof value === "string") {
      out.uid = pseudonymousUid(context.pseudonymKey, value);
      continue;
    }
    const cleaned = clean(value, name, context);
    if (cleaned !== undefined) out[name] = cleaned;
  }
  if (key === "component") maskDroppedValue(object, out);
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A reference to an entry of the bundle becomes `Type/pseudonym`; one to anything else (another
 * server, a contained resource, a search) is dropped, since its text can itself identify.
 */
function cleanReference(
  reference: Record<string, unknown>,
  context: Context,
): Record<string, unknown> | undefined {
  const target = context.index.resolve(reference.reference as string);
  if (target.kind !== "entry" || context.excluded.has(target.index)) return undefined;
  context.referenced.add(target.index);
  const type = context.types[target.index] as IngestibleResourceType;
  const out: Record<string, unknown> = {
    reference: `${type}/${context.pseudonyms[target.index]}`,
  };
  if (typeof reference.type === "string") out.type = reference.type;
  const display = reference.display;
  if (typeof display === "string" && !peopleAndPlaces.has(type) && !looksIdentifying(display)) {
    out.display = display;
  }
  return out;
}

function looksIdentifying(text: string): boolean {
  return identifyingPatterns.some((pattern) => pattern.test(text));
}

/** An Age (or any quantity in years) over 89 is itself a Safe Harbor identifier. */
function isAgeOver89(object: Record<string, unknown>): boolean {
  if (typeof object.value !== "number") return false;
  const unit = String(object.code ?? object.unit ?? "").toLowerCase();
  if (["a", "yr", "yrs", "y", "year", "years"].includes(unit)) return object.value >= 90;
  if (["mo", "month", "months"].includes(unit)) return object.value >= 90 * 12;
  return false;
}

function clinicalCodesOf(resource: unknown): string[] {
  const codes = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      const object = value as Record<string, unknown>;
      if (
        typeof object.system === "string" &&
        typeof object.code === "string" &&
        clinicalCodeSystems.has(object.system)
      ) {
        codes.add(`${object.system}|${object.code}`);
      }
      Object.values(object).forEach(walk);
    }
  };
  walk(resource);
  return [...codes];
}

/** The patient's age in whole years, and the day it is counted to: today, or the day they died. */
function ageOf(patient: Record<string, unknown>, today: Date): { age: number | null; asOf: Date } {
  const died =
    typeof patient.deceasedDateTime === "string"
      ? parseFhirDateTime(patient.deceasedDateTime)
      : null;
  const diedOn = died ? dateOf(died) : null;
  const asOf = diedOn && diedOn.getTime() < today.getTime() ? diedOn : today;
  const birth = typeof patient.birthDate === "string" ? parseFhirDateTime(patient.birthDate) : null;
  return { age: birth ? Math.max(0, wholeYearsBetween(birth, asOf)) : null, asOf };
}

/**
 * For a patient over 89, the resources dated more than 90 years before `asOf`: an encounter in 1930
 * of a patient alive today says they are at least 96, which the "90+" band exists to hide. Their
 * childhood record goes; what stays cannot show an age above 90.
 */
function recordedBeforeAge90(
  entries: ValidBundle["entry"],
  patientIndex: number,
  asOf: Date,
): Set<number> {
  const cutoff = new Date(asOf);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - 90);
  const cutoffDay = cutoff.toISOString().slice(0, 10);
  const excluded = new Set<number>();
  const isEarlier = (value: unknown): boolean => {
    if (typeof value === "string") return hasFullDate(value) && value.slice(0, 10) < cutoffDay;
    if (Array.isArray(value)) return value.some(isEarlier);
    if (typeof value === "object" && value !== null) return Object.values(value).some(isEarlier);
    return false;
  };
  entries.forEach((entry, i) => {
    if (i !== patientIndex && isEarlier(entry.resource)) excluded.add(i);
  });
  return excluded;
}

function dateOf(parts: FhirDateParts): Date {
  return new Date(Date.UTC(parts.year, (parts.month ?? 1) - 1, parts.day ?? 1));
}

/** The address the ZIP3 and state are taken from: the current home address, else the first. */
function homeAddressOf(patient: Record<string, unknown>): Record<string, unknown> | null {
  if (!Array.isArray(patient.address)) return null;
  const addresses = patient.address.filter(
    (address): address is Record<string, unknown> =>
      typeof address === "object" && address !== null,
  );
  const current = addresses.filter(
    (address) => !(address.period as { end?: unknown } | undefined)?.end,
  );
  return current.find((address) => address.use === "home") ?? current[0] ?? addresses[0] ?? null;
}

function sexOf(gender: unknown): Sex {
  return gender === "female" || gender === "male" || gender === "other" ? gender : "unknown";
}
