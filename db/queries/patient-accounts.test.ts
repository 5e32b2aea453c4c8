import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import type { Database } from "../client.ts";
import { createTestDatabase, engines } from "../testing.ts";
import { ensureCustodian } from "./custodians.ts";
import { erasePatient, readPatientRecords, storePatients } from "./custody.ts";
import {
  findAccountHolding,
  findPatientByAccount,
  linkPatientAccount,
  listAccountAuditEntries,
  listAccountHoldings,
  listLinkedAccounts,
  listLinkedPatients,
} from "./patient-accounts.ts";
import { patients } from "../schema/custody.ts";

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CAROL = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

describe.each(engines)("linking patients to chain accounts on %s", (engine) => {
  let database: Database;
  let dir: string;
  let custodianId: string;
  let otherCustodianId: string;
  let keyring: ReturnType<typeof openKekKeyring>;
  const first = syntheticPatient("link-a", 1);
  const second = syntheticPatient("link-b", 1);
  const third = syntheticPatient("link-c", 1);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    ({ id: custodianId } = await ensureCustodian(database.db, { slug: "a", name: "A" }));
    ({ id: otherCustodianId } = await ensureCustodian(database.db, { slug: "b", name: "B" }));
    dir = await mkdtemp(join(tmpdir(), "consentry-accounts-"));
    keyring = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true });
    await storePatients(
      database.db,
      keyring.forCustodian(custodianId),
      custodianId,
      [first, second, third],
      {
        actor: "system",
      },
    );
    await storePatients(
      database.db,
      keyring.forCustodian(otherCustodianId),
      otherCustodianId,
      [first],
      {
        actor: "system",
      },
    );
  });
  afterAll(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  const accountOf = async (custodian: string, pseudoId: string) => {
    const rows = await database.db.select().from(patients);
    return rows.find((row) => row.custodianId === custodian && row.pseudoId === pseudoId)
      ?.accountAddress;
  };

  it("stores the account in lower case, and linking it again changes nothing", async () => {
    await linkPatientAccount(database.db, custodianId, first.pseudoId, ALICE);
    await linkPatientAccount(database.db, custodianId, first.pseudoId, ALICE.toLowerCase());
    expect(await accountOf(custodianId, first.pseudoId)).toBe(ALICE.toLowerCase());
  });

  it("does not touch the same pseudonym at another custodian", async () => {
    expect(await accountOf(otherCustodianId, first.pseudoId)).toBeNull();
  });

  it("refuses a second account for a linked patient", async () => {
    await expect(
      linkPatientAccount(database.db, custodianId, first.pseudoId, BOB),
    ).rejects.toMatchObject({ status: 409 });
    expect(await accountOf(custodianId, first.pseudoId)).toBe(ALICE.toLowerCase());
  });

  it("refuses one account for two patients of the same custodian", async () => {
    await expect(
      linkPatientAccount(database.db, custodianId, second.pseudoId, ALICE),
    ).rejects.toMatchObject({ status: 409 });
    expect(await accountOf(custodianId, second.pseudoId)).toBeNull();
  });

  it("refuses an address that is not one, and a patient the custodian does not hold", async () => {
    await expect(
      linkPatientAccount(database.db, custodianId, second.pseudoId, "0x1234"),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      linkPatientAccount(database.db, otherCustodianId, second.pseudoId, BOB),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("says which of a custodian's accounts are linked, at that custodian only", async () => {
    expect(await listLinkedAccounts(database.db, custodianId, [ALICE, BOB])).toEqual(
      new Set([ALICE.toLowerCase()]),
    );
    expect(await listLinkedAccounts(database.db, otherCustodianId, [ALICE, BOB])).toEqual(
      new Set(),
    );
  });

  it("lists the custodian's live linked patients only: not unlinked, erased or someone else's", async () => {
    await linkPatientAccount(database.db, custodianId, first.pseudoId, ALICE);
    await linkPatientAccount(database.db, custodianId, third.pseudoId, CAROL);
    await linkPatientAccount(database.db, otherCustodianId, first.pseudoId, BOB);
    expect(await listLinkedPatients(database.db, custodianId)).toEqual(
      [
        { pseudoId: first.pseudoId, account: ALICE.toLowerCase() },
        { pseudoId: third.pseudoId, account: CAROL.toLowerCase() },
      ].sort((a, b) => a.pseudoId.localeCompare(b.pseudoId)),
    );

    await erasePatient(database.db, custodianId, third.pseudoId, {
      actor: "system",
      reason: "patient-request",
    });
    expect(await listLinkedPatients(database.db, custodianId)).toEqual([
      { pseudoId: first.pseudoId, account: ALICE.toLowerCase() },
    ]);
    expect(await listLinkedPatients(database.db, otherCustodianId)).toEqual([
      { pseudoId: first.pseudoId, account: BOB.toLowerCase() },
    ]);
  });

  it("finds a patient by account at this custodian only, erased ones with their erasure time", async () => {
    expect(await findPatientByAccount(database.db, custodianId, ALICE)).toEqual({
      pseudoId: first.pseudoId,
      erasedAt: null,
    });
    const erased = await findPatientByAccount(database.db, custodianId, CAROL);
    expect(erased?.pseudoId).toBe(third.pseudoId);
    expect(erased?.erasedAt).toBeInstanceOf(Date);
    expect(await findPatientByAccount(database.db, otherCustodianId, ALICE)).toBeNull();
    expect(await findPatientByAccount(database.db, custodianId, BOB)).toBeNull();
  });

  describe("the patient's own page", () => {
    // The same pseudonym at the other custodian, linked to BOB: a query that matched on the
    // pseudonym alone would hand BOB's holding and log to ALICE.
    beforeAll(async () => {
      await linkPatientAccount(database.db, otherCustodianId, first.pseudoId, BOB);
      await readPatientRecords(
        database.db,
        keyring.forCustodian(otherCustodianId),
        otherCustodianId,
        first.pseudoId,
        { actor: "worker:b-site", purpose: "job:bob-only" },
      );
    });

    it("lists what each custodian holds for the account, and nothing of another account", async () => {
      const alice = await listAccountHoldings(database.db, ALICE);
      expect(alice).toEqual([
        {
          holdingId: expect.any(String),
          custodianId,
          custodianName: "A",
          pseudoId: first.pseudoId,
          recordCount: first.resources.length,
          storedAt: expect.any(Date),
          erasedAt: null,
        },
      ]);
      const bob = await listAccountHoldings(database.db, BOB);
      expect(bob.map((holding) => holding.custodianId)).toEqual([otherCustodianId]);
      expect(await listAccountHoldings(database.db, "0x" + "0".repeat(40))).toEqual([]);
    });

    it("finds a holding only for its own account", async () => {
      const [alice] = await listAccountHoldings(database.db, ALICE);
      const [bob] = await listAccountHoldings(database.db, BOB);
      expect((await findAccountHolding(database.db, ALICE, alice?.holdingId ?? ""))?.pseudoId).toBe(
        first.pseudoId,
      );
      expect(await findAccountHolding(database.db, ALICE, bob?.holdingId ?? "")).toBeNull();
      expect(await findAccountHolding(database.db, BOB, alice?.holdingId ?? "")).toBeNull();
      expect(await findAccountHolding(database.db, ALICE, "not-a-uuid")).toBeNull();
    });

    it("gives the account the audit entries about its own patients, not those of a namesake elsewhere", async () => {
      const [alice] = await listAccountHoldings(database.db, ALICE);
      const aliceLog = await listAccountAuditEntries(database.db, ALICE);
      expect(aliceLog.map((entry) => entry.action)).toEqual(["records.stored"]);
      expect(aliceLog.every((entry) => entry.holdingId === alice?.holdingId)).toBe(true);
      expect(aliceLog.every((entry) => entry.details.custodianId === custodianId)).toBe(true);

      const bobLog = await listAccountAuditEntries(database.db, BOB);
      expect(bobLog.map((entry) => entry.action)).toEqual(["records.read", "records.stored"]);
      expect(bobLog[0]?.details.purpose).toBe("job:bob-only");
    });

    it("shows when a holding was erased, and the erasure in its log", async () => {
      await erasePatient(database.db, otherCustodianId, first.pseudoId, {
        actor: `patient:${first.pseudoId}`,
        reason: "patient-request",
      });
      const [bob] = await listAccountHoldings(database.db, BOB);
      expect(bob?.erasedAt).toBeInstanceOf(Date);
      expect(bob?.recordCount).toBe(first.resources.length);
      expect((await listAccountAuditEntries(database.db, BOB))[0]).toMatchObject({
        action: "patient.erased",
        actor: `patient:${first.pseudoId}`,
      });
      const [alice] = await listAccountHoldings(database.db, ALICE);
      expect(alice?.erasedAt).toBeNull();
    });
  });
});
