// Fresh, migrated databases for tests: PGlite in memory, or a throwaway PostgreSQL database.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type Database, type Db } from "./client.ts";

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

/**
 * Runs `work` in a transaction with `session_replication_role = replica`, which skips ordinary
 * triggers: what a superuser could do to the append-only audit tables. Tests use it to tamper.
 */
export async function asSuperuser<T>(database: Database, work: (tx: Db) => Promise<T>): Promise<T> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    return work(tx);
  });
}

/**
 * Empties the custody tables (record commitment batches included), the audit and job tables, and
 * rewinds the audit head, between tests.
 */
export async function resetCustodyTables(database: Database): Promise<void> {
  await asSuperuser(database, async (tx) => {
    await tx.execute(
      sql`truncate audit_log, audit_anchors, record_commitment_batches, records, patient_data_keys, patients, jobs restart identity`,
    );
    await tx.execute(
      sql`update audit_head set last_seq = 0, last_hash = decode(repeat('00', 32), 'hex'), last_at = null`,
    );
  });
}

/** The messages of a rejection and its causes, joined: drizzle wraps the database's own error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const messages: string[] = [];
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
      messages.push(cause.message);
    }
    return messages.join(" ← ");
  }
  throw new Error("expected the promise to reject, but it resolved");
}
