// Offers: one module for every read and write of the offers table.
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { chainOfferId, hashOfferTerms } from "#core/hashing.ts";
import type { OfferTerms } from "#core/offer.ts";
import type { Db } from "../client.ts";
import { custodians } from "../schema/custodians.ts";
import { offers, type Offer } from "../schema/offers.ts";
import { enqueueJob } from "./jobs.ts";

export const offerRegistrationKey = (offerId: string) => `offer.register:${offerId}`;

export type CreateOfferOptions = { custodianId: string; terms: OfferTerms };

/** Stores the offer as pending and, in the same transaction, queues its registration on chain. */
export async function createOffer(db: Db, options: CreateOfferOptions): Promise<Offer> {
  const { custodianId, terms } = options;
  return db.transaction(async (tx) => {
    const id = crypto.randomUUID();
    const [offer] = await tx
      .insert(offers)
      .values({
        id,
        custodianId,
        title: terms.title,
        description: terms.description,
        fields: terms.fields,
        duoCode: terms.duoCode,
        diseaseCode: terms.diseaseCode,
        priceCents: terms.priceCents,
        currency: terms.currency,
        metadataHash: hashOfferTerms(terms),
        chainOfferId: chainOfferId(id),
      })
      .returning();
    if (!offer) throw new Error("insert into offers returned no row");
    await enqueueJob(
      tx,
      "offer.register",
      { offerId: id },
      { singletonKey: offerRegistrationKey(id) },
    );
    return offer;
  });
}

export type CatalogueOffer = Pick<
  Offer,
  | "id"
  | "title"
  | "description"
  | "fields"
  | "duoCode"
  | "diseaseCode"
  | "priceCents"
  | "currency"
  | "status"
  | "txHash"
  | "blockNumber"
  | "createdAt"
> & { custodianName: string };

const catalogueColumns = {
  id: offers.id,
  title: offers.title,
  description: offers.description,
  fields: offers.fields,
  duoCode: offers.duoCode,
  diseaseCode: offers.diseaseCode,
  priceCents: offers.priceCents,
  currency: offers.currency,
  status: offers.status,
  txHash: offers.txHash,
  blockNumber: offers.blockNumber,
  createdAt: offers.createdAt,
  custodianName: custodians.name,
};

/** The public catalogue: every offer with its custodian, newest first. */
export async function listCatalogue(db: Db): Promise<CatalogueOffer[]> {
  return db
    .select(catalogueColumns)
    .from(offers)
    .innerJoin(custodians, eq(custodians.id, offers.custodianId))
    .orderBy(desc(offers.createdAt), offers.id);
}

export type OfferDetail = CatalogueOffer &
  Pick<Offer, "metadataHash" | "chainOfferId" | "blockHash" | "confirmedAt" | "custodianId">;

export async function getOfferDetail(db: Db, offerId: string): Promise<OfferDetail | undefined> {
  const [row] = await db
    .select({
      ...catalogueColumns,
      metadataHash: offers.metadataHash,
      chainOfferId: offers.chainOfferId,
      blockHash: offers.blockHash,
      confirmedAt: offers.confirmedAt,
      custodianId: offers.custodianId,
    })
    .from(offers)
    .innerJoin(custodians, eq(custodians.id, offers.custodianId))
    .where(eq(offers.id, offerId));
  return row;
}

export async function getOffer(db: Db, offerId: string): Promise<Offer | undefined> {
  const [row] = await db.select().from(offers).where(eq(offers.id, offerId));
  return row;
}

/** The custodian's own offer, or undefined when the custodian has no offer with that id. */
export async function getCustodianOffer(
  db: Db,
  custodianId: string,
  offerId: string,
): Promise<Offer | undefined> {
  const [row] = await db
    .select()
    .from(offers)
    .where(and(eq(offers.id, offerId), eq(offers.custodianId, custodianId)));
  return row;
}

export async function countOffersByCustodian(db: Db, custodianId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(offers)
    .where(eq(offers.custodianId, custodianId));
  return row?.count ?? 0;
}

/** The registration transaction was sent; the indexer confirms it when the event is seen. */
export async function markOfferSubmitted(
  db: Db,
  offerId: string,
  txHash: string | null,
): Promise<void> {
  await db
    .update(offers)
    // A null hash (an attempt that found the offer on chain already) keeps the one recorded.
    .set({ status: "submitted", txHash: txHash ?? offers.txHash, updatedAt: sql`now()` })
    .where(and(eq(offers.id, offerId), inArray(offers.status, ["pending", "submitted"])));
}

export type OfferConfirmation = {
  chainOfferId: string;
  txHash: string;
  blockNumber: bigint;
  blockHash: string;
};

/** Applies an OfferRegistered event; applying it twice changes nothing. Returns whether it matched. */
export async function confirmOffer(db: Db, event: OfferConfirmation): Promise<boolean> {
  const updated = await db
    .update(offers)
    .set({
      status: "confirmed",
      txHash: event.txHash,
      blockNumber: event.blockNumber,
      blockHash: event.blockHash,
      confirmedAt: sql`coalesce(${offers.confirmedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(eq(offers.chainOfferId, event.chainOfferId))
    .returning({ id: offers.id });
  return updated.length > 0;
}

/**
 * Undoes confirmations from blocks a reorganisation dropped: those offers go back to submitted
 * and their registration is queued again (the job checks the chain before sending anything).
 */
export async function unconfirmOffersAbove(db: Db, blockNumber: bigint): Promise<string[]> {
  const reverted = await db
    .update(offers)
    .set({
      status: "submitted",
      blockNumber: null,
      blockHash: null,
      confirmedAt: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(offers.status, "confirmed"), gt(offers.blockNumber, blockNumber)))
    .returning({ id: offers.id });
  for (const { id } of reverted) {
    await enqueueJob(
      db,
      "offer.register",
      { offerId: id },
      { singletonKey: offerRegistrationKey(id) },
    );
  }
  return reverted.map(({ id }) => id);
}
