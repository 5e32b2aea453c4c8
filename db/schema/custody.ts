// Encrypted custody of de-identified patients: who they are (pseudonymously), their wrapped data
// key, and their records as ciphertexts with commitments. Erasure deletes the key row; the rest stays.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { Sex } from "#core/custody/patient.ts";
import { bytea } from "../columns.ts";
import { custodians } from "./custodians.ts";

export const patients = pgTable(
  "patients",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    custodianId: uuid("custodian_id")
      .notNull()
      .references(() => custodians.id, { onDelete: "restrict" }),
    /** Keyed hash of the source patient id (custodian's secret): the only id storage ever sees. */
    pseudoId: text("pseudo_id").notNull(),
    // Quasi-identifiers as Safe Harbor leaves them; cleared on erasure.
    sex: text("sex").$type<Sex>(),
    ageBand: text("age_band"),
    zip3: text("zip3"),
    /**
     * The patient's own chain account (lower-case 0x address), once the patient has claimed the record:
     * the account whose consents and care grants the chain holds. Null until claimed; an unclaimed
     * patient has given no consent, so no study and no provider can read the record.
     */
    accountAddress: text("account_address"),
    /** The patient's date shift, sealed under the data key (nonce ‖ ciphertext ‖ tag). */
    profileNonce: bytea("profile_nonce"),
    profileCiphertext: bytea("profile_ciphertext"),
    erasedAt: timestamp("erased_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("patients_custodian_pseudo_id_key").on(table.custodianId, table.pseudoId),
    // One record per account at each custodian: consent is given per account, so two records
    // behind one account could not be told apart on chain.
    uniqueIndex("patients_custodian_account_key").on(table.custodianId, table.accountAddress),
    index("patients_account_idx").on(table.accountAddress),
    check(
      "patients_account_address_check",
      sql`${table.accountAddress} is null or ${table.accountAddress} ~ '^0x[0-9a-f]{40}$'`,
    ),
    check("patients_pseudo_id_check", sql`${table.pseudoId} ~ '^[0-9a-f]{64}$'`),
    check(
      "patients_sex_check",
      sql`${table.sex} is null or ${table.sex} in ('female', 'male', 'other', 'unknown')`,
    ),
    // A live patient has all of its profile; an erased one keeps none of it.
    check(
      "patients_profile_check",
      sql`(${table.erasedAt} is null and ${table.sex} is not null and ${table.ageBand} is not null
        and ${table.profileNonce} is not null and ${table.profileCiphertext} is not null)
       or (${table.erasedAt} is not null and ${table.sex} is null and ${table.ageBand} is null
        and ${table.zip3} is null and ${table.profileNonce} is null and ${table.profileCiphertext} is null)`,
    ),
  ],
);

export type Patient = typeof patients.$inferSelect;
export type NewPatient = typeof patients.$inferInsert;

/**
 * One wrapped data key per live patient (the primary key makes it exactly one); erasure deletes it.
 * Kept apart from the records so destroying it touches one small row, whatever the record count.
 */
export const patientDataKeys = pgTable(
  "patient_data_keys",
  {
    patientId: uuid("patient_id")
      .primaryKey()
      .references(() => patients.id, { onDelete: "cascade" }),
    wrappedKey: bytea("wrapped_key").notNull(),
    kekId: text("kek_id").notNull(),
    kekVersion: integer("kek_version").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    rewrappedAt: timestamp("rewrapped_at", { withTimezone: true }),
  },
  (table) => [index("patient_data_keys_kek_idx").on(table.kekId, table.kekVersion)],
);

export type PatientDataKey = typeof patientDataKeys.$inferSelect;
export type NewPatientDataKey = typeof patientDataKeys.$inferInsert;

export const records = pgTable(
  "records",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    patientId: uuid("patient_id")
      .notNull()
      .references(() => patients.id, { onDelete: "restrict" }),
    /** Keyed hash of the source resource id. */
    resourceId: text("resource_id").notNull(),
    resourceType: text("resource_type").notNull(),
    /** Codings as "system|code", in the clear so cohorts and care grants can select by condition. */
    codes: text("codes")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    formatVersion: smallint("format_version").notNull(),
    nonce: bytea("nonce").notNull(),
    /** AES-256-GCM ciphertext of the canonical JSON resource, followed by its tag. */
    ciphertext: bytea("ciphertext").notNull(),
    /** SHA-256 of the envelope: what goes on chain as the record's commitment. */
    commitment: bytea("commitment").notNull(),
    /** Keyed by the data key: tells a re-stored record from a changed one without decrypting. */
    contentDigest: bytea("content_digest").notNull(),
    /** The custodian's commitment batch that put this record's commitment on chain; null until sealed. */
    commitmentBatchId: bigint("commitment_batch_id", { mode: "bigint" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("records_patient_resource_key").on(table.patientId, table.resourceId),
    index("records_codes_idx").using("gin", table.codes),
    index("records_uncommitted_idx")
      .on(table.id)
      .where(sql`${table.commitmentBatchId} is null`),
    check("records_resource_id_check", sql`${table.resourceId} ~ '^[0-9a-f]{64}$'`),
    check("records_nonce_check", sql`octet_length(${table.nonce}) = 12`),
    check("records_commitment_check", sql`octet_length(${table.commitment}) = 32`),
  ],
);

export type StoredRecord = typeof records.$inferSelect;
export type NewStoredRecord = typeof records.$inferInsert;

/**
 * A batch of one custodian's record commitments under one Merkle root: the pointer and commitment of
 * every record stored since the previous batch. Its root goes on chain (RecordCommitments); a record
 * proves its place with its leaf and proof. Batches stay when patients are erased: the chain keeps
 * the fact that the data existed.
 */
export const recordCommitmentBatches = pgTable(
  "record_commitment_batches",
  {
    custodianId: uuid("custodian_id")
      .notNull()
      .references(() => custodians.id, { onDelete: "restrict" }),
    /** 0, 1, 2 … per custodian, in order (the `batchId` the contract counts). */
    batchId: bigint("batch_id", { mode: "bigint" }).notNull(),
    leafCount: integer("leaf_count").notNull(),
    root: bytea("root").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set once, when the root has been published on chain. */
    publishedTxHash: text("published_tx_hash"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
  },
  (table) => [
    primaryKey({
      name: "record_commitment_batches_pkey",
      columns: [table.custodianId, table.batchId],
    }),
    check("record_commitment_batches_root_check", sql`octet_length(${table.root}) = 32`),
    check("record_commitment_batches_leaf_count_check", sql`${table.leafCount} > 0`),
    index("record_commitment_batches_unpublished_idx")
      .on(table.custodianId, table.batchId)
      .where(sql`${table.publishedTxHash} is null`),
  ],
);

export type RecordCommitmentBatch = typeof recordCommitmentBatches.$inferSelect;
export type NewRecordCommitmentBatch = typeof recordCommitmentBatches.$inferInsert;
