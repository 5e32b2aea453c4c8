// What encrypted storage accepts: a DeidentifiedPatient checked field by field, so bad input is
// refused with a plain message before anything is written.
import { z } from "zod";
import type { Canonical } from "#core/canonical.ts";
import { ServiceError } from "#core/errors.ts";
import { ingestibleResourceTypes, type DeidentifiedPatient } from "./patient.ts";

const keyedHash = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (a keyed hash)");

export const ageBands = [
  ...Array.from({ length: 18 }, (_, i) => `${i * 5}-${i * 5 + 4}`),
  "90+",
] as const;

/** Where `value` stops being JSON (undefined, a function, NaN, a Date …), or null when it is JSON. */
function findNonJson(value: unknown, path: string): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") return Number.isFinite(value) ? null : `${path} is ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = findNonJson(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      const problem = findNonJson(item, `${path}.${key}`);
      if (problem) return problem;
    }
    return null;
  }
  return `${path} is not JSON (${value instanceof Object ? value.constructor.name : typeof value})`;
}

// A hand-written check rather than a recursive zod union: this runs over every resource stored.
const jsonObject = z.record(z.unknown()).superRefine((value, ctx) => {
  const problem = findNonJson(value, "resource");
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be JSON: ${problem}` });
}) as unknown as z.ZodType<Record<string, Canonical>>;

const code = z
  .string()
  .min(1)
  .max(500)
  // PostgreSQL text cannot hold NUL; refuse it here rather than midway through a transaction.
  .refine((value) => !value.includes("\u0000"), "must not contain a NUL character");

export const deidentifiedPatientSchema = z.object({
  pseudoId: keyedHash,
  sex: z.enum(["female", "male", "other", "unknown"]),
  ageBand: z.enum(ageBands as unknown as [string, ...string[]], {
    message: `must be one of 0-4, 5-9, … 85-89, 90+`,
  }),
  zip3: z
    .string()
    .regex(/^\d{3}$/, "must be three digits or null")
    .nullable(),
  dateShiftDays: z.number().int("must be a whole number of days").min(-3650).max(3650),
  resources: z
    .array(
      z.object({
        resourceId: keyedHash,
        resourceType: z.enum(ingestibleResourceTypes),
        codes: z.array(code).max(1000),
        resource: jsonObject,
      }),
    )
    .max(100_000)
    .superRefine((resources, ctx) => {
      const seen = new Map<string, number>();
      resources.forEach((resource, index) => {
        const first = seen.get(resource.resourceId);
        if (first !== undefined) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [index, "resourceId"],
            message: `repeats the resource id of resources.${first}`,
          });
        }
        seen.set(resource.resourceId, index);
      });
    }),
});

/** Checks each patient; a 400 ServiceError lists the first problems by patient and field. */
export function parseDeidentifiedPatients(input: readonly unknown[]): DeidentifiedPatient[] {
  const problems: string[] = [];
  const parsed: DeidentifiedPatient[] = [];
  const seen = new Map<string, number>();
  input.forEach((candidate, index) => {
    const result = deidentifiedPatientSchema.safeParse(candidate);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push(`patient ${index}: ${issue.path.join(".")} ${issue.message}`);
      }
      return;
    }
    const earlier = seen.get(result.data.pseudoId);
    if (earlier !== undefined) {
      problems.push(`patient ${index}: pseudoId repeats that of patient ${earlier}`);
    }
    seen.set(result.data.pseudoId, index);
    parsed.push(result.data as DeidentifiedPatient);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 10);
    const more =
      problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : "";
    throw new ServiceError(400, `Invalid de-identified patients: ${shown.join("; ")}${more}`);
  }
  return parsed;
}
