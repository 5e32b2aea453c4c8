import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../client.ts";
import { jobs, type Job } from "../schema/jobs.ts";
import { createTestDatabase, engines } from "../testing.ts";
import { claimJobs, completeJob, enqueueJob, failJob, listJobsBySingletonKey } from "./jobs.ts";

const offerIds = Array.from({ length: 20 }, () => crypto.randomUUID());

describe.each(engines)("job queue storage on %s", (engine) => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await database.db.execute(sql`truncate jobs restart identity`);
  });

  const allJobs = () => database.db.select().from(jobs).orderBy(jobs.id);
  // Time passes for the locks only: the worker holding them went quiet a second ago.
  const expireLocks = () =>
    database.db.execute(
      sql`update jobs set locked_until = now() - interval '1 second' where status = 'active'`,
    );
  const enqueueMany = async (count: number) => {
    for (const offerId of offerIds.slice(0, count)) {
      await enqueueJob(database.db, "offer.register", { offerId });
    }
  };

  describe("enqueueJob", () => {
    it("stores the job queued, due now, with its payload", async () => {
      await enqueueJob(database.db, "offer.register", { offerId: offerIds[0] ?? "" });
      const [job] = await allJobs();
      expect(job).toMatchObject({
        name: "offer.register",
        payload: { offerId: offerIds[0] },
        status: "queued",
        attempts: 0,
        maxAttempts: 25,
        lockedBy: null,
        singletonKey: null,
      });
    });

    it("keeps one live job when the same singleton key is enqueued twice", async () => {
      const offerId = offerIds[0] ?? "";
      await enqueueJob(database.db, "offer.register", { offerId }, { singletonKey: "k" });
      await enqueueJob(database.db, "offer.register", { offerId }, { singletonKey: "k" });
      expect(await allJobs()).toHaveLength(1);
    });

    it("accepts the key again once the earlier job is finished", async () => {
      const offerId = offerIds[0] ?? "";
      await enqueueJob(database.db, "offer.register", { offerId }, { singletonKey: "k" });
      await database.db.execute(sql`update jobs set status = 'completed'`);
      await enqueueJob(database.db, "offer.register", { offerId }, { singletonKey: "k" });

      const views = await listJobsBySingletonKey(database.db, "k");
      expect(views.map((job) => job.status)).toEqual(["queued", "completed"]);
      expect(await listJobsBySingletonKey(database.db, "other")).toEqual([]);
    });

    it("refuses a payload its job's schema rejects, storing nothing", async () => {
      await expect(
        enqueueJob(database.db, "offer.register", { offerId: "not-a-uuid" }),
      ).rejects.toThrow();
      expect(await allJobs()).toEqual([]);
    });
  });

  describe("claimJobs", () => {
    it("claims due jobs oldest first, marks them active and counts the attempt", async () => {
      await enqueueMany(3);
      const claimed = await claimJobs(database.db, { workerId: "w1", limit: 2, lockSeconds: 30 });

      expect(claimed.map((job) => job.id)).toEqual([1, 2]);
      for (const job of claimed) {
        expect(job).toMatchObject({ status: "active", attempts: 1, lockedBy: "w1" });
        expect((job.lockedUntil?.getTime() ?? 0) - job.updatedAt.getTime()).toBe(30_000);
      }
      expect((await allJobs()).map((job) => job.status)).toEqual(["active", "active", "queued"]);
    });

    it("leaves jobs scheduled for later alone", async () => {
      await enqueueJob(
        database.db,
        "offer.register",
        { offerId: offerIds[0] ?? "" },
        { runAt: new Date(Date.now() + 60_000) },
      );
      expect(await claimJobs(database.db, { workerId: "w1", limit: 5, lockSeconds: 30 })).toEqual(
        [],
      );
    });

    it("never hands the same job to two claimers running at once", async () => {
      await enqueueMany(20);
      const claimedBy = new Map<number, string[]>();
      for (let round = 0; round < 10; round += 1) {
        const results = await Promise.all(
          ["a", "b", "c", "d"].map((workerId) =>
            claimJobs(database.db, { workerId, limit: 3, lockSeconds: 60 }).then((claimed) =>
              claimed.map((job) => [job.id, workerId] as const),
            ),
          ),
        );
        for (const [id, workerId] of results.flat()) {
          claimedBy.set(id, [...(claimedBy.get(id) ?? []), workerId]);
        }
      }
      expect(claimedBy.size).toBe(20);
      for (const [, workers] of claimedBy) expect(workers).toHaveLength(1);
      const stored = await allJobs();
      expect(stored.every((job) => job.attempts === 1 && job.status === "active")).toBe(true);
      expect(stored.map((job) => job.lockedBy)).toEqual(
        [...claimedBy.keys()].sort((a, b) => a - b).map((id) => claimedBy.get(id)?.[0]),
      );
    });

    it("gives an active job to another worker once its lock has run out", async () => {
      await enqueueMany(1);
      const [first] = await claimJobs(database.db, { workerId: "dies", limit: 1, lockSeconds: 30 });
      expect(await claimJobs(database.db, { workerId: "w2", limit: 1, lockSeconds: 30 })).toEqual(
        [],
      );
      await expireLocks();

      const [again] = await claimJobs(database.db, { workerId: "w2", limit: 1, lockSeconds: 30 });
      expect(again?.id).toBe(first?.id);
      expect(again).toMatchObject({ status: "active", attempts: 2, lockedBy: "w2" });
    });
  });

  describe("completeJob and failJob", () => {
    const claimOne = async (workerId = "w1"): Promise<Job> => {
      const [job] = await claimJobs(database.db, { workerId, limit: 1, lockSeconds: 30 });
      if (!job) throw new Error("nothing to claim");
      return job;
    };

    it("completes a job: no lock, no error, a completion time", async () => {
      await enqueueMany(1);
      await completeJob(database.db, await claimOne());
      const [job] = await allJobs();
      expect(job).toMatchObject({ status: "completed", lockedUntil: null, lastError: null });
      expect(job?.completedAt).toBeInstanceOf(Date);
    });

    it("puts a failed attempt back in the queue after the delay, keeping the error", async () => {
      await enqueueMany(1);
      const claimed = await claimOne();
      expect(await failJob(database.db, claimed, "chain down", 4_000)).toBe("retry");

      const [job] = await allJobs();
      expect(job).toMatchObject({
        status: "queued",
        attempts: 1,
        lastError: "chain down",
        lockedUntil: null,
      });
      expect((job?.runAt.getTime() ?? 0) - (job?.updatedAt.getTime() ?? 0)).toBe(4_000);
      expect(job?.runAt.getTime()).toBeGreaterThan(claimed.runAt.getTime());
    });

    it("fails a job for good on its last allowed attempt", async () => {
      await enqueueJob(
        database.db,
        "offer.register",
        { offerId: offerIds[0] ?? "" },
        { maxAttempts: 2 },
      );
      expect(await failJob(database.db, await claimOne(), "first", 0)).toBe("retry");
      expect(await failJob(database.db, await claimOne(), "second", 0)).toBe("failed");

      const [job] = await allJobs();
      expect(job).toMatchObject({ status: "failed", attempts: 2, lastError: "second" });
      expect(await claimJobs(database.db, { workerId: "w1", limit: 5, lockSeconds: 30 })).toEqual(
        [],
      );
    });

    it("keeps at most 2000 characters of an error", async () => {
      await enqueueMany(1);
      await failJob(database.db, await claimOne(), "x".repeat(5_000), 0);
      const [job] = await allJobs();
      expect(job?.lastError).toHaveLength(2000);
    });

    it("does not let a worker whose lock ran out undo the claim of the worker now running the job", async () => {
      await enqueueMany(1);
      const stale = await claimOne("slow");
      await expireLocks();
      const current = await claimOne("w2");

      expect(await failJob(database.db, stale, "timed out late", 0)).toBe("superseded");
      expect((await allJobs())[0]).toMatchObject({ status: "active", lockedBy: "w2" });
      await completeJob(database.db, stale);
      expect((await allJobs())[0]).toMatchObject({ status: "active", lockedBy: "w2" });

      await completeJob(database.db, current);
      expect((await allJobs())[0]).toMatchObject({ status: "completed", attempts: 2 });
    });
  });
});

// Only PostgreSQL has several connections: PGlite runs one transaction at a time.
describe("job queue storage on postgres, with a second connection holding locks", () => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });

  afterAll(async () => {
    await database?.close();
  });

  const allJobs = () => database.db.select().from(jobs).orderBy(jobs.id);

  it("skips jobs another transaction holds instead of waiting for them", async () => {
    for (const offerId of offerIds.slice(0, 5)) {
      await enqueueJob(database.db, "offer.register", { offerId });
    }
    const claimed = await database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from jobs where id in (1, 2) for update`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("claimJobs waited for a locked row")), 5_000);
      });
      try {
        return await Promise.race([
          claimJobs(database.db, { workerId: "w2", limit: 10, lockSeconds: 30 }),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    });
    expect(claimed.map((job) => job.id).sort()).toEqual([3, 4, 5]);
    expect((await allJobs()).slice(0, 2).map((job) => job.status)).toEqual(["queued", "queued"]);
  });
});
