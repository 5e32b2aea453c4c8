// Dataset offers: stored as pending, registered on chain by a job, confirmed by the indexer.
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { OfferStatus } from "#core/offer.ts";
import { custodians } from "./custodians.ts";

export const offers = pgTable(
  "offers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    custodianId: uuid("custodian_id")
      .notNull()
      .references(() => custodians.id, { onDelete: "restrict" }),
    title: text("title").notNull(),
    description: text("description").notNull(),
    fields: jsonb("fields").$type<string[]>().notNull(),
    duoCode: text("duo_code").notNull(),
    diseaseCode: text("disease_code"),
    priceCents: integer("price_cents").notNull(),
    currency: text("currency").notNull().default("EUR"),
    metadataHash: text("metadata_hash").notNull(),
    chainOfferId: text("chain_offer_id").notNull(),
    status: text("status").$type<OfferStatus>().notNull().default("pending"),
    txHash: text("tx_hash"),
    blockNumber: bigint("block_number", { mode: "bigint" }),
    blockHash: text("block_hash"),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("offers_chain_offer_id_key").on(table.chainOfferId),
    index("offers_custodian_id_idx").on(table.custodianId),
    index("offers_status_idx").on(table.status),
    check("offers_status_check", sql`${table.status} in ('pending', 'submitted', 'confirmed')`),
    check("offers_price_cents_check", sql`${table.priceCents} >= 0`),
  ],
);

export type Offer = typeof offers.$inferSelect;
export type NewOffer = typeof offers.$inferInsert;
