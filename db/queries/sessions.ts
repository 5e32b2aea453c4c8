// Sign-in nonces and sessions. A nonce is issued to a browser and consumed at most once (deleted as
// it is read), so a signed sign-in message cannot be replayed; a session row is what a cookie's id
// points to, so signing out or expiry ends it on the server. Expiry is judged by the database clock.
import { randomBytes } from "node:crypto";
import { and, eq, gt, lte, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { sessions, signInNonces, type Session } from "../schema/sessions.ts";
import { normaliseAccount } from "./patient-accounts.ts";

export const SIGN_IN_NONCE_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const inMilliseconds = (ms: number) => sql`now() + ${ms} * interval '1 millisecond'`;

/**
 * A fresh single-use nonce (32 hex characters, 128 random bits). Nonces that expired unused are
 * cleared on the way, so the table holds only those still pending.
 */
export async function issueSignInNonce(
  db: Db,
  ttlMs: number = SIGN_IN_NONCE_TTL_MS,
): Promise<{ nonce: string; expiresAt: Date }> {
  await db.delete(signInNonces).where(lte(signInNonces.expiresAt, sql`now()`));
  const [issued] = await db
    .insert(signInNonces)
    .values({ nonce: randomBytes(16).toString("hex"), expiresAt: inMilliseconds(ttlMs) })
    .returning({ nonce: signInNonces.nonce, expiresAt: signInNonces.expiresAt });
  if (!issued) throw new Error("insert into sign_in_nonces returned no row");
  return issued;
}

export type ConsumedNonce = { expired: boolean };

/**
 * Uses a nonce up: deletes it and says whether it had expired. Null when it was never issued or was
 * used already; two concurrent consumers cannot both get it, as only one DELETE returns the row.
 */
export async function consumeSignInNonce(db: Db, nonce: string): Promise<ConsumedNonce | null> {
  const [consumed] = await db
    .delete(signInNonces)
    .where(eq(signInNonces.nonce, nonce))
    .returning({ expired: sql<boolean>`${signInNonces.expiresAt} <= now()` });
  return consumed ?? null;
}

/** Starts a session for the account; expired sessions of every account are cleared on the way. */
export async function createSession(
  db: Db,
  account: string,
  ttlMs: number = SESSION_TTL_MS,
): Promise<Session> {
  await db.delete(sessions).where(lte(sessions.expiresAt, sql`now()`));
  const [session] = await db
    .insert(sessions)
    .values({ accountAddress: normaliseAccount(account), expiresAt: inMilliseconds(ttlMs) })
    .returning();
  if (!session) throw new Error("insert into sessions returned no row");
  return session;
}

/** The session with this id, unless it has expired or ended. */
export async function getActiveSession(db: Db, sessionId: string): Promise<Session | null> {
  if (!UUID.test(sessionId)) return null;
  const [session] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, sql`now()`)));
  return session ?? null;
}

/** Ends a session; ending one that is gone already changes nothing. */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  if (!UUID.test(sessionId)) return;
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}
