import {
  getFormProps,
  getInputProps,
  getSelectProps,
  getTextareaProps,
  useForm,
} from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { diseaseCodes, duoPermissions } from "#core/duo.ts";
import { datasetFields } from "#core/fields.ts";
import { OfferFormSchema } from "#core/offer.ts";
import { serviceErrorToResponse } from "../http.server.ts";
import { presentOfferForm, publishOffer } from "../services/offers.server.ts";

export const meta: MetaFunction = () => [{ title: "Publish an offer · Consentry" }];

// Until sign-in lands, the page acts as one of the seeded demo custodians, chosen here.
const PublishSchema = OfferFormSchema.and(
  z.object({
    custodianId: z.string({ required_error: "Choose a custodian" }).uuid("Choose a custodian"),
  }),
);

export async function loader({ context }: LoaderFunctionArgs) {
  return presentOfferForm(context.services);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  const submission = parseWithZod(formData, { schema: PublishSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply() }, { status: 400 });
  }
  const { custodianId, ...form } = submission.value;
  const { offerId } = await serviceErrorToResponse(() =>
    publishOffer(context.services, { custodianId, form }),
  );
  return redirect(`/offers/${offerId}`);
}

export default function NewOffer() {
  const { custodians } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    constraint: undefined,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: PublishSchema }),
    defaultValue: { custodianId: custodians[0]?.id },
  });
  const fieldError = (errors: string[] | undefined, id: string) =>
    errors?.length ? (
      <p className="field-error" id={id} role="alert">
        {errors.join(" ")}
      </p>
    ) : null;

  return (
    <section>
      <h1>Publish a dataset offer</h1>
      <p className="muted">
        The offer is stored as pending, then registered on chain; the catalogue shows it as
        confirmed once the chain has it.
      </p>
      <Form method="post" className="stacked" {...getFormProps(form)}>
        <div>
          <label htmlFor={fields.custodianId.id}>Publish as</label>
          <select {...getSelectProps(fields.custodianId)}>
            {custodians.map((custodian) => (
              <option key={custodian.id} value={custodian.id}>
                {custodian.name}
              </option>
            ))}
          </select>
          {fieldError(fields.custodianId.errors, fields.custodianId.errorId)}
        </div>
        <div>
          <label htmlFor={fields.title.id}>Title</label>
          <input {...getInputProps(fields.title, { type: "text" })} />
          {fieldError(fields.title.errors, fields.title.errorId)}
        </div>
        <div>
          <label htmlFor={fields.description.id}>Description</label>
          <textarea rows={4} {...getTextareaProps(fields.description)} />
          {fieldError(fields.description.errors, fields.description.errorId)}
        </div>
        <fieldset aria-describedby={fields.fields.errorId}>
          <legend>Fields offered</legend>
          <div className="checkbox-grid">
            {datasetFields.map((field) => (
              <label key={field.id}>
                <input
                  type="checkbox"
                  name={fields.fields.name}
                  value={field.id}
                  defaultChecked={fields.fields.initialValue?.includes(field.id) ?? false}
                />{" "}
                {field.label}
              </label>
            ))}
          </div>
          {fieldError(fields.fields.errors, fields.fields.errorId)}
        </fieldset>
        <div>
          <label htmlFor={fields.duoCode.id}>Data use condition (GA4GH DUO)</label>
          <select {...getSelectProps(fields.duoCode)}>
            <option value="">Choose…</option>
            {duoPermissions.map((term) => (
              <option key={term.id} value={term.id}>
                {term.shorthand}: {term.label}
              </option>
            ))}
          </select>
          {fieldError(fields.duoCode.errors, fields.duoCode.errorId)}
        </div>
        <div>
          <label htmlFor={fields.diseaseCode.id}>Disease (disease-specific research only)</label>
          <select {...getSelectProps(fields.diseaseCode)}>
            <option value="">None</option>
            {diseaseCodes.map((code) => (
              <option key={code.id} value={code.id}>
                {code.label} ({code.id})
              </option>
            ))}
          </select>
          {fieldError(fields.diseaseCode.errors, fields.diseaseCode.errorId)}
        </div>
        <div>
          <label htmlFor={fields.priceEuros.id}>Price (EUR)</label>
          <input {...getInputProps(fields.priceEuros, { type: "number" })} step="0.01" min="0" />
          {fieldError(fields.priceEuros.errors, fields.priceEuros.errorId)}
        </div>
        {fieldError(form.errors, form.errorId)}
        <div>
          <button type="submit" disabled={navigation.state === "submitting"}>
            {navigation.state === "submitting" ? "Publishing…" : "Publish offer"}
          </button>
        </div>
      </Form>
    </section>
  );
}
