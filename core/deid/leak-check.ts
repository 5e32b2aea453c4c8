// A second, independent look at de-identified output: every identifier found in the source bundle is
// searched for in the serialised result. Ingest can refuse to store a record this finds anything in.
//
// Matching rules, chosen so a hit means a leak and not a coincidence:
// - Everything is matched as a whole token: the characters either side are not letters or digits,
//   and a number is not matched inside a longer decimal ("12345" is not found in "0.12345").
// - Matching ignores case (a stricter search than matching it). Name parts are split into words
//   and words shorter than three letters are skipped ("Al", "Jo" occur inside codes and words
//   however clean the record is); honorifics are matched with their dot ("Mr.", "Dr.").
// - A name or city word that the source's own coded terminology also uses ("Parkinson" in
//   "Parkinson's disease", "Reading") is not a leak when the output keeps that terminology; such
//   words are returned as exempted, so a caller can see them.
// - Identifier values shorter than six characters are skipped: Synthea's practitioner NPIs run "0" to
//   "99999" and cannot be told from blood pressures and sequence numbers. Real NPIs have ten digits.
// - A source date (YYYY-MM-DD) found in the output is a leak unless it is also the shifted image of
//   another source date of the same patient, since with hundreds of dates some shifted ones land on
//   other true ones.
import type { DeidentifiedPatient } from "#core/custody/patient.ts";
import { shiftFhirDateTime } from "#core/fhir/datetime.ts";
import { allowedExtensions } from "./extensions.ts";

export const identifierCategories = [
  "name",
  "organisation name",
  "address line",
  "city",
  "postal code",
  "telecom",
  "identifier value",
  "date",
  "source id",
  "url",
  "coordinates",
  "dicom uid",
  "narrative number",
] as const;

export type IdentifierCategory = (typeof identifierCategories)[number];

export type SourceIdentifiers = Record<IdentifierCategory, Set<string>>;

export type IdentifierLeak = { category: IdentifierCategory; value: string };

export type LeakCheck = {
  leaks: IdentifierLeak[];
  /** Name and city words not searched for because the kept terminology uses them too. */
  exempted: string[];
};

const minNameLetters = 3;
const minIdentifierLength = 6;
const minNarrativeDigits = 8;

/** Every identifier in a source bundle, by category. */
export function collectSourceIdentifiers(bundle: { entry: readonly unknown[] }): SourceIdentifiers {
  const found = Object.fromEntries(
    identifierCategories.map((category) => [category, new Set<string>()]),
  ) as SourceIdentifiers;
  const add = (category: IdentifierCategory, value: unknown) => {
    if (typeof value === "string" && value.trim() !== "") found[category].add(value.trim());
  };
  const terminologySystems = new Set<string>();
  const allowedUrls = new Set(Object.keys(allowedExtensions));
  const urls = new Set<string>();

  const addName = (name: unknown) => {
    if (typeof name !== "object" || name === null) return;
    const { given, family, prefix, suffix } = name as Record<string, unknown>;
    for (const part of [family, ...asArray(given)]) {
      if (typeof part !== "string") continue;
      for (const word of part.split(/[^\p{L}\p{N}]+/u)) {
        if ([...word].length >= minNameLetters) add("name", word);
      }
    }
    for (const honorific of [...asArray(prefix), ...asArray(suffix)]) add("name", honorific);
  };
  const addAddress = (address: unknown) => {
    if (typeof address !== "object" || address === null) return;
    const { line, city, postalCode } = address as Record<string, unknown>;
    for (const part of asArray(line)) add("address line", part);
    add("city", city);
    if (typeof postalCode === "string") {
      const digits = postalCode.trim();
      add("postal code", /^\d{4}$/.test(digits) ? `0${digits}` : digits);
    }
  };

  const walk = (value: unknown, key: string, parent: Record<string, unknown> | null) => {
    if (typeof value === "string") {
      // urn:uuid: names are source ids, searched for as such.
      if (/^(https?:|urn:(?!uuid:))/.test(value)) {
        // A coding's system, and its code when that is a URL too (Blue Button's adjudication codes).
        const isTerminology =
          (key === "system" || key === "code") &&
          parent !== null &&
          "system" in parent &&
          "code" in parent;
        if (isTerminology) terminologySystems.add(value);
        else if (!(key === "url" && allowedUrls.has(value))) urls.add(value);
      }
      const date = /^(\d{4}-\d{2}-\d{2})/.exec(value);
      if (date) add("date", date[1]);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item) => walk(item, key, parent));
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const object = value as Record<string, unknown>;
    for (const [name, child] of Object.entries(object)) {
      if (name === "identifier") {
        for (const identifier of asArray(child)) {
          const identifierValue = (identifier as { value?: unknown } | null)?.value;
          if (
            typeof identifierValue === "string" &&
            identifierValue.length >= minIdentifierLength
          ) {
            add("identifier value", identifierValue);
          }
        }
      }
      if (name === "name" && Array.isArray(child)) child.forEach(addName);
      if (name === "name" && typeof child === "string" && object.resourceType === "Organization") {
        add("organisation name", child.replace(/[\s\-–,]+$/u, ""));
      }
      if (name === "address") asArray(child).forEach(addAddress);
      if (name === "valueAddress") addAddress(child);
      if (name === "telecom") {
        for (const telecom of asArray(child))
          addTelecom(found, (telecom as { value?: unknown })?.value);
      }
      if (name === "valueString" && typeof object.url === "string" && /maiden/i.test(object.url)) {
        for (const word of child === undefined ? [] : String(child).split(/\s+/)) {
          if ([...word].length >= minNameLetters) add("name", word);
        }
      }
      if ((name === "latitude" || name === "longitude") && typeof child === "number") {
        add("coordinates", String(child));
      }
      if (object.url === "latitude" || object.url === "longitude") {
        if (name === "valueDecimal" && typeof child === "number") add("coordinates", String(child));
      }
      if (name === "uid") add("dicom uid", child);
      if (name === "id" && typeof object.resourceType === "string" && parent === null) {
        add("source id", child);
      }
      if (name === "fullUrl" && typeof child === "string" && child.startsWith("urn:uuid:")) {
        add("source id", child.slice("urn:uuid:".length));
      }
      if (name === "div" && typeof child === "string") {
        for (const url of child.match(/https?:\/\/[^\s"'<>]+/g) ?? []) urls.add(url);
        for (const digits of child.match(/\d+/g) ?? []) {
          if (digits.length >= minNarrativeDigits) add("narrative number", digits);
        }
      }
      walk(child, name, object);
    }
  };
  for (const entry of bundle.entry) {
    if (typeof entry !== "object" || entry === null) continue;
    const { fullUrl, resource } = entry as { fullUrl?: unknown; resource?: unknown };
    if (typeof fullUrl === "string" && fullUrl.startsWith("urn:uuid:")) {
      add("source id", fullUrl.slice("urn:uuid:".length));
    }
    walk(resource, "resource", null);
  }
  for (const url of urls) if (!terminologySystems.has(url)) add("url", url);
  return found;
}

function addTelecom(found: SourceIdentifiers, value: unknown): void {
  if (typeof value !== "string") return;
  found.telecom.add(value.trim());
  // "555-978-4581 Or 978-741-1215": each number, also as bare digits.
  for (const part of value.split(/[a-z]{2,}/i)) {
    const digits = part.replace(/\D/g, "");
    if (digits.length >= 7) {
      found.telecom.add(part.trim());
      found.telecom.add(digits);
    }
  }
}

/** Searches the serialised de-identified record for every identifier of its source bundle. */
export function findLeakedIdentifiers(
  source: { entry: readonly unknown[] },
  deidentified: DeidentifiedPatient,
): LeakCheck {
  const identifiers = collectSourceIdentifiers(source);
  const output = JSON.stringify(deidentified);
  const lower = output.toLowerCase();
  const terminologyWords = terminologyWordsOf(source);
  const leaks: IdentifierLeak[] = [];
  const exempted: string[] = [];
  // Thousands of UUIDs per record: looked up in the set of the output's UUIDs, not one search each.
  const outputUuids = new Set(lower.match(uuidPattern) ?? []);
  const found = (needle: string) =>
    uuidOnly.test(needle) ? outputUuids.has(needle) : containsToken(lower, needle);

  for (const category of identifierCategories) {
    if (category === "date") continue;
    for (const value of identifiers[category]) {
      const needle = value.toLowerCase();
      if (!found(needle)) continue;
      if ((category === "name" || category === "city") && terminologyWords.has(needle)) {
        exempted.push(value);
        continue;
      }
      leaks.push({ category, value });
    }
  }

  const outputDates = new Set(output.match(/\d{4}-\d{2}-\d{2}/g) ?? []);
  const shiftedImages = new Set(
    [...identifiers.date].map((date) => shiftFhirDateTime(date, deidentified.dateShiftDays)),
  );
  for (const date of identifiers.date) {
    if (outputDates.has(date) && !shiftedImages.has(date))
      leaks.push({ category: "date", value: date });
  }
  return { leaks, exempted };
}

/** Lower-cased words of the coded terminology a source keeps: coding displays and concept texts. */
function terminologyWordsOf(source: { entry: readonly unknown[] }): Set<string> {
  const words = new Set<string>();
  const addWords = (text: unknown) => {
    if (typeof text !== "string") return;
    for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (word) words.add(word);
    words.add(text.toLowerCase());
  };
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      const object = value as Record<string, unknown>;
      if ("code" in object || "system" in object) addWords(object.display);
      if (Array.isArray(object.coding)) addWords(object.text);
      Object.values(object).forEach(walk);
    }
  };
  walk(source.entry);
  return words;
}

// \b: inside the record's 64-hex pseudonyms no match is even tried.
const uuidPattern = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const uuidOnly = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const wordCharacter = /[\p{L}\p{N}]/u;
const digit = /\d/;

/** True when `needle` occurs in `text` as a whole token (see the rules at the top). */
export function containsToken(text: string, needle: string): boolean {
  if (needle === "") return false;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const before = text[at - 1] ?? "";
    const after = text[at + needle.length] ?? "";
    if (wordCharacter.test(needle[0] as string) && wordCharacter.test(before)) continue;
    if (wordCharacter.test(needle.at(-1) as string) && wordCharacter.test(after)) continue;
    // Not the tail or the head of a decimal number.
    if (digit.test(needle[0] as string) && before === "." && digit.test(text[at - 2] ?? ""))
      continue;
    if (
      digit.test(needle.at(-1) as string) &&
      after === "." &&
      digit.test(text[at + needle.length + 1] ?? "")
    ) {
      continue;
    }
    return true;
  }
  return false;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}
