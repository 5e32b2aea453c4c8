import { eq, sql } from "drizzle-orm";
import { bytesToHex, type Hex } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditEntryHash, GENESIS_HASH, type AuditEntryInput } from "#core/custody/audit.ts";
import { auditBatchRoot } from "#core/custody/merkle.ts";
import type { Database } from "../client.ts";
import { auditAnchors, auditHead, auditLog } from "../schema/audit.ts";
import { jobs } from "../schema/jobs.ts";
import {
  asSuperuser,
  createTestDatabase,
  engines,
  rejectionOf,
  resetCustodyTables,
} from "../testing.ts";
import {
  appendAuditEntries,
  appendAuditEntry,
  listAuditBatches,
  listAuditEntries,
  nextAnchorToPublish,
  recordAnchorPublication,
  sealAuditBatch,
  verifyAuditLog,
} from "./audit.ts";

const custodianId = "4f9d2c1e-0000-4000-8000-000000000001";
const pseudoA = "a".repeat(64);
const pseudoB = "b".repeat(64);

function stored(n: number, pseudoId = pseudoA): AuditEntryInput {
  return {
    actor: `custodian:${custodianId}`,
    action: "records.stored",
    subject: `patient:${pseudoId}`,
    details: { custodianId, recordsAdded: n },
  };
}

describe.each(engines)("audit log on %s", (engine) => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await resetCustodyTables(database);
  });

  const appendMany = (count: number) =>
    appendAuditEntries(
      database.db,
      Array.from({ length: count }, (_, i) => stored(i + 1)),
    );
  const allRows = () => database.db.select().from(auditLog).orderBy(auditLog.seq);

  describe("appendAuditEntries", () => {
    it("numbers entries from 1 and links each to the hash of the one before", async () => {
      await appendMany(3);
      await appendAuditEntry(database.db, stored(4));
      const rows = await allRows();
      expect(rows.map((row) => row.seq)).toEqual([1n, 2n, 3n, 4n]);
      expect(bytesToHex(rows[0]!.prevHash)).toBe(GENESIS_HASH);
      for (let i = 1; i < rows.length; i += 1) {
        expect(bytesToHex(rows[i]!.prevHash)).toBe(bytesToHex(rows[i - 1]!.hash));
      }
      for (const row of rows) {
        const entry = { ...row, prevHash: bytesToHex(row.prevHash) };
        expect(auditEntryHash(entry)).toBe(bytesToHex(row.hash));
      }
      const [head] = await database.db.select().from(auditHead);
      expect(head?.lastSeq).toBe(4n);
      expect(bytesToHex(head!.lastHash)).toBe(bytesToHex(rows[3]!.hash));
    });

    it("takes the time from the database and never lets it run backwards along the chain", async () => {
      const before = Date.now();
      await appendMany(2);
      await appendMany(2);
      const times = (await allRows()).map((row) => row.at.getTime());
      expect(times[0]).toBeGreaterThanOrEqual(before - 5_000);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it("leaves no gap when an append rolls back with its transaction", async () => {
      await appendMany(1);
      await expect(
        database.db.transaction(async (tx) => {
          await appendAuditEntry(tx, stored(2));
          throw new Error("the caller's work failed after its audit entry");
        }),
      ).rejects.toThrow("the caller's work failed");
      await appendAuditEntry(database.db, stored(3));
      expect((await allRows()).map((row) => row.seq)).toEqual([1n, 2n]);
      expect((await verifyAuditLog(database.db)).ok).toBe(true);
    });

    it("refuses an entry the catalogue does not allow, storing none of the batch", async () => {
      const withText = {
        ...stored(2),
        subject: "patient:Jane Doe, 12 Elm Street",
      };
      await expect(appendAuditEntries(database.db, [stored(1), withText])).rejects.toThrow(
        /subject/,
      );
      expect(await allRows()).toEqual([]);
    });

    it("keeps one linear chain when many appends run at once", async () => {
      await Promise.all(
        Array.from({ length: 12 }, (_, round) =>
          appendAuditEntries(database.db, [stored(round), stored(round, pseudoB), stored(round)]),
        ),
      );
      const rows = await allRows();
      expect(rows).toHaveLength(36);
      expect(rows.map((row) => row.seq)).toEqual(rows.map((_, i) => BigInt(i + 1)));
      expect(await verifyAuditLog(database.db)).toMatchObject({ ok: true, entriesChecked: 36 });
    });
  });

  describe("anchoring queued by appends", () => {
    const anchorJobs = () =>
      database.db.select().from(jobs).where(eq(jobs.name, "audit.anchor")).orderBy(jobs.id);

    it("queues one audit.anchor for a burst of appends, a few seconds ahead, in the append's transaction", async () => {
      expect(await anchorJobs()).toEqual([]);
      await appendMany(3);
      await appendAuditEntry(database.db, stored(4));

      const queued = await anchorJobs();
      expect(queued).toMatchObject([
        { name: "audit.anchor", payload: {}, status: "queued", singletonKey: "audit.anchor" },
      ]);
      expect(queued[0]!.runAt.getTime()).toBeGreaterThan(Date.now() + 1_000);
    });

    it("queues nothing when nothing is appended or the append rolls back", async () => {
      await appendAuditEntries(database.db, []);
      await database.db
        .transaction(async (tx) => {
          await appendAuditEntry(tx, stored(1));
          throw new Error("the caller's work failed");
        })
        .catch(() => undefined);

      expect(await anchorJobs()).toEqual([]);
    });
  });

  describe("listAuditEntries", () => {
    it("lists one subject's entries in order, and nobody else's", async () => {
      await appendAuditEntries(database.db, [stored(1), stored(2, pseudoB), stored(3)]);
      const own = await listAuditEntries(database.db, { subject: `patient:${pseudoA}` });
      expect(own.map((entry) => entry.details)).toEqual([
        { custodianId, recordsAdded: 1 },
        { custodianId, recordsAdded: 3 },
      ]);
      expect(await listAuditEntries(database.db, { subject: `patient:${"c".repeat(64)}` })).toEqual(
        [],
      );
    });
  });

  describe("what PostgreSQL itself refuses", () => {
    beforeEach(async () => {
      await appendMany(3);
      await sealAuditBatch(database.db);
    });

    it("refuses UPDATE, DELETE and TRUNCATE of audit entries", async () => {
      expect(
        await rejectionOf(database.db.execute(sql`update audit_log set actor = 'system'`)),
      ).toMatch(/audit_log is append-only: UPDATE refused/);
      expect(
        await rejectionOf(database.db.execute(sql`delete from audit_log where seq = 2`)),
      ).toMatch(/audit_log is append-only: DELETE refused/);
      expect(await rejectionOf(database.db.execute(sql`truncate audit_log`))).toMatch(
        /audit_log is append-only: TRUNCATE refused/,
      );
      expect(await allRows()).toHaveLength(3);
    });

    it("refuses an entry that does not link to the one before it, or skips a number", async () => {
      const row = (seq: bigint, prevHash: Hex) =>
        database.db.insert(auditLog).values({
          seq,
          at: new Date(),
          actor: "system",
          action: "records.stored",
          subject: `patient:${pseudoA}`,
          details: {},
          prevHash: Buffer.from(prevHash.slice(2), "hex"),
          hash: new Uint8Array(32),
        });
      expect(await rejectionOf(row(4n, GENESIS_HASH))).toMatch(/does not link/);
      expect(await rejectionOf(row(6n, GENESIS_HASH))).toMatch(/entry 5 does not exist/);
    });

    it("refuses moving the head backwards, away from a stored entry, or deleting it", async () => {
      expect(
        await rejectionOf(database.db.execute(sql`update audit_head set last_seq = 1`)),
      ).toMatch(/only moves forward/);
      expect(await rejectionOf(database.db.execute(sql`delete from audit_head`))).toMatch(
        /append-only: DELETE refused/,
      );
    });

    it("refuses changing or deleting an anchor, and records its publication only once", async () => {
      expect(
        await rejectionOf(database.db.execute(sql`update audit_anchors set root = root || ''`)),
      ).toMatch(/may only have its publication recorded/);
      expect(await rejectionOf(database.db.execute(sql`delete from audit_anchors`))).toMatch(
        /append-only: DELETE refused/,
      );
      expect(await recordAnchorPublication(database.db, 0n, "0xfeed")).toBe(true);
      expect(await recordAnchorPublication(database.db, 0n, "0xbeef")).toBe(false);
      expect(
        await rejectionOf(
          database.db.execute(sql`update audit_anchors set anchored_tx_hash = '0xbeef'`),
        ),
      ).toMatch(/may only have its publication recorded, once/);
      expect((await listAuditBatches(database.db))[0]?.anchoredTxHash).toBe("0xfeed");
    });
  });

  describe("sealAuditBatch and nextAnchorToPublish", () => {
    it("seals nothing when there is nothing new", async () => {
      expect(await sealAuditBatch(database.db)).toBeNull();
      expect(await nextAnchorToPublish(database.db)).toBeNull();
    });

    it("seals consecutive batches under the Merkle root of their entries", async () => {
      await appendMany(5);
      const first = await sealAuditBatch(database.db, { maxEntries: 3 });
      const second = await sealAuditBatch(database.db, { maxEntries: 3 });
      expect(await sealAuditBatch(database.db)).toBeNull();
      const rows = await allRows();
      const leaves = rows.map((row) => ({ seq: row.seq, hash: bytesToHex(row.hash) }));
      expect(first).toEqual({
        batchId: 0n,
        firstSeq: 1n,
        lastSeq: 3n,
        leafCount: 3,
        root: auditBatchRoot(leaves.slice(0, 3)),
        anchoredTxHash: null,
      });
      expect(second).toMatchObject({ batchId: 1n, firstSeq: 4n, lastSeq: 5n, leafCount: 2 });
      expect(second?.root).toBe(auditBatchRoot(leaves.slice(3)));
    });

    it("hands out the oldest unpublished batch until its publication is recorded", async () => {
      await appendMany(2);
      await sealAuditBatch(database.db);
      await appendMany(2);
      await sealAuditBatch(database.db);
      expect((await nextAnchorToPublish(database.db))?.batchId).toBe(0n);
      await recordAnchorPublication(database.db, 0n, "0xaa");
      expect((await nextAnchorToPublish(database.db))?.batchId).toBe(1n);
      await recordAnchorPublication(database.db, 1n, "0xbb");
      expect(await nextAnchorToPublish(database.db)).toBeNull();
    });

    it("refuses to anchor entries that were altered", async () => {
      await appendMany(3);
      await asSuperuser(database, (tx) =>
        tx.execute(sql`update audit_log set details = '{"recordsAdded": 0}' where seq = 2`),
      );
      expect(await rejectionOf(sealAuditBatch(database.db))).toMatch(
        /refusing to anchor entries 1–3: entry 2 is not intact/,
      );
      expect(await database.db.select().from(auditAnchors)).toEqual([]);
    });
  });

  // Each case tampers as a superuser would: in a transaction with session_replication_role = replica,
  // which skips the append-only triggers (on PGlite as on PostgreSQL).
  describe("verifyAuditLog", () => {
    beforeEach(async () => {
      await appendMany(6);
      await sealAuditBatch(database.db, { maxEntries: 3 });
      await sealAuditBatch(database.db, { maxEntries: 3 });
      await appendMany(2);
    });

    const tamper = (statement: ReturnType<typeof sql>) =>
      asSuperuser(database, (tx) => tx.execute(statement));

    it("passes the log as the append path wrote it", async () => {
      expect(await verifyAuditLog(database.db, { pageSize: 3 })).toEqual({
        ok: true,
        entriesChecked: 8,
        anchorsChecked: 2,
        chainProblem: null,
        anchorProblems: [],
      });
    });

    it("catches altered details, and the anchor over them", async () => {
      await tamper(
        sql`update audit_log set details = jsonb_set(details, '{recordsAdded}', '99') where seq = 2`,
      );
      const report = await verifyAuditLog(database.db, { pageSize: 3 });
      expect(report.ok).toBe(false);
      expect(report.chainProblem).toMatchObject({ kind: "altered", seq: 2n });
      expect(report.anchorProblems.map((problem) => problem.batchId)).toEqual([0n]);
    });

    it("catches a deleted entry as missing, and the anchor that covered it", async () => {
      await tamper(sql`delete from audit_log where seq = 5`);
      const report = await verifyAuditLog(database.db, { pageSize: 3 });
      expect(report.chainProblem).toMatchObject({ kind: "missing", firstSeq: 5n, lastSeq: 5n });
      expect(report.anchorProblems.map((problem) => problem.batchId)).toEqual([1n]);
    });

    it("catches the newest entry deleted, through the head", async () => {
      await tamper(sql`delete from audit_log where seq = 8`);
      expect((await verifyAuditLog(database.db)).chainProblem).toMatchObject({
        kind: "missing",
        firstSeq: 8n,
        lastSeq: 8n,
      });
    });

    it("catches two entries swapped in order", async () => {
      await tamper(sql`update audit_log set seq = seq + 1000 where seq in (3, 4)`);
      await tamper(sql`update audit_log set seq = 4 where seq = 1003`);
      await tamper(sql`update audit_log set seq = 3 where seq = 1004`);
      const report = await verifyAuditLog(database.db);
      expect(report.chainProblem).toMatchObject({ kind: "reordered", seq: 3n });
      expect(report.anchorProblems.map((problem) => problem.batchId)).toEqual([0n, 1n]);
    });

    it("catches an anchor whose root was altered", async () => {
      await tamper(sql`update audit_anchors set root = sha256(root) where batch_id = 0`);
      const report = await verifyAuditLog(database.db);
      expect(report.chainProblem).toBeNull();
      expect(report.anchorProblems).toEqual([
        { batchId: 0n, message: expect.stringMatching(/root no longer matches/) },
      ]);
    });

    it("catches an entry rewritten with a recomputed hash, through the next link and the anchor", async () => {
      const [row] = await allRows().then((rows) => rows.filter((r) => r.seq === 2n));
      const forged = {
        ...row!,
        details: { custodianId, recordsAdded: 0 },
        prevHash: bytesToHex(row!.prevHash),
      };
      const forgedHash = Buffer.from(auditEntryHash(forged).slice(2), "hex");
      await tamper(
        sql`update audit_log set details = ${JSON.stringify(forged.details)}::jsonb, hash = ${forgedHash} where seq = 2`,
      );
      const report = await verifyAuditLog(database.db);
      expect(report.chainProblem).toMatchObject({ kind: "altered", seq: 2n });
      expect(report.anchorProblems.map((problem) => problem.batchId)).toEqual([0n]);
    });
  });
});
