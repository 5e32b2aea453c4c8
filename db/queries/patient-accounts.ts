// Patients' chain accounts: which account speaks for which stored patient. Consent and care grants
// live on chain per account, so a stored patient is reachable by studies and providers only once an
// account is linked. The acting custodian is in every `where`.
import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import { getAddress, isAddress, type Address } from "viem";
import { ServiceError } from "#core/errors.ts";
import type { Db } from "../client.ts";
import { patients } from "../schema/custody.ts";

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
