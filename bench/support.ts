// What the benchmarks share: a database on either engine (kept between runs when asked, since storing
// 100,000 patients takes a while), timing, medians and printing.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { openDatabase, type Database } from "#db/client.ts";
import { testPostgresUrl, type Engine } from "#db/testing.ts";

export const say = (line = "") => process.stdout.write(`${line}\n`);
export const ms = (value: number) => `${value.toFixed(0)} ms`;
export const num = (value: number) => Math.round(value).toLocaleString("en");
export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
export const rate = (count: number, millis: number) => (count / millis) * 1000;

export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

export function parseEngines(value: string): Engine[] {
  if (value === "both") return ["pglite", "postgres"];
  if (value === "pglite" || value === "postgres") return [value];
  throw new Error(`--engine must be pglite, postgres or both, not "${value}"`);
}

/** The command line and the machine's state, printed first so a table can be reproduced. */
export function header(script: string) {
  say(`$ npm run ${script} -- ${process.argv.slice(2).join(" ")}`);
  say(
    `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}, ${new Date().toISOString()}`,
  );
}

export type BenchDatabase = {
  database: Database;
  /** Where the KEK keyring and, for PGlite, the data directory live. */
  dir: string;
  /** True when a kept database already holds what `stored` marked. */
  reused: boolean;
  /** Marks the database as holding `label`, so a later run with the same directory reuses it. */
  markStored(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A migrated database on disk (PGlite in memory cannot hold 100,000 patients). With `keepDir` it
 * survives the run and is reused by the next run asking for the same `label`; without, it is
 * thrown away.
 */
export async function openBenchDatabase(
  engine: Engine,
  label: string,
  keepDir: string | undefined,
  /** Reuse a kept database whose storing was cut short, without its marker. */
  partial = false,
): Promise<BenchDatabase> {
  const dir = keepDir ? join(keepDir, engine) : join("/tmp", `consentry-bench-${randomHex()}`);
  const marker = join(dir, "stored");
  const reused =
    keepDir !== undefined &&
    ((partial && existsSync(dir)) ||
      (existsSync(marker) && (await readFile(marker, "utf8")).trim() === label));
  if (!reused) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  let database: Database;
  let drop = async () => {};
  if (engine === "pglite") {
    database = await openDatabase({ kind: "pglite", dataDir: join(dir, "pglite") });
  } else {
    const baseUrl = testPostgresUrl();
    const name = keepDir
      ? `consentry_bench_${label.replace(/\W/g, "_")}`
      : `consentry_bench_${randomHex()}`;
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    try {
      if (!reused) await admin.unsafe(`drop database if exists ${name} with (force)`);
      const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
      if (!exists) await admin.unsafe(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    database = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 4 });
    drop = async () => {
      const dropper = postgres(baseUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    };
  }
  await database.migrate();
  return {
    database,
    dir,
    reused,
    markStored: () => writeFile(marker, label),
    close: async () => {
      await database.close();
      if (!keepDir) {
        await drop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

function randomHex() {
  return randomBytes(6).toString("hex");
}
