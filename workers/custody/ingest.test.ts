import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KeyEncryptionService } from "#core/custody/envelope.ts";
import { readSyntheaBundle, syntheaBundleFiles, syntheaDir } from "#core/fhir/synthea.fixtures.ts";
import type { Database } from "#db/client.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { readPatientRecords } from "#db/queries/custody.ts";
import { patients, records } from "#db/schema/custody.ts";
import { createTestDatabase, engines, resetCustodyTables } from "#db/testing.ts";
import { openFileKeyring, type DeidentificationKeys } from "../keyring.ts";
import { openKekKeyring } from "./kek-keyring.ts";
import { ingestBundles, type BundleFile } from "./ingest.ts";

const today = new Date("2026-11-25T00:00:00Z");

describe.skipIf(!syntheaDir).each(engines)("ingesting Synthea bundles on %s", (engine) => {
  let database: Database;
  let dir: string;
  let custodianId: string;
  let kes: KeyEncryptionService;
  let keys: DeidentificationKeys;
  const files: BundleFile[] = syntheaDir
    ? syntheaBundleFiles()
        .slice(0, 3)
        .map((file) => ({ name: basename(file), text: readSyntheaBundle(file) }))
    : [];

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    custodianId = (await ensureCustodian(database.db, { slug: "st-marys", name: "St Mary's" })).id;
  });
  afterAll(async () => {
    await database?.close();
    await rm(dir ?? "", { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetCustodyTables(database);
    await rm(dir ?? "", { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), "consentry-ingest-"));
    kes = openKekKeyring(join(dir, "kek-keyring.json"), { createIfMissing: true }).forCustodian(
      custodianId,
    );
    keys = await openFileKeyring(join(dir, "keyring.json")).deidentificationKeys(custodianId);
  });

  const ingest = (bundles: BundleFile[]) =>
    ingestBundles(bundles, { db: database.db, kes, keys, custodianId, actor: "cli:test", today });

  it("stores each patient encrypted, under a pseudonym, and a second ingest changes nothing", async () => {
    const first = await ingest(files);
    expect(first.map((outcome) => outcome.outcome)).toEqual(["stored", "stored", "stored"]);
    const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(records);
    expect(row?.n).toBeGreaterThan(100);

    const stored = await database.db.select().from(patients);
    expect(stored).toHaveLength(3);
    for (const file of files) {
      const sourcePatientId = /"resourceType":\s*"Patient",\s*"id":\s*"([^"]+)"/.exec(
        file.text,
      )?.[1];
      if (sourcePatientId) expect(JSON.stringify(stored)).not.toContain(sourcePatientId);
    }

    const again = await ingest(files);
    expect(
      again.map((outcome) => (outcome.outcome === "stored" ? outcome.recordsAdded : -1)),
    ).toEqual([0, 0, 0]);
    const [after] = await database.db.select({ n: sql<number>`count(*)::int` }).from(records);
    expect(after?.n).toBe(row?.n);
  });

  it("keeps resources only as ciphertext, which reads back through the custodian's key as the de-identified record", async () => {
    const [outcome] = await ingest(files.slice(0, 1));
    if (outcome?.outcome !== "stored") throw new Error("the bundle was not stored");
    const rows = await database.db.select().from(records);
    for (const row of rows) {
      expect(Buffer.from(row.ciphertext).toString("latin1")).not.toContain("resourceType");
    }
    const read = await readPatientRecords(database.db, kes, custodianId, outcome.pseudoId, {
      actor: "worker:test",
      purpose: "test",
    });
    expect(read?.records).toHaveLength(rows.length);
    expect(read?.records.some((record) => record.resource.resourceType === "Condition")).toBe(true);
  });

  it("refuses a broken bundle whole, naming the entry and the fault, and stores nothing of it", async () => {
    const broken = JSON.parse(files[0]!.text) as {
      entry: Array<{ resource: Record<string, unknown> }>;
    };
    delete broken.entry[5]!.resource.resourceType;
    const outcomes = await ingest([
      { name: "broken.json", text: JSON.stringify(broken) },
      { name: "not-json.json", text: '{"resourceType": "Bundle", ' },
    ]);
    expect(outcomes[0]).toMatchObject({ outcome: "refused" });
    expect(outcomes[0]?.outcome === "refused" && outcomes[0].problems.join(" ")).toMatch(/Entry 5/);
    expect(outcomes[1]?.outcome === "refused" && outcomes[1].problems.join(" ")).toMatch(
      /not valid JSON/,
    );
    expect(await database.db.select().from(patients)).toEqual([]);
    expect(await database.db.select().from(records)).toEqual([]);
  });
});
