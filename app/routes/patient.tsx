import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { serviceErrorToResponse } from "../http.server.ts";
import {
  erasePatientData,
  presentPatientPage,
  type HoldingView,
} from "../services/patient.server.ts";
import { requirePatientAccount } from "../services/sessions.server.ts";

export const meta: MetaFunction = () => [{ title: "Your data · Consentry" }];

const EraseSchema = z.object({
  intent: z.literal("erase", { message: "Unknown action" }),
  holdingId: z.string({ required_error: "Choose what to erase" }).uuid("Choose what to erase"),
  confirmation: z
    .string({ required_error: "Type ERASE to confirm" })
    .trim()
    .refine((typed) => typed === "ERASE", "Type ERASE, in capital letters, to confirm"),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const account = await requirePatientAccount(request, context.services);
  const page = await presentPatientPage(context.services, account);
  // The confirmation step is a page state in the URL, so it works without JavaScript.
  const erase = new URL(request.url).searchParams.get("erase");
  const confirming = page.holdings.find(
    (holding) => holding.holdingId === erase && holding.erasedAt === null,
  );
  return { ...page, confirmingId: confirming?.holdingId ?? null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const account = await requirePatientAccount(request, context.services);
  const submission = parseWithZod(await request.formData(), { schema: EraseSchema });
  if (submission.status !== "success") {
    return data({ result: submission.reply() }, { status: 400 });
  }
  const { holdingId } = submission.value;
  await serviceErrorToResponse(() => erasePatientData(context.services, { account, holdingId }));
  return redirect(`/patient#holding-${holdingId}`);
}

export default function PatientData() {
  const { account, holdings, confirmingId } = useLoaderData<typeof loader>();
  return (
    <section>
      <h1>Your data</h1>
      <p className="muted">
        Signed in as <span className="mono">{account}</span>. This is everything a custodian holds
        for this account, and every use of it.
      </p>
      {holdings.length === 0 && (
        <p className="notice">
          No custodian holds records linked to this account yet. When a hospital links your record
          to this account, it shows up here.
        </p>
      )}
      {holdings.map((holding) => (
        <Holding
          key={holding.holdingId}
          holding={holding}
          confirming={holding.holdingId === confirmingId}
        />
      ))}
    </section>
  );
}

function Holding({ holding, confirming }: { holding: HoldingView; confirming: boolean }) {
  const headingId = `holding-${holding.holdingId}-name`;
  return (
    <article
      className="card holding"
      id={`holding-${holding.holdingId}`}
      aria-labelledby={headingId}
      data-testid="holding"
    >
      <h2 id={headingId}>{holding.custodianName}</h2>
      <dl className="facts">
        <dt>Your pseudonym there</dt>
        <dd className="mono">{holding.shortPseudonym}</dd>
        <dt>Records</dt>
        <dd>{holding.recordCount}</dd>
        <dt>Stored on</dt>
        <dd>
          <time dateTime={holding.storedAt}>{holding.storedAtText}</time>
        </dd>
        <dt>Status</dt>
        <dd data-testid="holding-status">
          {holding.erasedAt ? (
            <strong>
              Erased on <time dateTime={holding.erasedAt}>{holding.erasedAtText}</time>
            </strong>
          ) : (
            "Held encrypted, under a key of your own"
          )}
        </dd>
      </dl>
      {holding.erasedAt === null &&
        (confirming ? (
          <EraseConfirmation holding={holding} />
        ) : (
          <p>
            <Link
              className="button danger"
              to={`/patient?erase=${holding.holdingId}#holding-${holding.holdingId}`}
            >
              Erase my data
            </Link>
          </p>
        ))}
      <AccessLog holding={holding} />
    </article>
  );
}

function EraseConfirmation({ holding }: { holding: HoldingView }) {
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: EraseSchema }),
  });
  const submitting = navigation.state === "submitting";
  return (
    <section className="erase-confirmation" aria-labelledby={`${form.id}-title`}>
      <h3 id={`${form.id}-title`}>Erase your data at {holding.custodianName}?</h3>
      <ul>
        <li>
          The key that encrypts your {holding.recordCount} records is destroyed. Without it the
          records cannot be read by anyone, ever: not the hospital, not researchers, not you.
        </li>
        <li>Studies and care providers stop receiving them from that moment.</li>
        <li>
          What stays: the encrypted records, unreadable; the chain keeps the pointers that prove the
          records existed; and the access log below stays, including this erasure.
        </li>
        <li>
          <strong>It cannot be undone.</strong> The hospital will not store these records for you
          again.
        </li>
      </ul>
      <Form
        method="post"
        action={`/patient?erase=${holding.holdingId}`}
        className="stacked"
        {...getFormProps(form)}
      >
        <input type="hidden" name="intent" value="erase" />
        <input type="hidden" name="holdingId" value={holding.holdingId} />
        <div>
          <label htmlFor={fields.confirmation.id}>Type ERASE to confirm</label>
          <input
            {...getInputProps(fields.confirmation, { type: "text" })}
            autoComplete="off"
            spellCheck={false}
          />
          {fields.confirmation.errors?.length ? (
            <p className="field-error" id={fields.confirmation.errorId} role="alert">
              {fields.confirmation.errors.join(" ")}
            </p>
          ) : null}
          {form.errors?.length ? (
            <p className="field-error" id={form.errorId} role="alert">
              {form.errors.join(" ")}
            </p>
          ) : null}
        </div>
        <div className="actions">
          <button type="submit" className="danger" disabled={submitting}>
            {submitting ? "Erasing…" : "Erase my data for good"}
          </button>
          <Link to={`/patient#holding-${holding.holdingId}`}>Cancel</Link>
        </div>
      </Form>
    </section>
  );
}

function AccessLog({ holding }: { holding: HoldingView }) {
  return (
    <table className="results" aria-label={`Access log at ${holding.custodianName}`}>
      <caption>Every use of your data at {holding.custodianName}</caption>
      <thead>
        <tr>
          <th>When (UTC)</th>
          <th>Who</th>
          <th>What</th>
          <th>Records</th>
        </tr>
      </thead>
      <tbody>
        {holding.accessLog.map((entry) => (
          <tr key={entry.seq} data-testid="access-log-entry">
            <td>
              <time dateTime={entry.at}>{entry.atText}</time>
            </td>
            <td>{entry.who}</td>
            <td>{entry.what}</td>
            <td>{entry.records ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
