// Custodians: the hospitals that hold data and publish offers.
import { asc, eq, isNull } from "drizzle-orm";
import type { Db } from "../client.ts";
import { custodians, type Custodian, type NewCustodian } from "../schema/custodians.ts";

export async function listCustodians(db: Db): Promise<Custodian[]> {
  return db.select().from(custodians).orderBy(asc(custodians.name));
}

export async function getCustodian(db: Db, id: string): Promise<Custodian | undefined> {
  const [row] = await db.select().from(custodians).where(eq(custodians.id, id));
  return row;
}

export async function getCustodianBySlug(db: Db, slug: string): Promise<Custodian | undefined> {
  const [row] = await db.select().from(custodians).where(eq(custodians.slug, slug));
  return row;
}

/** Inserts the custodian unless one with the slug exists; returns the stored row either way. */
export async function ensureCustodian(db: Db, custodian: NewCustodian): Promise<Custodian> {
  await db.insert(custodians).values(custodian).onConflictDoNothing({ target: custodians.slug });
  const stored = await getCustodianBySlug(db, custodian.slug);
  if (!stored) throw new Error(`custodian ${custodian.slug} vanished after insert`);
  return stored;
}

export async function setCustodianChainAddress(
  db: Db,
  custodianId: string,
  chainAddress: string,
): Promise<void> {
  await db.update(custodians).set({ chainAddress }).where(eq(custodians.id, custodianId));
}

export async function listCustodiansWithoutChainAddress(db: Db): Promise<Custodian[]> {
  return db.select().from(custodians).where(isNull(custodians.chainAddress));
}
