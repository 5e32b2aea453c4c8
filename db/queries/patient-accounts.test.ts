import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticPatient } from "#core/custody/synthetic.ts";
import { openKekKeyring } from "#workers/custody/kek-keyring.ts";
import type { Database } from "../client.ts";
import { createTestDatabase, engines } from "../testing.ts";
import { ensureCustodian } from "./custodians.ts";
import { storePatients } from "./custody.ts";
import { linkPatientAccount } from "./patient-accounts.ts";
import { patients } from "../schema/custody.ts";

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe.each(engines)("linking patients to chain accounts on %s", (engine) => {
  let database: Database;
  let dir: string;
  let custodianId: string;
  let otherCustodianId: string;
  const first = syntheticPatient("link-a", 1);
  const second = syntheticPatient("link-b", 1);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    ({ id: custodianId } = await ensureCustodian(database.db, { slug: "a", name: "A" }));
    ({ id: otherCustodianId } = await ensureCustodian(database.db, { slug: "b", name: "B" }));
    dir = await mkdtemp(join(tmpdir(), "consentry-accounts-"));
    const keyring = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true });
    await storePatients(
      database.db,
      keyring.forCustodian(custodianId),
      custodianId,
      [first, second],
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
});
