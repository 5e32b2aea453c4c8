// Extensions a de-identified record may keep: an allow-list by URL, because an extension can carry
// anything (Synthea alone puts a mother's maiden name, a birthplace and home coordinates in them).

/** What may stay of one extension: which value[x] types, and which nested extensions by url. */
export type ExtensionRule = {
  values?: readonly string[];
  children?: Readonly<Record<string, ExtensionRule>>;
};

const ombCoding: ExtensionRule = { values: ["valueCoding"] };

/**
 * Everything else is dropped: patient-mothersMaidenName, patient-birthPlace (a city), geolocation
 * (latitude and longitude of the home), and the free-text "text" part of race and ethnicity, which is
 * whatever the registration clerk typed.
 */
export const allowedExtensions: Readonly<Record<string, ExtensionRule>> = {
  "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race": {
    children: { ombCategory: ombCoding, detailed: ombCoding },
  },
  "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity": {
    children: { ombCategory: ombCoding, detailed: ombCoding },
  },
  "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex": { values: ["valueCode"] },
  // Synthea's burden-of-disease measures: numbers about health, not about who the person is.
  "http://synthetichealth.github.io/synthea/disability-adjusted-life-years": {
    values: ["valueDecimal"],
  },
  "http://synthetichealth.github.io/synthea/quality-adjusted-life-years": {
    values: ["valueDecimal"],
  },
};

/**
 * The extension reduced to what its rule allows, or null when nothing of it may stay. `cleanValue`
 * de-identifies each kept value (a Coding's free text, a date) and may drop it by returning undefined.
 */
export function keepExtension(
  extension: unknown,
  cleanValue: (value: unknown, type: string) => unknown = (value) => value,
  rules: Readonly<Record<string, ExtensionRule>> = allowedExtensions,
): Record<string, unknown> | null {
  if (typeof extension !== "object" || extension === null) return null;
  const { url, extension: children, ...rest } = extension as Record<string, unknown>;
  if (typeof url !== "string") return null;
  const rule = rules[url];
  if (!rule) return null;
  const kept: Record<string, unknown> = { url };
  for (const type of rule.values ?? []) {
    const value = rest[type] === undefined ? undefined : cleanValue(rest[type], type);
    if (value !== undefined) kept[type] = value;
  }
  if (rule.children && Array.isArray(children)) {
    const nested = children
      .map((child) => keepExtension(child, cleanValue, rule.children))
      .filter((child) => child !== null);
    if (nested.length > 0) kept.extension = nested;
  }
  return Object.keys(kept).length > 1 ? kept : null;
}
