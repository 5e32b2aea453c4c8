// Keyed pseudonyms and the per-patient date shift: HMAC-SHA256 under custodian secrets, so the same
// source id always maps to the same value for one custodian and to nothing guessable for anyone else.
import { createHmac } from "node:crypto";

/** Days by which one patient's dates move: never 0, at most this many either way. */
export const maxDateShiftDays = 180;

/** The 64-hex pseudonym of a source id (a patient, a resource, a practitioner). */
export function pseudonymFor(pseudonymKey: Uint8Array, sourceId: string): string {
  return createHmac("sha256", pseudonymKey).update(sourceId, "utf8").digest("hex");
}

/**
 * The per-patient date shift, in days: uniform over −180…−1 and 1…180. Zero is left out, because a
 * zero shift would publish the true dates.
 */
export function dateShiftDaysFor(dateShiftKey: Uint8Array, sourcePatientId: string): number {
  const mac = createHmac("sha256", dateShiftKey).update(sourcePatientId, "utf8").digest();
  // 2^32 is not a multiple of 180; the bias this leaves is below one part in 10^7.
  const magnitude = 1 + (mac.readUInt32BE(0) % maxDateShiftDays);
  return (mac[4] as number) & 1 ? -magnitude : magnitude;
}

/**
 * A DICOM UID replaced by one derived from its pseudonym, in the "2.25." form DICOM reserves for
 * UIDs made from a UUID-sized number: still a valid UID, no longer the scanner's.
 */
export function pseudonymousUid(pseudonymKey: Uint8Array, uid: string): string {
  return `2.25.${BigInt(`0x${pseudonymFor(pseudonymKey, `uid:${uid}`).slice(0, 32)}`).toString()}`;
}
