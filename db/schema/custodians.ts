// Data custodians (hospitals) and their on-chain identity.
import { pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const custodians = pgTable(
  "custodians",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    chainAddress: text("chain_address"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("custodians_slug_key").on(table.slug)],
);

export type Custodian = typeof custodians.$inferSelect;
export type NewCustodian = typeof custodians.$inferInsert;
