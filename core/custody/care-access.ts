// Care access: with a patient's grant for one condition, a provider reads that condition's full
// history and nothing unrelated. What counts as linked follows FHIR R4's own references:
//
//   1. The granted conditions: Condition resources coded with the granted code or a code declared
//      under it (clinical-codes.ts, conditionSubCodes).
//   2. Linked encounters: an Encounter whose reasonReference or diagnosis.condition points at a
//      granted condition or whose reasonCode is a granted code, and the encounter a granted
//      condition was recorded in (Condition.encounter).
//   3. Linked records: an Observation, Procedure, MedicationRequest, CarePlan, Goal,
//      DiagnosticReport or ImagingStudy that names a granted condition (reasonReference, addresses,
//      reasonCode, or a value coded with it), or that was made in a linked encounter (`encounter`),
//      and a Goal a linked CarePlan pursues.
//   4. The measurements declared as the condition's (clinical-codes.ts, conditionMeasures): every
//      blood pressure for a hypertension grant, every HbA1c for diabetes, whichever visit took them.
//
// And, whatever the links say, never:
//   - any other Condition, or a record that names one (by reference or by its code), or whose
//     reasonCode gives a reason outside the grant: a drug given for both the granted condition and
//     another is withheld rather than disclose the other, and so is the sinusitis visit at which
//     diabetes happened to be recorded;
//   - a record in a sensitive category (mental health, substance use, HIV and sexual health, abuse)
//     unless the grant is for a condition in that category;
//   - billing (Claim, ExplanationOfBenefit), immunisations, allergies, the directory entries and the
//     Patient resource: none of them is the condition's history.
import {
  LOINC,
  conditionMeasures,
  expandConditionCode,
  observationCodes,
  sensitiveCategories,
} from "./clinical-codes.ts";
import type {
  DeidentifiedPatient,
  DeidentifiedResource,
  IngestibleResourceType,
} from "./patient.ts";
import { hasCode, isUsable, ownConditionCodes } from "./readings.ts";

/** The resource types a care grant can release. */
export const careResourceTypes: readonly IngestibleResourceType[] = [
  "Condition",
  "Encounter",
  "Observation",
  "Procedure",
  "MedicationRequest",
  "CarePlan",
  "Goal",
  "DiagnosticReport",
  "ImagingStudy",
];

/**
 * The patient's resources linked to the granted condition, in record order.
 * @param conditionCode "system|code", e.g. "http://snomed.info/sct|38341003" (hypertension).
 */
export function linkedToCondition(
  patient: DeidentifiedPatient,
  conditionCode: string,
): DeidentifiedResource[] {
  if (!/^[^|]+\|[^|]+$/.test(conditionCode)) {
    throw new TypeError(`A granted condition is "system|code", not "${conditionCode}"`);
  }
  const granted = expandConditionCode(conditionCode);
  const closed = sensitiveCategories.filter(
    (category) => ![...granted].some((code) => category.codes.has(code)),
  );

  const measures = conditionMeasures
    .filter((family) => [...granted].some((code) => family.conditions.has(code)))
    .flatMap((family) => family.measures.flatMap((measure) => observationCodes[measure]));

  const conditions = patient.resources.filter(
    (resource) => resource.resourceType === "Condition" && isUsable(resource.resource),
  );
  const isGranted = (condition: DeidentifiedResource) =>
    ownConditionCodes(condition).some((code) => granted.has(code));
  const grantedConditions = conditions.filter(isGranted);
  const grantedRefs = new Set(grantedConditions.map((condition) => referenceTo(condition)));
  const otherRefs = new Set(
    patient.resources
      .filter(
        (resource) =>
          resource.resourceType === "Condition" && !grantedRefs.has(referenceTo(resource)),
      )
      .map(referenceTo),
  );
  const otherCodes = new Set(
    conditions
      .filter((condition) => !isGranted(condition))
      .flatMap(ownConditionCodes)
      .filter((code) => !granted.has(code)),
  );

  const namesGranted = (resource: DeidentifiedResource, refs: Set<string>) =>
    resource.codes.some((code) => granted.has(code)) ||
    [...refs].some((ref) => grantedRefs.has(ref));
  const withheld = (resource: DeidentifiedResource, refs: Set<string>) =>
    !careResourceTypes.includes(resource.resourceType) ||
    !isUsable(resource.resource) ||
    (resource.resourceType === "Condition" && !grantedRefs.has(referenceTo(resource))) ||
    resource.codes.some((code) => otherCodes.has(code)) ||
    [...refs].some((ref) => otherRefs.has(ref)) ||
    reasonsOutside(resource.resource, granted) ||
    closed.some((category) => resource.codes.some((code) => category.codes.has(code)));

  const refsOf = new Map(
    patient.resources.map((resource) => [resource, referencesIn(resource.resource)]),
  );
  const recordedIn = new Set(grantedConditions.map((condition) => encounterOf(condition.resource)));
  const linkedEncounters = new Set(
    patient.resources
      .filter((resource) => resource.resourceType === "Encounter")
      .filter((encounter) => {
        const refs = refsOf.get(encounter) as Set<string>;
        return (
          !withheld(encounter, refs) &&
          (namesGranted(encounter, refs) || recordedIn.has(referenceTo(encounter)))
        );
      })
      .map(referenceTo),
  );

  const linked = patient.resources.filter((resource) => {
    const refs = refsOf.get(resource) as Set<string>;
    if (withheld(resource, refs)) return false;
    if (resource.resourceType === "Encounter") return linkedEncounters.has(referenceTo(resource));
    const inLinkedEncounter = linkedEncounters.has(encounterOf(resource.resource) ?? "");
    const isMeasure =
      resource.resourceType === "Observation" && hasCode(resource.resource.code, LOINC, measures);
    return namesGranted(resource, refs) || inLinkedEncounter || isMeasure;
  });
  const pursuedGoals = new Set(
    linked
      .filter((resource) => resource.resourceType === "CarePlan")
      .flatMap((plan) => referencesOfKey(plan.resource.goal)),
  );
  const linkedSet = new Set(linked);
  return patient.resources.filter(
    (resource) =>
      linkedSet.has(resource) ||
      (resource.resourceType === "Goal" &&
        pursuedGoals.has(referenceTo(resource)) &&
        !withheld(resource, refsOf.get(resource) as Set<string>)),
  );
}

/** Whether a reasonCode concept has no coding in the grant (a concept may carry several codings). */
function reasonsOutside(resource: Record<string, unknown>, granted: ReadonlySet<string>): boolean {
  const reasons = Array.isArray(resource.reasonCode) ? resource.reasonCode : [];
  return reasons.some((concept: { coding?: { system?: unknown; code?: unknown }[] }) => {
    const coding = concept?.coding ?? [];
    return !coding.some((code) => granted.has(`${String(code.system)}|${String(code.code)}`));
  });
}

function referenceTo(resource: DeidentifiedResource): string {
  return `${resource.resourceType}/${resource.resourceId}`;
}

function encounterOf(resource: Record<string, unknown>): string | undefined {
  const reference = (resource.encounter as { reference?: unknown } | undefined)?.reference;
  return typeof reference === "string" ? reference : undefined;
}

/** Every reference the resource makes, wherever it sits (reasonReference, diagnosis, addresses, …). */
function referencesIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencesIn(item, found);
  else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "reference" && typeof child === "string") found.add(child);
      else referencesIn(child, found);
    }
  }
  return found;
}

function referencesOfKey(value: unknown): string[] {
  return [...referencesIn(value)];
}
