// Runs queued jobs: claims due ones, runs their task, completes or schedules a retry with backoff.
import { randomUUID } from "node:crypto";
import {
  jobCatalogue,
  retryDelayMs,
  isJobName,
  type JobName,
  type JobPayload,
} from "#core/jobs.ts";
import type { Logger } from "#core/log.ts";
import type { Db } from "#db/client.ts";
import { completeJobAndAudit } from "#db/queries/audit.ts";
import { claimJobs, failJob } from "#db/queries/jobs.ts";
import type { Job } from "#db/schema/jobs.ts";

export type Task<N extends JobName, Context> = (
  payload: JobPayload<N>,
  context: Context,
  job: Job,
) => Promise<void>;

export type TaskList<Context> = { [N in JobName]: Task<N, Context> };

export type JobRunnerOptions<Context> = {
  db: Db;
  tasks: TaskList<Context>;
  context: Context;
  log: Logger;
  concurrency?: number;
  pollIntervalMs?: number;
  lockSeconds?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
};

export type JobRunner = {
  /** Claims and runs one round of due jobs; returns how many ran. */
  runOnce(): Promise<number>;
  /** Polls until stop(); stop() waits for running jobs to finish. */
  start(): void;
  stop(): Promise<void>;
};

export function createJobRunner<Context>(options: JobRunnerOptions<Context>): JobRunner {
  const workerId = `worker-${randomUUID().slice(0, 8)}`;
  const concurrency = options.concurrency ?? 4;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const lockSeconds = options.lockSeconds ?? 120;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const log = options.log;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const runJob = async (job: Job) => {
    const started = Date.now();
    try {
      if (!isJobName(job.name)) throw new Error(`no task for job ${job.name}`);
      await runTask(job.name, job);
      // The completion and its audit entry commit together (db/queries/audit.ts).
      await completeJobAndAudit(options.db, job, `worker:${workerId}`);
      log.info("job completed", {
        job: job.name,
        id: job.id,
        attempt: job.attempts,
        ms: Date.now() - started,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const delay = retryDelayMs(job.attempts, retryBaseMs, retryMaxMs);
      const outcome = await failJob(options.db, job, message, delay);
      const summary = {
        failed: "job failed for good",
        retry: "job failed, will retry",
        superseded: "job failed after another worker took it over",
      }[outcome];
      log.warn(summary, {
        job: job.name,
        id: job.id,
        attempt: job.attempts,
        retryInMs: outcome === "retry" ? delay : undefined,
        error: message,
      });
    }
  };

  const runTask = async <N extends JobName>(name: N, job: Job) => {
    const payload = jobCatalogue[name].parse(job.payload) as JobPayload<N>;
    const task = options.tasks[name] as Task<N, Context>;
    await task(payload, options.context, job);
  };

  const runOnce = async () => {
    const claimed = await claimJobs(options.db, { workerId, limit: concurrency, lockSeconds });
    await Promise.all(claimed.map(runJob));
    return claimed.length;
  };

  const poll = async () => {
    while (running) {
      let ran = 0;
      try {
        ran = await runOnce();
      } catch (error) {
        log.error("claiming jobs failed", { error });
      }
      if (ran === 0 && running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  };

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = poll();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
  };
}
