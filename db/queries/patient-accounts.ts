// Patients' chain accounts: which account speaks for which stored patient. Consent and care grants
// live on chain per account, so a stored patient is reachable by studies and providers only once an
// account is linked. The acting custodian, or for the patient's own pages the signed-in account, is
// in every `where`.
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { getAddress, isAddress, type Address } from "viem";
import type { Canonical } from "#core/canonical.ts";
import { ServiceError } from "#core/errors.ts";
import type { Db } from "../client.ts";
import { auditLog } from "../schema/audit.ts";
import { custodians } from "../schema/custodians.ts";
import { patients, records } from "../schema/custody.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The form stored in `patients.account_address`: lower-case, so equality is byte equality. */
export function normaliseAccount(account: string): Address {
  if (!isAddress(account, { strict: false })) {
    throw new ServiceError(400, `"${account}" is not a chain account address.`);
  }
  return getAddress(account).toLowerCase() as Address;
}

/**
 * Links a chain account to one of the custodian's stored patients. Linking the same account again
 * is a no-op; a patient already linked to another account, or an account already linked to another
 * patient of this custodian, is refused (409), because consent follows the account.
 */
export async function linkPatientAccount(
  db: Db,
  custodianId: string,
  pseudoId: string,
  account: string,
): Promise<void> {
  const address = normaliseAccount(account);
  await db.transaction(async (tx) => {
    const [patient] = await tx
      .select({ id: patients.id, accountAddress: patients.accountAddress })
      .from(patients)
      .where(and(eq(patients.custodianId, custodianId), eq(patients.pseudoId, pseudoId)))
      .for("update");
    if (!patient) throw new ServiceError(404, `The custodian holds no patient ${pseudoId}.`);
    if (patient.accountAddress === address) return;
    if (patient.accountAddress !== null) {
      throw new ServiceError(409, `Patient ${pseudoId} is linked to another account already.`);
    }
    const [other] = await tx
      .select({ pseudoId: patients.pseudoId })
      .from(patients)
      .where(and(eq(patients.custodianId, custodianId), eq(patients.accountAddress, address)));
    if (other) {
      throw new ServiceError(409, `Account ${address} is linked to another patient already.`);
    }
    await tx.update(patients).set({ accountAddress: address }).where(eq(patients.id, patient.id));
  });
}

export type LinkedPatient = { pseudoId: string; account: Address };

/**
 * The custodian's live (not erased) patients that have a chain account, in pseudo id order: the only
 * patients whose consent the chain can hold, so the only ones a study can be asked about.
 */
export async function listLinkedPatients(db: Db, custodianId: string): Promise<LinkedPatient[]> {
  const rows = await db
    .select({ pseudoId: patients.pseudoId, account: patients.accountAddress })
    .from(patients)
    .where(
      and(
        eq(patients.custodianId, custodianId),
        isNull(patients.erasedAt),
        isNotNull(patients.accountAddress),
      ),
    )
    .orderBy(asc(patients.pseudoId));
  return rows.map((row) => ({ pseudoId: row.pseudoId, account: row.account as Address }));
}

/** The custodian's patient linked to the account, erased or not; null when there is none. */
export async function findPatientByAccount(
  db: Db,
  custodianId: string,
  account: string,
): Promise<{ pseudoId: string; erasedAt: Date | null } | null> {
  const [row] = await db
    .select({ pseudoId: patients.pseudoId, erasedAt: patients.erasedAt })
    .from(patients)
    .where(
      and(
        eq(patients.custodianId, custodianId),
        eq(patients.accountAddress, normaliseAccount(account)),
      ),
    );
  return row ?? null;
}

/** Which of these accounts are linked to one of the custodian's patients (erased or not). */
export async function listLinkedAccounts(
  db: Db,
  custodianId: string,
  accounts: readonly string[],
): Promise<Set<Address>> {
  if (accounts.length === 0) return new Set();
  const rows = await db
    .select({ accountAddress: patients.accountAddress })
    .from(patients)
    .where(
      and(
        eq(patients.custodianId, custodianId),
        inArray(patients.accountAddress, accounts.map(normaliseAccount)),
      ),
    );
  return new Set(rows.map((row) => row.accountAddress as Address));
}

// --- the patient's own page ------------------------------------------------------------------

/** What one custodian holds for an account: the account's patient row there, in numbers. */
export type AccountHolding = {
  /** The patient row's id: how the patient's page names the holding. */
  holdingId: string;
  custodianId: string;
  custodianName: string;
  pseudoId: string;
  recordCount: number;
  storedAt: Date;
  erasedAt: Date | null;
};

const holdingColumns = {
  holdingId: patients.id,
  custodianId: patients.custodianId,
  custodianName: custodians.name,
  pseudoId: patients.pseudoId,
  // Records stay after erasure (unreadable): the count says what existed.
  recordCount:
    sql<number>`(select count(*) from ${records} where ${records.patientId} = ${patients.id})`.mapWith(
      Number,
    ),
  storedAt: patients.createdAt,
  erasedAt: patients.erasedAt,
};

/** Every custodian's holding for the account, by custodian name; only this account's. */
export async function listAccountHoldings(db: Db, account: string): Promise<AccountHolding[]> {
  return db
    .select(holdingColumns)
    .from(patients)
    .innerJoin(custodians, eq(custodians.id, patients.custodianId))
    .where(eq(patients.accountAddress, normaliseAccount(account)))
    .orderBy(asc(custodians.name), asc(patients.id));
}

/** One holding of the account, or null when there is none with that id for this account. */
export async function findAccountHolding(
  db: Db,
  account: string,
  holdingId: string,
): Promise<AccountHolding | null> {
  if (!UUID.test(holdingId)) return null;
  const [holding] = await db
    .select(holdingColumns)
    .from(patients)
    .innerJoin(custodians, eq(custodians.id, patients.custodianId))
    .where(and(eq(patients.id, holdingId), eq(patients.accountAddress, normaliseAccount(account))));
  return holding ?? null;
}

export type HoldingAuditEntry = {
  holdingId: string;
  seq: bigint;
  at: Date;
  actor: string;
  action: string;
  details: Record<string, Canonical>;
};

/**
 * The audit entries about the account's patients, newest first: an entry belongs to a holding when
 * its subject is the patient's pseudonym and it names the same custodian, since a pseudonym is
 * only unique within one custodian.
 */
export async function listAccountAuditEntries(
  db: Db,
  account: string,
  options: { limit?: number } = {},
): Promise<HoldingAuditEntry[]> {
  return db
    .select({
      holdingId: patients.id,
      seq: auditLog.seq,
      at: auditLog.at,
      actor: auditLog.actor,
      action: auditLog.action,
      details: auditLog.details,
    })
    .from(auditLog)
    .innerJoin(
      patients,
      and(
        eq(auditLog.subject, sql`'patient:' || ${patients.pseudoId}`),
        eq(sql`${auditLog.details}->>'custodianId'`, sql`${patients.custodianId}::text`),
      ),
    )
    .where(eq(patients.accountAddress, normaliseAccount(account)))
    .orderBy(desc(auditLog.seq))
    .limit(options.limit ?? 1_000);
}
