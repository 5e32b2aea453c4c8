import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { OfferStatusBadge } from "../components/offer-status.tsx";
import { usePollWhile } from "../components/use-poll-while.ts";
import { presentCatalogue } from "../services/offers.server.ts";

export const meta: MetaFunction = () => [{ title: "Catalogue · Consentry" }];

export async function loader({ context }: LoaderFunctionArgs) {
  return presentCatalogue(context.services);
}

export default function Catalogue() {
  const { offers } = useLoaderData<typeof loader>();
  usePollWhile(offers.some((offer) => offer.status !== "confirmed"));
  return (
    <section>
      <h1>Dataset offers</h1>
      <p className="muted">
        De-identified datasets custodians offer for approved research. Each offer&apos;s terms are
        committed on chain.
      </p>
      {offers.length === 0 ? (
        <p>
          No offers yet. <Link to="/custodian/offers/new">Publish the first one</Link>.
        </p>
      ) : (
        <ul className="offer-list" aria-label="Offers">
          {offers.map((offer) => (
            <li key={offer.id} className="offer-card" data-testid="offer-card">
              <h2>
                <Link to={`/offers/${offer.id}`}>{offer.title}</Link>
              </h2>
              <p className="muted">
                {offer.custodianName} · {offer.dataUse} · {offer.price}
              </p>
              <p>{offer.description}</p>
              <OfferStatusBadge status={offer.status} />
              {offer.status === "confirmed" && (
                <p className="muted">
                  Block {offer.blockNumber} · transaction{" "}
                  <span className="mono" data-testid="offer-tx">
                    {offer.txHash}
                  </span>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
