// What the node knows about the chain: deployed contracts, indexer progress, indexed events.
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  bigserial,
} from "drizzle-orm/pg-core";
import { bytea } from "../columns.ts";

export const chainDeployments = pgTable(
  "chain_deployments",
  {
    chainId: integer("chain_id").notNull(),
    contract: text("contract").notNull(),
    address: text("address").notNull(),
    deployBlock: bigint("deploy_block", { mode: "bigint" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: "chain_deployments_pkey", columns: [table.chainId, table.contract] }),
  ],
);

export type ChainDeployment = typeof chainDeployments.$inferSelect;

/** Recent blocks the indexer has processed, kept to find the common ancestor after a reorg. */
export const indexedBlocks = pgTable(
  "indexed_blocks",
  {
    chainId: integer("chain_id").notNull(),
    number: bigint("number", { mode: "bigint" }).notNull(),
    hash: bytea("hash").notNull(),
  },
  (table) => [primaryKey({ name: "indexed_blocks_pkey", columns: [table.chainId, table.number] })],
);

export type IndexedBlock = typeof indexedBlocks.$inferSelect;

export const chainEvents = pgTable(
  "chain_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    chainId: integer("chain_id").notNull(),
    blockNumber: bigint("block_number", { mode: "bigint" }).notNull(),
    blockHash: bytea("block_hash").notNull(),
    logIndex: integer("log_index").notNull(),
    txHash: text("tx_hash").notNull(),
    contract: text("contract").notNull(),
    eventName: text("event_name").notNull(),
    args: jsonb("args").$type<Record<string, string>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("chain_events_block_log_key").on(table.chainId, table.blockHash, table.logIndex),
    index("chain_events_block_number_idx").on(table.chainId, table.blockNumber),
  ],
);

export type ChainEvent = typeof chainEvents.$inferSelect;
