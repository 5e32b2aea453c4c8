import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobPayload } from "#core/jobs.ts";
import { silentLogger } from "#core/log.ts";
import type { Database } from "#db/client.ts";
import {
  appendAuditEntries,
  listAuditEntries,
  nextAnchorToPublish,
  recordAnchorPublication,
  sealAuditBatch,
  verifyAuditLog,
} from "#db/queries/audit.ts";
import { claimJobs, enqueueJob } from "#db/queries/jobs.ts";
import { jobs, type Job } from "#db/schema/jobs.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import { createJobRunner, type JobRunnerOptions, type Task } from "./queue.ts";

type Context = { label: string };
type Call = { payload: JobPayload<"offer.register">; context: Context; job: Job };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(engines)("job runner on %s", (engine) => {
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
  const jobById = async (id: number) => {
    const [job] = await database.db.select().from(jobs).where(eq(jobs.id, id));
    if (!job) throw new Error(`job ${id} is gone`);
    return job;
  };
  const makeDue = () => database.db.execute(sql`update jobs set run_at = now()`);

  const runnerWith = (
    task: Task<"offer.register", Context>,
    options: Partial<JobRunnerOptions<Context>> = {},
  ) =>
    createJobRunner<Context>({
      db: database.db,
      tasks: {
        "offer.register": task,
        "custody.compact-keys": async () => {},
        "custody.commit-records": async () => {},
        "audit.anchor": async () => {},
      },
      context: { label: "test context" },
      log: silentLogger,
      ...options,
    });

  it("runs a due job's task with its payload and context, then marks it completed", async () => {
    const offerId = crypto.randomUUID();
    await enqueueJob(database.db, "offer.register", { offerId });
    const calls: Call[] = [];
    const runner = runnerWith(async (payload, context, job) => {
      calls.push({ payload, context, job });
    });

    expect(await runner.runOnce()).toBe(1);

    expect(calls).toHaveLength(1);
    expect(calls[0]?.payload).toEqual({ offerId });
    expect(calls[0]?.context).toEqual({ label: "test context" });
    expect(calls[0]?.job).toMatchObject({ id: 1, attempts: 1, status: "active" });
    const [job] = await allJobs();
    expect(job).toMatchObject({
      status: "completed",
      attempts: 1,
      lockedUntil: null,
      lastError: null,
    });
    expect(job?.completedAt).toBeInstanceOf(Date);
    expect(await runner.runOnce()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it("retries a failing task with growing delays up to the ceiling, then fails it for good", async () => {
    await enqueueJob(
      database.db,
      "offer.register",
      { offerId: crypto.randomUUID() },
      { maxAttempts: 4 },
    );
    let calls = 0;
    const runner = runnerWith(
      async () => {
        calls += 1;
        throw new Error(`chain refused, call ${calls}`);
      },
      { retryBaseMs: 1_000, retryMaxMs: 3_000 },
    );

    const delays: number[] = [];
    let previousRunAt = (await jobById(1)).runAt.getTime();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect(await runner.runOnce()).toBe(1);
      const job = await jobById(1);
      expect(job).toMatchObject({
        status: "queued",
        attempts: attempt,
        lastError: `chain refused, call ${attempt}`,
        lockedUntil: null,
      });
      expect(job.runAt.getTime()).toBeGreaterThan(previousRunAt);
      delays.push(job.runAt.getTime() - job.updatedAt.getTime());
      // Not due yet: the runner leaves it alone.
      expect(await runner.runOnce()).toBe(0);
      await makeDue();
      previousRunAt = (await jobById(1)).runAt.getTime();
    }
    expect(delays).toEqual([1_000, 2_000, 3_000]);

    expect(await runner.runOnce()).toBe(1);
    expect(await jobById(1)).toMatchObject({
      status: "failed",
      attempts: 4,
      lastError: "chain refused, call 4",
    });
    await makeDue();
    expect(await runner.runOnce()).toBe(0);
    expect(calls).toBe(4);
  });

  it("runs a job again when the worker that claimed it died and its lock ran out", async () => {
    await enqueueJob(database.db, "offer.register", { offerId: crypto.randomUUID() });
    // A worker claims the job and is never heard from again.
    await claimJobs(database.db, { workerId: "died", limit: 1, lockSeconds: 30 });
    let calls = 0;
    const runner = runnerWith(async () => {
      calls += 1;
    });

    expect(await runner.runOnce()).toBe(0);
    // Its lock runs out.
    await database.db.execute(
      sql`update jobs set locked_until = now() - interval '1 second' where status = 'active'`,
    );
    expect(await runner.runOnce()).toBe(1);

    expect(calls).toBe(1);
    expect(await jobById(1)).toMatchObject({ status: "completed", attempts: 2 });
  });

  it("fails a job with an unknown name cleanly and still runs the others", async () => {
    await database.db.insert(jobs).values({
      name: "report.unknown",
      payload: { reportId: "r-1" },
      maxAttempts: 1,
    });
    await enqueueJob(database.db, "offer.register", { offerId: crypto.randomUUID() });
    let calls = 0;
    const runner = runnerWith(async () => {
      calls += 1;
    });

    expect(await runner.runOnce()).toBe(2);

    expect(calls).toBe(1);
    expect(await jobById(1)).toMatchObject({
      status: "failed",
      lastError: "no task for job report.unknown",
    });
    expect(await jobById(2)).toMatchObject({ status: "completed" });
  });

  it("keeps a job with an unknown name for a later retry while it has attempts left", async () => {
    await database.db.insert(jobs).values({ name: "report.unknown", payload: {} });
    const runner = runnerWith(async () => {});

    expect(await runner.runOnce()).toBe(1);
    expect(await jobById(1)).toMatchObject({
      status: "queued",
      attempts: 1,
      lastError: "no task for job report.unknown",
    });
  });

  it("fails a job whose payload does not match its schema without calling the task", async () => {
    await database.db.insert(jobs).values({
      name: "offer.register",
      payload: { offerId: "not-a-uuid" },
      maxAttempts: 1,
    });
    let calls = 0;
    const runner = runnerWith(async () => {
      calls += 1;
    });

    await runner.runOnce();

    expect(calls).toBe(0);
    const job = await jobById(1);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/uuid/i);
  });

  it("claims at most its concurrency in one round", async () => {
    for (let i = 0; i < 5; i += 1) {
      await enqueueJob(database.db, "offer.register", { offerId: crypto.randomUUID() });
    }
    const runner = runnerWith(async () => {}, { concurrency: 2 });

    expect(await runner.runOnce()).toBe(2);
    expect(
      (await allJobs()).filter((job) => job.name === "offer.register").map((job) => job.status),
    ).toEqual(["completed", "completed", "queued", "queued", "queued"]);
  });

  it("logs each completed job in the audit log and queues its anchoring a few seconds ahead, once", async () => {
    await enqueueJob(database.db, "offer.register", { offerId: crypto.randomUUID() });
    await enqueueJob(database.db, "offer.register", { offerId: crypto.randomUUID() });
    const before = await listAuditEntries(database.db);
    const runner = runnerWith(async () => {});

    expect(await runner.runOnce()).toBe(2);

    const logged = (await listAuditEntries(database.db)).slice(before.length);
    expect(
      logged.map((entry) => entry.details).sort((a, b) => (a.jobId! < b.jobId! ? -1 : 1)),
    ).toEqual([
      { jobId: "1", name: "offer.register" },
      { jobId: "2", name: "offer.register" },
    ]);
    expect(logged.map((entry) => [entry.action, entry.subject]).sort()).toEqual([
      ["job.completed", "job:1"],
      ["job.completed", "job:2"],
    ]);
    expect(logged[0]?.actor).toMatch(/^worker:worker-[0-9a-f]{8}$/);
    const anchoring = (await allJobs()).filter((job) => job.name === "audit.anchor");
    expect(anchoring).toHaveLength(1);
    expect(anchoring[0]).toMatchObject({
      status: "queued",
      singletonKey: "audit.anchor",
      payload: {},
    });
    expect(anchoring[0]!.runAt.getTime()).toBeGreaterThan(Date.now() + 1_000);
    expect((await verifyAuditLog(database.db)).ok).toBe(true);
  });

  it("writes no entry for the anchoring job itself, and queues it again only when entries arrived while it ran", async () => {
    await enqueueJob(database.db, "audit.anchor", {}, { singletonKey: "audit.anchor" });
    const before = await listAuditEntries(database.db);
    let appendWhileRunning = false;
    const runner = createJobRunner<Context>({
      db: database.db,
      tasks: {
        "offer.register": async () => {},
        "custody.compact-keys": async () => {},
        "custody.commit-records": async () => {},
        "audit.anchor": async () => {
          // What the real task does: seal everything and publish it, so nothing is left behind.
          while ((await sealAuditBatch(database.db)) !== null);
          for (let batch; (batch = await nextAnchorToPublish(database.db));) {
            await recordAnchorPublication(database.db, batch.batchId, `0x${"ab".repeat(32)}`);
          }
          if (appendWhileRunning) {
            await appendAuditEntries(database.db, [
              {
                actor: "system",
                action: "job.completed",
                subject: "job:99",
                details: { jobId: "99", name: "offer.register" },
              },
            ]);
          }
        },
      },
      context: { label: "test context" },
      log: silentLogger,
    });

    expect(await runner.runOnce()).toBe(1);
    expect(await listAuditEntries(database.db)).toHaveLength(before.length);
    expect(await allJobs()).toMatchObject([{ name: "audit.anchor", status: "completed" }]);

    await enqueueJob(database.db, "audit.anchor", {}, { singletonKey: "audit.anchor" });
    appendWhileRunning = true;
    expect(await runner.runOnce()).toBe(1);
    const anchoring = (await allJobs()).filter((job) => job.name === "audit.anchor");
    expect(anchoring.map((job) => job.status)).toEqual(["completed", "completed", "queued"]);
  });

  it("stops only after the job it is running has finished", async () => {
    await enqueueJob(database.db, "offer.register", { offerId: crypto.randomUUID() });
    let started!: () => void;
    const taskStarted = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const taskMayFinish = new Promise<void>((resolve) => (finish = resolve));
    const runner = runnerWith(
      async () => {
        started();
        await taskMayFinish;
      },
      { pollIntervalMs: 20 },
    );

    runner.start();
    await taskStarted;
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await sleep(100);
    expect(stopped).toBe(false);
    expect(await jobById(1)).toMatchObject({ status: "active" });

    finish();
    await stopping;
    expect(await jobById(1)).toMatchObject({ status: "completed" });
  });

  it("picks up jobs enqueued while it polls, and stops when idle", async () => {
    const seen: string[] = [];
    const runner = runnerWith(
      async (payload) => {
        seen.push(payload.offerId);
      },
      { pollIntervalMs: 20 },
    );
    runner.start();
    const offerId = crypto.randomUUID();
    await enqueueJob(database.db, "offer.register", { offerId });
    for (let waited = 0; seen.length === 0 && waited < 5_000; waited += 20) await sleep(20);
    await runner.stop();

    expect(seen).toEqual([offerId]);
    expect(await jobById(1)).toMatchObject({ status: "completed" });
  });
});
