import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { OfferStatusBadge } from "../components/offer-status.tsx";
import { usePollWhile } from "../components/use-poll-while.ts";
import { presentOffer } from "../services/offers.server.ts";
import { serviceErrorToResponse } from "../http.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.offer.title} · Consentry` : "Offer · Consentry" },
];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const offerId = z.string().uuid().safeParse(params.offerId);
  if (!offerId.success) throw new Response("No offer with that id.", { status: 404 });
  return serviceErrorToResponse(() => presentOffer(context.services, offerId.data));
}

export default function OfferPage() {
  const { offer, registration } = useLoaderData<typeof loader>();
  usePollWhile(offer.status !== "confirmed");
  return (
    <section>
      <h1>{offer.title}</h1>
      <p className="muted">
        {offer.custodianName} · {offer.price}
      </p>
      <OfferStatusBadge status={offer.status} />
      {registration && registration.lastError && (
        <p className="status status-problem" role="status" data-testid="registration-problem">
          {registration.gaveUp
            ? `Registration gave up after ${registration.attempts} attempts: ${registration.lastError}`
            : `Registration attempt ${registration.attempts} failed (${registration.lastError}); retrying${
                registration.nextAttemptAt
                  ? ` at ${new Date(registration.nextAttemptAt).toLocaleTimeString("en-GB")}`
                  : ""
              }.`}
        </p>
      )}
      <p>{offer.description}</p>
      <dl className="facts">
        <dt>Data use</dt>
        <dd>{offer.dataUse}</dd>
        <dt>Fields</dt>
        <dd>{offer.fields.join(", ")}</dd>
        <dt>Terms hash</dt>
        <dd className="mono">{offer.metadataHash}</dd>
        <dt>On-chain id</dt>
        <dd className="mono">{offer.chainOfferId}</dd>
        {offer.txHash && (
          <>
            <dt>Transaction</dt>
            <dd className="mono" data-testid="offer-tx">
              {offer.txHash}
            </dd>
          </>
        )}
        {offer.blockNumber && (
          <>
            <dt>Block</dt>
            <dd data-testid="offer-block">
              {offer.blockNumber} <span className="mono muted">{offer.blockHash}</span>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
