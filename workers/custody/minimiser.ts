// The minimiser: the one way product code reads decrypted health data (eslint keeps it so). Every
// read asks the chain first, at access time, who may be read; decrypts only them (each read logged in
// the audit log, in the same transaction); and hands back only what the purpose releases: minimised
// columns, aggregate statistics, or one granted condition's history. See docs/architecture.md.
import type { Address, Hex } from "viem";
import { careResourceTypes, linkedToCondition } from "#core/custody/care-access.ts";
import { recordFilterFor } from "#core/custody/purpose-records.ts";
import { careConditionFor, type CareCondition } from "#core/custody/care-conditions.ts";
import { aggregateCohort } from "#core/custody/aggregate.ts";
import type { KeyEncryptionService } from "#core/custody/envelope.ts";
import { minimiseColumns } from "#core/custody/minimise.ts";
import type { DeidentifiedPatient, DeidentifiedResource } from "#core/custody/patient.ts";
import {
  purposes,
  type MinimisedRows,
  type PopulationStatistics,
  type RowPurposeId,
} from "#core/custody/purposes.ts";
import { ServiceError } from "#core/errors.ts";
import { consentRequestFor, custodianScope, type ConsentClient } from "#contracts/consent.ts";
import type { Db } from "#db/client.ts";
import { getCustodian } from "#db/queries/custodians.ts";
import {
  readCohortRecords,
  readPatientRecords,
  type DecryptedPatient,
} from "#db/queries/custody.ts";
import { getCustodianOffer } from "#db/queries/offers.ts";
import {
  findPatientByAccount,
  listLinkedPatients,
  normaliseAccount,
} from "#db/queries/patient-accounts.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type MinimiserDeps = {
  db: Db;
  /** The acting custodian's key-encryption service: it can unwrap that custodian's data keys only. */
  kes: KeyEncryptionService;
  consent: ConsentClient;
};

/** The purposes a patient's DUO consent opens; care goes through readCareHistory instead. */
export type ResearchPurposeId = RowPurposeId | "population_health";

export type PurposeCohortOptions<P extends ResearchPurposeId = ResearchPurposeId> = {
  custodianId: string;
  purpose: P;
  /** The custodian's offer the study is on: consent to it counts besides consent to the custodian. */
  offerId?: string;
  /** Who reads, for the audit log: `worker:<site>`, `custodian:<id>` … */
  accessor: string;
  /** What the read is for, for the audit log: the job or licence id. */
  accessRef: string;
  /** Population health only: the board's minimum cell size (the purpose's default otherwise). */
  minCellSize?: number;
};

type CohortBase = {
  /** The block the consents were read at: the decision is reproducible from the chain. */
  consentBlock: bigint;
  /**
   * The patients decrypted (each with one `records.read` audit entry), in pseudo id order: for the cohort
   * commitment and compensation at the custodian's site. Never released to the researcher.
   */
  readPatients: string[];
};

export type PurposeCohort<P extends ResearchPurposeId = ResearchPurposeId> = CohortBase &
  (P extends RowPurposeId
    ? { purpose: P; release: "rows"; rows: MinimisedRows[P][] }
    : { purpose: "population_health"; release: "aggregate"; statistics: PopulationStatistics });

/**
 * The purpose's release over the custodian's cohort that is permitted on chain now and not erased:
 * minimised rows for a row purpose, statistics only for population health. A patient who is erased,
 * has no linked account, has revoked, whose consent has expired or never consented is not decrypted.
 */
export async function readPurposeCohort<P extends ResearchPurposeId>(
  deps: MinimiserDeps,
  options: PurposeCohortOptions<P>,
): Promise<PurposeCohort<P>>;
export async function readPurposeCohort(
  deps: MinimiserDeps,
  options: PurposeCohortOptions,
): Promise<PurposeCohort> {
  const { db, kes, consent } = deps;
  const declared = purposes[options.purpose] as (typeof purposes)[ResearchPurposeId] | undefined;
  if (!declared || declared.consent.kind !== "duo") {
    throw new ServiceError(400, `"${options.purpose}" is not a research purpose.`);
  }
  const custodian = await requireCustodian(db, options.custodianId);
  const offer = options.offerId ? await requireOffer(db, custodian.id, options.offerId) : null;

  const scopes: Hex[] = [];
  if (offer) scopes.push(offer.chainOfferId as Hex);
  // A custodian without a chain account has no scope of its own: nobody can have consented to it.
  if (custodian.chainAddress) scopes.push(custodianScope(custodian.chainAddress as Address));

  const linked = await listLinkedPatients(db, custodian.id);
  const consentBlock = await consent.blockNumber();
  const accounts = linked.map((patient) => patient.account);
  const permitted = new Array<boolean>(linked.length).fill(false);
  for (const scope of scopes) {
    const bits = await consent.cohortPermitted(
      accounts,
      consentRequestFor(declared.consent, scope),
      { blockNumber: consentBlock },
    );
    bits.forEach((bit, index) => (permitted[index] ||= bit));
  }
  const cohort = linked.filter((_, index) => permitted[index]).map((patient) => patient.pseudoId);

  const decrypted = await readCohortRecords(db, kes, custodian.id, cohort, {
    actor: options.accessor,
    purpose: options.accessRef,
    // A row purpose decrypts only the records its columns are computed from; the rest of each
    // history stays encrypted. Population health reads whole records for its statistics.
    ...(options.purpose === "population_health" ? {} : recordFilterFor(options.purpose)),
  });
  const patients = decrypted.map(asDeidentified);
  const base = { consentBlock, readPatients: decrypted.map((patient) => patient.pseudoId) };
  const offerFields = offer?.fields;

  if (options.purpose === "population_health") {
    const statistics = aggregateCohort(patients, "population_health", {
      offerFields,
      minCellSize: options.minCellSize,
    });
    return { ...base, purpose: "population_health", release: "aggregate", statistics };
  }
  const purpose = options.purpose;
  const rows = patients
    .map((patient) => minimiseColumns(patient, purpose, { offerFields }))
    .filter((row) => row !== null);
  return { ...base, purpose, release: "rows", rows } as PurposeCohort;
}

export type CareHistoryOptions = {
  custodianId: string;
  /** The provider's chain account, as the patient named it in the grant. */
  provider: string;
  patientAccount: string;
  /** The granted condition's MONDO number, as the CareGrants contract holds it (5044). */
  condition: number;
};

export type CareHistory = {
  condition: CareCondition;
  /** The patient's resources linked to the condition, and nothing unrelated (care-access.ts). */
  resources: DeidentifiedResource[];
  /** The block the grant was read at. */
  consentBlock: bigint;
};

/**
 * A provider's read of one patient's history for one condition, with the patient's care grant on chain
 * now: 400 for a condition no grant can name, 403 without an active grant (before anything about the
 * patient is looked up, so a provider without one cannot learn whom the custodian holds), 404 when the
 * custodian holds no patient for the account, 410 when that patient was erased. The read is logged.
 */
export async function readCareHistory(
  deps: MinimiserDeps,
  options: CareHistoryOptions,
): Promise<CareHistory> {
  const { db, kes, consent } = deps;
  const condition = Number.isInteger(options.condition)
    ? careConditionFor(options.condition)
    : undefined;
  if (!condition) {
    throw new ServiceError(400, `MONDO ${options.condition} is not a condition care can grant.`);
  }
  const provider = normaliseAccount(options.provider);
  const patientAccount = normaliseAccount(options.patientAccount);
  const custodian = await requireCustodian(db, options.custodianId);

  const consentBlock = await consent.blockNumber();
  const granted = await consent.hasCareAccess(patientAccount, provider, condition.number, {
    blockNumber: consentBlock,
  });
  if (!granted) {
    throw new ServiceError(
      403,
      `The patient has no active grant for ${provider} to read their ${condition.label} history.`,
    );
  }

  const held = await findPatientByAccount(db, custodian.id, patientAccount);
  if (!held) throw new ServiceError(404, "This custodian holds no record for the patient.");
  if (held.erasedAt) throw erased(held.erasedAt);
  const patient = await readPatientRecords(db, kes, custodian.id, held.pseudoId, {
    actor: `provider:${provider}`,
    purpose: `care:${provider}:${condition.number}`,
    // Billing, immunisations, allergies and the Patient resource are never a condition's history:
    // leave them encrypted rather than decrypt and drop them.
    resourceTypes: careResourceTypes,
  });
  if (!patient) {
    // Erased between the lookup and the read: the read saw the erasure and decrypted nothing.
    const now = await findPatientByAccount(db, custodian.id, patientAccount);
    throw erased(now?.erasedAt ?? new Date());
  }
  return {
    condition,
    resources: linkedToCondition(asDeidentified(patient), condition.code),
    consentBlock,
  };
}

function erased(at: Date): ServiceError {
  return new ServiceError(
    410,
    `The patient's record was erased on ${at.toISOString()}; it can no longer be read.`,
  );
}

async function requireCustodian(db: Db, custodianId: string) {
  if (!UUID.test(custodianId)) {
    throw new ServiceError(400, `"${custodianId}" is not a custodian id.`);
  }
  const custodian = await getCustodian(db, custodianId);
  if (!custodian) throw new ServiceError(404, `There is no custodian ${custodianId}.`);
  return custodian;
}

async function requireOffer(db: Db, custodianId: string, offerId: string) {
  if (!UUID.test(offerId)) throw new ServiceError(400, `"${offerId}" is not an offer id.`);
  const offer = await getCustodianOffer(db, custodianId, offerId);
  if (!offer) throw new ServiceError(404, `The custodian has no offer ${offerId}.`);
  return offer;
}

/** The decrypted record in the shape core's purpose functions read; commitments stay behind. */
function asDeidentified(patient: DecryptedPatient): DeidentifiedPatient {
  return {
    pseudoId: patient.pseudoId,
    sex: patient.sex,
    ageBand: patient.ageBand,
    zip3: patient.zip3,
    dateShiftDays: patient.dateShiftDays,
    resources: patient.records.map((record) => ({
      resourceId: record.resourceId,
      resourceType: record.resourceType,
      codes: record.codes,
      resource: record.resource,
    })),
  };
}
