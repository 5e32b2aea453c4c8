// Sign-In with Ethereum (EIP-4361) for chain accounts: the server issues a single-use nonce, the
// browser signs a message naming this site, the chain and that nonce, and the server checks every
// field, verifies the signature, uses the nonce up and starts a session, all or nothing.
import type { Address, Hex } from "viem";
import { verifyMessage } from "viem";
import { createSiweMessage, parseSiweMessage, type SiweMessage } from "viem/siwe";
import { ServiceError } from "#core/errors.ts";
import { demoPatientsPerCustodian } from "#core/synthetic/demo-patients.ts";
import { normaliseAccount } from "#db/queries/patient-accounts.ts";
import {
  consumeSignInNonce,
  createSession,
  issueSignInNonce,
  SIGN_IN_NONCE_TTL_MS,
} from "#db/queries/sessions.ts";
import type { Session } from "#db/schema/sessions.ts";
import { demoCustodians } from "#db/seed.ts";
import type { AppServices } from "../context.ts";

/** How far a browser's clock may run ahead of ours before its message counts as from the future. */
const CLOCK_SKEW_MS = 5 * 60_000;

export async function issueSignInChallenge(services: AppServices) {
  const { nonce, expiresAt } = await issueSignInNonce(services.db);
  return { nonce, expiresAt: expiresAt.toISOString() };
}

export type SignInOptions = {
  message: string;
  signature: Hex;
  /** What the message must name: this site's host (with port) and origin, as the request reached us. */
  expected: { domain: string; origin: string };
};

export type SignedIn = { account: Address; session: Session };

const refuse = (message: string) => new ServiceError(401, message);

/**
 * The site a sign-in message must name. A deployment sets PUBLIC_ORIGIN: the request's Host header
 * is the client's to choose, and trusting it would let a phishing site relay a message its visitor
 * signed for it, by sending it here with its own name as Host.
 */
export function expectedSignInSite(
  services: Pick<AppServices, "publicOrigin">,
  requestUrl: string,
): SignInOptions["expected"] {
  const url = new URL(services.publicOrigin ?? requestUrl);
  return { domain: url.host, origin: url.origin };
}

type SignInMessage = SiweMessage & { issuedAt: Date };

/** The message's fields, when it is a complete EIP-4361 message in its exact layout; 400 otherwise. */
function parseSignInMessage(text: string): SignInMessage {
  const fields = parseSiweMessage(text);
  const { domain, address, uri, version, chainId, nonce, issuedAt } = fields;
  if (!domain || !address || !uri || !version || !chainId || !nonce || !issuedAt) {
    const missing = Object.entries({ domain, address, uri, version, chainId, nonce, issuedAt })
      .filter(([, value]) => !value)
      .map(([name]) => name);
    throw new ServiceError(
      400,
      `This is not a sign-in message (EIP-4361): it lacks ${missing.join(", ")}.`,
    );
  }
  const message: SignInMessage = {
    ...fields,
    domain,
    address,
    uri,
    version,
    chainId,
    nonce,
    issuedAt,
  };
  const dates = [message.issuedAt, message.expirationTime, message.notBefore];
  if (dates.some((date) => date !== undefined && Number.isNaN(date.getTime()))) {
    throw new ServiceError(400, "The sign-in message has a date that is not an RFC 3339 time.");
  }
  if (message.version !== "1") {
    throw new ServiceError(400, `Sign-in message version ${message.version} is not supported.`);
  }
  // What was parsed must be exactly what was signed: no second field hiding behind the first.
  let canonical: string | null;
  try {
    canonical = createSiweMessage(message);
  } catch {
    // createSiweMessage refuses malformed fields: an address with a wrong checksum, a bad URI …
    canonical = null;
  }
  if (canonical !== text) {
    throw new ServiceError(400, "The sign-in message is not in the EIP-4361 layout.");
  }
  return message;
}

/** Checks a signed sign-in message and starts a session for its account; ServiceError otherwise. */
export async function signInWithEthereum(
  services: AppServices,
  options: SignInOptions,
): Promise<SignedIn> {
  const now = new Date();
  const message = parseSignInMessage(options.message);
  if (message.domain !== options.expected.domain) {
    throw refuse(
      `This message signs in to ${message.domain}, not to ${options.expected.domain}. Sign in from this site.`,
    );
  }
  let uriOrigin: string | null = null;
  try {
    uriOrigin = new URL(message.uri).origin;
  } catch {
    uriOrigin = null;
  }
  if (uriOrigin !== options.expected.origin) {
    throw refuse(`This message is for ${message.uri}, not for ${options.expected.origin}.`);
  }
  const chainId = services.chainAccess.system.chainId;
  if (message.chainId !== chainId) {
    throw refuse(
      `This message is for chain ${message.chainId}; Consentry runs on chain ${chainId}.`,
    );
  }
  if (message.issuedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw refuse("This message was issued in the future: check your device's clock.");
  }
  if (message.issuedAt.getTime() < now.getTime() - SIGN_IN_NONCE_TTL_MS) {
    throw refuse("This sign-in request has expired (after 10 minutes). Sign in again.");
  }
  if (message.expirationTime && message.expirationTime.getTime() <= now.getTime()) {
    throw refuse("This sign-in message has expired. Sign in again.");
  }
  if (message.notBefore && message.notBefore.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    throw refuse("This sign-in message is not valid yet.");
  }

  const account = normaliseAccount(message.address);
  let signed = false;
  try {
    signed = await verifyMessage({
      address: message.address,
      message: options.message,
      signature: options.signature,
    });
  } catch {
    signed = false;
  }
  if (!signed) {
    throw refuse(`The signature was not made by ${message.address}. Sign in again.`);
  }

  // The signature is checked before the nonce is used, so a forged attempt cannot burn the
  // browser's nonce; the nonce and the session go together or not at all.
  const session = await services.db.transaction(async (tx) => {
    const nonce = await consumeSignInNonce(tx, message.nonce);
    if (!nonce) {
      throw refuse(
        "This sign-in message was used already, or its nonce was never issued. Sign in again.",
      );
    }
    if (nonce.expired) {
      throw refuse("This sign-in request has expired (after 10 minutes). Sign in again.");
    }
    return createSession(tx, account);
  });
  services.log.info("signed in", { account });
  return { account, session };
}

/** What the sign-in page needs: the chain to name, who is signed in, and the demo patients if seeded. */
export function presentSignIn(
  services: AppServices,
  options: { signedInAs: Address | null; redirectTo: string },
) {
  return {
    chainId: services.chainAccess.system.chainId,
    signedInAs: options.signedInAs,
    redirectTo: options.redirectTo,
    demoPatients: services.demo
      ? {
          custodians: demoCustodians.map(({ slug, name }) => ({ slug, name })),
          perCustodian: demoPatientsPerCustodian,
        }
      : null,
  };
}
