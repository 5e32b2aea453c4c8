// One process at a time on an embedded data directory: PGlite is a single connection, and two
// processes opening the same files would corrupt them.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export class DataDirBusyError extends Error {
  readonly pid: number;

  constructor(dataDir: string, pid: number) {
    super(
      `${dataDir} is in use by process ${pid} (npm start?). The embedded database takes one process ` +
        "at a time: stop it first, or use PostgreSQL (DATABASE_URL) to run several.",
    );
    this.name = "DataDirBusyError";
    this.pid = pid;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the data directory for this process; a lock left by a dead process is taken over. */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const file = join(dataDir, "consentry.pid");
  try {
    const holder = Number((await readFile(file, "utf8")).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DataDirBusyError(dataDir, holder);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await writeFile(file, `${process.pid}\n`, { mode: 0o600 });
  return {
    release: async () => {
      const holder = await readFile(file, "utf8").catch(() => "");
      if (Number(holder.trim()) === process.pid) await rm(file, { force: true });
    },
  };
}
