// After erasures: clears the erased patients' record codes, then removes their wrapped data keys
// from patient_data_keys' pages by rewriting the table. Idempotent: a second run finds no codes
// left and rewrites an already compact table.
import { compactDataKeys, scrubErasedRecordCodes } from "#db/queries/custody.ts";
import type { Task } from "../queue.ts";
import type { TaskContext } from "../context.ts";

export const compactKeysTask: Task<"custody.compact-keys", TaskContext> = async (
  payload,
  context,
) => {
  const started = performance.now();
  const recordsScrubbed = await scrubErasedRecordCodes(context.db);
  await compactDataKeys(context.db);
  context.log.info("data key table compacted", {
    window: payload.window,
    recordsScrubbed,
    ms: Math.round(performance.now() - started),
  });
};
