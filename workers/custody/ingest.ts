// Ingests FHIR R4 bundles for a custodian: validate → de-identify → check for leaked identifiers →
// encrypt and store. Each bundle stands alone: a bad one is refused whole and stores nothing.
import type { KeyEncryptionService } from "#core/custody/envelope.ts";
import { findLeakedIdentifiers } from "#core/deid/leak-check.ts";
import { ServiceError } from "#core/errors.ts";
import { deidentifyBundle } from "#core/deid/safe-harbor.ts";
import {
  describeBundleError,
  parseBundleText,
  type ValidateBundleOptions,
} from "#core/fhir/validate.ts";
import type { Db } from "#db/client.ts";
import { storePatient } from "#db/queries/custody.ts";
import type { DeidentificationKeys } from "../keyring.ts";

export type BundleFile = { name: string; text: string };

export type IngestOutcome =
  | {
      name: string;
      outcome: "stored";
      pseudoId: string;
      recordsAdded: number;
      recordsUnchanged: number;
    }
  | { name: string; outcome: "directory" }
  | { name: string; outcome: "refused"; problems: string[] };

export type IngestOptions = {
  db: Db;
  kes: KeyEncryptionService;
  keys: DeidentificationKeys;
  custodianId: string;
  /** Who ingests, for the audit log: `custodian:<id>` or `cli:<user>`. */
  actor: string;
  /** The day ages are counted to; today unless a test fixes it. */
  today?: Date;
  limits?: ValidateBundleOptions;
  onProgress?: (done: number, total: number, last: IngestOutcome) => void;
};

export async function ingestBundles(
  files: readonly BundleFile[],
  options: IngestOptions,
): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  for (const file of files) {
    const outcome = await ingestOne(file, options);
    outcomes.push(outcome);
    options.onProgress?.(outcomes.length, files.length, outcome);
  }
  return outcomes;
}

async function ingestOne(file: BundleFile, options: IngestOptions): Promise<IngestOutcome> {
  const { name } = file;
  const validation = parseBundleText(file.text, options.limits);
  if (!validation.ok) {
    return { name, outcome: "refused", problems: validation.errors.map(describeBundleError) };
  }
  if (validation.kind === "directory") return { name, outcome: "directory" };

  const patient = deidentifyBundle(validation.bundle, options.keys, {
    today: options.today ?? new Date(),
  });
  // The scan the tests run over every Synthea bundle also guards every real ingest.
  const check = findLeakedIdentifiers(validation.bundle, patient);
  if (check.leaks.length > 0) {
    const categories = [...new Set(check.leaks.map((leak) => leak.category))].join(", ");
    return {
      name,
      outcome: "refused",
      problems: [`De-identification left identifiers behind (${categories}); nothing was stored.`],
    };
  }
  let summary;
  try {
    summary = await storePatient(options.db, options.kes, options.custodianId, patient, {
      actor: options.actor,
    });
  } catch (error) {
    // Expected refusals (a changed record under a stored id, an erased patient) name the file.
    if (error instanceof ServiceError)
      return { name, outcome: "refused", problems: [error.message] };
    throw error;
  }
  return {
    name,
    outcome: "stored",
    pseudoId: summary.pseudoId,
    recordsAdded: summary.recordsAdded,
    recordsUnchanged: summary.recordsUnchanged,
  };
}
