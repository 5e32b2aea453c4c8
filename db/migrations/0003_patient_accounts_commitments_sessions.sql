CREATE TABLE "record_commitment_batches" (
	"custodian_id" uuid NOT NULL,
	"batch_id" bigint NOT NULL,
	"leaf_count" integer NOT NULL,
	"root" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_tx_hash" text,
	"published_at" timestamp with time zone,
	CONSTRAINT "record_commitment_batches_pkey" PRIMARY KEY("custodian_id","batch_id"),
	CONSTRAINT "record_commitment_batches_root_check" CHECK (octet_length("record_commitment_batches"."root") = 32),
	CONSTRAINT "record_commitment_batches_leaf_count_check" CHECK ("record_commitment_batches"."leaf_count" > 0)
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_address" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sessions_account_address_check" CHECK ("sessions"."account_address" ~ '^0x[0-9a-f]{40}$')
);
--> statement-breakpoint
CREATE TABLE "sign_in_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sign_in_nonces_nonce_check" CHECK ("sign_in_nonces"."nonce" ~ '^[A-Za-z0-9]{16,64}$')
);
--> statement-breakpoint
ALTER TABLE "patients" ADD COLUMN "account_address" text;--> statement-breakpoint
ALTER TABLE "records" ADD COLUMN "commitment_batch_id" bigint;--> statement-breakpoint
ALTER TABLE "record_commitment_batches" ADD CONSTRAINT "record_commitment_batches_custodian_id_custodians_id_fk" FOREIGN KEY ("custodian_id") REFERENCES "public"."custodians"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "record_commitment_batches_unpublished_idx" ON "record_commitment_batches" USING btree ("custodian_id","batch_id") WHERE "record_commitment_batches"."published_tx_hash" is null;--> statement-breakpoint
CREATE INDEX "sessions_account_idx" ON "sessions" USING btree ("account_address");--> statement-breakpoint
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "sign_in_nonces_expires_idx" ON "sign_in_nonces" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "patients_custodian_account_key" ON "patients" USING btree ("custodian_id","account_address");--> statement-breakpoint
CREATE INDEX "patients_account_idx" ON "patients" USING btree ("account_address");--> statement-breakpoint
CREATE INDEX "records_uncommitted_idx" ON "records" USING btree ("id") WHERE "records"."commitment_batch_id" is null;--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_account_address_check" CHECK ("patients"."account_address" is null or "patients"."account_address" ~ '^0x[0-9a-f]{40}$');