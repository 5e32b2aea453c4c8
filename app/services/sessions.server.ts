// Who is signed in: a signed, httpOnly cookie carries only the session id; the `sessions` row says
// which account it is and until when. Guards for routes: `requirePatientAccount` (redirects to
// /sign-in) and `getAccount` (optional).
import { createCookie, redirect } from "@remix-run/node";
import type { Address } from "viem";
import { deleteSession, getActiveSession, SESSION_TTL_MS } from "#db/queries/sessions.ts";
import type { AppServices } from "../context.ts";

const COOKIE_NAME = "consentry_session";

function sessionCookie(services: AppServices, request: Request) {
  return createCookie(COOKIE_NAME, {
    httpOnly: true,
    sameSite: "lax",
    // Over plain http (the embedded product on 127.0.0.1) a secure cookie would never come back.
    secure: new URL(request.url).protocol === "https:",
    path: "/",
    secrets: [services.sessionSecret],
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export type SignedInAccount = { account: Address; sessionId: string };

/** The signed-in account, or null when there is no valid, unexpired session. */
export async function getAccount(
  request: Request,
  services: AppServices,
): Promise<SignedInAccount | null> {
  // A cookie that fails its signature parses to null, like no cookie at all.
  const sessionId: unknown = await sessionCookie(services, request).parse(
    request.headers.get("Cookie"),
  );
  if (typeof sessionId !== "string") return null;
  const session = await getActiveSession(services.db, sessionId);
  return session ? { account: session.accountAddress as Address, sessionId: session.id } : null;
}

/** The signed-in account; otherwise a redirect to /sign-in that comes back here afterwards. */
export async function requirePatientAccount(
  request: Request,
  services: AppServices,
): Promise<Address> {
  const signedIn = await getAccount(request, services);
  if (!signedIn) {
    const url = new URL(request.url);
    const back = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
    throw redirect(`/sign-in?${back.toString()}`);
  }
  return signedIn.account;
}

/** The Set-Cookie that hands a started session to the browser. */
export async function sessionCookieHeader(
  request: Request,
  services: AppServices,
  session: { id: string; expiresAt: Date },
): Promise<string> {
  return sessionCookie(services, request).serialize(session.id, { expires: session.expiresAt });
}

/** Ends the session on the server and returns the Set-Cookie that clears it in the browser. */
export async function endSession(request: Request, services: AppServices): Promise<string> {
  const signedIn = await getAccount(request, services);
  if (signedIn) await deleteSession(services.db, signedIn.sessionId);
  return sessionCookie(services, request).serialize("", { maxAge: 0, expires: new Date(0) });
}

/** A path on this site to go to after signing in; anything else (another origin) falls back. */
export function safeRedirectPath(value: unknown, fallback = "/patient"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//"))
    return fallback;
  if (value.startsWith("/\\")) return fallback;
  return value;
}
