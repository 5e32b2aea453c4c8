// Encrypted custody of de-identified patients: who they are (pseudonymously), their wrapped data
// key, and their records as ciphertexts with commitments. Erasure deletes the key row; the rest stays.
import { sql } from "drizzle-orm";
import {
  bigserial,
  check,
  index,
  integer,
  pgTable,
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
    /** The patient's date shift, sealed under the data key (nonce ‖ ciphertext ‖ tag). */
    profileNonce: bytea("profile_nonce"),
    profileCiphertext: bytea("profile_ciphertext"),
    erasedAt: timestamp("erased_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("patients_custodian_pseudo_id_key").on(table.custodianId, table.pseudoId),
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
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("records_patient_resource_key").on(table.patientId, table.resourceId),
    index("records_codes_idx").using("gin", table.codes),
    check("records_resource_id_check", sql`${table.resourceId} ~ '^[0-9a-f]{64}$'`),
    check("records_nonce_check", sql`octet_length(${table.nonce}) = 12`),
    check("records_commitment_check", sql`octet_length(${table.commitment}) = 32`),
  ],
);

export type StoredRecord = typeof records.$inferSelect;
export type NewStoredRecord = typeof records.$inferInsert;
