// Offer use cases and page presenters: what routes call, shaped for what they render.
import { ServiceError } from "#core/errors.ts";
import { findDuoPermission, diseaseCodes } from "#core/duo.ts";
import { datasetFields } from "#core/fields.ts";
import { offerTermsFromForm, type OfferForm, type OfferStatus } from "#core/offer.ts";
import { getCustodian, listCustodians } from "#db/queries/custodians.ts";
import { listJobsBySingletonKey } from "#db/queries/jobs.ts";
import {
  createOffer,
  getOfferDetail,
  listCatalogue,
  offerRegistrationKey,
  type CatalogueOffer,
} from "#db/queries/offers.ts";
import type { AppServices } from "../context.ts";

export type PublishOfferOptions = { custodianId: string; form: OfferForm };

/** Stores the offer as pending and queues its on-chain registration. */
export async function publishOffer(services: AppServices, options: PublishOfferOptions) {
  const custodian = await getCustodian(services.db, options.custodianId);
  if (!custodian) throw new ServiceError(404, "That custodian does not exist.");
  const offer = await createOffer(services.db, {
    custodianId: custodian.id,
    terms: offerTermsFromForm(options.form),
  });
  services.log.info("offer published", { offerId: offer.id, custodianId: custodian.id });
  return { offerId: offer.id };
}

export type OfferCardView = {
  id: string;
  title: string;
  description: string;
  custodianName: string;
  fields: string[];
  dataUse: string;
  price: string;
  status: OfferStatus;
  txHash: string | null;
  blockNumber: string | null;
};

const fieldLabel = (id: string) => datasetFields.find((field) => field.id === id)?.label ?? id;

function describeDataUse(duoCode: string, diseaseCode: string | null): string {
  const duo = findDuoPermission(duoCode);
  const disease = diseaseCodes.find((code) => code.id === diseaseCode);
  const label = duo ? `${duo.label} (${duo.shorthand})` : duoCode;
  return disease ? `${label}: ${disease.label}` : label;
}

export function formatPrice(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(cents / 100);
}

function toCard(offer: CatalogueOffer): OfferCardView {
  return {
    id: offer.id,
    title: offer.title,
    description: offer.description,
    custodianName: offer.custodianName,
    fields: offer.fields.map(fieldLabel),
    dataUse: describeDataUse(offer.duoCode, offer.diseaseCode),
    price: formatPrice(offer.priceCents, offer.currency),
    status: offer.status,
    txHash: offer.txHash,
    blockNumber: offer.blockNumber?.toString() ?? null,
  };
}

export async function presentCatalogue(services: AppServices) {
  const offers = await listCatalogue(services.db);
  return { offers: offers.map(toCard) };
}

export type RegistrationView = {
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  gaveUp: boolean;
};

export async function presentOffer(services: AppServices, offerId: string) {
  const offer = await getOfferDetail(services.db, offerId);
  if (!offer) throw new ServiceError(404, "No offer with that id.");
  const [job] = await listJobsBySingletonKey(services.db, offerRegistrationKey(offer.id));
  const registration: RegistrationView | null =
    job && offer.status !== "confirmed"
      ? {
          attempts: job.attempts,
          lastError: job.lastError,
          nextAttemptAt: job.status === "queued" ? job.runAt.toISOString() : null,
          gaveUp: job.status === "failed",
        }
      : null;
  return {
    offer: {
      ...toCard(offer),
      metadataHash: offer.metadataHash,
      chainOfferId: offer.chainOfferId,
      blockHash: offer.blockHash,
      confirmedAt: offer.confirmedAt?.toISOString() ?? null,
    },
    registration,
  };
}

export async function presentOfferForm(services: AppServices) {
  const custodians = await listCustodians(services.db);
  return {
    custodians: custodians.map((custodian) => ({ id: custodian.id, name: custodian.name })),
  };
}
