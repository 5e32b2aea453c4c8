// The ZIP code a de-identified record may keep: its first three digits, or "000" where the area
// those three digits cover is home to 20,000 people or fewer (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i)(B)).

/**
 * Three-digit ZIP prefixes whose area had 20,000 people or fewer in the 2000 Census, as listed by
 * HHS in its 2012 de-identification guidance (from the Census Bureau's ZIP Code Tabulation Areas,
 * first published with the Privacy Rule amendments, 67 FR 53182, Aug. 14, 2002). HHS asks
 * covered entities to use newer Census data once published; replace this list when it is.
 */
export const restrictedZip3Prefixes: ReadonlySet<string> = new Set([
  "036",
  "059",
  "063",
  "102",
  "203",
  "556",
  "692",
  "790",
  "821",
  "823",
  "830",
  "831",
  "878",
  "879",
  "884",
  "890",
  "893",
]);

const usCountries = new Set(["us", "usa", "united states", "united states of america"]);

/**
 * The ZIP3 of a US postal code: "019" for "01940" or "01940-1234", "000" for a restricted prefix,
 * null when there is no US ZIP code to generalise (missing, malformed, or another country's code).
 * A four-digit code is a ZIP whose leading zero a spreadsheet dropped ("2649" is 02649).
 */
export function zip3Of(postalCode: unknown, country?: unknown): string | null {
  if (typeof postalCode !== "string") return null;
  if (typeof country === "string" && !usCountries.has(country.trim().toLowerCase())) return null;
  const match = /^(\d{4,5})(?:-?\d{4})?$/.exec(postalCode.trim());
  if (!match) return null;
  const zip = (match[1] as string).padStart(5, "0");
  const prefix = zip.slice(0, 3);
  return restrictedZip3Prefixes.has(prefix) ? "000" : prefix;
}
