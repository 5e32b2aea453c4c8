// Every job name mapped to its task (one task per file).
import type { TaskList } from "../queue.ts";
import type { TaskContext } from "../context.ts";
import { commitRecordsTask } from "./custody.commit-records.ts";
import { anchorAuditLogTask } from "./audit.anchor.ts";
import { compactKeysTask } from "./custody.compact-keys.ts";
import { registerOfferTask } from "./offer.register.ts";

export const tasks: TaskList<TaskContext> = {
  "offer.register": registerOfferTask,
  "custody.compact-keys": compactKeysTask,
  "custody.commit-records": commitRecordsTask,
  "audit.anchor": anchorAuditLogTask,
};
