import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resourcesDigest } from "#core/custody/audit.ts";
import {
  CustodyCryptoError,
  openRecord,
  recordCommitment,
  unwrapDataKey,
  type KeyEncryptionService,
} from "#core/custody/envelope.ts";
import type { DeidentifiedPatient } from "#core/custody/patient.ts";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import { openKekKeyring, type KekKeyring } from "#workers/custody/kek-keyring.ts";
import type { Database } from "../client.ts";
import { auditLog } from "../schema/audit.ts";
import { patientDataKeys, patients, records } from "../schema/custody.ts";
import { jobs } from "../schema/jobs.ts";
import { listJobs } from "./jobs.ts";
import { createTestDatabase, engines, rejectionOf, resetCustodyTables } from "../testing.ts";
import { listAuditEntries, verifyAuditLog } from "./audit.ts";
import { ensureCustodian } from "./custodians.ts";
import {
  COMPACTION_WINDOW_MS,
  compactDataKeys,
  scrubErasedRecordCodes,
  countDataKeysByKekVersion,
  erasePatient,
  listPseudoIds,
  readCohortRecords,
  readPatientRecords,
  rewrapDataKeys,
  storePatient,
  storePatients,
} from "./custody.ts";

const read = { actor: "worker:test-site", purpose: "job:1" };

type Snapshot = Array<Record<string, unknown>>;

describe.each(engines)("custody on %s", (engine) => {
  let database: Database;
  let dir: string;
  let keyring: KekKeyring;
  let custodianA: string;
  let custodianB: string;
  let kesA: KeyEncryptionService;
  let kesB: KeyEncryptionService;
  const actorA = () => `custodian:${custodianA}`;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    custodianA = (await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" })).id;
    custodianB = (await ensureCustodian(database.db, { slug: "northfield", name: "Northfield" }))
      .id;
  });

  afterAll(async () => {
    await database?.close();
    await rm(dir ?? "", { recursive: true, force: true });
  });

  beforeEach(async () => {
    await resetCustodyTables(database);
    await rm(dir ?? "", { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), "consentry-custody-"));
    keyring = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true });
    kesA = keyring.forCustodian(custodianA);
    kesB = keyring.forCustodian(custodianB);
  });

  const store = (patient: DeidentifiedPatient, custodianId = custodianA) =>
    storePatient(database.db, custodianId === custodianA ? kesA : kesB, custodianId, patient, {
      actor: `custodian:${custodianId}`,
    });

  /** Every custody and audit row with its row version (xmin), to prove nothing was rewritten. */
  const snapshot = async (): Promise<Snapshot> =>
    database.rows(sql`
      select 'patient' as kind, id::text as id, xmin::text as version, to_jsonb(p)::text as body from patients p
      union all select 'key', patient_id::text, xmin::text, to_jsonb(k)::text from patient_data_keys k
      union all select 'record', id::text, xmin::text, to_jsonb(r)::text from records r
      union all select 'audit', seq::text, xmin::text, to_jsonb(a)::text from audit_log a
      order by 1, 2`);
  const recordRows = (pseudoId: string) =>
    database.db
      .select({ record: records })
      .from(records)
      .innerJoin(patients, eq(patients.id, records.patientId))
      .where(eq(patients.pseudoId, pseudoId))
      .orderBy(records.id)
      .then((rows) => rows.map((row) => row.record));
  const counts = async () => ({
    patients: (await database.db.select().from(patients)).length,
    keys: (await database.db.select().from(patientDataKeys)).length,
    records: (await database.db.select().from(records)).length,
    audit: (await database.db.select().from(auditLog)).length,
  });
  const nothingStored = { patients: 0, keys: 0, records: 0, audit: 0 };

  describe("storePatients", () => {
    it("stores every resource encrypted, with its commitment, and the key wrapped by the custodian's KEK", async () => {
      const patient = syntheticPatient("alice", 6);
      const summary = await store(patient);

      expect(summary).toMatchObject({ created: true, recordsAdded: 6, recordsUnchanged: 0 });
      const [stored] = await database.db.select().from(patients);
      expect(stored).toMatchObject({
        custodianId: custodianA,
        pseudoId: patient.pseudoId,
        sex: patient.sex,
        ageBand: patient.ageBand,
        zip3: patient.zip3,
        erasedAt: null,
      });
      const [key] = await database.db.select().from(patientDataKeys);
      expect(key).toMatchObject({ patientId: stored?.id, kekId: kesA.kekId, kekVersion: 1 });

      const rows = await recordRows(patient.pseudoId);
      expect(rows.map((row) => row.resourceId)).toEqual(
        patient.resources.map((resource) => resource.resourceId),
      );
      for (const [index, row] of rows.entries()) {
        const resource = patient.resources[index]!;
        expect(row.codes).toEqual(resource.codes);
        expect(row.resourceType).toBe(resource.resourceType);
        expect(row.nonce).toHaveLength(12);
        expect(Buffer.from(row.commitment).equals(recordCommitment(row))).toBe(true);
        const text = Buffer.from(row.ciphertext).toString("latin1");
        expect(text).not.toContain("resourceType");
        expect(text).not.toContain(String((resource.resource as { id: string }).id));
      }
      const [entry] = await listAuditEntries(database.db);
      expect(entry).toMatchObject({
        actor: actorA(),
        action: "records.stored",
        subject: `patient:${patient.pseudoId}`,
        details: { custodianId: custodianA, recordsAdded: 6 },
      });
    });

    it("changes nothing when the same patient is stored again", async () => {
      const patient = syntheticPatient("alice", 4);
      await store(patient);
      const before = await snapshot();

      const again = await store(structuredClone(patient));

      expect(again).toMatchObject({ created: false, recordsAdded: 0, recordsUnchanged: 4 });
      expect(await snapshot()).toEqual(before);
    });

    it("adds a stored patient's new resources under the same data key", async () => {
      const patient = syntheticPatient("alice", 5);
      await store({ ...patient, resources: patient.resources.slice(0, 3) });
      const keyBefore = await database.db.select().from(patientDataKeys);

      expect(await store(patient)).toMatchObject({ recordsAdded: 2, recordsUnchanged: 3 });
      expect(await database.db.select().from(patientDataKeys)).toEqual(keyBefore);
      const readBack = await readPatientRecords(
        database.db,
        kesA,
        custodianA,
        patient.pseudoId,
        read,
      );
      expect(readBack?.records.map((record) => record.resource)).toEqual(
        patient.resources.map((resource) => resource.resource),
      );
    });

    describe("queues custody.commit-records", () => {
      const queued = () =>
        database.db
          .select({
            name: jobs.name,
            payload: jobs.payload,
            singletonKey: jobs.singletonKey,
            status: jobs.status,
          })
          .from(jobs)
          .where(eq(jobs.name, "custody.commit-records"))
          .orderBy(jobs.id);
      const commitJob = (custodianId: string) => ({
        name: "custody.commit-records",
        payload: { custodianId },
        singletonKey: `custody.commit-records:${custodianId}`,
        status: "queued",
      });

      it("once per custodian, however many stores add records while it waits", async () => {
        await store(syntheticPatient("alice", 2));
        await store(syntheticPatient("bob", 1));
        await store(syntheticPatient("carol", 1), custodianB);

        expect(await queued()).toEqual([commitJob(custodianA), commitJob(custodianB)]);
      });

      it("again once the previous job has run, when new records arrive", async () => {
        const alice = syntheticPatient("alice", 3);
        await store({ ...alice, resources: alice.resources.slice(0, 2) });
        await database.db.execute(sql`update jobs set status = 'completed'`);

        await store(alice);

        expect((await queued()).map((job) => job.status)).toEqual(["completed", "queued"]);
        expect((await queued())[1]).toEqual(commitJob(custodianA));
      });

      it("not at all when re-stored patients are unchanged, or when the store fails", async () => {
        const alice = syntheticPatient("alice", 3);
        await store(alice);
        await database.db.execute(sql`delete from jobs`);

        await store(structuredClone(alice));
        const changed = structuredClone(alice);
        changed.resources[0]!.resource = { ...changed.resources[0]!.resource, status: "amended" };
        await rejectionOf(store(changed));
        await rejectionOf(
          storePatients(database.db, kesA, custodianA, [syntheticPatient("bob", 2), changed], {
            actor: actorA(),
          }),
        );

        expect(await queued()).toEqual([]);
      });
    });

    it("refuses different content under a stored resource id, storing none of the batch", async () => {
      const alice = syntheticPatient("alice", 3);
      await store(alice);
      const before = await snapshot();
      const changed = structuredClone(alice);
      changed.resources[1]!.resource = { ...changed.resources[1]!.resource, status: "amended" };

      const failure = storePatients(
        database.db,
        kesA,
        custodianA,
        [syntheticPatient("bob", 2), changed],
        { actor: actorA() },
      );
      expect(await rejectionOf(failure)).toMatch(
        new RegExp(`Resource ${alice.resources[1]!.resourceId} of patient .* different content`),
      );
      expect(await snapshot()).toEqual(before);
    });

    it("refuses a stored patient with a different profile", async () => {
      const alice = syntheticPatient("alice", 1);
      await store(alice);
      await expect(
        store({ ...alice, dateShiftDays: alice.dateShiftDays + 1 }),
      ).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/different sex, age band, ZIP3 or date shift/),
      });
    });

    it("refuses bad input with a plain message and stores nothing", async () => {
      const good = syntheticPatient("alice", 2);
      const bad = {
        ...syntheticPatient("bob", 2),
        pseudoId: "Bob Smith",
        ageBand: "42",
      };
      const duplicate = structuredClone(good);
      duplicate.resources[1]!.resourceId = duplicate.resources[0]!.resourceId;

      await expect(
        storePatients(database.db, kesA, custodianA, [good, bad], { actor: actorA() }),
      ).rejects.toMatchObject({
        status: 400,
        message: expect.stringMatching(
          /patient 1: pseudoId must be 64 lowercase hex.*patient 1: ageBand must be one of/,
        ),
      });
      await expect(
        storePatients(database.db, kesA, custodianA, [duplicate], { actor: actorA() }),
      ).rejects.toThrow(/resources.1.resourceId repeats the resource id of resources.0/);
      await expect(
        storePatients(database.db, kesA, custodianA, [good], { actor: "Dr. Smith" }),
      ).rejects.toThrow(/audit actor "Dr. Smith"/);
      expect(await counts()).toEqual(nothingStored);
    });

    it("refuses an unknown custodian and a malformed custodian id", async () => {
      const patient = syntheticPatient("alice", 1);
      await expect(
        storePatient(database.db, kesA, crypto.randomUUID(), patient, { actor: actorA() }),
      ).rejects.toMatchObject({ status: 404 });
      await expect(
        storePatient(database.db, kesA, "st-marys", patient, { actor: actorA() }),
      ).rejects.toMatchObject({ status: 400 });
      expect(await counts()).toEqual(nothingStored);
    });

    it("stores nothing when the database fails midway through the records", async () => {
      const patients = [syntheticPatient("alice", 3), syntheticPatient("bob", 700)];
      const poisoned = patients[1]!.resources[650]!.resourceId;
      // A failure after patients, keys and the first chunk of records are written.
      await database.db.execute(
        sql.raw(`
        create function fail_midway() returns trigger language plpgsql as $$
        begin
          if new.resource_id = '${poisoned}' then raise exception 'disk full (simulated)'; end if;
          return new;
        end $$`),
      );
      await database.db.execute(
        sql`create trigger fail_midway before insert on records for each row execute function fail_midway()`,
      );
      try {
        const failure = storePatients(database.db, kesA, custodianA, patients, {
          actor: actorA(),
        });
        expect(await rejectionOf(failure)).toMatch(/disk full \(simulated\)/);
      } finally {
        await database.db.execute(sql`drop trigger fail_midway on records`);
        await database.db.execute(sql`drop function fail_midway()`);
      }
      expect(await counts()).toEqual(nothingStored);
    });

    it("stores nothing when the key service fails for one patient of the batch", async () => {
      const flaky: KeyEncryptionService = {
        ...kesA,
        kekId: kesA.kekId,
        wrap: async (dataKey, context) => {
          if (context.pseudoId === syntheticPatient("bob", 0).pseudoId) {
            throw new Error("KMS unavailable");
          }
          return kesA.wrap(dataKey, context);
        },
      };
      const failure = storePatients(
        database.db,
        flaky,
        custodianA,
        [syntheticPatient("alice", 2), syntheticPatient("bob", 2)],
        { actor: actorA() },
      );
      expect(await rejectionOf(failure)).toMatch(/KMS unavailable/);
      expect(await counts()).toEqual(nothingStored);
    });
  });

  describe("readCohortRecords and readPatientRecords", () => {
    it("decrypts what was stored and logs one read per patient, with no health data", async () => {
      const alice = syntheticPatient("alice", 5);
      const bob = syntheticPatient("bob", 2);
      await storePatients(database.db, kesA, custodianA, [alice, bob], { actor: actorA() });

      const cohort = await readCohortRecords(
        database.db,
        kesA,
        custodianA,
        [bob.pseudoId, alice.pseudoId],
        read,
      );

      expect(cohort.map((patient) => patient.pseudoId)).toEqual([bob.pseudoId, alice.pseudoId]);
      const readAlice = cohort[1]!;
      expect(readAlice).toMatchObject({
        sex: alice.sex,
        ageBand: alice.ageBand,
        zip3: alice.zip3,
        dateShiftDays: alice.dateShiftDays,
      });
      expect(readAlice.records.map(({ commitment: _, ...record }) => record)).toEqual(
        alice.resources,
      );
      const reads = await listAuditEntries(database.db, { subject: `patient:${alice.pseudoId}` });
      expect(reads.at(-1)).toMatchObject({
        actor: read.actor,
        action: "records.read",
        details: {
          custodianId: custodianA,
          purpose: "job:1",
          recordCount: 5,
          resourcesDigest: resourcesDigest(alice.resources.map((r) => r.resourceId)),
        },
      });
      const [{ log }] = (await database.rows(
        sql`select string_agg(to_jsonb(a)::text, ' ') as log from audit_log a`,
      )) as [{ log: string }];
      for (const healthData of ["loinc", "snomed", "Observation", "mg/dL", "dateShift"]) {
        expect(log).not.toContain(healthData);
      }
    });

    it("returns only the records of the asked resource types and codes", async () => {
      const alice = syntheticPatient("alice", 10);
      await store(alice);
      const conditions = await readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, {
        ...read,
        resourceTypes: ["Condition"],
      });
      expect(conditions?.records.map((record) => record.resourceId)).toEqual(
        alice.resources.filter((r) => r.resourceType === "Condition").map((r) => r.resourceId),
      );
      const cholesterol = await readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, {
        ...read,
        codes: ["http://loinc.org|2093-3", "http://example.org|none"],
      });
      expect(cholesterol?.records.length).toBeGreaterThan(0);
      expect(
        cholesterol?.records.every((record) => record.codes.includes("http://loinc.org|2093-3")),
      ).toBe(true);
    });

    it("does not give custodian B custodian A's patient, and logs nothing for the attempt", async () => {
      const alice = syntheticPatient("alice", 3);
      await store(alice);
      const logged = await listAuditEntries(database.db);

      expect(await readPatientRecords(database.db, kesB, custodianB, alice.pseudoId, read)).toBe(
        null,
      );
      expect(
        await readCohortRecords(database.db, kesA, custodianB, [alice.pseudoId], read),
      ).toEqual([]);
      expect(await listPseudoIds(database.db, custodianB)).toEqual([]);
      expect(await listAuditEntries(database.db)).toEqual(logged);
    });

    it("keeps two custodians' patients apart even under the same pseudo id", async () => {
      const atA = syntheticPatient("alice", 2);
      const atB = { ...syntheticPatient("other", 3), pseudoId: atA.pseudoId };
      await store(atA, custodianA);
      await store(atB, custodianB);
      const fromA = await readPatientRecords(database.db, kesA, custodianA, atA.pseudoId, read);
      const fromB = await readPatientRecords(database.db, kesB, custodianB, atA.pseudoId, read);
      expect(fromA?.records.map((r) => r.resourceId)).toEqual(
        atA.resources.map((r) => r.resourceId),
      );
      expect(fromB?.records.map((r) => r.resourceId)).toEqual(
        atB.resources.map((r) => r.resourceId),
      );
      // Custodian B's key service cannot open custodian A's data, whatever the caller claims.
      expect(
        await rejectionOf(readPatientRecords(database.db, kesB, custodianA, atA.pseudoId, read)),
      ).toMatch(/was wrapped by local:.*; this keyring holds local:/);
    });

    it("fails on a tampered ciphertext, naming the record, and logs no read", async () => {
      const alice = syntheticPatient("alice", 3);
      await store(alice);
      const logged = await listAuditEntries(database.db);
      const target = alice.resources[2]!.resourceId;
      await database.db.execute(
        sql`update records set ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1)
            where resource_id = ${target}`,
      );
      const failure = readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, read);
      await expect(failure).rejects.toBeInstanceOf(CustodyCryptoError);
      expect(await rejectionOf(failure)).toMatch(
        new RegExp(`record ${target} of patient ${alice.pseudoId} failed authentication`),
      );
      expect(await listAuditEntries(database.db)).toEqual(logged);
    });

    it("fails on a ciphertext swapped into another record's row", async () => {
      const alice = syntheticPatient("alice", 2);
      await store(alice);
      const [first, second] = alice.resources.map((resource) => resource.resourceId);
      await database.db.execute(sql`
        update records set ciphertext = other.ciphertext, nonce = other.nonce
        from records other where records.resource_id = ${first} and other.resource_id = ${second}`);
      expect(
        await rejectionOf(readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, read)),
      ).toMatch(new RegExp(`record ${first} .* failed authentication`));
    });

    it("says plainly when the keyring file is missing", async () => {
      const alice = syntheticPatient("alice", 1);
      await store(alice);
      const lost = openKekKeyring(join(dir, "elsewhere.json")).forCustodian(custodianA);
      expect(
        await rejectionOf(readPatientRecords(database.db, lost, custodianA, alice.pseudoId, read)),
      ).toMatch(/KEK keyring .*elsewhere.json does not exist/);
    });

    it("lists the custodian's live pseudo ids only", async () => {
      const [alice, bob, carol] = ["alice", "bob", "carol"].map((seed) =>
        syntheticPatient(seed, 1),
      ) as [DeidentifiedPatient, DeidentifiedPatient, DeidentifiedPatient];
      await storePatients(database.db, kesA, custodianA, [alice, bob], { actor: actorA() });
      await store(carol, custodianB);
      await erasePatient(database.db, custodianA, bob.pseudoId, {
        actor: actorA(),
        reason: "patient-request",
      });
      expect(await listPseudoIds(database.db, custodianA)).toEqual([alice.pseudoId]);
      expect(await listPseudoIds(database.db, custodianB)).toEqual([carol.pseudoId]);
    });
  });

  describe("erasePatient", () => {
    const erase = (pseudoId: string, custodianId = custodianA) =>
      erasePatient(database.db, custodianId, pseudoId, {
        actor: actorA(),
        reason: "patient-request",
      });

    /** Every key an attacker holding the database and the keyring file could try. */
    const candidateKeys = async (): Promise<Uint8Array[]> => {
      const file = JSON.parse(await readFile(keyring.path, "utf8")) as {
        custodians: Record<string, { versions: Record<string, { key: string }> }>;
      };
      const keks = Object.entries(file.custodians).flatMap(([custodianId, keks]) =>
        Object.entries(keks.versions).map(([version, entry]) => ({
          custodianId,
          kekVersion: Number(version),
          bytes: new Uint8Array(Buffer.from(entry.key, "base64")),
        })),
      );
      const candidates: Uint8Array[] = keks.map((kek) => kek.bytes);
      const wrapped = await database.db
        .select({
          key: patientDataKeys,
          pseudoId: patients.pseudoId,
          custodianId: patients.custodianId,
        })
        .from(patientDataKeys)
        .innerJoin(patients, eq(patients.id, patientDataKeys.patientId));
      for (const row of wrapped) {
        for (const kek of keks) {
          try {
            candidates.push(
              unwrapDataKey(
                kek.bytes,
                row.key,
                { custodianId: row.custodianId, pseudoId: row.pseudoId },
                row.key.wrappedKey,
              ),
            );
          } catch {
            // Not this KEK.
          }
        }
        candidates.push(row.key.wrappedKey.subarray(13, 45));
      }
      // Every other 32-byte value in the database, for good measure.
      const values = await database.rows<{ value: Uint8Array }>(sql`
        select commitment as value from records union all select content_digest from records
        union all select hash from audit_log union all select root from audit_anchors`);
      candidates.push(...values.map((row) => row.value));
      return candidates;
    };

    const opensAnyRecord = async (pseudoId: string, candidates: Uint8Array[]) => {
      const rows = await recordRows(pseudoId);
      expect(rows.length).toBeGreaterThan(0);
      return rows.map((row) =>
        candidates.some((key) => {
          try {
            openRecord(key, { custodianId: custodianA, pseudoId, resourceId: row.resourceId }, row);
            return true;
          } catch {
            return false;
          }
        }),
      );
    };

    it("makes every ciphertext of the patient unreadable with all the database and keyring still hold", async () => {
      const alice = syntheticPatient("alice", 4);
      await storePatients(database.db, kesA, custodianA, [alice, syntheticPatient("bob", 2)], {
        actor: actorA(),
      });
      await store(syntheticPatient("carol", 2), custodianB);
      await keyring.rotate(custodianA);
      await store(syntheticPatient("dave", 1));
      // The same search finds Alice's key while it exists: the check below can fail.
      expect(await opensAnyRecord(alice.pseudoId, await candidateKeys())).toEqual([
        true,
        true,
        true,
        true,
      ]);

      await erase(alice.pseudoId);

      expect(await opensAnyRecord(alice.pseudoId, await candidateKeys())).toEqual([
        false,
        false,
        false,
        false,
      ]);
    });

    it("deletes the key, clears the profile, keeps records and log intact, logs the erasure and queues compaction", async () => {
      const alice = syntheticPatient("alice", 3);
      await store(alice);
      await store(syntheticPatient("bob", 1));
      const recordsBefore = await database.rows(
        sql`select id, xmin::text, ciphertext, nonce, commitment, codes from records order by id`,
      );
      const logBefore = await listAuditEntries(database.db);

      const result = await erase(alice.pseudoId);

      expect(result).toMatchObject({
        pseudoId: alice.pseudoId,
        erasedNow: true,
        dataKeysDestroyed: 1,
      });
      const [erased] = await database.db
        .select()
        .from(patients)
        .where(eq(patients.pseudoId, alice.pseudoId));
      expect(erased).toMatchObject({
        sex: null,
        ageBand: null,
        zip3: null,
        profileNonce: null,
        profileCiphertext: null,
      });
      expect(erased?.erasedAt).toEqual(result.erasedAt);
      expect(
        await database.db
          .select()
          .from(patientDataKeys)
          .where(eq(patientDataKeys.patientId, erased!.id)),
      ).toEqual([]);
      expect(
        await database.rows(
          sql`select id, xmin::text, ciphertext, nonce, commitment, codes from records order by id`,
        ),
      ).toEqual(recordsBefore);
      const log = await listAuditEntries(database.db);
      expect(log.slice(0, logBefore.length)).toEqual(logBefore);
      expect(log.at(-1)).toMatchObject({
        action: "patient.erased",
        actor: actorA(),
        subject: `patient:${alice.pseudoId}`,
        details: { custodianId: custodianA, reason: "patient-request", dataKeysDestroyed: 1 },
      });
      expect((await verifyAuditLog(database.db)).ok).toBe(true);

      const [job] = await listJobs(database.db, "custody.compact-keys");
      const window = Math.floor(result.erasedAt.getTime() / COMPACTION_WINDOW_MS);
      expect(job).toMatchObject({ name: "custody.compact-keys", status: "queued" });
      expect(
        Math.abs(new Date(job!.payload.window as string).getTime() / COMPACTION_WINDOW_MS - window),
      ).toBeLessThanOrEqual(1);
      expect(job!.runAt.getTime()).toBeGreaterThan(Date.now());
    });

    it("queues one compaction for all erasures of a window", async () => {
      const patients = ["alice", "bob", "carol"].map((seed) => syntheticPatient(seed, 1));
      await storePatients(database.db, kesA, custodianA, patients, { actor: actorA() });
      for (const patient of patients) await erase(patient.pseudoId);
      const compactions = await listJobs(database.db, "custody.compact-keys");
      expect(compactions.length).toBeGreaterThanOrEqual(1);
      expect(compactions.length).toBeLessThanOrEqual(2);
    });

    it("makes reads skip the patient, and refuses to store them again", async () => {
      const [alice, bob] = [syntheticPatient("alice", 2), syntheticPatient("bob", 2)];
      await storePatients(database.db, kesA, custodianA, [alice, bob], { actor: actorA() });
      await erase(alice.pseudoId);

      const cohort = await readCohortRecords(
        database.db,
        kesA,
        custodianA,
        [alice.pseudoId, bob.pseudoId],
        read,
      );
      expect(cohort.map((patient) => patient.pseudoId)).toEqual([bob.pseudoId]);
      expect(await readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, read)).toBe(
        null,
      );
      await expect(store(alice)).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/was erased on .*; their data is not stored again/),
      });
    });

    it("changes nothing when the patient was erased already", async () => {
      const alice = syntheticPatient("alice", 1);
      await store(alice);
      const first = await erase(alice.pseudoId);
      const before = await snapshot();
      const again = await erase(alice.pseudoId);
      expect(again).toEqual({ ...first, erasedNow: false, dataKeysDestroyed: 0 });
      expect(await snapshot()).toEqual(before);
    });

    it("does not let custodian B erase custodian A's patient", async () => {
      const alice = syntheticPatient("alice", 2);
      await store(alice);
      const before = await snapshot();
      await expect(erase(alice.pseudoId, custodianB)).rejects.toMatchObject({ status: 404 });
      expect(await snapshot()).toEqual(before);
      expect(
        await readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, read),
      ).not.toBe(null);
    });

    it("refuses a reason outside the list and an actor that is not a reference, changing nothing", async () => {
      const alice = syntheticPatient("alice", 1);
      await store(alice);
      const before = await snapshot();
      await expect(
        erasePatient(database.db, custodianA, alice.pseudoId, {
          actor: actorA(),
          reason: "she has cancer" as never,
        }),
      ).rejects.toMatchObject({ status: 400 });
      await expect(
        erasePatient(database.db, custodianA, alice.pseudoId, {
          actor: "Dr. Smith",
          reason: "patient-request",
        }),
      ).rejects.toMatchObject({ status: 400 });
      expect(await snapshot()).toEqual(before);
    });

    it("clears the codes of erased patients' records afterwards, and nobody else's", async () => {
      const [alice, bob, carol] = ["alice", "bob", "carol"].map((seed) =>
        syntheticPatient(seed, 3),
      );
      await storePatients(database.db, kesA, custodianA, [alice!, bob!], { actor: actorA() });
      await store(carol!, custodianB);
      const codesOf = async () =>
        Object.fromEntries(
          (
            await database.db
              .select({
                pseudoId: patients.pseudoId,
                custodianId: patients.custodianId,
                codes: records.codes,
              })
              .from(records)
              .innerJoin(patients, eq(patients.id, records.patientId))
          ).reduce((byPatient, row) => {
            const key = `${row.custodianId === custodianA ? "A" : "B"}:${row.pseudoId}`;
            byPatient.set(key, [...(byPatient.get(key) ?? []), ...row.codes]);
            return byPatient;
          }, new Map<string, string[]>()),
        );
      const before = await codesOf();
      expect(before[`A:${alice!.pseudoId}`]?.length).toBeGreaterThan(0);

      await erase(alice!.pseudoId);
      // Erasure itself leaves the records alone; the compaction's scrub clears them, in batches.
      expect(await codesOf()).toEqual(before);
      expect(await scrubErasedRecordCodes(database.db, { batchSize: 2 })).toBe(3);

      const after = await codesOf();
      expect(after[`A:${alice!.pseudoId}`]).toEqual([]);
      expect(after[`A:${bob!.pseudoId}`]).toEqual(before[`A:${bob!.pseudoId}`]);
      expect(after[`B:${carol!.pseudoId}`]).toEqual(before[`B:${carol!.pseudoId}`]);
      expect(await scrubErasedRecordCodes(database.db)).toBe(0);
    });

    it("compacts the key table and keeps live keys readable", async () => {
      const [alice, bob] = [syntheticPatient("alice", 1), syntheticPatient("bob", 1)];
      await storePatients(database.db, kesA, custodianA, [alice, bob], { actor: actorA() });
      await erase(alice.pseudoId);
      await compactDataKeys(database.db);
      expect(
        await readPatientRecords(database.db, kesA, custodianA, bob.pseudoId, read),
      ).toMatchObject({ pseudoId: bob.pseudoId });
    });
  });

  describe("rewrapDataKeys", () => {
    it("re-wraps every data key under the new KEK version without touching a record", async () => {
      const stored = ["alice", "bob", "carol", "dave", "erin"].map((seed) =>
        syntheticPatient(seed, 3),
      );
      await storePatients(database.db, kesA, custodianA, stored, { actor: actorA() });
      await store(syntheticPatient("frank", 1), custodianB);
      const recordsBefore = await database.rows(
        sql`select id, xmin::text, ciphertext, nonce, commitment from records order by id`,
      );
      const keyOfB = await database.rows(
        sql`select k.xmin::text, k.wrapped_key from patient_data_keys k join patients p on p.id = k.patient_id
            where p.custodian_id = ${custodianB}`,
      );

      expect(await keyring.rotate(custodianA)).toBe(2);
      expect(
        await rewrapDataKeys(database.db, kesA, custodianA, { actor: actorA(), batchSize: 2 }),
      ).toEqual({ kekVersion: 2, rewrapped: 5 });

      expect(await countDataKeysByKekVersion(database.db, custodianA)).toEqual([
        { kekId: kesA.kekId, kekVersion: 2, dataKeys: 5 },
      ]);
      expect(
        await database.rows(
          sql`select id, xmin::text, ciphertext, nonce, commitment from records order by id`,
        ),
      ).toEqual(recordsBefore);
      expect(
        await database.rows(
          sql`select k.xmin::text, k.wrapped_key from patient_data_keys k join patients p on p.id = k.patient_id
              where p.custodian_id = ${custodianB}`,
        ),
      ).toEqual(keyOfB);
      await keyring.retire(custodianA, 1);
      const cohort = await readCohortRecords(
        database.db,
        kesA,
        custodianA,
        stored.map((patient) => patient.pseudoId),
        read,
      );
      expect(cohort.flatMap((patient) => patient.records.map((record) => record.resource))).toEqual(
        stored.flatMap((patient) => patient.resources.map((resource) => resource.resource)),
      );
      const rewrapEntries = (await listAuditEntries(database.db)).filter(
        (entry) => entry.action === "data-keys.rewrapped",
      );
      expect(rewrapEntries).toEqual([
        expect.objectContaining({
          subject: `custodian:${custodianA}`,
          details: { custodianId: custodianA, kekId: kesA.kekId, kekVersion: 2, dataKeys: 5 },
        }),
      ]);
      expect(await rewrapDataKeys(database.db, kesA, custodianA, { actor: actorA() })).toEqual({
        kekVersion: 2,
        rewrapped: 0,
      });
    });

    it("leaves keys under a retired version unreadable, with an error naming the version", async () => {
      const alice = syntheticPatient("alice", 1);
      await store(alice);
      await keyring.rotate(custodianA);
      await keyring.retire(custodianA, 1);
      expect(
        await rejectionOf(readPatientRecords(database.db, kesA, custodianA, alice.pseudoId, read)),
      ).toMatch(/KEK version 1 of custodian .* it was retired/);
    });
  });
});
