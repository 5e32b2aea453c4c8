CREATE TABLE "patient_data_keys" (
	"patient_id" uuid PRIMARY KEY NOT NULL,
	"wrapped_key" "bytea" NOT NULL,
	"kek_id" text NOT NULL,
	"kek_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rewrapped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "patients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"custodian_id" uuid NOT NULL,
	"pseudo_id" text NOT NULL,
	"sex" text,
	"age_band" text,
	"zip3" text,
	"profile_nonce" "bytea",
	"profile_ciphertext" "bytea",
	"erased_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "patients_pseudo_id_check" CHECK ("patients"."pseudo_id" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "patients_sex_check" CHECK ("patients"."sex" is null or "patients"."sex" in ('female', 'male', 'other', 'unknown')),
	CONSTRAINT "patients_profile_check" CHECK (("patients"."erased_at" is null and "patients"."sex" is not null and "patients"."age_band" is not null
        and "patients"."profile_nonce" is not null and "patients"."profile_ciphertext" is not null)
       or ("patients"."erased_at" is not null and "patients"."sex" is null and "patients"."age_band" is null
        and "patients"."zip3" is null and "patients"."profile_nonce" is null and "patients"."profile_ciphertext" is null))
);
--> statement-breakpoint
CREATE TABLE "records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"patient_id" uuid NOT NULL,
	"resource_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"format_version" smallint NOT NULL,
	"nonce" "bytea" NOT NULL,
	"ciphertext" "bytea" NOT NULL,
	"commitment" "bytea" NOT NULL,
	"content_digest" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "records_resource_id_check" CHECK ("records"."resource_id" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "records_nonce_check" CHECK (octet_length("records"."nonce") = 12),
	CONSTRAINT "records_commitment_check" CHECK (octet_length("records"."commitment") = 32)
);
--> statement-breakpoint
CREATE TABLE "audit_anchors" (
	"batch_id" bigint PRIMARY KEY NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"leaf_count" integer NOT NULL,
	"root" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"anchored_tx_hash" text,
	"anchored_at" timestamp with time zone,
	CONSTRAINT "audit_anchors_range_check" CHECK ("audit_anchors"."last_seq" >= "audit_anchors"."first_seq" and "audit_anchors"."leaf_count" = "audit_anchors"."last_seq" - "audit_anchors"."first_seq" + 1),
	CONSTRAINT "audit_anchors_root_check" CHECK (octet_length("audit_anchors"."root") = 32)
);
--> statement-breakpoint
CREATE TABLE "audit_head" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"last_seq" bigint NOT NULL,
	"last_hash" "bytea" NOT NULL,
	"last_at" timestamp (3) with time zone,
	CONSTRAINT "audit_head_single_row_check" CHECK ("audit_head"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" "bytea" NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "audit_log_seq_check" CHECK ("audit_log"."seq" > 0),
	CONSTRAINT "audit_log_hash_check" CHECK (octet_length("audit_log"."hash") = 32 and octet_length("audit_log"."prev_hash") = 32)
);
--> statement-breakpoint
ALTER TABLE "patient_data_keys" ADD CONSTRAINT "patient_data_keys_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_custodian_id_custodians_id_fk" FOREIGN KEY ("custodian_id") REFERENCES "public"."custodians"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "records" ADD CONSTRAINT "records_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "patient_data_keys_kek_idx" ON "patient_data_keys" USING btree ("kek_id","kek_version");--> statement-breakpoint
CREATE UNIQUE INDEX "patients_custodian_pseudo_id_key" ON "patients" USING btree ("custodian_id","pseudo_id");--> statement-breakpoint
CREATE UNIQUE INDEX "records_patient_resource_key" ON "records" USING btree ("patient_id","resource_id");--> statement-breakpoint
CREATE INDEX "records_codes_idx" ON "records" USING gin ("codes");--> statement-breakpoint
CREATE INDEX "audit_anchors_unpublished_idx" ON "audit_anchors" USING btree ("batch_id") WHERE "audit_anchors"."anchored_tx_hash" is null;--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject","seq");