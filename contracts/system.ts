// Deploys every Consentry contract in one go and describes the result as one address book, which
// the runtime records in the database and checks on each start.
import type { Address, Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { deployConsentContracts } from "./consent.ts";
import { deployContracts, type Deployment } from "./deploy.ts";
import { createLedgerClient, deployLedgerContracts, type LedgerDeployment } from "./ledger.ts";
import { deployStudyContracts } from "./study.ts";

export const systemContracts = [
  "OfferRegistry",
  "ConsentRegistry",
  "CareGrants",
  "AccessLogAnchors",
  "RecordCommitments",
  "Compensation",
  "CredentialRegistry",
  "EthicsBoard",
  "TestStablecoin",
  "StudyEscrow",
  "DataLicence",
  "ResultRegistry",
] as const;

export type SystemContract = (typeof systemContracts)[number];

export type SystemDeployment = {
  chainId: number;
  /** The first deployment block: where event scans start. */
  deployBlock: bigint;
  contracts: Record<SystemContract, Address>;
};

export type DeploySystemOptions = {
  rpcUrl: string;
  deployerKey: Hex;
  /** Receives donated compensation and, until studies get their own pools, released payments. */
  researchFund?: Address;
};

/** Deploys the contracts in dependency order; the deployer holds the admin roles. */
export async function deploySystem(options: DeploySystemOptions): Promise<SystemDeployment> {
  const { rpcUrl, deployerKey } = options;
  const operator = privateKeyToAddress(deployerKey);
  const researchFund = options.researchFund ?? operator;
  const offers = await deployContracts({ rpcUrl, deployerKey });
  const consent = await deployConsentContracts({ rpcUrl, deployerKey, relayer: operator });
  const ledger = await deployLedgerContracts({ rpcUrl, deployerKey, researchFund });
  await grantAuditPublisher(rpcUrl, deployerKey, ledger);
  const study = await deployStudyContracts({ rpcUrl, deployerKey, payoutPool: researchFund });
  return {
    chainId: offers.chainId,
    deployBlock: offers.deployBlock,
    contracts: {
      OfferRegistry: offers.offerRegistry,
      ConsentRegistry: consent.consentRegistry,
      CareGrants: consent.careGrants,
      AccessLogAnchors: ledger.accessLogAnchors,
      RecordCommitments: ledger.recordCommitments,
      Compensation: ledger.compensation,
      CredentialRegistry: study.addresses.credentialRegistry,
      EthicsBoard: study.addresses.ethicsBoard,
      TestStablecoin: study.addresses.stablecoin,
      StudyEscrow: study.addresses.escrow,
      DataLicence: study.addresses.licence,
      ResultRegistry: study.addresses.resultRegistry,
    },
  };
}

/**
 * The operator (the deployer) publishes the audit log's Merkle roots in AccessLogAnchors as its
 * own publisher (workers/tasks/audit.anchor.ts), so it needs CUSTODIAN_ROLE there.
 */
async function grantAuditPublisher(rpcUrl: string, deployerKey: Hex, ledger: LedgerDeployment) {
  const client = createLedgerClient({ rpcUrl, addresses: ledger, chainId: ledger.chainId });
  const { txHash } = await client.grantAnchorCustodianRole(
    deployerKey,
    privateKeyToAddress(deployerKey),
  );
  const outcome = await client.waitForReceipt(txHash);
  if (outcome.status !== "success") {
    throw new Error(
      `granting the audit publisher CUSTODIAN_ROLE on AccessLogAnchors reverted (${txHash})`,
    );
  }
}

/**
 * What a process needs to reach every contract: the node, the address book, and the operator's key
 * (the deployer: it relays patients' signed consents and publishes the operator's anchors).
 */
export type ChainAccess = {
  rpcUrl: string;
  system: SystemDeployment;
  operatorKey: Hex;
};

/** The consent contracts' view of a system deployment, for the consent client. */
export function consentDeployment(system: SystemDeployment) {
  return {
    chainId: system.chainId,
    consentRegistry: system.contracts.ConsentRegistry,
    careGrants: system.contracts.CareGrants,
    deployBlock: system.deployBlock,
  };
}

/** The ledger contracts' view of a system deployment, for the ledger client. */
export function ledgerDeployment(system: SystemDeployment) {
  return {
    accessLogAnchors: system.contracts.AccessLogAnchors,
    recordCommitments: system.contracts.RecordCommitments,
    compensation: system.contracts.Compensation,
  };
}

/** The offer registry's view of a system deployment, for the offer client and indexer. */
export function offerDeployment(system: SystemDeployment): Deployment {
  return {
    chainId: system.chainId,
    offerRegistry: system.contracts.OfferRegistry,
    deployBlock: system.deployBlock,
  };
}
