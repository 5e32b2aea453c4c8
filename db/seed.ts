// The demo: two hospitals and a handful of offers. Idempotent: only what is missing is added.
import { offerTermsFromForm, type OfferForm } from "#core/offer.ts";
import type { Db } from "./client.ts";
import { ensureCustodian } from "./queries/custodians.ts";
import { countOffersByCustodian, createOffer } from "./queries/offers.ts";

type DemoCustodian = { slug: string; name: string; offers: OfferForm[] };

export const demoCustodians: DemoCustodian[] = [
  {
    slug: "st-marys",
    name: "St Mary's University Hospital",
    offers: [
      {
        title: "Cardiology outcomes 2015–2024",
        description:
          "De-identified adult cardiology patients: blood pressure, cholesterol labs and cardiac diagnoses, for cardiovascular risk research.",
        fields: ["age_band", "sex", "blood_pressure", "cholesterol", "cardiac_conditions"],
        duoCode: "DUO:0000007",
        diseaseCode: "MONDO:0005267",
        priceEuros: 1200,
      },
      {
        title: "Type 2 diabetes glucose monitoring",
        description:
          "Continuous glucose monitor series with HbA1c and medications for adults with type 2 diabetes.",
        fields: ["age_band", "sex", "hba1c", "glucose_cgm", "medications"],
        duoCode: "DUO:0000006",
        priceEuros: 800,
      },
      {
        title: "Population vitals panel",
        description:
          "Age band, sex, 3-digit ZIP, BMI and blood pressure for population health statistics.",
        fields: ["age_band", "sex", "zip3", "bmi", "blood_pressure"],
        duoCode: "DUO:0000042",
        priceEuros: 250,
      },
    ],
  },
  {
    slug: "northfield",
    name: "Northfield Cancer Centre",
    offers: [
      {
        title: "Solid tumour variant panel",
        description:
          "De-identified tumour variant panels (gene, variant, allele fraction) for oncology drug research.",
        fields: ["tumour_variants", "cancer_conditions"],
        duoCode: "DUO:0000007",
        diseaseCode: "MONDO:0004992",
        priceEuros: 2500,
      },
      {
        title: "Oncology treatment pathways",
        description: "Cancer diagnoses, age band and medications for treatment pathway research.",
        fields: ["age_band", "sex", "cancer_conditions", "medications"],
        duoCode: "DUO:0000006",
        priceEuros: 950.5,
      },
    ],
  },
];

export type SeedSummary = { custodians: number; offersAdded: number };

export async function seedDemo(db: Db): Promise<SeedSummary> {
  let offersAdded = 0;
  for (const demo of demoCustodians) {
    const custodian = await ensureCustodian(db, { slug: demo.slug, name: demo.name });
    if ((await countOffersByCustodian(db, custodian.id)) > 0) continue;
    for (const form of demo.offers) {
      await createOffer(db, { custodianId: custodian.id, terms: offerTermsFromForm(form) });
      offersAdded += 1;
    }
  }
  return { custodians: demoCustodians.length, offersAdded };
}
