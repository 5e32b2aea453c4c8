// The patient's own page: what each custodian holds for the signed-in account, every use of it from
// the audit log, and erasure on the patient's request. Only the signed-in account's holdings exist
// here: another account's are neither listed nor erasable (404).
import type { Address } from "viem";
import { ServiceError } from "#core/errors.ts";
import { erasePatient } from "#db/queries/custody.ts";
import { listCustodians } from "#db/queries/custodians.ts";
import {
  findAccountHolding,
  listAccountAuditEntries,
  listAccountHoldings,
  type HoldingAuditEntry,
} from "#db/queries/patient-accounts.ts";
import type { AppServices } from "../context.ts";

const utcDateTime = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** "26 Nov 2026, 02:31 UTC": formatted on the server, so the browser's zone cannot change it. */
export const formatUtc = (at: Date) => `${utcDateTime.format(at)} UTC`;

export type AccessLogEntryView = {
  seq: string;
  at: string;
  atText: string;
  who: string;
  what: string;
  records: number | null;
};

export type HoldingView = {
  holdingId: string;
  custodianName: string;
  shortPseudonym: string;
  recordCount: number;
  storedAt: string;
  storedAtText: string;
  erasedAt: string | null;
  erasedAtText: string | null;
  accessLog: AccessLogEntryView[];
};

function describeAction(entry: HoldingAuditEntry): { what: string; records: number | null } {
  const { details } = entry;
  switch (entry.action) {
    case "records.stored":
      return { what: "Stored your records, encrypted", records: Number(details.recordsAdded) };
    case "records.read":
      return {
        what: `Read your records for ${String(details.purpose)}`,
        records: Number(details.recordCount),
      };
    case "patient.erased":
      return { what: "Erased: destroyed the key to your records", records: null };
    default:
      return { what: entry.action, records: null };
  }
}

export async function presentPatientPage(services: AppServices, account: Address) {
  const [holdings, entries, custodians] = await Promise.all([
    listAccountHoldings(services.db, account),
    listAccountAuditEntries(services.db, account),
    listCustodians(services.db),
  ]);
  const custodianNames = new Map(custodians.map((custodian) => [custodian.id, custodian.name]));
  const describeActor = (actor: string, pseudoId: string) => {
    if (actor === `patient:${pseudoId}`) return "You";
    if (actor === "system") return "Consentry";
    const [kind, id] = actor.split(":", 2);
    if (kind === "custodian" && id) return custodianNames.get(id) ?? actor;
    return actor;
  };
  return {
    account,
    holdings: holdings.map((holding): HoldingView => ({
      holdingId: holding.holdingId,
      custodianName: holding.custodianName,
      shortPseudonym: `${holding.pseudoId.slice(0, 10)}…`,
      recordCount: holding.recordCount,
      storedAt: holding.storedAt.toISOString(),
      storedAtText: formatUtc(holding.storedAt),
      erasedAt: holding.erasedAt?.toISOString() ?? null,
      erasedAtText: holding.erasedAt ? formatUtc(holding.erasedAt) : null,
      accessLog: entries
        .filter((entry) => entry.holdingId === holding.holdingId)
        .map((entry) => ({
          seq: entry.seq.toString(),
          at: entry.at.toISOString(),
          atText: formatUtc(entry.at),
          who: describeActor(entry.actor, holding.pseudoId),
          ...describeAction(entry),
        })),
    })),
  };
}

export type ErasePatientDataOptions = { account: Address; holdingId: string };

/**
 * Erasure on the patient's request: the custodian destroys the data key of the account's own
 * patient row. A holding of another account is a 404, exactly like one that does not exist.
 */
export async function erasePatientData(services: AppServices, options: ErasePatientDataOptions) {
  const holding = await findAccountHolding(services.db, options.account, options.holdingId);
  if (!holding) throw new ServiceError(404, "You have no records held under that id.");
  const result = await erasePatient(services.db, holding.custodianId, holding.pseudoId, {
    actor: `patient:${holding.pseudoId}`,
    reason: "patient-request",
  });
  services.log.info("patient erased their data", {
    custodianId: holding.custodianId,
    holdingId: holding.holdingId,
    erasedNow: result.erasedNow,
  });
  return { erasedAt: result.erasedAt, erasedNow: result.erasedNow };
}
