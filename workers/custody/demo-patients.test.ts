import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoPatientsPerCustodian } from "#core/synthetic/demo-patients.ts";
import type { Database } from "#db/client.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { erasePatient, listPseudoIds } from "#db/queries/custody.ts";
import { listAccountHoldings } from "#db/queries/patient-accounts.ts";
import { auditLog } from "#db/schema/audit.ts";
import { patients, records } from "#db/schema/custody.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import { openFileKeyring } from "../keyring.ts";
import { demoPatientAccount, seedDemoPatients, type DemoPatientsOptions } from "./demo-patients.ts";
import { openKekKeyring } from "./kek-keyring.ts";

describe.each(engines)("the demo patients on %s", (engine) => {
  let database: Database;
  let dir: string;
  let options: DemoPatientsOptions;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    dir = await mkdtemp(join(tmpdir(), "consentry-demo-patients-"));
    const custodians = [
      await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" }),
      await ensureCustodian(database.db, { slug: "northfield", name: "Northfield" }),
    ];
    options = {
      db: database.db,
      kekKeyring: openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true }),
      keyring: openFileKeyring(join(dir, "keyring.json")),
      custodians,
    };
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir ?? "", { recursive: true, force: true });
  });

  const rowCounts = async () => ({
    patients: (await database.db.select({ n: count() }).from(patients))[0]?.n,
    records: (await database.db.select({ n: count() }).from(records))[0]?.n,
    audit: (await database.db.select({ n: count() }).from(auditLog))[0]?.n,
  });

  it("ingests each custodian's population and links every patient to its own demo account", async () => {
    const summary = await seedDemoPatients(options);
    expect(summary.patientsLinked).toBe(2 * demoPatientsPerCustodian);
    expect(summary.recordsAdded).toBeGreaterThan(2 * demoPatientsPerCustodian);

    for (const custodian of options.custodians) {
      expect(await listPseudoIds(database.db, custodian.id)).toHaveLength(demoPatientsPerCustodian);
    }
    const [holding, ...more] = await listAccountHoldings(
      database.db,
      demoPatientAccount("northfield", 3),
    );
    expect(more).toEqual([]);
    expect(holding?.custodianName).toBe("Northfield");
    expect(holding?.recordCount).toBeGreaterThan(0);
  });

  it("adds, links and logs nothing when it runs again", async () => {
    const before = await rowCounts();
    expect(await seedDemoPatients(options)).toEqual({ patientsLinked: 0, recordsAdded: 0 });
    expect(await rowCounts()).toEqual(before);
  });

  it("re-ingests an unlinked demo patient without storing anything twice, and links it", async () => {
    const custodian = options.custodians[0] as { id: string };
    const account = demoPatientAccount("st-marys", 5);
    const [holding] = await listAccountHoldings(database.db, account);
    // As after a crash between storing and linking: stored, not linked.
    await database.db
      .update(patients)
      .set({ accountAddress: null })
      .where(eq(patients.id, holding?.holdingId ?? ""));
    const before = await rowCounts();
    expect(await seedDemoPatients(options)).toEqual({ patientsLinked: 1, recordsAdded: 0 });
    expect(await rowCounts()).toEqual(before);
    expect((await listAccountHoldings(database.db, account))[0]?.custodianId).toBe(custodian.id);
  });

  it("leaves an erased demo patient erased on the next start", async () => {
    const account = demoPatientAccount("st-marys", 2);
    const [holding] = await listAccountHoldings(database.db, account);
    await erasePatient(database.db, holding?.custodianId ?? "", holding?.pseudoId ?? "", {
      actor: `patient:${holding?.pseudoId}`,
      reason: "patient-request",
    });
    expect(await seedDemoPatients(options)).toEqual({ patientsLinked: 0, recordsAdded: 0 });
    expect((await listAccountHoldings(database.db, account))[0]?.erasedAt).toBeInstanceOf(Date);
  });
});
