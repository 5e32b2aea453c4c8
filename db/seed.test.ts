import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./client.ts";
import { listCustodians } from "./queries/custodians.ts";
import { countOffersByCustodian } from "./queries/offers.ts";
import { jobs } from "./schema/jobs.ts";
import { offers } from "./schema/offers.ts";
import { demoCustodians, seedDemo } from "./seed.ts";
import { createTestDatabase, engines } from "./testing.ts";

const demoOffers = demoCustodians.reduce((sum, custodian) => sum + custodian.offers.length, 0);

describe.each(engines)("seedDemo on %s", (engine) => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });

  afterAll(async () => {
    await database?.close();
  });

  it("adds the demo custodians, their offers and one registration job per offer", async () => {
    expect(await seedDemo(database.db)).toEqual({
      custodians: demoCustodians.length,
      offersAdded: demoOffers,
    });

    const custodians = await listCustodians(database.db);
    expect(custodians.map((custodian) => custodian.slug).sort()).toEqual([
      "northfield",
      "st-marys",
    ]);
    for (const custodian of custodians) {
      const demo = demoCustodians.find((candidate) => candidate.slug === custodian.slug);
      expect(await countOffersByCustodian(database.db, custodian.id)).toBe(demo?.offers.length);
    }
    const queued = await database.db.select().from(jobs);
    expect(queued).toHaveLength(demoOffers);
    expect(new Set(queued.map((job) => job.name))).toEqual(new Set(["offer.register"]));
  });

  it("adds nothing when it runs a second time", async () => {
    const offersBefore = await database.db.select().from(offers).orderBy(offers.id);

    expect(await seedDemo(database.db)).toEqual({
      custodians: demoCustodians.length,
      offersAdded: 0,
    });

    expect(await database.db.select().from(offers).orderBy(offers.id)).toEqual(offersBefore);
    expect(await listCustodians(database.db)).toHaveLength(demoCustodians.length);
    expect(await database.db.select().from(jobs)).toHaveLength(demoOffers);
  });

  it("leaves a custodian that already has offers alone and fills in only what is missing", async () => {
    await database.db.execute(
      sql`delete from jobs where payload->>'offerId' in
            (select o.id::text from offers o join custodians c on c.id = o.custodian_id
             where c.slug = 'northfield')`,
    );
    await database.db.execute(
      sql`delete from offers where custodian_id = (select id from custodians where slug = 'northfield')`,
    );
    const northfield = demoCustodians.find((custodian) => custodian.slug === "northfield");

    expect(await seedDemo(database.db)).toEqual({
      custodians: demoCustodians.length,
      offersAdded: northfield?.offers.length,
    });
    expect(await database.db.select().from(offers)).toHaveLength(demoOffers);
  });
});
