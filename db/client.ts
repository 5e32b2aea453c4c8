// Opens the database (embedded PGlite or PostgreSQL), applies migrations, and hides driver quirks.
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | { kind: "pglite"; dataDir: string | null }
  | { kind: "postgres"; url: string; maxConnections?: number };

export type Database = {
  kind: DatabaseTarget["kind"];
  db: Db;
  /** Runs raw SQL and returns its rows, whatever the driver's result shape. */
  rows<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  migrate(): Promise<void>;
  close(): Promise<void>;
};

const INT8_OID = 20;
const BYTEA_OID = 17;

// PGlite decodes bytea's hex text in a JavaScript loop, about five times slower than Node's native
// decoder, which made reading ciphertexts PGlite's bottleneck. Copied out of Buffer's shared pool.
const pgliteParsers = {
  [BYTEA_OID]: (text: string) => new Uint8Array(Buffer.from(text.slice(2), "hex")),
};

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === "pglite") {
    if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
    const client = target.dataDir
      ? new PGlite(target.dataDir, { parsers: pgliteParsers })
      : new PGlite({ parsers: pgliteParsers });
    await client.waitReady;
    const db = drizzlePglite(client, { schema, casing: "snake_case" });
    return {
      kind: "pglite",
      db: db as unknown as Db,
      rows: async <T>(query: SQL) => {
        const result = await db.execute(query);
        // PGlite gives int8 as a number when it fits; postgres-js (configured below) as a bigint.
        const int8 = result.fields
          .filter((field) => field.dataTypeID === INT8_OID)
          .map((f) => f.name);
        if (int8.length === 0) return result.rows as T[];
        return result.rows.map((row) => {
          const copy = { ...(row as Record<string, unknown>) };
          for (const name of int8) {
            const value = copy[name];
            if (typeof value === "number" || typeof value === "string") copy[name] = BigInt(value);
          }
          return copy as T;
        });
      },
      migrate: () => migratePglite(db, { migrationsFolder }),
      close: () => client.close(),
    };
  }
  const client = postgres(target.url, {
    max: target.maxConnections ?? 10,
    onnotice: () => {},
    // Keep bigint columns exact: postgres-js would otherwise hand back strings for int8.
    types: { bigint: postgres.BigInt },
  });
  const db = drizzlePostgres(client, { schema, casing: "snake_case" });
  return {
    kind: "postgres",
    db: db as unknown as Db,
    rows: async <T>(query: SQL) =>
      [...(await db.execute(query))].map((row) => {
        // postgres-js gives bytea as a Buffer; PGlite as a plain Uint8Array.
        const copy: Record<string, unknown> = { ...row };
        for (const [name, value] of Object.entries(copy)) {
          if (Buffer.isBuffer(value))
            copy[name] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        }
        return copy as T;
      }),
    migrate: () => migratePostgres(db, { migrationsFolder }),
    close: () => client.end({ timeout: 5 }),
  };
}
