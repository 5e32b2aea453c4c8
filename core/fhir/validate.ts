// Checks a FHIR R4 Bundle before any of it is kept: size, shape, dates, references, one patient.
// Every fault is collected and named by its entry and JSON path, so a custodian fixes them in one go.
import { z } from "zod";
import { ingestibleResourceTypes, type IngestibleResourceType } from "#core/custody/patient.ts";
import {
  fhirIdPattern,
  indexBundle,
  uuidUrnPattern,
  type BundleIndex,
  type ValidBundle,
} from "./bundle.ts";
import { isDateElement, isFhirInstant, parseFhirDateTime } from "./datetime.ts";
import { findJsonSyntaxFault } from "./json-syntax.ts";

export type BundleError = {
  /** Index of the entry in `Bundle.entry`; null for a fault of the bundle as a whole. */
  entryIndex: number | null;
  /** The entry's fullUrl, else its `Type/id`; null when it has neither or the fault is bundle-wide. */
  entryRef: string | null;
  /** JSON path of the faulty element from the bundle's root, e.g. `entry[3].resource.subject`. */
  path: string;
  /** The fault, in plain words. */
  message: string;
};

export type BundleLimits = {
  /** Largest bundle text accepted, in UTF-8 bytes; larger text is refused before it is parsed. */
  maxBytes: number;
  /** Most entries accepted; a bundle with more is refused before its entries are checked. */
  maxEntries: number;
  /** Checking stops after this many faults (a last error says so). */
  maxErrors: number;
};

export const defaultBundleLimits: BundleLimits = {
  maxBytes: 5_000_000,
  maxEntries: 5_000,
  maxErrors: 100,
};

export type ValidateBundleOptions = Partial<BundleLimits>;

/** "patient": one person's record. "directory": only Organizations and Practitioners, no patient. */
export type BundleKind = "patient" | "directory";

export type BundleValidation =
  | { ok: true; bundle: ValidBundle; kind: BundleKind; patientIndex: number | null }
  | { ok: false; errors: BundleError[] };

const ingestible = new Set<string>(ingestibleResourceTypes);
const directoryTypes = new Set<string>(["Organization", "Practitioner"]);
const maxNesting = 64;

/** One line for a person: where the fault is and what it is. */
export function describeBundleError(error: BundleError): string {
  const where =
    error.entryIndex === null
      ? "Bundle"
      : `Entry ${error.entryIndex}${error.entryRef ? ` (${error.entryRef})` : ""}`;
  return `${where}${error.path ? ` at ${error.path}` : ""}: ${error.message}`;
}

/** Reads a bundle from text: refuses it unread when too large, and says where malformed JSON breaks. */
export function parseBundleText(
  text: string,
  options: ValidateBundleOptions = {},
): BundleValidation {
  const limits = { ...defaultBundleLimits, ...options };
  const bytes = utf8ByteLength(text, limits.maxBytes);
  if (bytes > limits.maxBytes) {
    return refuse(
      `The bundle is ${formatSize(bytes)}, over the ${formatSize(limits.maxBytes)} limit, ` +
        "so it was not read. Send one patient's record per bundle.",
    );
  }
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    const fault = findJsonSyntaxFault(json);
    return refuse(
      fault
        ? `The file is not valid JSON: at line ${fault.line}, column ${fault.column} ` +
            `(character ${fault.position + 1}): expected ${fault.expected}.`
        : "The file is not valid JSON.",
    );
  }
  return validateBundle(parsed, limits);
}

/** Checks a parsed bundle; on success it is the `ValidBundle` that de-identification accepts. */
export function validateBundle(
  json: unknown,
  options: ValidateBundleOptions = {},
): BundleValidation {
  const limits = { ...defaultBundleLimits, ...options };
  if (!isObject(json)) return refuse("The file is not a FHIR Bundle: it should be a JSON object.");
  if (json.resourceType !== "Bundle") {
    return refuse(
      `The file is not a FHIR Bundle: resourceType is ${describeValue(json.resourceType)}, not "Bundle".`,
      "resourceType",
    );
  }
  const errors = new ErrorList(limits.maxErrors);
  if (json.type !== "transaction" && json.type !== "collection") {
    errors.add(
      null,
      null,
      ["type"],
      `should be "transaction" or "collection", not ${describeValue(json.type)}`,
    );
  }
  const entries = json.entry;
  if (!Array.isArray(entries) || entries.length === 0) {
    errors.add(null, null, ["entry"], "the bundle has no entries");
    return { ok: false, errors: errors.list };
  }
  if (entries.length > limits.maxEntries) {
    return refuse(
      `The bundle has ${entries.length.toLocaleString("en")} entries, over the limit of ` +
        `${limits.maxEntries.toLocaleString("en")}, so they were not checked. ` +
        "Send one patient's record per bundle.",
      "entry",
    );
  }

  const index = indexBundle(entries.map((entry) => (isObject(entry) ? entry : {})));
  const typed: (string | null)[] = [];
  const firstWithFullUrl = new Map<string, number>();
  const firstWithId = new Map<string, { index: number; type: string }>();

  for (let i = 0; i < entries.length && !errors.full; i += 1) {
    const entry: unknown = entries[i];
    const ref = entryRefOf(entry);
    const fault = (path: (string | number)[], message: string) =>
      errors.add(i, ref, ["entry", i, ...path], message);
    typed.push(null);
    if (!isObject(entry)) {
      fault([], "should be an object with a resource");
      continue;
    }
    if (entry.fullUrl !== undefined) {
      if (typeof entry.fullUrl !== "string") fault(["fullUrl"], "should be text");
      else if (entry.fullUrl.startsWith("urn:uuid:") && !uuidUrnPattern.test(entry.fullUrl)) {
        fault(["fullUrl"], `"${entry.fullUrl}" is not a valid urn:uuid (urn:uuid: and a UUID)`);
      } else if (firstWithFullUrl.has(entry.fullUrl)) {
        fault(["fullUrl"], `is the same as entry ${firstWithFullUrl.get(entry.fullUrl)}'s`);
      } else firstWithFullUrl.set(entry.fullUrl, i);
    }
    const resource = entry.resource;
    if (resource === undefined) {
      fault(["resource"], "is missing: every entry must carry a resource");
      continue;
    }
    if (!isObject(resource)) {
      fault(["resource"], `should be an object, not ${describeValue(resource)}`);
      continue;
    }
    const resourceType = resource.resourceType;
    if (resourceType === undefined) {
      fault(["resource", "resourceType"], "is missing: the resource does not say what it is");
      continue;
    }
    if (typeof resourceType !== "string" || !ingestible.has(resourceType)) {
      fault(
        ["resource", "resourceType"],
        `${describeValue(resourceType)} is not a resource type Consentry ingests ` +
          `(it takes ${ingestibleResourceTypes.join(", ")})`,
      );
      continue;
    }
    typed[i] = resourceType;
    if (resource.id === undefined) {
      if (typeof entry.fullUrl !== "string" || !uuidUrnPattern.test(entry.fullUrl)) {
        fault(
          ["resource", "id"],
          "is missing, and the entry has no urn:uuid fullUrl to name it by",
        );
      }
    } else if (typeof resource.id !== "string" || !fhirIdPattern.test(resource.id)) {
      fault(
        ["resource", "id"],
        `${describeValue(resource.id)} is not a FHIR id (1 to 64 letters, digits, '-' or '.')`,
      );
    } else {
      // De-identification names each resource by a keyed hash of its id alone, so an id may name
      // only one resource of the bundle, whatever its type.
      const first = firstWithId.get(resource.id);
      if (first === undefined) firstWithId.set(resource.id, { index: i, type: resourceType });
      else {
        fault(
          ["resource", "id"],
          `"${resource.id}" is also the id of entry ${first.index} (${withArticle(first.type)}); ` +
            "ids must be unique within a bundle",
        );
      }
    }
    const schema = resourceSchemas[resourceType as IngestibleResourceType];
    if (schema) {
      const result = schema.safeParse(resource, { errorMap: plainErrorMap });
      if (!result.success) {
        for (const issue of result.error.issues) fault(["resource", ...issue.path], issue.message);
      }
    }
    checkElements(resource, ["resource"], fault, index, containedIds(resource));
  }

  if (errors.full) return { ok: false, errors: errors.list };

  const patients = typed.flatMap((type, i) => (type === "Patient" ? [i] : []));
  let kind: BundleKind = "patient";
  if (patients.length === 0) {
    const clinical = typed.findIndex((type) => type !== null && !directoryTypes.has(type));
    if (clinical === -1 && typed.every((type) => type !== null)) kind = "directory";
    else if (clinical !== -1) {
      errors.add(
        null,
        null,
        [],
        `holds clinical resources (entry ${clinical} is ${withArticle(typed[clinical] ?? "")}) but no Patient; ` +
          "a bundle must carry exactly one patient's record",
      );
    }
  }
  for (const extra of patients.slice(1)) {
    errors.add(
      extra,
      entryRefOf(entries[extra]),
      ["entry", extra, "resource"],
      `is a second Patient (the first is entry ${patients[0]}); a bundle must carry exactly one patient's record`,
    );
  }
  const patientIndex = patients[0] ?? null;
  if (patients.length === 1 && patientIndex !== null) {
    checkSubjects(entries as unknown[], typed, patientIndex, index, errors);
  }

  if (errors.list.length > 0) return { ok: false, errors: errors.list };
  return { ok: true, bundle: json as ValidBundle, kind, patientIndex };
}

/** Every clinical resource must be about the bundle's one Patient. */
function checkSubjects(
  entries: unknown[],
  typed: (string | null)[],
  patientIndex: number,
  index: BundleIndex,
  errors: ErrorList,
): void {
  entries.forEach((entry, i) => {
    const type = typed[i];
    if (!type || type === "Patient" || directoryTypes.has(type) || !isObject(entry)) return;
    const resource = entry.resource as Record<string, unknown>;
    for (const element of ["subject", "patient"]) {
      const value = resource[element];
      if (!isObject(value) || typeof value.reference !== "string") continue;
      const target = index.resolve(value.reference);
      if (target.kind === "entry" && target.index === patientIndex) continue;
      const what =
        target.kind === "entry"
          ? `entry ${target.index}, ${withArticle(typed[target.index] ?? "resource")}`
          : `"${value.reference}", outside this bundle`;
      errors.add(
        i,
        entryRefOf(entry),
        ["entry", i, "resource", element, "reference"],
        `points to ${what}; it must be the bundle's Patient (entry ${patientIndex})`,
      );
    }
  });
}

type Fault = (path: (string | number)[], message: string) => void;

/** References, dates and modifier extensions, wherever they sit in a resource. */
function checkElements(
  value: unknown,
  path: (string | number)[],
  fault: Fault,
  index: BundleIndex,
  contained: Set<string>,
  depth = 0,
): void {
  if (depth > maxNesting) {
    fault(path, `is nested more than ${maxNesting} levels deep`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) =>
      checkElements(item, [...path, i], fault, index, contained, depth + 1),
    );
    return;
  }
  if (!isObject(value)) return;
  for (const [key, element] of Object.entries(value)) {
    const at = [...path, key];
    if (key === "reference" && !isObject(element) && !Array.isArray(element)) {
      checkReference(element, at, fault, index, contained);
    } else if (key === "modifierExtension" && Array.isArray(element) && element.length > 0) {
      const urls = element.map((extension) => (isObject(extension) ? extension.url : undefined));
      fault(
        at,
        `has a modifier extension (${urls.map((url) => describeValue(url)).join(", ")}) that changes ` +
          "what the resource means; Consentry cannot de-identify what it does not understand",
      );
    } else if (isDateElement(key) && !Array.isArray(element) && !isObject(element)) {
      checkDate(key, element, at, fault);
    } else {
      checkElements(element, at, fault, index, contained, depth + 1);
    }
  }
}

function checkReference(
  reference: unknown,
  at: (string | number)[],
  fault: Fault,
  index: BundleIndex,
  contained: Set<string>,
): void {
  if (typeof reference !== "string" || reference === "") {
    fault(at, `should be text naming a resource, not ${describeValue(reference)}`);
    return;
  }
  const target = index.resolve(reference);
  if (target.kind === "dangling") {
    fault(at, `"${reference}" names no entry in this bundle`);
  } else if (target.kind === "malformed") {
    fault(
      at,
      `"${reference}" is not a reference (expected urn:uuid:…, Type/id, #id or an absolute URL)`,
    );
  } else if (target.kind === "contained" && target.id !== "" && !contained.has(target.id)) {
    fault(at, `"${reference}" names no contained resource of this resource`);
  }
}

function checkDate(key: string, value: unknown, at: (string | number)[], fault: Fault): void {
  if (typeof value !== "string") {
    fault(at, `should be a date written as text, not ${describeValue(value)}`);
    return;
  }
  if (key === "issued" || key === "lastUpdated" || key.endsWith("Instant")) {
    if (!isFhirInstant(value)) {
      fault(at, `"${value}" is not a FHIR instant (YYYY-MM-DDThh:mm:ss with a time zone)`);
    }
    return;
  }
  if (!parseFhirDateTime(value)) {
    fault(
      at,
      `"${value}" is not a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD, or ` +
        "YYYY-MM-DDThh:mm:ss with a time zone) on a real calendar day",
    );
  }
}

function containedIds(resource: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  if (Array.isArray(resource.contained)) {
    for (const item of resource.contained) {
      if (isObject(item) && typeof item.id === "string") ids.add(item.id);
    }
  }
  return ids;
}

// --- the minimum structure Consentry relies on, per resource type --------------------------------

const text = z.string();
const Coding = z
  .object({
    system: text.min(1, "should not be empty").optional(),
    code: text.min(1, "should not be empty").optional(),
    display: text.optional(),
  })
  .passthrough();
const CodeableConcept = z
  .object({ coding: z.array(Coding).optional(), text: text.optional() })
  .passthrough();
/** A CodeableConcept Consentry links by: at least one coding with a system and a code. */
const CodedConcept = CodeableConcept.superRefine((concept, context) => {
  if (!concept.coding?.some((coding) => coding.system && coding.code)) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: ["coding"],
      message: "needs at least one coding with both a system and a code",
    });
  }
});
const Reference = z.object({ reference: text }).passthrough();
const Quantity = z
  .object({ value: z.number().optional(), unit: text.optional(), system: text.optional() })
  .passthrough();
const HumanName = z
  .object({ family: text.optional(), given: z.array(text).optional() })
  .passthrough();
const Address = z
  .object({
    line: z.array(text).optional(),
    city: text.optional(),
    state: text.optional(),
    postalCode: text.optional(),
    country: text.optional(),
  })
  .passthrough();
// A birthDate that is no date at all is reported by the date check; here only a time is wrong.
const birthDate = z.string().refine(
  (value) => {
    const parts = parseFhirDateTime(value);
    return parts === null || parts.rest === "";
  },
  { message: "should be a date without a time (YYYY-MM-DD)" },
);

const resourceSchemas: Partial<Record<IngestibleResourceType, z.ZodTypeAny>> = {
  Patient: z
    .object({
      gender: z.enum(["male", "female", "other", "unknown"]).optional(),
      birthDate: birthDate.optional(),
      deceasedBoolean: z.boolean().optional(),
      name: z.array(HumanName).optional(),
      address: z.array(Address).optional(),
    })
    .passthrough(),
  Encounter: z
    .object({
      subject: Reference,
      class: Coding.optional(),
      type: z.array(CodeableConcept).optional(),
      reasonCode: z.array(CodeableConcept).optional(),
    })
    .passthrough(),
  Condition: z
    .object({
      subject: Reference,
      code: CodedConcept,
      clinicalStatus: CodeableConcept.optional(),
      verificationStatus: CodeableConcept.optional(),
      category: z.array(CodeableConcept).optional(),
    })
    .passthrough(),
  Observation: z
    .object({
      subject: Reference,
      code: CodedConcept,
      category: z.array(CodeableConcept).optional(),
      valueQuantity: Quantity.optional(),
      valueCodeableConcept: CodeableConcept.optional(),
      component: z
        .array(
          z
            .object({
              code: CodedConcept,
              valueQuantity: Quantity.optional(),
              valueCodeableConcept: CodeableConcept.optional(),
            })
            .passthrough(),
        )
        .optional(),
    })
    .passthrough(),
  Procedure: z
    .object({
      subject: Reference,
      code: CodedConcept,
      reasonCode: z.array(CodeableConcept).optional(),
    })
    .passthrough(),
  MedicationRequest: z
    .object({
      subject: Reference,
      medicationCodeableConcept: CodedConcept.optional(),
      medicationReference: Reference.optional(),
      reasonCode: z.array(CodeableConcept).optional(),
    })
    .passthrough()
    .superRefine((request, context) => {
      if (!request.medicationCodeableConcept && !request.medicationReference) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["medicationCodeableConcept"],
          message: "is missing: a MedicationRequest names its medication by a code or a reference",
        });
      }
    }),
};

const plainErrorMap: z.ZodErrorMap = (issue, context) => {
  if (issue.code === z.ZodIssueCode.invalid_type) {
    if (issue.received === "undefined") return { message: "is missing" };
    return { message: `should be ${typeName(issue.expected)}, not ${typeName(issue.received)}` };
  }
  if (issue.code === z.ZodIssueCode.invalid_enum_value) {
    return {
      message: `should be one of ${issue.options.join(", ")}, not ${describeValue(issue.received)}`,
    };
  }
  return { message: context.defaultError };
};

function typeName(type: string): string {
  const names: Record<string, string> = {
    string: "text",
    number: "a number",
    integer: "a whole number",
    boolean: "true or false",
    object: "an object",
    array: "a list",
    null: "null",
  };
  return names[type] ?? type;
}

// --- small helpers -------------------------------------------------------------------------------

class ErrorList {
  readonly list: BundleError[] = [];
  full = false;
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  add(
    entryIndex: number | null,
    entryRef: string | null,
    path: (string | number)[],
    message: string,
  ): void {
    if (this.full) return;
    if (this.list.length >= this.#max) {
      this.full = true;
      this.list.push({
        entryIndex: null,
        entryRef: null,
        path: "",
        message: `checking stopped after ${this.#max} faults; fix these and send the bundle again`,
      });
      return;
    }
    this.list.push({ entryIndex, entryRef, path: formatPath(path), message });
  }
}

function refuse(message: string, path = ""): BundleValidation {
  return { ok: false, errors: [{ entryIndex: null, entryRef: null, path, message }] };
}

function entryRefOf(entry: unknown): string | null {
  if (!isObject(entry)) return null;
  if (typeof entry.fullUrl === "string" && entry.fullUrl !== "") return entry.fullUrl;
  const resource = entry.resource;
  if (
    isObject(resource) &&
    typeof resource.resourceType === "string" &&
    typeof resource.id === "string"
  ) {
    return `${resource.resourceType}/${resource.id}`;
  }
  return null;
}

function formatPath(path: (string | number)[]): string {
  return path
    .map((segment, i) =>
      typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
    )
    .join("");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") return `"${value.length > 60 ? `${value.slice(0, 57)}…` : value}"`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/** UTF-8 length of the text, counted only as far as needed to know it is over `limit`. */
function utf8ByteLength(text: string, limit: number): number {
  if (text.length > limit) return utf8Length(text);
  if (text.length * 3 <= limit) return text.length; // a lower bound that is already within the limit
  return utf8Length(text);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function formatSize(bytes: number): string {
  const format = (value: number) => value.toLocaleString("en", { maximumFractionDigits: 1 });
  if (bytes >= 1_000_000) return `${format(bytes / 1_000_000)} MB`;
  if (bytes >= 1_000) return `${format(bytes / 1_000)} kB`;
  return `${bytes} bytes`;
}

function withArticle(noun: string): string {
  return `${/^[AEIOU]/.test(noun) ? "an" : "a"} ${noun}`;
}
