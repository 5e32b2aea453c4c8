// The job queue's storage: enqueue inside the caller's transaction, claim with SKIP LOCKED.
import { and, eq, sql } from "drizzle-orm";
import { jobCatalogue, type JobName, type JobPayload } from "#core/jobs.ts";
import type { Db } from "../client.ts";
import { jobs, type Job } from "../schema/jobs.ts";

export type EnqueueOptions = {
  runAt?: Date;
  maxAttempts?: number;
  /** While a job with this key is queued or active, enqueueing another one is a no-op. */
  singletonKey?: string;
};

export async function enqueueJob<N extends JobName>(
  db: Db,
  name: N,
  payload: JobPayload<N>,
  options: EnqueueOptions = {},
): Promise<void> {
  const parsed = jobCatalogue[name].parse(payload);
  await db
    .insert(jobs)
    .values({
      name,
      payload: parsed,
      runAt: options.runAt ?? new Date(),
      maxAttempts: options.maxAttempts ?? 25,
      singletonKey: options.singletonKey ?? null,
    })
    .onConflictDoNothing({
      target: jobs.singletonKey,
      where: sql`${jobs.status} in ('queued', 'active')`,
    });
}

export type ClaimOptions = { workerId: string; limit: number; lockSeconds: number };

/**
 * Claims due jobs: queued ones whose time has come, and active ones whose lock ran out (their
 * worker died), which is what makes delivery at-least-once.
 */
export async function claimJobs(db: Db, options: ClaimOptions): Promise<Job[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        sql`(${jobs.status} = 'queued' and ${jobs.runAt} <= now())
          or (${jobs.status} = 'active' and ${jobs.lockedUntil} < now())`,
      )
      .orderBy(jobs.runAt, jobs.id)
      .limit(options.limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(jobs)
      .set({
        status: "active",
        attempts: sql`${jobs.attempts} + 1`,
        lockedBy: options.workerId,
        lockedUntil: sql`now() + make_interval(secs => ${options.lockSeconds})`,
        updatedAt: sql`now()`,
      })
      .where(
        sql`${jobs.id} in (${sql.join(
          due.map((row) => sql`${row.id}`),
          sql`, `,
        )})`,
      )
      .returning();
  });
}

/** Marks the job completed; false when another worker took it over (its outcome stands). */
export async function completeJob(db: Db, job: Pick<Job, "id" | "attempts">): Promise<boolean> {
  const updated = await db
    .update(jobs)
    .set({
      status: "completed",
      completedAt: sql`now()`,
      lockedUntil: null,
      lastError: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.status, "active"), eq(jobs.attempts, job.attempts)))
    .returning({ id: jobs.id });
  return updated.length > 0;
}

/** Records a failed attempt: back to the queue after `retryInMs`, or failed for good. */
export async function failJob(
  db: Db,
  job: Pick<Job, "id" | "attempts" | "maxAttempts">,
  error: string,
  retryInMs: number,
): Promise<"retry" | "failed" | "superseded"> {
  const outcome = job.attempts >= job.maxAttempts ? "failed" : "retry";
  const updated = await db
    .update(jobs)
    .set({
      status: outcome === "failed" ? "failed" : "queued",
      runAt: sql`now() + make_interval(secs => ${retryInMs / 1000})`,
      lockedUntil: null,
      lastError: error.slice(0, 2000),
      updatedAt: sql`now()`,
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.status, "active"), eq(jobs.attempts, job.attempts)))
    .returning({ id: jobs.id });
  // No row: another worker claimed the job after this one's lock ran out; its outcome stands.
  return updated.length > 0 ? outcome : "superseded";
}

export type JobView = Pick<
  Job,
  "id" | "name" | "status" | "attempts" | "maxAttempts" | "runAt" | "lastError"
>;

/** Jobs about one subject, newest first (e.g. an offer's registration attempts). */
export async function listJobsBySingletonKey(db: Db, singletonKey: string): Promise<JobView[]> {
  return db
    .select({
      id: jobs.id,
      name: jobs.name,
      status: jobs.status,
      attempts: jobs.attempts,
      maxAttempts: jobs.maxAttempts,
      runAt: jobs.runAt,
      lastError: jobs.lastError,
    })
    .from(jobs)
    .where(eq(jobs.singletonKey, singletonKey))
    .orderBy(sql`${jobs.id} desc`);
}

export async function listJobs(db: Db, name?: JobName): Promise<Job[]> {
  return db
    .select()
    .from(jobs)
    .where(name ? eq(jobs.name, name) : undefined)
    .orderBy(jobs.id);
}
