// `npm run bench:custody [-- --engine pglite|postgres|both] [--patients N]`: on demand, not in npm test.
// Stores N patients (default 100,000) through the real encrypted path, then measures, side by side
// in one run: erasing one patient among them with 1 record vs 1,000 records, and reading records
// decrypted vs a plain SELECT of the same rows unencrypted. PostgreSQL runs in a throwaway database
// at TEST_DATABASE_URL (default postgres://root@127.0.0.1:5432/test), as the tests do.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { openJson } from "#core/custody/envelope.ts";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import type { Database } from "#db/client.ts";
import { verifyAuditLog } from "#db/queries/audit.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { erasePatient, readCohortRecords, storePatients } from "#db/queries/custody.ts";
import { createTestDatabase, type Engine } from "#db/testing.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "both" },
    patients: { type: "string", default: "100000" },
    rounds: { type: "string", default: "7" },
  },
});
const engines: Engine[] =
  values.engine === "both" ? ["pglite", "postgres"] : [values.engine as Engine];
const PATIENTS = Number(values.patients);
const ROUNDS = Number(values.rounds);
const BIG_PATIENTS = 10; // 1,000 records each: the decryption set, then erased
const SMALL_ERASED = 20;
const BATCH = 2_000;

const say = (line = "") => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]) => Math.max(...xs);
const rate = (count: number, millis: number) => Math.round((count / millis) * 1000);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

async function benchEngine(engine: Engine) {
  say(`\n━━ ${engine} ━━`);
  const database: Database = await createTestDatabase(engine);
  const dir = await mkdtemp(join(tmpdir(), "consentry-bench-"));
  try {
    const { id: custodianId } = await ensureCustodian(database.db, {
      slug: "bench",
      name: "Bench Hospital",
    });
    const kes = openKekKeyring(join(dir, "kek-keyring.json"), {
      createIfMissing: true,
    }).forCustodian(custodianId);
    const actor = "worker:bench";

    // 1. Store N patients through the real path: encrypted, wrapped, audited.
    const small = PATIENTS - BIG_PATIENTS;
    const [, storeMs] = await timed(async () => {
      for (let start = 0; start < small; start += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, small - start) }, (_, i) =>
          syntheticPatient(`bench/${start + i}`, 1),
        );
        await storePatients(database.db, kes, custodianId, batch, { actor });
      }
    });
    const big = Array.from({ length: BIG_PATIENTS }, (_, i) =>
      syntheticPatient(`bench/big/${i}`, 1_000),
    );
    const [, storeBigMs] = await timed(() =>
      storePatients(database.db, kes, custodianId, big, { actor }),
    );
    say(
      `stored ${small.toLocaleString("en")} patients × 1 record in ${(storeMs / 1000).toFixed(1)} s ` +
        `(${rate(small, storeMs).toLocaleString("en")} patients/s); ` +
        `${BIG_PATIENTS} × 1,000 records in ${(storeBigMs / 1000).toFixed(1)} s ` +
        `(${rate(BIG_PATIENTS * 1_000, storeBigMs).toLocaleString("en")} records/s)`,
    );
    await database.db.execute(sql`analyze`);

    // 2. Decryption throughput vs a plain SELECT of the same rows, unencrypted. The plain table
    // exists only in this throwaway database, as the baseline.
    const decrypted = await readCohortRecords(
      database.db,
      kes,
      custodianId,
      big.map((patient) => patient.pseudoId),
      { actor, purpose: "bench:setup" },
    );
    const recordCount = decrypted.reduce((sum, patient) => sum + patient.records.length, 0);
    await database.db.execute(sql`create table plain_records (
      patient_id uuid not null, resource_id text not null, resource_type text not null,
      codes text[] not null, resource jsonb not null, primary key (patient_id, resource_id))`);
    await database.db.execute(sql`
      insert into plain_records (patient_id, resource_id, resource_type, codes, resource)
      select r.patient_id, r.resource_id, r.resource_type, r.codes, x.resource
      from records r join patients p on p.id = r.patient_id
      join jsonb_to_recordset(${JSON.stringify(
        decrypted.flatMap((patient) =>
          patient.records.map((record) => ({
            pseudo_id: patient.pseudoId,
            resource_id: record.resourceId,
            resource: record.resource,
          })),
        ),
      )}::jsonb) as x(pseudo_id text, resource_id text, resource jsonb)
        on x.pseudo_id = p.pseudo_id and x.resource_id = r.resource_id`);
    await database.db.execute(sql`analyze plain_records`);
    const bigIds = await database.rows<{ id: string }>(
      sql`select id from patients where pseudo_id in ${big.map((patient) => patient.pseudoId)}`,
    );
    const plainSelect = () =>
      database.rows(sql`select patient_id, resource_id, resource_type, codes, resource
        from plain_records where patient_id in ${bigIds.map((row) => row.id)}
        order by patient_id, resource_id`);
    const encryptedSelect = () =>
      database.rows(sql`select patient_id, resource_id, resource_type, codes, format_version, nonce, ciphertext, commitment
        from records where patient_id in ${bigIds.map((row) => row.id)} order by patient_id, id`);

    const plain: number[] = [];
    const decrypting: number[] = [];
    const selectOnly: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const [plainRows, plainMs] = await timed(plainSelect);
      const [cohort, decryptMs] = await timed(() =>
        readCohortRecords(
          database.db,
          kes,
          custodianId,
          big.map((patient) => patient.pseudoId),
          { actor, purpose: `bench:${round}` },
        ),
      );
      const [rawRows, rawMs] = await timed(encryptedSelect);
      if (plainRows.length !== recordCount || rawRows.length !== recordCount) {
        throw new Error("the baseline does not read the same rows");
      }
      if (cohort.reduce((sum, patient) => sum + patient.records.length, 0) !== recordCount) {
        throw new Error("the decrypting read returned a different number of records");
      }
      plain.push(plainMs);
      decrypting.push(decryptMs);
      selectOnly.push(rawMs);
    }
    // AES-GCM and JSON parsing alone, in memory: where the difference goes.
    const keys = new Map<string, Uint8Array>();
    for (const patient of big) {
      const [wrapped] = await database.rows<{
        wrapped_key: Uint8Array;
        kek_id: string;
        kek_version: number;
      }>(
        sql`select k.wrapped_key, k.kek_id, k.kek_version from patient_data_keys k join patients p on p.id = k.patient_id where p.pseudo_id = ${patient.pseudoId}`,
      );
      keys.set(
        patient.pseudoId,
        await kes.unwrap(
          {
            wrappedKey: wrapped!.wrapped_key,
            kekId: wrapped!.kek_id,
            kekVersion: wrapped!.kek_version,
          },
          { custodianId, pseudoId: patient.pseudoId },
        ),
      );
    }
    const rawRows = await database.rows<{
      pseudo_id: string;
      resource_id: string;
      format_version: number;
      nonce: Uint8Array;
      ciphertext: Uint8Array;
    }>(sql`select p.pseudo_id, r.resource_id, r.format_version, r.nonce, r.ciphertext
      from records r join patients p on p.id = r.patient_id where r.patient_id in ${bigIds.map((row) => row.id)}`);
    const cryptoOnly: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const [, cryptoMs] = await timed(async () => {
        for (const row of rawRows) {
          openJson(
            keys.get(row.pseudo_id) as Uint8Array,
            { custodianId, pseudoId: row.pseudo_id, resourceId: row.resource_id },
            { formatVersion: row.format_version, nonce: row.nonce, ciphertext: row.ciphertext },
          );
        }
      });
      cryptoOnly.push(cryptoMs);
    }
    const plainRate = rate(recordCount, median(plain));
    const decryptRate = rate(recordCount, median(decrypting));
    say(
      `read ${recordCount.toLocaleString("en")} records of ${BIG_PATIENTS} patients, median of ${ROUNDS} rounds, interleaved:`,
    );
    say(
      `  plain SELECT, unencrypted jsonb     ${ms(median(plain)).padStart(10)}  ${plainRate.toLocaleString("en").padStart(9)} records/s`,
    );
    say(
      `  readCohortRecords (decrypt + audit) ${ms(median(decrypting)).padStart(10)}  ${decryptRate.toLocaleString("en").padStart(9)} records/s  ` +
        `→ ${(median(decrypting) / median(plain)).toFixed(2)}× the plain SELECT's time`,
    );
    say(
      `    of which: SELECT of the ciphertext rows ${ms(median(selectOnly))}; AES-GCM + JSON.parse in memory ${ms(median(cryptoOnly))} (${rate(recordCount, median(cryptoOnly)).toLocaleString("en")} records/s)`,
    );

    // 3. Erasure among N patients: 1 record vs 1,000 records.
    const smallIds = Array.from(
      { length: SMALL_ERASED },
      (_, i) =>
        syntheticPatient(`bench/${Math.floor(((i + 1) * small) / (SMALL_ERASED + 1))}`, 0).pseudoId,
    );
    const erase = (pseudoId: string) =>
      timed(() =>
        erasePatient(database.db, custodianId, pseudoId, { actor, reason: "patient-request" }),
      );
    const [total] = await database.rows<{ n: bigint }>(
      sql`select count(*) as n from patients where erased_at is null`,
    );
    await erase(smallIds.pop() as string); // warm-up
    const oneRecord: number[] = [];
    const thousandRecords: number[] = [];
    // Interleaved, so drift in the machine's load hits both alike.
    for (let i = 0; i < BIG_PATIENTS; i += 1) {
      oneRecord.push((await erase(smallIds[i] as string))[1]);
      thousandRecords.push((await erase((big[i] as { pseudoId: string }).pseudoId))[1]);
    }
    for (const pseudoId of smallIds.slice(BIG_PATIENTS)) oneRecord.push((await erase(pseudoId))[1]);
    say(`erase one patient among ${Number(total?.n ?? 0).toLocaleString("en")} live patients:`);
    say(
      `  1 record       median ${ms(median(oneRecord))}, max ${ms(max(oneRecord))} (${oneRecord.length} erasures)`,
    );
    say(
      `  1,000 records  median ${ms(median(thousandRecords))}, max ${ms(max(thousandRecords))} (${thousandRecords.length} erasures)` +
        `  → ratio ${(median(thousandRecords) / median(oneRecord)).toFixed(2)}`,
    );

    // 4. Verifying the whole audit log.
    const [report, verifyMs] = await timed(() => verifyAuditLog(database.db));
    say(
      `audit:verify over ${report.entriesChecked.toLocaleString("en")} entries: ${(verifyMs / 1000).toFixed(1)} s, ${report.ok ? "intact" : "NOT intact"}`,
    );
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}

say(
  `bench:custody — ${PATIENTS.toLocaleString("en")} patients, Node ${process.version}, ${new Date().toISOString()}`,
);
for (const engine of engines) await benchEngine(engine);
