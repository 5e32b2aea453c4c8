// Fresh, migrated databases for tests: PGlite in memory, or a throwaway PostgreSQL database.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type Database } from "./client.ts";

export type Engine = "pglite" | "postgres";
export const engines: Engine[] = ["pglite", "postgres"];

export function testPostgresUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";
}

/** A migrated, empty database on the engine; `close()` also drops a PostgreSQL test database. */
export async function createTestDatabase(engine: Engine): Promise<Database> {
  if (engine === "pglite") {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    await database.migrate();
    return database;
  }
  const baseUrl = testPostgresUrl();
  const name = `consentry_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 4 });
  await database.migrate();
  return {
    ...database,
    close: async () => {
      await database.close();
      const dropper = postgres(baseUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
