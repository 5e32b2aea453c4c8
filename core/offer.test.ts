import { describe, expect, it } from "vitest";
import {
  OFFER_PRICE_MAX_CENTS,
  OfferFormSchema,
  offerTermsFromForm,
  type OfferForm,
} from "./offer.ts";

const validForm = {
  title: "Cardiology outcomes",
  description: "De-identified adult cardiology patients, 2015 to 2024.",
  fields: ["blood_pressure", "age_band", "sex"],
  duoCode: "DUO:0000006",
  priceEuros: 1200,
};

/** The messages the form would show, by field path. */
function fieldErrors(input: unknown): Record<string, string[]> {
  const result = OfferFormSchema.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.join(".");
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

describe("OfferFormSchema", () => {
  it("accepts a complete offer and trims its text", () => {
    const result = OfferFormSchema.safeParse({
      ...validForm,
      title: "  Cardiology outcomes  ",
      description: "\tDe-identified adult cardiology patients, 2015 to 2024. ",
    });
    expect(result.success).toBe(true);
    expect(result.data?.title).toBe("Cardiology outcomes");
    expect(result.data?.description).toBe("De-identified adult cardiology patients, 2015 to 2024.");
  });

  it("names every missing field with its own message", () => {
    expect(fieldErrors({})).toEqual({
      title: ["Give the offer a title"],
      description: ["Describe the dataset"],
      fields: ["Choose at least one field"],
      duoCode: ["Choose a data use condition"],
      priceEuros: ["Give a price"],
    });
  });

  it("measures the title after trimming, between 3 and 120 characters", () => {
    expect(fieldErrors({ ...validForm, title: "  ab  " })).toEqual({
      title: ["Title must be at least 3 characters"],
    });
    expect(fieldErrors({ ...validForm, title: "x".repeat(121) })).toEqual({
      title: ["Title must be at most 120 characters"],
    });
    expect(fieldErrors({ ...validForm, title: "x".repeat(120) })).toEqual({});
    expect(fieldErrors({ ...validForm, title: "abc" })).toEqual({});
  });

  it("wants a description of 10 to 2000 characters", () => {
    expect(fieldErrors({ ...validForm, description: "too short" })).toEqual({
      description: ["Description must be at least 10 characters"],
    });
    expect(fieldErrors({ ...validForm, description: "d".repeat(2001) })).toEqual({
      description: ["Description must be at most 2000 characters"],
    });
  });

  it("wants at least one field", () => {
    expect(fieldErrors({ ...validForm, fields: [] })).toEqual({
      fields: ["Choose at least one field"],
    });
  });

  it("refuses a field that is not on the list of offerable fields", () => {
    expect(fieldErrors({ ...validForm, fields: ["sex", "full_name"] })).toEqual({
      "fields.1": ["Unknown field"],
    });
  });

  it("refuses a field listed twice", () => {
    expect(fieldErrors({ ...validForm, fields: ["sex", "bmi", "sex"] })).toEqual({
      fields: ["A field is listed twice"],
    });
  });

  it("refuses a data use condition that is not a DUO term we offer", () => {
    expect(fieldErrors({ ...validForm, duoCode: "DUO:0000018" })).toEqual({
      duoCode: ["Choose a data use condition"],
    });
  });

  it("wants a disease for disease-specific research", () => {
    expect(fieldErrors({ ...validForm, duoCode: "DUO:0000007" })).toEqual({
      diseaseCode: ["Disease-specific research needs a disease"],
    });
    expect(
      fieldErrors({ ...validForm, duoCode: "DUO:0000007", diseaseCode: "MONDO:0005267" }),
    ).toEqual({});
  });

  it("reports the missing disease together with the other missing fields", () => {
    expect(fieldErrors({ duoCode: "DUO:0000007" })).toEqual({
      title: ["Give the offer a title"],
      description: ["Describe the dataset"],
      fields: ["Choose at least one field"],
      priceEuros: ["Give a price"],
      diseaseCode: ["Disease-specific research needs a disease"],
    });
  });

  it.each(["DUO:0000042", "DUO:0000006", "DUO:0000011"])(
    "refuses a disease for %s, which is not disease-specific",
    (duoCode) => {
      expect(fieldErrors({ ...validForm, duoCode, diseaseCode: "MONDO:0004992" })).toEqual({
        diseaseCode: ["Only disease-specific research takes a disease"],
      });
    },
  );

  it("refuses a disease code that is not one we can serve", () => {
    const errors = fieldErrors({ ...validForm, duoCode: "DUO:0000007", diseaseCode: "MONDO:1" });
    expect(Object.keys(errors)).toEqual(["diseaseCode"]);
  });

  it("accepts prices with up to two decimals, including zero", () => {
    for (const priceEuros of [0, 0.07, 19.99, 950.5, OFFER_PRICE_MAX_CENTS / 100]) {
      expect(fieldErrors({ ...validForm, priceEuros }), String(priceEuros)).toEqual({});
    }
  });

  it("refuses a price with more than two decimals", () => {
    expect(fieldErrors({ ...validForm, priceEuros: 1.005 })).toEqual({
      priceEuros: ["Price has at most two decimals"],
    });
  });

  it("refuses a negative price", () => {
    expect(fieldErrors({ ...validForm, priceEuros: -1 })).toEqual({
      priceEuros: ["Price cannot be negative"],
    });
  });

  it("refuses a price above the ceiling", () => {
    expect(fieldErrors({ ...validForm, priceEuros: OFFER_PRICE_MAX_CENTS / 100 + 1 })).toEqual({
      priceEuros: ["Price is too high"],
    });
  });

  it("refuses a price that is not a number", () => {
    expect(fieldErrors({ ...validForm, priceEuros: "12" })).toEqual({
      priceEuros: ["Price must be a number"],
    });
  });

  it("drops form keys it does not know instead of passing them on", () => {
    const result = OfferFormSchema.safeParse({ ...validForm, custodianId: "someone-else" });
    expect(result.success).toBe(true);
    expect(result.data).not.toHaveProperty("custodianId");
  });
});

describe("offerTermsFromForm", () => {
  it("turns euros into whole cents without floating-point drift", () => {
    const cents = [0.07, 0.29, 19.99, 950.5, 1.15].map(
      (priceEuros) => offerTermsFromForm({ ...(validForm as OfferForm), priceEuros }).priceCents,
    );
    expect(cents).toEqual([7, 29, 1999, 95050, 115]);
  });

  it("sorts the fields and stores an absent disease as null, in euros", () => {
    expect(offerTermsFromForm(OfferFormSchema.parse(validForm))).toEqual({
      title: "Cardiology outcomes",
      description: "De-identified adult cardiology patients, 2015 to 2024.",
      fields: ["age_band", "blood_pressure", "sex"],
      duoCode: "DUO:0000006",
      diseaseCode: null,
      priceCents: 120000,
      currency: "EUR",
    });
  });

  it("keeps the disease of a disease-specific offer", () => {
    const form = OfferFormSchema.parse({
      ...validForm,
      duoCode: "DUO:0000007",
      diseaseCode: "MONDO:0005015",
    });
    expect(offerTermsFromForm(form).diseaseCode).toBe("MONDO:0005015");
  });
});
