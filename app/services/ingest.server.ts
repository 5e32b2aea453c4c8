// The custodian's ingest page: bundles uploaded through the browser go the same way as the CLI's.
import { ServiceError } from "#core/errors.ts";
import { getCustodian } from "#db/queries/custodians.ts";
import { ingestBundles, type BundleFile, type IngestOutcome } from "#workers/custody/ingest.ts";
import type { AppServices } from "../context.ts";

export type IngestUploadOptions = { custodianId: string; files: BundleFile[] };

export async function ingestUpload(
  services: AppServices,
  options: IngestUploadOptions,
): Promise<IngestOutcome[]> {
  const custodian = await getCustodian(services.db, options.custodianId);
  if (!custodian) throw new ServiceError(404, "That custodian does not exist.");
  if (options.files.length === 0) throw new ServiceError(400, "Choose at least one bundle file.");
  const outcomes = await ingestBundles(options.files, {
    db: services.db,
    kes: services.custody.kekKeyring.forCustodian(custodian.id),
    keys: await services.custody.keyring.deidentificationKeys(custodian.id),
    custodianId: custodian.id,
    actor: `custodian:${custodian.id}`,
  });
  services.log.info("bundles ingested", {
    custodianId: custodian.id,
    stored: outcomes.filter((outcome) => outcome.outcome === "stored").length,
    refused: outcomes.filter((outcome) => outcome.outcome === "refused").length,
  });
  return outcomes;
}
