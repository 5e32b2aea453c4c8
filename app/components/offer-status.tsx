import type { OfferStatus } from "#core/offer.ts";

const labels: Record<OfferStatus, string> = {
  pending: "Pending: waiting for the chain",
  submitted: "Submitted: waiting for confirmation",
  confirmed: "Confirmed on chain",
};

export function OfferStatusBadge({ status }: { status: OfferStatus }) {
  return (
    <span className={`status status-${status}`} data-testid="offer-status">
      {labels[status]}
    </span>
  );
}
