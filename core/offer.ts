// What a dataset offer is, and the one schema its form is checked against (browser and server).
import { z } from "zod";
import { diseaseCodeIds, duoPermissionIds, findDuoPermission } from "./duo.ts";
import { datasetFieldIds } from "./fields.ts";

export const OFFER_PRICE_MAX_CENTS = 100_000_000;

const OfferFields = z.object({
  title: z
    .string({ required_error: "Give the offer a title" })
    .trim()
    .min(3, "Title must be at least 3 characters")
    .max(120, "Title must be at most 120 characters"),
  description: z
    .string({ required_error: "Describe the dataset" })
    .trim()
    .min(10, "Description must be at least 10 characters")
    .max(2000, "Description must be at most 2000 characters"),
  fields: z
    .array(z.enum(datasetFieldIds, { message: "Unknown field" }), {
      required_error: "Choose at least one field",
    })
    .min(1, "Choose at least one field")
    .refine((fields) => new Set(fields).size === fields.length, "A field is listed twice"),
  duoCode: z.enum(duoPermissionIds, {
    errorMap: () => ({ message: "Choose a data use condition" }),
  }),
  diseaseCode: z.enum(diseaseCodeIds, { message: "Choose a disease from the list" }).optional(),
  priceEuros: z
    .number({
      required_error: "Give a price",
      invalid_type_error: "Price must be a number",
    })
    .nonnegative("Price cannot be negative")
    .max(OFFER_PRICE_MAX_CENTS / 100, "Price is too high")
    .multipleOf(0.01, "Price has at most two decimals"),
});

// Checked as its own schema so the disease rule is reported together with missing fields,
// not only once every other field is valid (zod skips an object's refinements when it fails).
const DiseaseRule = z
  .object({ duoCode: z.string().optional(), diseaseCode: z.string().optional() })
  .superRefine((offer, ctx) => {
    const duo = offer.duoCode ? findDuoPermission(offer.duoCode) : undefined;
    if (duo?.needsDisease && !offer.diseaseCode) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["diseaseCode"],
        message: "Disease-specific research needs a disease",
      });
    }
    if (duo && !duo.needsDisease && offer.diseaseCode) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["diseaseCode"],
        message: "Only disease-specific research takes a disease",
      });
    }
  });

export const OfferFormSchema = OfferFields.and(DiseaseRule);

export type OfferForm = z.infer<typeof OfferFormSchema>;

export type OfferStatus = "pending" | "submitted" | "confirmed";

/** The offer's terms as they are committed to on chain (metadata hash). */
export type OfferTerms = {
  title: string;
  description: string;
  fields: string[];
  duoCode: string;
  diseaseCode: string | null;
  priceCents: number;
  currency: "EUR";
};

export function offerTermsFromForm(form: OfferForm): OfferTerms {
  return {
    title: form.title,
    description: form.description,
    fields: [...form.fields].sort(),
    duoCode: form.duoCode,
    diseaseCode: form.diseaseCode ?? null,
    priceCents: Math.round(form.priceEuros * 100),
    currency: "EUR",
  };
}
