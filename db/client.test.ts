import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "./client.ts";
import journal from "./migrations/meta/_journal.json" with { type: "json" };
import { chainDeployments, chainEvents, indexedBlocks } from "./schema/chain.ts";
import { createTestDatabase, engines } from "./testing.ts";

describe.each(engines)("database client on %s", (engine) => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await database.db.execute(
      sql`truncate indexed_blocks, chain_events, chain_deployments restart identity`,
    );
  });

  it("applies the migrations: every table of the schema exists", async () => {
    const tables = await database.rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables
          where table_schema = 'public' order by table_name`,
    );
    expect(tables.map((table) => table.table_name)).toEqual([
      "audit_anchors",
      "audit_head",
      "audit_log",
      "chain_deployments",
      "chain_events",
      "custodians",
      "indexed_blocks",
      "jobs",
      "offers",
      "patient_data_keys",
      "patients",
      "record_commitment_batches",
      "records",
      "sessions",
      "sign_in_nonces",
    ]);
  });

  it("applies each migration once, however often migrate runs", async () => {
    await database.migrate();
    await database.migrate();
    const applied = await database.rows<{ hash: string }>(
      sql`select hash from drizzle.__drizzle_migrations`,
    );
    expect(applied).toHaveLength(journal.entries.length);
  });

  it("returns raw query rows as an array of objects", async () => {
    const rows = await database.rows<{ n: number; word: string }>(
      sql`select n, 'row ' || n as word from generate_series(1, 3) as n order by n`,
    );
    expect(Array.isArray(rows)).toBe(true);
    expect(rows).toEqual([
      { n: 1, word: "row 1" },
      { n: 2, word: "row 2" },
      { n: 3, word: "row 3" },
    ]);
    expect(await database.rows(sql`select 1 where false`)).toEqual([]);
  });

  it("gives back raw int8 and bytea values alike on both drivers", async () => {
    const [row] = await database.rows<{ small: unknown; big: unknown; bytes: unknown }>(
      sql`select 7::int8 as small, 9007199254740993::int8 as big, '\\x00ff10'::bytea as bytes`,
    );
    expect(row?.small).toBe(7n);
    expect(row?.big).toBe(9007199254740993n);
    expect(row?.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(row?.bytes)).toBe(false);
    expect([...(row?.bytes as Uint8Array)]).toEqual([0x00, 0xff, 0x10]);
  });

  it("gives back a bytea column as a plain Uint8Array, not a Buffer", async () => {
    const hash = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 256);
    await database.db.insert(indexedBlocks).values({ chainId: 31337, number: 7n, hash });
    const [row] = await database.db
      .select()
      .from(indexedBlocks)
      .where(eq(indexedBlocks.number, 7n));
    expect(row).toBeDefined();
    expect(Object.getPrototypeOf(row?.hash)).toBe(Uint8Array.prototype);
    expect(Buffer.isBuffer(row?.hash)).toBe(false);
    expect([...(row?.hash ?? [])]).toEqual([...hash]);
  });

  it("keeps a bytea value's bytes exact, including zeros and 0xff, through returning()", async () => {
    const blockHash = new Uint8Array([0, 255, 0, 1, 128, 0]);
    const [stored] = await database.db
      .insert(chainEvents)
      .values({
        chainId: 31337,
        blockNumber: 1n,
        blockHash,
        logIndex: 0,
        txHash: "0x01",
        contract: "OfferRegistry",
        eventName: "OfferRegistered",
        args: {},
      })
      .returning();
    expect(Object.getPrototypeOf(stored?.blockHash)).toBe(Uint8Array.prototype);
    expect([...(stored?.blockHash ?? [])]).toEqual([0, 255, 0, 1, 128, 0]);
  });

  it("gives back bigint columns as exact bigints, beyond 2^53 too", async () => {
    const big = 2n ** 62n + 1n;
    await database.db.insert(indexedBlocks).values([
      { chainId: 1, number: 12n, hash: new Uint8Array([1]) },
      { chainId: 1, number: big, hash: new Uint8Array([2]) },
    ]);
    await database.db
      .insert(chainDeployments)
      .values({ chainId: 1, contract: "OfferRegistry", address: "0x00", deployBlock: 3n });
    const blocks = await database.db
      .select({ number: indexedBlocks.number })
      .from(indexedBlocks)
      .orderBy(indexedBlocks.number);
    expect(blocks).toEqual([{ number: 12n }, { number: big }]);
    expect(typeof blocks[0]?.number).toBe("bigint");
    const [deployment] = await database.db.select().from(chainDeployments);
    expect(deployment?.deployBlock).toBe(3n);
  });
});
