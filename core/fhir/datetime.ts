// FHIR R4 date, dateTime and instant values: recognised, checked against the calendar, shifted.

/** A FHIR date or dateTime split into its parts; `rest` is the time and zone, kept as written. */
export type FhirDateParts = {
  year: number;
  month: number | null;
  day: number | null;
  /** "T23:37:54+00:00" or "" for a date without a time. */
  rest: string;
};

// The R4 regular expressions (datatypes.html), with the date part captured.
const yearPattern = "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)";
const timePattern =
  "T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))";
const dateTimeRegex = new RegExp(
  `^${yearPattern}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(${timePattern})?)?)?$`,
);
const instantRegex = new RegExp(
  `^${yearPattern}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])${timePattern}$`,
);
const fullDatePrefix = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/;
const partialDate = /^(\d{4})(?:-(\d{2}))?$/;

/** Element names that hold a date, dateTime or instant in the resources Consentry ingests. */
const dateElementNames = new Set([
  "issued",
  "created",
  "authoredOn",
  "recorded",
  "start",
  "end",
  "started",
  "date",
  "lastOccurrence",
  "lastUpdated",
  "occurrenceDateTime",
  "whenHandedOver",
  "whenPrepared",
]);

/** True when an element of this name holds a date: `birthDate`, `onsetDateTime`, `period.start`, … */
export function isDateElement(name: string): boolean {
  return (
    dateElementNames.has(name) ||
    name.endsWith("Date") ||
    name.endsWith("DateTime") ||
    name.endsWith("Instant")
  );
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD, or a full date with a time and a zone);
 * null when the text is not one, including dates the calendar does not have (2021-02-30).
 */
export function parseFhirDateTime(text: string): FhirDateParts | null {
  if (!dateTimeRegex.test(text)) return null;
  const full = fullDatePrefix.exec(text);
  if (full) {
    const year = Number(full[1]);
    const month = Number(full[2]);
    const day = Number(full[3]);
    if (day > daysInMonth(year, month)) return null;
    return { year, month, day, rest: full[4] ?? "" };
  }
  const partial = partialDate.exec(text);
  if (!partial) return null;
  return {
    year: Number(partial[1]),
    month: partial[2] === undefined ? null : Number(partial[2]),
    day: null,
    rest: "",
  };
}

/** True for a FHIR instant: a full date and time with seconds and a zone. */
export function isFhirInstant(text: string): boolean {
  return instantRegex.test(text) && parseFhirDateTime(text) !== null;
}

/** True when the text starts with a full calendar date (YYYY-MM-DD), the form dates leak in. */
export function hasFullDate(text: string): boolean {
  return fullDatePrefix.test(text);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * Moves a FHIR date or dateTime by whole days. The time of day and the zone are kept as written, so
 * the instant moves by exactly `days` × 24 h and every interval between two shifted values is kept.
 * A partial date moves with its middle (15th of the month, 2 July of the year), so a year-only value
 * keeps its year for any shift within ±180 days. Returns null when the text is not a FHIR date.
 */
export function shiftFhirDateTime(text: string, days: number): string | null {
  const parts = parseFhirDateTime(text);
  if (!parts) return null;
  const { year, month, day, rest } = parts;
  const anchor = new Date(0);
  anchor.setUTCFullYear(year, (month ?? 7) - 1, (day ?? (month === null ? 2 : 15)) + days);
  const shiftedYear = pad(anchor.getUTCFullYear(), 4);
  if (month === null) return shiftedYear;
  const shiftedMonth = pad(anchor.getUTCMonth() + 1, 2);
  if (day === null) return `${shiftedYear}-${shiftedMonth}`;
  return `${shiftedYear}-${shiftedMonth}-${pad(anchor.getUTCDate(), 2)}${rest}`;
}

/** Whole years from `from` (a FHIR date) to `to`, counting a birthday only once it is reached. */
export function wholeYearsBetween(from: FhirDateParts, to: Date): number {
  // An unknown month or day counts as the earliest possible, which can only make the age larger:
  // the safe side for "over 89".
  const month = from.month ?? 1;
  const day = from.day ?? 1;
  let years = to.getUTCFullYear() - from.year;
  const toMonth = to.getUTCMonth() + 1;
  if (toMonth < month || (toMonth === month && to.getUTCDate() < day)) years -= 1;
  return years;
}
