import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import type { Database } from "#db/client.ts";
import { listAuditEntries } from "#db/queries/audit.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { readPatientRecords, storePatients } from "#db/queries/custody.ts";
import { linkPatientAccount, listAccountHoldings } from "#db/queries/patient-accounts.ts";
import { patientDataKeys, patients } from "#db/schema/custody.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import { openKekKeyring, type KekKeyring } from "#workers/custody/kek-keyring.ts";
import type { AppServices } from "../context.ts";
import { erasePatientData, presentPatientPage } from "./patient.server.ts";
import { testServices } from "./services.fixtures.ts";

const ALICE = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const BOB = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";

describe.each(engines)("the patient's page and erasure on %s", (engine) => {
  let database: Database;
  let services: AppServices;
  let dir: string;
  let keyring: KekKeyring;
  let custodianId: string;
  const alice = syntheticPatient("page-alice", 6);
  const bob = syntheticPatient("page-bob", 4);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    services = testServices(database.db);
    custodianId = (await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" })).id;
    dir = await mkdtemp(join(tmpdir(), "consentry-patient-page-"));
    keyring = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true });
    await storePatients(database.db, keyring.forCustodian(custodianId), custodianId, [alice, bob], {
      actor: `custodian:${custodianId}`,
    });
    await linkPatientAccount(database.db, custodianId, alice.pseudoId, ALICE);
    await linkPatientAccount(database.db, custodianId, bob.pseudoId, BOB);
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir ?? "", { recursive: true, force: true });
  });

  const holdingOf = async (account: string) => {
    const [holding] = await listAccountHoldings(database.db, account);
    if (!holding) throw new Error(`${account} holds nothing`);
    return holding;
  };
  const keyRows = async (pseudoId: string) =>
    database.db
      .select({ patientId: patientDataKeys.patientId })
      .from(patientDataKeys)
      .innerJoin(patients, eq(patients.id, patientDataKeys.patientId))
      .where(eq(patients.pseudoId, pseudoId));
  const read = (pseudoId: string) =>
    readPatientRecords(database.db, keyring.forCustodian(custodianId), custodianId, pseudoId, {
      actor: "worker:test-site",
      purpose: "job:after-erasure",
    });

  it("shows the account its holding, in words, with the custodian as the one who stored it", async () => {
    const page = await presentPatientPage(services, ALICE);
    expect(page.holdings).toHaveLength(1);
    expect(page.holdings[0]).toMatchObject({
      custodianName: "St Mary's",
      shortPseudonym: `${alice.pseudoId.slice(0, 10)}…`,
      recordCount: 6,
      erasedAt: null,
      accessLog: [{ who: "St Mary's", what: "Stored your records, encrypted", records: 6 }],
    });
    expect(page.holdings[0]?.storedAtText).toMatch(/^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$/);
  });

  it("does not let one account erase another account's holding", async () => {
    const bobsHolding = await holdingOf(BOB);
    await expect(
      erasePatientData(services, { account: ALICE, holdingId: bobsHolding.holdingId }),
    ).rejects.toMatchObject({ status: 404 });

    expect((await holdingOf(BOB)).erasedAt).toBeNull();
    expect(await keyRows(bob.pseudoId)).toHaveLength(1);
    expect((await read(bob.pseudoId))?.records).toHaveLength(4);
    const erasures = await listAuditEntries(database.db, { subject: `patient:${bob.pseudoId}` });
    expect(erasures.filter((entry) => entry.action === "patient.erased")).toEqual([]);
  });

  it("erases the account's own holding: the key is gone, reads skip it, the log says who and why", async () => {
    const holding = await holdingOf(ALICE);
    const { erasedAt, erasedNow } = await erasePatientData(services, {
      account: ALICE,
      holdingId: holding.holdingId,
    });
    expect(erasedNow).toBe(true);

    expect(await keyRows(alice.pseudoId)).toEqual([]);
    expect(await read(alice.pseudoId)).toBeNull();
    const log = await listAuditEntries(database.db, { subject: `patient:${alice.pseudoId}` });
    expect(log.at(-1)).toMatchObject({
      actor: `patient:${alice.pseudoId}`,
      action: "patient.erased",
      details: { custodianId, reason: "patient-request", dataKeysDestroyed: 1 },
    });

    const page = await presentPatientPage(services, ALICE);
    expect(page.holdings[0]?.erasedAt).toBe(erasedAt.toISOString());
    expect(page.holdings[0]?.erasedAtText).toMatch(/UTC$/);
    expect(page.holdings[0]?.accessLog[0]).toMatchObject({
      who: "You",
      what: "Erased: destroyed the key to your records",
    });
    // Bob's records are untouched by Alice's erasure.
    expect((await read(bob.pseudoId))?.records).toHaveLength(4);
  });

  it("changes nothing when the holding is erased again", async () => {
    const holding = await holdingOf(ALICE);
    const before = await listAuditEntries(database.db, { subject: `patient:${alice.pseudoId}` });
    const again = await erasePatientData(services, {
      account: ALICE,
      holdingId: holding.holdingId,
    });
    expect(again.erasedNow).toBe(false);
    expect(again.erasedAt.toISOString()).toBe(holding.erasedAt?.toISOString());
    expect(await listAuditEntries(database.db, { subject: `patient:${alice.pseudoId}` })).toEqual(
      before,
    );
  });

  it("answers 404 to a holding id that does not exist", async () => {
    await expect(
      erasePatientData(services, {
        account: ALICE,
        holdingId: "00000000-0000-4000-8000-000000000000",
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
