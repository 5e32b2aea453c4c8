// The typed catalogue of every background job: its name and the ids its payload carries.
import { z } from "zod";

export const jobCatalogue = {
  "offer.register": z.object({ offerId: z.string().uuid() }),
  /** Rewrites patient_data_keys so erased patients' wrapped keys leave its pages (docs/erasure.md). */
  "custody.compact-keys": z.object({ window: z.string().datetime() }),
  /** Seals a custodian's newly stored records into commitment batches and puts their roots on chain. */
  "custody.commit-records": z.object({ custodianId: z.string().uuid() }),
  /**
   * Seals unbatched audit entries into Merkle batches and publishes their roots on chain
   * (AccessLogAnchors). Queued by every audit append under one singleton key (`AUDIT_ANCHOR_JOB`).
   */
  "audit.anchor": z.object({}).strict(),
} as const;

export type JobName = keyof typeof jobCatalogue;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalogue)[N]>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalogue, name);
}

/** Exponential backoff with a ceiling: 1 s, 2 s, 4 s … capped at maxMs. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(maxMs, baseMs * 2 ** exponent);
}
