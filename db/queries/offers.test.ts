import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chainOfferId, hashOfferTerms } from "#core/hashing.ts";
import type { OfferTerms } from "#core/offer.ts";
import type { Database } from "../client.ts";
import { jobs } from "../schema/jobs.ts";
import { offers } from "../schema/offers.ts";
import { createTestDatabase, engines } from "../testing.ts";
import { ensureCustodian } from "./custodians.ts";
import {
  confirmOffer,
  countOffersByCustodian,
  createOffer,
  getCustodianOffer,
  getOffer,
  getOfferDetail,
  listCatalogue,
  markOfferSubmitted,
  offerRegistrationKey,
  unconfirmOffersAbove,
} from "./offers.ts";

const terms: OfferTerms = {
  title: "Cardiology outcomes",
  description: "De-identified adult cardiology patients, 2015 to 2024.",
  fields: ["age_band", "blood_pressure", "sex"],
  duoCode: "DUO:0000007",
  diseaseCode: "MONDO:0005267",
  priceCents: 120000,
  currency: "EUR",
};

const blockHash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const txHash = (n: number) => `0x${(n + 0xabc).toString(16).padStart(64, "0")}`;

describe.each(engines)("offer queries on %s", (engine) => {
  let database: Database;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await database.db.execute(sql`truncate offers, jobs, custodians restart identity cascade`);
  });

  const allJobs = () => database.db.select().from(jobs).orderBy(jobs.id);
  const allOffers = () => database.db.select().from(offers);
  const custodian = (slug = "st-marys") =>
    ensureCustodian(database.db, { slug, name: `Hospital ${slug}` });

  describe("createOffer", () => {
    it("stores the offer as pending with its terms, hash and chain id", async () => {
      const { id: custodianId } = await custodian();
      const created = await createOffer(database.db, { custodianId, terms });

      const stored = await getOffer(database.db, created.id);
      expect(stored).toMatchObject({
        id: created.id,
        custodianId,
        title: terms.title,
        description: terms.description,
        fields: terms.fields,
        duoCode: terms.duoCode,
        diseaseCode: terms.diseaseCode,
        priceCents: terms.priceCents,
        currency: "EUR",
        status: "pending",
        metadataHash: hashOfferTerms(terms),
        chainOfferId: chainOfferId(created.id),
        txHash: null,
        blockNumber: null,
        confirmedAt: null,
      });
    });

    it("queues exactly one offer.register job for the offer, keyed to it", async () => {
      const { id: custodianId } = await custodian();
      const created = await createOffer(database.db, { custodianId, terms });

      const queued = await allJobs();
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({
        name: "offer.register",
        payload: { offerId: created.id },
        status: "queued",
        attempts: 0,
        singletonKey: offerRegistrationKey(created.id),
        lastError: null,
      });
    });

    it("queues one job per offer when a custodian publishes several", async () => {
      const { id: custodianId } = await custodian();
      const first = await createOffer(database.db, { custodianId, terms });
      const second = await createOffer(database.db, { custodianId, terms });
      expect((await allJobs()).map((job) => job.payload)).toEqual([
        { offerId: first.id },
        { offerId: second.id },
      ]);
      expect(first.chainOfferId).not.toBe(second.chainOfferId);
    });

    it("leaves neither an offer nor a job behind for a custodian that does not exist", async () => {
      await expect(
        createOffer(database.db, { custodianId: crypto.randomUUID(), terms }),
      ).rejects.toThrow();
      expect(await allOffers()).toEqual([]);
      expect(await allJobs()).toEqual([]);
    });

    it("leaves no offer behind when its job cannot be queued", async () => {
      const { id: custodianId } = await custodian();
      await database.db.execute(sql`
        create function refuse_jobs() returns trigger language plpgsql as $$
        begin raise exception 'queue is refusing jobs'; end $$`);
      await database.db.execute(
        sql`create trigger refuse_jobs before insert on jobs execute function refuse_jobs()`,
      );
      try {
        await expect(createOffer(database.db, { custodianId, terms })).rejects.toThrow();
      } finally {
        await database.db.execute(sql`drop trigger refuse_jobs on jobs`);
        await database.db.execute(sql`drop function refuse_jobs()`);
      }
      expect(await allOffers()).toEqual([]);
      expect(await allJobs()).toEqual([]);
    });
  });

  describe("countOffersByCustodian", () => {
    it("counts only the custodian's own offers, not someone else's", async () => {
      const stMarys = await custodian("st-marys");
      const northfield = await custodian("northfield");
      await createOffer(database.db, { custodianId: stMarys.id, terms });
      await createOffer(database.db, { custodianId: stMarys.id, terms });
      await createOffer(database.db, { custodianId: northfield.id, terms });

      expect(await countOffersByCustodian(database.db, stMarys.id)).toBe(2);
      expect(await countOffersByCustodian(database.db, northfield.id)).toBe(1);
      expect(await countOffersByCustodian(database.db, crypto.randomUUID())).toBe(0);
    });
  });

  describe("getCustodianOffer", () => {
    it("finds the custodian's own offer and not someone else's", async () => {
      const stMarys = await custodian("st-marys");
      const northfield = await custodian("northfield");
      const offer = await createOffer(database.db, { custodianId: stMarys.id, terms });

      expect((await getCustodianOffer(database.db, stMarys.id, offer.id))?.chainOfferId).toBe(
        offer.chainOfferId,
      );
      expect(await getCustodianOffer(database.db, northfield.id, offer.id)).toBeUndefined();
    });
  });

  describe("catalogue", () => {
    it("lists every custodian's offers with the custodian's name, newest first", async () => {
      const stMarys = await custodian("st-marys");
      const northfield = await custodian("northfield");
      const older = await createOffer(database.db, { custodianId: stMarys.id, terms });
      const newer = await createOffer(database.db, {
        custodianId: northfield.id,
        terms: { ...terms, title: "Tumour panel" },
      });
      await database.db.execute(
        sql`update offers set created_at = now() - interval '1 hour' where id = ${older.id}`,
      );

      const catalogue = await listCatalogue(database.db);
      expect(catalogue.map((offer) => [offer.id, offer.custodianName])).toEqual([
        [newer.id, "Hospital northfield"],
        [older.id, "Hospital st-marys"],
      ]);
      const detail = await getOfferDetail(database.db, older.id);
      expect(detail).toMatchObject({
        custodianId: stMarys.id,
        custodianName: "Hospital st-marys",
        metadataHash: hashOfferTerms(terms),
      });
      expect(await getOfferDetail(database.db, crypto.randomUUID())).toBeUndefined();
    });
  });

  describe("confirmOffer", () => {
    it("confirms the offer the event names with its transaction and block", async () => {
      const { id: custodianId } = await custodian();
      const offer = await createOffer(database.db, { custodianId, terms });
      const other = await createOffer(database.db, { custodianId, terms });

      const matched = await confirmOffer(database.db, {
        chainOfferId: offer.chainOfferId,
        txHash: txHash(1),
        blockNumber: 42n,
        blockHash: blockHash(42),
      });

      expect(matched).toBe(true);
      expect(await getOffer(database.db, offer.id)).toMatchObject({
        status: "confirmed",
        txHash: txHash(1),
        blockNumber: 42n,
        blockHash: blockHash(42),
      });
      expect((await getOffer(database.db, offer.id))?.confirmedAt).toBeInstanceOf(Date);
      expect(await getOffer(database.db, other.id)).toMatchObject({
        status: "pending",
        confirmedAt: null,
      });
    });

    it("changes nothing when the same event is applied twice", async () => {
      const { id: custodianId } = await custodian();
      const offer = await createOffer(database.db, { custodianId, terms });
      const event = {
        chainOfferId: offer.chainOfferId,
        txHash: txHash(1),
        blockNumber: 42n,
        blockHash: blockHash(42),
      };
      await confirmOffer(database.db, event);
      const once = await getOffer(database.db, offer.id);
      expect(await confirmOffer(database.db, event)).toBe(true);
      const twice = await getOffer(database.db, offer.id);

      expect(twice).toEqual({ ...once, updatedAt: twice?.updatedAt });
      expect(twice?.confirmedAt?.getTime()).toBe(once?.confirmedAt?.getTime());
      expect(await allJobs()).toHaveLength(1);
    });

    it("says so when the event names an offer it does not know", async () => {
      expect(
        await confirmOffer(database.db, {
          chainOfferId: chainOfferId(crypto.randomUUID()),
          txHash: txHash(1),
          blockNumber: 1n,
          blockHash: blockHash(1),
        }),
      ).toBe(false);
    });
  });

  describe("markOfferSubmitted", () => {
    it("records the transaction of a pending offer but never downgrades a confirmed one", async () => {
      const { id: custodianId } = await custodian();
      const pending = await createOffer(database.db, { custodianId, terms });
      const confirmed = await createOffer(database.db, { custodianId, terms });
      await confirmOffer(database.db, {
        chainOfferId: confirmed.chainOfferId,
        txHash: txHash(2),
        blockNumber: 5n,
        blockHash: blockHash(5),
      });

      await markOfferSubmitted(database.db, pending.id, txHash(1));
      await markOfferSubmitted(database.db, confirmed.id, txHash(9));

      expect(await getOffer(database.db, pending.id)).toMatchObject({
        status: "submitted",
        txHash: txHash(1),
      });
      expect(await getOffer(database.db, confirmed.id)).toMatchObject({
        status: "confirmed",
        txHash: txHash(2),
        blockNumber: 5n,
      });
    });

    it("keeps the recorded transaction when marked submitted again without one", async () => {
      const { id: custodianId } = await custodian();
      const offer = await createOffer(database.db, { custodianId, terms });
      await markOfferSubmitted(database.db, offer.id, txHash(1));

      await markOfferSubmitted(database.db, offer.id, null);

      expect(await getOffer(database.db, offer.id)).toMatchObject({
        status: "submitted",
        txHash: txHash(1),
      });
    });
  });

  describe("unconfirmOffersAbove", () => {
    it("reverts only offers confirmed above the block and queues their registration again", async () => {
      const { id: custodianId } = await custodian();
      const [atTen, atTwenty, atThirty, stillPending] = [
        await createOffer(database.db, { custodianId, terms }),
        await createOffer(database.db, { custodianId, terms }),
        await createOffer(database.db, { custodianId, terms }),
        await createOffer(database.db, { custodianId, terms }),
      ];
      for (const [offer, block] of [
        [atTen, 10],
        [atTwenty, 20],
        [atThirty, 30],
      ] as const) {
        await confirmOffer(database.db, {
          chainOfferId: offer.chainOfferId,
          txHash: txHash(block),
          blockNumber: BigInt(block),
          blockHash: blockHash(block),
        });
      }
      // Their registration jobs ran (the pending offer's is still queued).
      await database.db.execute(
        sql`update jobs set status = 'completed', completed_at = now()
            where payload->>'offerId' <> ${stillPending.id}`,
      );

      const reverted = await unconfirmOffersAbove(database.db, 20n);

      expect(reverted).toEqual([atThirty.id]);
      expect(await getOffer(database.db, atThirty.id)).toMatchObject({
        status: "submitted",
        txHash: txHash(30),
        blockNumber: null,
        blockHash: null,
        confirmedAt: null,
      });
      expect(await getOffer(database.db, atTwenty.id)).toMatchObject({
        status: "confirmed",
        blockNumber: 20n,
      });
      expect(await getOffer(database.db, atTen.id)).toMatchObject({ status: "confirmed" });
      expect(await getOffer(database.db, stillPending.id)).toMatchObject({ status: "pending" });

      const live = (await allJobs()).filter((job) => job.status === "queued");
      expect(live.map((job) => [job.name, job.payload])).toEqual([
        ["offer.register", { offerId: stillPending.id }],
        ["offer.register", { offerId: atThirty.id }],
      ]);
    });

    it("does not queue a second job while the offer's registration is still queued", async () => {
      const { id: custodianId } = await custodian();
      const offer = await createOffer(database.db, { custodianId, terms });
      await confirmOffer(database.db, {
        chainOfferId: offer.chainOfferId,
        txHash: txHash(1),
        blockNumber: 8n,
        blockHash: blockHash(8),
      });

      expect(await unconfirmOffersAbove(database.db, 7n)).toEqual([offer.id]);
      expect(await allJobs()).toHaveLength(1);
    });

    it("changes nothing when no offer was confirmed above the block", async () => {
      const { id: custodianId } = await custodian();
      const offer = await createOffer(database.db, { custodianId, terms });
      await confirmOffer(database.db, {
        chainOfferId: offer.chainOfferId,
        txHash: txHash(1),
        blockNumber: 8n,
        blockHash: blockHash(8),
      });
      await database.db.execute(sql`update jobs set status = 'completed'`);

      expect(await unconfirmOffersAbove(database.db, 8n)).toEqual([]);
      expect(await getOffer(database.db, offer.id)).toMatchObject({ status: "confirmed" });
      expect((await allJobs()).filter((job) => job.status === "queued")).toEqual([]);
    });
  });
});
