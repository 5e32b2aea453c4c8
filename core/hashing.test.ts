import { keccak256, stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { chainOfferId, hashOfferTerms } from "./hashing.ts";
import { offerTermsFromForm, type OfferTerms } from "./offer.ts";

const terms: OfferTerms = {
  title: "Cardiology outcomes",
  description: "De-identified adult cardiology patients, 2015 to 2024.",
  fields: ["age_band", "blood_pressure", "sex"],
  duoCode: "DUO:0000007",
  diseaseCode: "MONDO:0005267",
  priceCents: 120000,
  currency: "EUR",
};

describe("hashOfferTerms", () => {
  it("gives the hash committed on chain for these terms, today and after any refactoring", () => {
    expect(hashOfferTerms(terms)).toBe(
      keccak256(
        stringToHex(
          '{"currency":"EUR","description":"De-identified adult cardiology patients, 2015 to 2024.",' +
            '"diseaseCode":"MONDO:0005267","duoCode":"DUO:0000007",' +
            '"fields":["age_band","blood_pressure","sex"],"priceCents":120000,' +
            '"title":"Cardiology outcomes"}',
        ),
      ),
    );
  });

  it("does not depend on the order the terms' keys were written in", () => {
    const reordered: OfferTerms = {
      currency: "EUR",
      priceCents: 120000,
      fields: ["age_band", "blood_pressure", "sex"],
      diseaseCode: "MONDO:0005267",
      duoCode: "DUO:0000007",
      description: "De-identified adult cardiology patients, 2015 to 2024.",
      title: "Cardiology outcomes",
    };
    expect(hashOfferTerms(reordered)).toBe(hashOfferTerms(terms));
  });

  it("gives one hash for one form whatever order its fields were ticked in", () => {
    const form = {
      title: terms.title,
      description: terms.description,
      duoCode: "DUO:0000007" as const,
      diseaseCode: "MONDO:0005267" as const,
      priceEuros: 1200,
    };
    const ticked = offerTermsFromForm({ ...form, fields: ["sex", "age_band", "blood_pressure"] });
    const other = offerTermsFromForm({ ...form, fields: ["blood_pressure", "sex", "age_band"] });
    expect(hashOfferTerms(ticked)).toBe(hashOfferTerms(other));
    expect(hashOfferTerms(ticked)).toBe(hashOfferTerms(terms));
  });

  it.each<[string, Partial<OfferTerms>]>([
    ["title", { title: "Cardiology outcome" }],
    ["description", { description: "De-identified adult cardiology patients, 2015 to 2025." }],
    ["fields", { fields: ["age_band", "blood_pressure"] }],
    ["field order", { fields: ["sex", "age_band", "blood_pressure"] }],
    ["duoCode", { duoCode: "DUO:0000006", diseaseCode: "MONDO:0005267" }],
    ["diseaseCode", { diseaseCode: "MONDO:0004992" }],
    ["no disease", { diseaseCode: null }],
    ["priceCents", { priceCents: 120001 }],
  ])("changes when the %s changes", (_term, change) => {
    expect(hashOfferTerms({ ...terms, ...change })).not.toBe(hashOfferTerms(terms));
  });

  it("is a 32-byte hex string", () => {
    expect(hashOfferTerms(terms)).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe("chainOfferId", () => {
  const id = "6f1c0a52-8a51-4a3e-9f55-2a7a1f3b9c10";

  it("is the same bytes32 every time for one offer", () => {
    expect(chainOfferId(id)).toBe(chainOfferId(id));
    expect(chainOfferId(id)).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("differs for every offer id", () => {
    const ids = Array.from({ length: 200 }, () => crypto.randomUUID());
    expect(new Set(ids.map(chainOfferId)).size).toBe(ids.length);
    expect(chainOfferId(id)).not.toBe(chainOfferId(id.replace(/0$/, "1")));
  });

  it("is domain-separated from a plain hash of the id", () => {
    expect(chainOfferId(id)).not.toBe(keccak256(stringToHex(id)));
    expect(chainOfferId(id)).toBe(keccak256(stringToHex(`consentry.offer:${id}`)));
  });
});
