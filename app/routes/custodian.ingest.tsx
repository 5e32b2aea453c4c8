import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  data,
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { serviceErrorToResponse } from "../http.server.ts";
import { presentOfferForm } from "../services/offers.server.ts";
import { ingestUpload } from "../services/ingest.server.ts";

export const meta: MetaFunction = () => [{ title: "Ingest records · Consentry" }];

// Ten times the 5 MB a bundle may be: larger uploads are cut off before they are read into memory.
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export async function loader({ context }: LoaderFunctionArgs) {
  return presentOfferForm(context.services);
}

export async function action({ request, context }: ActionFunctionArgs) {
  let formData: FormData;
  try {
    formData = await unstable_parseMultipartFormData(
      request,
      unstable_createMemoryUploadHandler({ maxPartSize: MAX_UPLOAD_BYTES }),
    );
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return data(
        {
          error: "A file is over 50 MB; nothing was read. Send one patient per bundle.",
          outcomes: [],
        },
        { status: 413 },
      );
    }
    throw error;
  }
  const custodianId = z.string().uuid().safeParse(formData.get("custodianId"));
  if (!custodianId.success)
    return data({ error: "Choose a custodian.", outcomes: [] }, { status: 400 });
  const files: Array<{ name: string; text: string }> = [];
  for (const entry of formData.getAll("bundles")) {
    if (typeof entry === "string" || entry.size === 0) continue;
    files.push({ name: entry.name, text: await entry.text() });
  }
  if (files.length === 0)
    return data({ error: "Choose at least one bundle file.", outcomes: [] }, { status: 400 });
  const outcomes = await serviceErrorToResponse(() =>
    ingestUpload(context.services, { custodianId: custodianId.data, files }),
  );
  const refused = outcomes.some((outcome) => outcome.outcome === "refused");
  return data({ error: null, outcomes }, { status: refused ? 422 : 200 });
}

export default function IngestRecords() {
  const { custodians } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <section>
      <h1>Ingest patient records</h1>
      <p className="muted">
        FHIR R4 transaction or collection bundles, one patient each. Every bundle is checked,
        de-identified (HIPAA Safe Harbor, dates shifted per patient), scanned for identifiers left
        behind, and encrypted under the patient&apos;s own key. A bad bundle is refused whole; the
        same bundle twice changes nothing.
      </p>
      <Form method="post" encType="multipart/form-data" className="stacked">
        <div>
          <label htmlFor="custodianId">Custodian</label>
          <select id="custodianId" name="custodianId">
            {custodians.map((custodian) => (
              <option key={custodian.id} value={custodian.id}>
                {custodian.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="bundles">Bundles (.json)</label>
          <input
            id="bundles"
            name="bundles"
            type="file"
            accept=".json,application/json"
            multiple
            required
          />
        </div>
        <div>
          <button type="submit" disabled={navigation.state === "submitting"}>
            {navigation.state === "submitting" ? "Ingesting…" : "Ingest"}
          </button>
        </div>
      </Form>
      {result?.error && (
        <p className="field-error" role="alert">
          {result.error}
        </p>
      )}
      {result && result.outcomes.length > 0 && (
        <table className="results" aria-label="Ingest results">
          <thead>
            <tr>
              <th>File</th>
              <th>Outcome</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {result.outcomes.map((outcome) => (
              <tr key={outcome.name} data-testid="ingest-result">
                <td className="mono">{outcome.name}</td>
                <td>{outcome.outcome}</td>
                <td>
                  {outcome.outcome === "stored" &&
                    `${outcome.recordsAdded} records added, ${outcome.recordsUnchanged} already stored`}
                  {outcome.outcome === "directory" &&
                    "Organisations and practitioners only: nothing to store."}
                  {outcome.outcome === "refused" && (
                    <ul>
                      {outcome.problems.map((problem) => (
                        <li key={problem}>{problem}</li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
