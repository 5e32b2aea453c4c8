// The append-only audit log (hash-chained), its head (the lock appends take, and the chain's tip),
// and the Merkle anchors of its batches. Triggers (migration 0002) refuse rewriting any of it.
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import type { Canonical } from "#core/canonical.ts";
import { bytea } from "../columns.ts";

export const auditLog = pgTable(
  "audit_log",
  {
    // Assigned by the append path under the head lock, not by a sequence: a sequence would leave a
    // gap for every rolled-back append, and a gap is what a deleted entry looks like.
    seq: bigint("seq", { mode: "bigint" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    /** Pseudonymous only: `patient:<pseudoId>`, `custodian:<uuid>` … */
    subject: text("subject").notNull(),
    details: jsonb("details").$type<Record<string, Canonical>>().notNull(),
    prevHash: bytea("prev_hash").notNull(),
    hash: bytea("hash").notNull(),
  },
  (table) => [
    index("audit_log_subject_idx").on(table.subject, table.seq),
    check("audit_log_seq_check", sql`${table.seq} > 0`),
    check(
      "audit_log_hash_check",
      sql`octet_length(${table.hash}) = 32 and octet_length(${table.prevHash}) = 32`,
    ),
  ],
);

export type AuditLogRow = typeof auditLog.$inferSelect;

/** One row: the newest entry. Appends lock it (SELECT … FOR UPDATE), which keeps the chain linear. */
export const auditHead = pgTable(
  "audit_head",
  {
    id: smallint("id").primaryKey().default(1),
    lastSeq: bigint("last_seq", { mode: "bigint" }).notNull(),
    lastHash: bytea("last_hash").notNull(),
    lastAt: timestamp("last_at", { withTimezone: true, precision: 3 }),
  },
  (table) => [check("audit_head_single_row_check", sql`${table.id} = 1`)],
);

/** A batch of consecutive entries under one Merkle root, to be published on chain. */
export const auditAnchors = pgTable(
  "audit_anchors",
  {
    /** 0, 1, 2 … in order (the `batchId` an anchoring contract counts). */
    batchId: bigint("batch_id", { mode: "bigint" }).primaryKey(),
    firstSeq: bigint("first_seq", { mode: "bigint" }).notNull(),
    lastSeq: bigint("last_seq", { mode: "bigint" }).notNull(),
    leafCount: integer("leaf_count").notNull(),
    root: bytea("root").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set once, when the root has been published on chain. */
    anchoredTxHash: text("anchored_tx_hash"),
    anchoredAt: timestamp("anchored_at", { withTimezone: true }),
  },
  (table) => [
    check(
      "audit_anchors_range_check",
      sql`${table.lastSeq} >= ${table.firstSeq} and ${table.leafCount} = ${table.lastSeq} - ${table.firstSeq} + 1`,
    ),
    check("audit_anchors_root_check", sql`octet_length(${table.root}) = 32`),
    index("audit_anchors_unpublished_idx")
      .on(table.batchId)
      .where(sql`${table.anchoredTxHash} is null`),
  ],
);

export type AuditAnchor = typeof auditAnchors.$inferSelect;
