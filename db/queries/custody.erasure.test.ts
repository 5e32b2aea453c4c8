// Erasure at scale, and what erasure leaves in PostgreSQL's pages until the key table is compacted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import type { Database } from "../client.ts";
import { createTestDatabase, engines } from "../testing.ts";
import { ensureCustodian } from "./custodians.ts";
import { compactDataKeys, erasePatient, storePatients } from "./custody.ts";

const PATIENTS = 100_000;

/** Bulk rows shaped like stored ones (sizes, indexes, constraints), written by SQL for speed. */
export async function seedBulkPatients(database: Database, custodianId: string, count: number) {
  await database.db.execute(sql`
    insert into patients (custodian_id, pseudo_id, sex, age_band, zip3, profile_nonce, profile_ciphertext)
    select ${custodianId}, encode(sha256(convert_to('bulk/' || g, 'UTF8')), 'hex'), 'female', '40-44', '021',
           substring(sha256(convert_to('nonce/' || g, 'UTF8')) from 1 for 12),
           sha256(convert_to('profile/' || g, 'UTF8'))
    from generate_series(1, ${count}::int) g`);
  await database.db.execute(sql`
    insert into patient_data_keys (patient_id, wrapped_key, kek_id, kek_version)
    select id, '\\x01'::bytea || sha256(convert_to('k/' || pseudo_id, 'UTF8')) || sha256(convert_to('l/' || pseudo_id, 'UTF8')),
           'local:bulk', 1
    from patients where custodian_id = ${custodianId}`);
  await database.db.execute(sql`
    insert into records (patient_id, resource_id, resource_type, codes, format_version, nonce, ciphertext, commitment, content_digest)
    select id, encode(sha256(convert_to('r/' || pseudo_id, 'UTF8')), 'hex'), 'Observation',
           array['http://loinc.org|2093-3'], 1,
           substring(sha256(convert_to('n/' || pseudo_id, 'UTF8')) from 1 for 12),
           decode(repeat(md5(pseudo_id), 19), 'hex'),
           sha256(convert_to('c/' || pseudo_id, 'UTF8')), sha256(convert_to('d/' || pseudo_id, 'UTF8'))
    from patients where custodian_id = ${custodianId}`);
  await database.db.execute(sql`analyze`);
}

describe.each(engines)("erasure among 100,000 stored patients on %s", (engine) => {
  let database: Database;
  let dir: string;
  let custodianId: string;
  const one = syntheticPatient("one-record", 1);
  const thousand = syntheticPatient("thousand-records", 1_000);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    dir = await mkdtemp(join(tmpdir(), "consentry-erasure-"));
    custodianId = (await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" })).id;
    await seedBulkPatients(database, custodianId, PATIENTS - 2);
    const kes = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true });
    await storePatients(database.db, kes.forCustodian(custodianId), custodianId, [one, thousand], {
      actor: "worker:test-site",
    });
  }, 300_000);

  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const timedErasure = async (pseudoId: string) => {
    const started = performance.now();
    const result = await erasePatient(database.db, custodianId, pseudoId, {
      actor: "system",
      reason: "patient-request",
    });
    expect(result.dataKeysDestroyed).toBe(1);
    return performance.now() - started;
  };
  const recordVersions = (pseudoId: string) =>
    database.rows(sql`select r.id, r.xmin::text as version from records r
      join patients p on p.id = r.patient_id where p.pseudo_id = ${pseudoId} order by r.id`);

  it("holds 100,000 patients", async () => {
    const [row] = await database.rows<{ n: bigint }>(sql`select count(*) as n from patients`);
    expect(row?.n).toBe(BigInt(PATIENTS));
  });

  it("erases a patient of 1 record and one of 1,000 in under 100 ms each, rewriting no record", async () => {
    // A running system is warm: one erasure first, so plans and caches are in place.
    const [warm] = await database.rows<{ pseudo_id: string }>(
      sql`select pseudo_id from patients where erased_at is null order by pseudo_id limit 1`,
    );
    await timedErasure(warm!.pseudo_id);
    const thousandBefore = await recordVersions(thousand.pseudoId);
    expect(thousandBefore).toHaveLength(1_000);

    const oneMs = await timedErasure(one.pseudoId);
    const thousandMs = await timedErasure(thousand.pseudoId);

    expect(oneMs).toBeLessThan(100);
    expect(thousandMs).toBeLessThan(100);
    // Independent of the record count by construction: not one record row was written.
    expect(await recordVersions(thousand.pseudoId)).toEqual(thousandBefore);
  });
});

// PostgreSQL never overwrites a row in place: a deleted key stays in the page until the table is
// rewritten. pageinspect shows the bytes (PGlite has no pageinspect; the compaction itself runs on
// both engines in custody.test.ts).
describe("erased keys in PostgreSQL's pages", () => {
  let database: Database;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(join(tmpdir(), "consentry-pages-"));
    await database.db.execute(sql`create extension if not exists pageinspect`);
  });

  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps an erased patient's wrapped key in a dead row until compaction removes it", async () => {
    const { id: custodianId } = await ensureCustodian(database.db, { slug: "a", name: "A" });
    const kes = openKekKeyring(join(dir, "kek.json"), { createIfMissing: true });
    const stored = Array.from({ length: 40 }, (_, i) => syntheticPatient(`p${i}`, 1));
    await storePatients(database.db, kes.forCustodian(custodianId), custodianId, stored, {
      actor: "system",
    });
    const target = stored[39]!;
    const [key] = await database.rows<{ wrapped_key: Uint8Array }>(sql`
      select k.wrapped_key from patient_data_keys k join patients p on p.id = k.patient_id
      where p.pseudo_id = ${target.pseudoId}`);
    const inPages = async () => {
      const [row] = await database.rows<{ found: boolean }>(sql`
        select bool_or(position(${Buffer.from(key!.wrapped_key)}::bytea in get_raw_page('patient_data_keys', n::int)) > 0) as found
        from generate_series(0, pg_relation_size('patient_data_keys') / current_setting('block_size')::int - 1) n`);
      return row?.found;
    };
    expect(await inPages()).toBe(true);

    await erasePatient(database.db, custodianId, target.pseudoId, {
      actor: "system",
      reason: "patient-request",
    });
    expect(await inPages()).toBe(true);

    await compactDataKeys(database.db);
    expect(await inPages()).toBe(false);
  });
});
