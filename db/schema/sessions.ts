// Signed-in sessions. The cookie carries only the session id; the row says whose it is and until
// when, so signing out (or expiry) ends it on the server, not just in the browser.
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The chain account that signed in (lower-case 0x address), proven by a signed SIWE message. */
    accountAddress: text("account_address").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    index("sessions_account_idx").on(table.accountAddress),
    index("sessions_expires_idx").on(table.expiresAt),
    check("sessions_account_address_check", sql`${table.accountAddress} ~ '^0x[0-9a-f]{40}$'`),
  ],
);

export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;

/**
 * Sign-in nonces (SIWE): issued to a browser, used once. Consuming one deletes it, so a signed
 * message cannot be replayed; unused ones expire.
 */
export const signInNonces = pgTable(
  "sign_in_nonces",
  {
    nonce: text("nonce").primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (table) => [
    index("sign_in_nonces_expires_idx").on(table.expiresAt),
    check("sign_in_nonces_nonce_check", sql`${table.nonce} ~ '^[A-Za-z0-9]{16,64}$'`),
  ],
);
