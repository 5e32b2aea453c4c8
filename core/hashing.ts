// Commitments that go on chain: keccak-256 over canonical bytes, never the data itself.
import { keccak256, stringToHex, type Hex } from "viem";
import { canonicalJson } from "./canonical.ts";
import type { OfferTerms } from "./offer.ts";

export function hashOfferTerms(terms: OfferTerms): Hex {
  return keccak256(stringToHex(canonicalJson(terms)));
}

/** The bytes32 an offer is known by on chain: derived from its database id, domain-separated. */
export function chainOfferId(offerId: string): Hex {
  return keccak256(stringToHex(`consentry.offer:${offerId}`));
}
