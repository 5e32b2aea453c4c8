// The typed chain client for patients' research consents and care grants: deploy, grant and revoke (by the
// patient's own transaction, or signed with EIP-712 and submitted by a relayer), and check them.
//
// Like client.ts, the transport gives up after a few seconds without retrying, and writes return the
// transaction hash without waiting, except `submitConsentBatch`, which waits to report each item's outcome.
import {
  type Address,
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  getAddress,
  type Hash,
  type Hex,
  pad,
  parseEventLogs,
  parseSignature,
  signatureToCompactSignature,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DiseaseCode, DuoPermissionId } from "#core/duo.ts";

import {
  type ContractRevert,
  createRpcTransport,
  localChain,
  type SentTransaction,
  type TransactionOutcome,
} from "./client.ts";
import { createSendAs, pollReceipt, waitForOutcome } from "./transactions.ts";
import {
  careGrantsAbi,
  careGrantsBytecode,
  consentRegistryAbi,
  consentRegistryBytecode,
} from "./generated/abis.ts";

/** GA4GH DUO purposes a consent can name, by the number of their DUO term (DUO:0000042 is 42). */
export const DUO = { GRU: 42, HMB: 6, DS: 7, POA: 11 } as const;
export type DuoPurpose = (typeof DUO)[keyof typeof DUO];

/**
 * The contract's number for each DUO permission an offer or a purpose names (core/duo.ts): the one place
 * the two vocabularies meet, so a purpose's consent is always asked for under the number the patient signed.
 */
export const duoPurposeOf = {
  "DUO:0000042": DUO.GRU,
  "DUO:0000006": DUO.HMB,
  "DUO:0000007": DUO.DS,
  "DUO:0000011": DUO.POA,
} as const satisfies Record<DuoPermissionId, DuoPurpose>;

/** "MONDO:0004992" → 4992, the disease number a DS consent names on chain. */
export function diseaseNumberOf(disease: DiseaseCode): number {
  return Number(disease.slice("MONDO:".length));
}

/** The request `isPermitted` / `cohortPermitted` take for a declared consent on a scope. */
export function consentRequestFor(
  consent: { permission: DuoPermissionId; disease?: DiseaseCode },
  scope: Hex,
): ConsentKey {
  const purpose = duoPurposeOf[consent.permission];
  return consent.disease === undefined
    ? { scope, purpose }
    : { scope, purpose, disease: diseaseNumberOf(consent.disease) };
}

/**
 * What a consent is for: a scope (an offer id, or `custodianScope(custodian)`) and a DUO purpose; DS names its
 * disease as a MONDO number (4992 is cancer), other purposes name none.
 */
export type ConsentKey = { scope: Hex; purpose: DuoPurpose; disease?: number };

/** The scope id of a custodian's whole holding: its address left-padded to 32 bytes, as the contract has it. */
export function custodianScope(custodian: Address): Hex {
  return pad(getAddress(custodian).toLowerCase() as Hex, { size: 32 });
}

export const CONSENT_EIP712_NAME = "Consentry ConsentRegistry";
export const CONSENT_EIP712_VERSION = "1";

/** The EIP-712 types the registry verifies; a browser wallet signs the same with `signTypedData`. */
export const CONSENT_EIP712_TYPES = {
  ConsentGrant: [
    { name: "patient", type: "address" },
    { name: "scope", type: "bytes32" },
    { name: "purpose", type: "uint16" },
    { name: "disease", type: "uint32" },
    { name: "expiresAt", type: "uint64" },
    { name: "nonce", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
  ConsentRevocation: [
    { name: "patient", type: "address" },
    { name: "scope", type: "bytes32" },
    { name: "purpose", type: "uint16" },
    { name: "disease", type: "uint32" },
    { name: "nonce", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export type ConsentDomain = {
  name: typeof CONSENT_EIP712_NAME;
  version: typeof CONSENT_EIP712_VERSION;
  chainId: number;
  verifyingContract: Address;
};

export function consentDomain(chainId: number, consentRegistry: Address): ConsentDomain {
  return {
    name: CONSENT_EIP712_NAME,
    version: CONSENT_EIP712_VERSION,
    chainId,
    verifyingContract: consentRegistry,
  };
}

/**
 * A change a patient signs. `nonce` is the patient's current nonce for the scope (`nonceOf`); two changes
 * to one scope in one batch take consecutive nonces. `deadline` is the last unix second it may be applied.
 */
export type ConsentChange = ConsentKey & { nonce: number; deadline: bigint } & (
    { kind: "grant"; expiresAt: bigint } | { kind: "revoke" }
  );

/** One item of a relayed batch, as `submitSignedConsents` takes it. */
export type SignedConsent = {
  patient: Address;
  scope: Hex;
  purpose: number;
  disease: number;
  /** 0 for a revocation. */
  expiresAt: bigint;
  nonce: number;
  deadline: bigint;
  r: Hex;
  vs: Hex;
};

/** The full EIP-712 payload of a change, ready for any signer (viem local account, injected wallet). */
export function consentTypedData(domain: ConsentDomain, patient: Address, change: ConsentChange) {
  const base = {
    patient,
    scope: change.scope,
    purpose: change.purpose,
    disease: change.disease ?? 0,
  };
  if (change.kind === "grant") {
    return {
      domain,
      types: CONSENT_EIP712_TYPES,
      primaryType: "ConsentGrant",
      message: {
        ...base,
        expiresAt: change.expiresAt,
        nonce: change.nonce,
        deadline: change.deadline,
      },
    } as const;
  }
  return {
    domain,
    types: CONSENT_EIP712_TYPES,
    primaryType: "ConsentRevocation",
    message: { ...base, nonce: change.nonce, deadline: change.deadline },
  } as const;
}

/** Turns a wallet's 65-byte signature of `consentTypedData` into the relayed item. */
export function signedConsentFromSignature(
  patient: Address,
  change: ConsentChange,
  signature: Hex,
): SignedConsent {
  const { r, yParityAndS } = signatureToCompactSignature(parseSignature(signature));
  return {
    patient: getAddress(patient),
    scope: change.scope,
    purpose: change.purpose,
    disease: change.disease ?? 0,
    expiresAt: change.kind === "grant" ? change.expiresAt : 0n,
    nonce: change.nonce,
    deadline: change.deadline,
    r,
    vs: yParityAndS,
  };
}

/** Signs a change with the patient's own key, for patients whose key the browser created. */
export async function signConsent(
  patientKey: Hex,
  domain: ConsentDomain,
  change: ConsentChange,
): Promise<SignedConsent> {
  const account = privateKeyToAccount(patientKey);
  const signature = await account.signTypedData(consentTypedData(domain, account.address, change));
  return signedConsentFromSignature(account.address, change, signature);
}

export const RELAY_OUTCOMES = [
  "applied",
  "deadlinePassed",
  "badSignature",
  "staleNonce",
  "refused",
  "grantsPaused",
] as const;
export type RelayOutcome = (typeof RELAY_OUTCOMES)[number];

/** What became of one item; `reason` is the error a direct call would have reverted with, for "refused". */
export type RelayItemOutcome = { outcome: RelayOutcome; reason: ContractRevert | null };

export type ConsentBatchResult = TransactionOutcome & { items: RelayItemOutcome[] };

export type ConsentDeployment = {
  chainId: number;
  consentRegistry: Address;
  careGrants: Address;
  /** The block of the first deployment: where log scans start. */
  deployBlock: bigint;
};

export type DeployConsentContractsOptions = {
  rpcUrl: string;
  deployerKey: Hex;
  /** Holds DEFAULT_ADMIN_ROLE and PAUSER_ROLE on both contracts; the deployer when omitted. */
  admin?: Address;
  /** Holds RELAYER_ROLE; none when omitted (the admin can grant it later). */
  relayer?: Address;
};

/** Deploys ConsentRegistry and CareGrants and waits for both. */
export async function deployConsentContracts(
  options: DeployConsentContractsOptions,
): Promise<ConsentDeployment> {
  const transport = createRpcTransport(options.rpcUrl);
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = localChain(chainId, options.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const account = privateKeyToAccount(options.deployerKey);
  const walletClient = createWalletClient({ account, chain, transport });

  async function deployed(name: string, txHash: Hash) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 30_000 });
    if (receipt.status !== "success" || receipt.contractAddress == null) {
      throw new Error(`${name} deployment ${txHash} failed (status ${receipt.status})`);
    }
    return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber };
  }

  const admin = options.admin ?? account.address;
  const registry = await deployed(
    "ConsentRegistry",
    await walletClient.deployContract({
      abi: consentRegistryAbi,
      bytecode: consentRegistryBytecode,
      args: [admin, options.relayer ?? "0x0000000000000000000000000000000000000000"],
    }),
  );
  const careGrants = await deployed(
    "CareGrants",
    await walletClient.deployContract({
      abi: careGrantsAbi,
      bytecode: careGrantsBytecode,
      args: [admin],
    }),
  );
  return {
    chainId,
    consentRegistry: registry.address,
    careGrants: careGrants.address,
    deployBlock: registry.blockNumber,
  };
}

/**
 * Patients per `cohortPermitted` call. Each costs about 2,800 gas (a cold storage read of 2,100 plus 368 of
 * calldata), so 5,000 stay under the 2^24 per-transaction gas cap that Osaka-era nodes (Hardhat 3's default)
 * also apply to eth_call; anvil's default 30M limit takes 10,000 in one call.
 */
export const COHORT_CHUNK_SIZE = 5_000;

export type ConsentClientOptions = {
  rpcUrl: string;
  addresses: ConsentDeployment;
  /** Per JSON-RPC request; `RPC_TIMEOUT_MS` when omitted. */
  timeoutMs?: number;
};

export type ConsentClient = ReturnType<typeof createConsentClient>;

export function createConsentClient(options: ConsentClientOptions) {
  const { addresses } = options;
  const chain = localChain(addresses.chainId, options.rpcUrl);
  const transport = createRpcTransport(options.rpcUrl, options.timeoutMs);
  const publicClient = createPublicClient({ chain, transport });
  const registry = { address: addresses.consentRegistry, abi: consentRegistryAbi } as const;
  const careGrants = { address: addresses.careGrants, abi: careGrantsAbi } as const;
  const domain = consentDomain(addresses.chainId, addresses.consentRegistry);

  const sendAs = createSendAs(chain, transport);
  const waitForReceipt = (txHash: Hash) => pollReceipt(publicClient, txHash);

  function decodeReason(reason: Hex): ContractRevert | null {
    if (reason === "0x") return null;
    try {
      const decoded = decodeErrorResult({ abi: consentRegistryAbi, data: reason });
      return { errorName: decoded.errorName, args: decoded.args ?? [] };
    } catch {
      return { errorName: "unknown", args: [reason] };
    }
  }

  return {
    addresses,
    /** The EIP-712 domain the registry verifies signatures against. */
    domain,

    /** The patient's own transaction; the patient's account pays the gas. */
    grantConsent(
      patientKey: Hex,
      consent: ConsentKey & { expiresAt: bigint },
    ): Promise<SentTransaction> {
      return sendAs(patientKey, (walletClient) =>
        walletClient.writeContract({
          ...registry,
          functionName: "grantConsent",
          args: [consent.scope, consent.purpose, consent.disease ?? 0, consent.expiresAt],
        }),
      );
    },

    revokeConsent(patientKey: Hex, consent: ConsentKey): Promise<SentTransaction> {
      return sendAs(patientKey, (walletClient) =>
        walletClient.writeContract({
          ...registry,
          functionName: "revokeConsent",
          args: [consent.scope, consent.purpose, consent.disease ?? 0],
        }),
      );
    },

    /** The nonce the patient's next signed change on `scope` must carry. */
    nonceOf(patient: Address, scope: Hex): Promise<number> {
      return publicClient.readContract({
        ...registry,
        functionName: "nonceOf",
        args: [patient, scope],
      });
    },

    signConsent(patientKey: Hex, change: ConsentChange): Promise<SignedConsent> {
      return signConsent(patientKey, domain, change);
    },

    /**
     * Submits signed changes in one transaction from a RELAYER_ROLE account and waits for it. Items that fail
     * (deadline passed, bad signature, stale nonce, refused, grants paused) are reported, the rest applied. A
     * batch of 400 items stays under a 2^24 gas transaction cap (about 34,500 gas per item).
     */
    async submitConsentBatch(
      relayerKey: Hex,
      items: readonly SignedConsent[],
    ): Promise<ConsentBatchResult> {
      const { txHash } = await sendAs(relayerKey, (walletClient) =>
        walletClient.writeContract({
          ...registry,
          functionName: "submitSignedConsents",
          args: [items],
        }),
      );
      const receipt = await waitForReceipt(txHash);
      const outcomes: RelayItemOutcome[] = items.map(() => ({ outcome: "applied", reason: null }));
      if (receipt.status === "success") {
        const rejections = parseEventLogs({
          abi: consentRegistryAbi,
          eventName: "SignedConsentRejected",
          logs: receipt.logs.filter((log) => getAddress(log.address) === addresses.consentRegistry),
        });
        for (const { args } of rejections) {
          outcomes[Number(args.index)] = {
            outcome: RELAY_OUTCOMES[args.outcome] ?? "refused",
            reason: decodeReason(args.reason),
          };
        }
      }
      return {
        txHash,
        status: receipt.status,
        blockNumber: receipt.blockNumber,
        blockHash: receipt.blockHash,
        items: receipt.status === "success" ? outcomes : [],
      };
    },

    /** Whether the patient's consents on this scope cover the request now (DUO hierarchy applies). */
    isPermitted(patient: Address, request: ConsentKey): Promise<boolean> {
      return publicClient.readContract({
        ...registry,
        functionName: "isPermitted",
        args: [patient, request.scope, request.purpose, request.disease ?? 0],
      });
    },

    /** The chain's latest block: pin reads to it so every part of one decision sees the same state. */
    blockNumber(): Promise<bigint> {
      return publicClient.getBlockNumber({ cacheTime: 0 });
    },

    /**
     * For each patient, whether their consents on this scope cover the request now (or at `blockNumber`), in
     * the patients' order. A study on an offer is covered by consent for the offer or for its custodian: call
     * it for both scopes, at one block.
     */
    async cohortPermitted(
      patients: readonly Address[],
      request: ConsentKey,
      options: { chunkSize?: number; blockNumber?: bigint } = {},
    ): Promise<boolean[]> {
      const chunkSize = options.chunkSize ?? COHORT_CHUNK_SIZE;
      const chunks: Address[][] = [];
      for (let start = 0; start < patients.length; start += chunkSize) {
        chunks.push(patients.slice(start, start + chunkSize));
      }
      const bitmaps = await Promise.all(
        chunks.map((chunk) =>
          publicClient.readContract({
            ...registry,
            functionName: "cohortPermitted",
            args: [chunk, request.scope, request.purpose, request.disease ?? 0],
            blockNumber: options.blockNumber,
          }),
        ),
      );
      return bitmaps.flatMap((words, chunkIndex) =>
        (chunks[chunkIndex] ?? []).map(
          (_, i) => (((words[i >> 8] ?? 0n) >> BigInt(i & 255)) & 1n) === 1n,
        ),
      );
    },

    /** The expiry of exactly this consent (no hierarchy), or null when never granted or revoked. */
    async consentExpiry(patient: Address, consent: ConsentKey): Promise<bigint | null> {
      const expiresAt = await publicClient.readContract({
        ...registry,
        functionName: "consentExpiry",
        args: [patient, consent.scope, consent.purpose, consent.disease ?? 0],
      });
      return expiresAt === 0n ? null : expiresAt;
    },

    grantCareAccess(
      patientKey: Hex,
      grant: { provider: Address; condition: number; expiresAt: bigint },
    ): Promise<SentTransaction> {
      return sendAs(patientKey, (walletClient) =>
        walletClient.writeContract({
          ...careGrants,
          functionName: "grantCareAccess",
          args: [grant.provider, grant.condition, grant.expiresAt],
        }),
      );
    },

    revokeCareAccess(
      patientKey: Hex,
      grant: { provider: Address; condition: number },
    ): Promise<SentTransaction> {
      return sendAs(patientKey, (walletClient) =>
        walletClient.writeContract({
          ...careGrants,
          functionName: "revokeCareAccess",
          args: [grant.provider, grant.condition],
        }),
      );
    },

    /** Whether the grant holds now (or at `blockNumber`): made, not revoked, not expired. */
    hasCareAccess(
      patient: Address,
      provider: Address,
      condition: number,
      options: { blockNumber?: bigint } = {},
    ): Promise<boolean> {
      return publicClient.readContract({
        ...careGrants,
        functionName: "hasCareAccess",
        args: [patient, provider, condition],
        blockNumber: options.blockNumber,
      });
    },

    /** The grant's expiry, or null when never made or revoked. */
    async careAccessExpiry(
      patient: Address,
      provider: Address,
      condition: number,
    ): Promise<bigint | null> {
      const expiresAt = await publicClient.readContract({
        ...careGrants,
        functionName: "careAccessExpiry",
        args: [patient, provider, condition],
      });
      return expiresAt === 0n ? null : expiresAt;
    },

    waitForReceipt(txHash: Hash): Promise<TransactionOutcome> {
      return waitForOutcome(publicClient, txHash);
    },
  };
}
