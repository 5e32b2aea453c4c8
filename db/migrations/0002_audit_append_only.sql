-- The audit log is append-only, and PostgreSQL enforces it: UPDATE, DELETE and TRUNCATE are refused on
-- audit_log, the head moves only forward to an entry that exists, and an anchor is written once (its
-- publication recorded once). Only a superuser who disables triggers (or sets session_replication_role
-- = replica) can rewrite history, and `npm run audit:verify` then names what changed.
CREATE FUNCTION "consentry_refuse_rewrite"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_or_delete" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "consentry_refuse_rewrite"();
--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "consentry_refuse_rewrite"();
--> statement-breakpoint
-- Every new entry must link to the one before it: no gaps, no forks, even from a buggy writer.
CREATE FUNCTION "consentry_audit_log_link_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  predecessor bytea;
BEGIN
  IF NEW.seq = 1 THEN
    predecessor := decode(repeat('00', 32), 'hex');
  ELSE
    SELECT hash INTO predecessor FROM audit_log WHERE seq = NEW.seq - 1;
    IF predecessor IS NULL THEN
      RAISE EXCEPTION 'audit_log: entry % has no predecessor (entry % does not exist)', NEW.seq, NEW.seq - 1
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END IF;
  IF NEW.prev_hash <> predecessor THEN
    RAISE EXCEPTION 'audit_log: entry % does not link to the hash of entry %', NEW.seq, NEW.seq - 1
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_link_check" BEFORE INSERT ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "consentry_audit_log_link_check"();
--> statement-breakpoint
CREATE FUNCTION "consentry_audit_head_advance_check"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.last_seq <= OLD.last_seq THEN
    RAISE EXCEPTION 'audit_head only moves forward (from % to % refused)', OLD.last_seq, NEW.last_seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.last_seq AND hash = NEW.last_hash) THEN
    RAISE EXCEPTION 'audit_head must point at a stored entry (entry % with that hash does not exist)', NEW.last_seq
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_head_advance_check" BEFORE UPDATE ON "audit_head"
  FOR EACH ROW EXECUTE FUNCTION "consentry_audit_head_advance_check"();
--> statement-breakpoint
CREATE TRIGGER "audit_head_no_delete" BEFORE DELETE ON "audit_head"
  FOR EACH ROW EXECUTE FUNCTION "consentry_refuse_rewrite"();
--> statement-breakpoint
CREATE TRIGGER "audit_head_no_truncate" BEFORE TRUNCATE ON "audit_head"
  FOR EACH STATEMENT EXECUTE FUNCTION "consentry_refuse_rewrite"();
--> statement-breakpoint
INSERT INTO "audit_head" ("id", "last_seq", "last_hash") VALUES (1, 0, decode(repeat('00', 32), 'hex'));
--> statement-breakpoint
-- Anchors follow each other without gaps, cover only stored entries, and are published once.
CREATE FUNCTION "consentry_audit_anchor_insert_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  expected_first bigint;
BEGIN
  IF NEW.batch_id = 0 THEN
    expected_first := 1;
  ELSE
    SELECT last_seq + 1 INTO expected_first FROM audit_anchors WHERE batch_id = NEW.batch_id - 1;
  END IF;
  IF expected_first IS NULL OR NEW.first_seq <> expected_first THEN
    RAISE EXCEPTION 'audit_anchors: batch % must start right after batch %', NEW.batch_id, NEW.batch_id - 1
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.last_seq > (SELECT last_seq FROM audit_head WHERE id = 1) THEN
    RAISE EXCEPTION 'audit_anchors: batch % covers entries beyond the log''s head', NEW.batch_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_anchors_insert_check" BEFORE INSERT ON "audit_anchors"
  FOR EACH ROW EXECUTE FUNCTION "consentry_audit_anchor_insert_check"();
--> statement-breakpoint
CREATE FUNCTION "consentry_audit_anchor_publish_check"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.anchored_tx_hash IS NOT NULL OR NEW.anchored_tx_hash IS NULL
     OR NEW.batch_id <> OLD.batch_id OR NEW.first_seq <> OLD.first_seq OR NEW.last_seq <> OLD.last_seq
     OR NEW.leaf_count <> OLD.leaf_count OR NEW.root <> OLD.root OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'audit_anchors: batch % may only have its publication recorded, once', OLD.batch_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_anchors_publish_check" BEFORE UPDATE ON "audit_anchors"
  FOR EACH ROW EXECUTE FUNCTION "consentry_audit_anchor_publish_check"();
--> statement-breakpoint
CREATE TRIGGER "audit_anchors_no_delete" BEFORE DELETE ON "audit_anchors"
  FOR EACH ROW EXECUTE FUNCTION "consentry_refuse_rewrite"();
--> statement-breakpoint
CREATE TRIGGER "audit_anchors_no_truncate" BEFORE TRUNCATE ON "audit_anchors"
  FOR EACH STATEMENT EXECUTE FUNCTION "consentry_refuse_rewrite"();
--> statement-breakpoint
-- An erased patient never gets a data key again: erasure is final.
CREATE FUNCTION "consentry_data_key_live_patient_check"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM patients WHERE id = NEW.patient_id AND erased_at IS NOT NULL) THEN
    RAISE EXCEPTION 'patient_data_keys: patient % was erased; it gets no data key again', NEW.patient_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "patient_data_keys_live_patient_check" BEFORE INSERT OR UPDATE ON "patient_data_keys"
  FOR EACH ROW EXECUTE FUNCTION "consentry_data_key_live_patient_check"();
