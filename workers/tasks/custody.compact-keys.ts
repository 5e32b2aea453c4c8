// Removes erased patients' wrapped data keys from patient_data_keys' pages by rewriting the table.
// Idempotent: a second run rewrites an already compact table.
import { compactDataKeys } from "#db/queries/custody.ts";
import type { Task } from "../queue.ts";
import type { TaskContext } from "../context.ts";

export const compactKeysTask: Task<"custody.compact-keys", TaskContext> = async (
  payload,
  context,
) => {
  const started = performance.now();
  await compactDataKeys(context.db);
  context.log.info("data key table compacted", {
    window: payload.window,
    ms: Math.round(performance.now() - started),
  });
};
