// The typed chain client of the ledger contracts: custodians' access-log anchors, custodians' record
// commitments, and studies' compensation.
//
// Same rules as client.ts: writes send and return the transaction hash without waiting (`waitForReceipt`
// waits), the transport gives up after a few seconds without retrying, and a refusal is read with
// `decodeContractRevert` (`PayoutAlreadySettled`, `SequenceGap`, …) while `isChainUnavailable` tells a down
// node apart from a refusal.
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hash,
  type Hex,
  keccak256,
  stringToHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import type { AccessEvent, IndexedPayout, RecordCommitment } from "#core/merkle.ts";
import {
  createRpcTransport,
  localChain,
  type SentTransaction,
  type TransactionOutcome,
} from "./client.ts";
import {
  createSendAs,
  POLLING_INTERVAL_MS,
  RECEIPT_TIMEOUT_MS,
  waitForOutcome,
} from "./transactions.ts";
import {
  accessLogAnchorsAbi,
  accessLogAnchorsBytecode,
  compensationAbi,
  compensationBytecode,
  recordCommitmentsAbi,
  recordCommitmentsBytecode,
} from "./generated/abis.ts";

/** The role names of the ledger contracts, as `keccak256` of their names like OpenZeppelin's. */
export const LEDGER_ROLES = {
  custodian: keccak256(stringToHex("CUSTODIAN_ROLE")),
  payoutPublisher: keccak256(stringToHex("PAYOUT_PUBLISHER_ROLE")),
  pauser: keccak256(stringToHex("PAUSER_ROLE")),
} as const;

export type LedgerAddresses = {
  accessLogAnchors: Address;
  recordCommitments: Address;
  compensation: Address;
};

export type LedgerDeployment = LedgerAddresses & {
  chainId: number;
  /** The block of the first deployment transaction: where log scans start. */
  deployBlock: bigint;
};

export type DeployLedgerContractsOptions = {
  rpcUrl: string;
  deployerKey: Hex;
  /** Holds DEFAULT_ADMIN_ROLE and PAUSER_ROLE on every ledger contract; the deployer when omitted. */
  admin?: Address;
  /** Receives donated payouts; fixed for the life of the Compensation contract. */
  researchFund: Address;
  /** The AccessLogAnchors this deployment replaces: custodians' logs continue from it (ADR 0004). */
  predecessorAnchors?: Address;
};

/**
 * Deploys AccessLogAnchors, RecordCommitments and Compensation, one after the other, and waits for each.
 * Roles are granted afterwards by the admin.
 */
export async function deployLedgerContracts(
  options: DeployLedgerContractsOptions,
): Promise<LedgerDeployment> {
  const transport = createRpcTransport(options.rpcUrl);
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = localChain(chainId, options.rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: POLLING_INTERVAL_MS,
  });
  const account = privateKeyToAccount(options.deployerKey);
  const walletClient = createWalletClient({ account, chain, transport });
  const admin = options.admin ?? account.address;

  async function deployed(name: string, txHash: Hash) {
    const receipt = await publicClient.waitForTransactionReceipt({
      hash: txHash,
      timeout: RECEIPT_TIMEOUT_MS,
    });
    if (receipt.status !== "success" || receipt.contractAddress == null) {
      throw new Error(`${name} deployment ${txHash} failed (status ${receipt.status})`);
    }
    return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber };
  }

  const anchors = await deployed(
    "AccessLogAnchors",
    await walletClient.deployContract({
      abi: accessLogAnchorsAbi,
      bytecode: accessLogAnchorsBytecode,
      args: [admin, options.predecessorAnchors ?? zeroAddress],
    }),
  );
  const recordCommitments = await deployed(
    "RecordCommitments",
    await walletClient.deployContract({
      abi: recordCommitmentsAbi,
      bytecode: recordCommitmentsBytecode,
      args: [admin],
    }),
  );
  const compensation = await deployed(
    "Compensation",
    await walletClient.deployContract({
      abi: compensationAbi,
      bytecode: compensationBytecode,
      args: [admin, options.researchFund],
    }),
  );
  return {
    chainId,
    accessLogAnchors: anchors.address,
    recordCommitments: recordCommitments.address,
    compensation: compensation.address,
    deployBlock: anchors.blockNumber,
  };
}

/** What `publishBatch` takes; `buildAccessLogBatch` in core/merkle.ts gives root, firstSequence and leafCount. */
export type AccessBatchToPublish = {
  batchId: bigint;
  root: Hex;
  firstSequence: bigint;
  leafCount: number;
};

export type AnchoredBatch = {
  root: Hex;
  firstSequence: bigint;
  lastSequence: bigint;
  anchoredAt: bigint;
};

/** Where a custodian's log stands: the batch id and first sequence its next batch must use. */
export type AccessLogPosition = { nextBatchId: bigint; nextSequence: bigint };

/** What `RecordCommitments.publishBatch` takes; `buildRecordCommitmentBatch` in core/merkle.ts gives root and count. */
export type RecordBatchToPublish = { batchId: bigint; root: Hex; leafCount: number };

export type CommittedRecordBatch = { root: Hex; leafCount: number; committedAt: bigint };

export type PublishedPayouts = { root: Hex; pool: bigint; paidOut: bigint };

export type LedgerClientOptions = {
  rpcUrl: string;
  addresses: LedgerAddresses;
  /** Asked of the node once, when first needed, if omitted. */
  chainId?: number;
  /** Per JSON-RPC request; `RPC_TIMEOUT_MS` of client.ts when omitted. */
  timeoutMs?: number;
};

export type LedgerClient = ReturnType<typeof createLedgerClient>;

export function createLedgerClient(options: LedgerClientOptions) {
  const transport = createRpcTransport(options.rpcUrl, options.timeoutMs);
  const publicClient = createPublicClient({ transport });
  const anchors = {
    address: options.addresses.accessLogAnchors,
    abi: accessLogAnchorsAbi,
  } as const;
  const recordCommitments = {
    address: options.addresses.recordCommitments,
    abi: recordCommitmentsAbi,
  } as const;
  const compensation = { address: options.addresses.compensation, abi: compensationAbi } as const;

  let chain: Promise<Chain> | undefined;
  function readChain(): Promise<Chain> {
    chain ??= (
      options.chainId === undefined ? publicClient.getChainId() : Promise.resolve(options.chainId)
    ).then(
      (chainId) => localChain(chainId, options.rpcUrl),
      (error: unknown) => {
        chain = undefined;
        throw error;
      },
    );
    return chain;
  }

  const sendAs = createSendAs(readChain, transport);

  // The three contracts share AccessControl and Pausable; viem types each call by its own ABI.
  function grantRole(
    adminKey: Hex,
    contract: keyof LedgerAddresses,
    role: Hex,
    account: Address,
  ): Promise<SentTransaction> {
    const args = [role, account] as const;
    return sendAs(adminKey, (walletClient) => {
      switch (contract) {
        case "accessLogAnchors":
          return walletClient.writeContract({ ...anchors, functionName: "grantRole", args });
        case "recordCommitments":
          return walletClient.writeContract({
            ...recordCommitments,
            functionName: "grantRole",
            args,
          });
        case "compensation":
          return walletClient.writeContract({ ...compensation, functionName: "grantRole", args });
      }
    });
  }

  function setPaused(
    key: Hex,
    contract: keyof LedgerAddresses,
    functionName: "pause" | "unpause",
  ): Promise<SentTransaction> {
    return sendAs(key, (walletClient) => {
      switch (contract) {
        case "accessLogAnchors":
          return walletClient.writeContract({ ...anchors, functionName });
        case "recordCommitments":
          return walletClient.writeContract({ ...recordCommitments, functionName });
        case "compensation":
          return walletClient.writeContract({ ...compensation, functionName });
      }
    });
  }

  return {
    addresses: options.addresses,

    // --- roles and emergencies ----------------------------------------------------------------------------

    /** Lets `custodian` anchor its own access log. */
    grantAnchorCustodianRole(adminKey: Hex, custodian: Address): Promise<SentTransaction> {
      return grantRole(adminKey, "accessLogAnchors", LEDGER_ROLES.custodian, custodian);
    },

    /** Lets `custodian` commit its own stored records. */
    grantRecordCustodianRole(adminKey: Hex, custodian: Address): Promise<SentTransaction> {
      return grantRole(adminKey, "recordCommitments", LEDGER_ROLES.custodian, custodian);
    },

    /** Lets `publisher` publish studies' payouts. */
    grantPayoutPublisherRole(adminKey: Hex, publisher: Address): Promise<SentTransaction> {
      return grantRole(adminKey, "compensation", LEDGER_ROLES.payoutPublisher, publisher);
    },

    async hasRole(contract: keyof LedgerAddresses, role: Hex, account: Address): Promise<boolean> {
      const args = [role, account] as const;
      switch (contract) {
        case "accessLogAnchors":
          return publicClient.readContract({ ...anchors, functionName: "hasRole", args });
        case "recordCommitments":
          return publicClient.readContract({ ...recordCommitments, functionName: "hasRole", args });
        case "compensation":
          return publicClient.readContract({ ...compensation, functionName: "hasRole", args });
      }
    },

    /** Stops anchoring, committing, or publishing, claims, donations and redemptions; reads keep working. */
    pause(pauserKey: Hex, contract: keyof LedgerAddresses): Promise<SentTransaction> {
      return setPaused(pauserKey, contract, "pause");
    },

    /** Unpausing needs the admin on every ledger contract; the pauser can only pause. */
    unpause(key: Hex, contract: keyof LedgerAddresses): Promise<SentTransaction> {
      return setPaused(key, contract, "unpause");
    },

    // --- access-log anchors -------------------------------------------------------------------------------

    /** Anchors the custodian's next batch; refused with `BatchOutOfOrder` or `SequenceGap` when it does not follow on. */
    publishAccessBatch(custodianKey: Hex, batch: AccessBatchToPublish): Promise<SentTransaction> {
      return sendAs(custodianKey, (walletClient) =>
        walletClient.writeContract({
          ...anchors,
          functionName: "publishBatch",
          args: [batch.batchId, batch.root, batch.firstSequence, batch.leafCount],
        }),
      );
    },

    /** Whether the chain holds `event` in the custodian's batch `batchId`. */
    verifyAccessEvent(
      custodian: Address,
      batchId: bigint,
      event: AccessEvent,
      proof: readonly Hex[],
    ): Promise<boolean> {
      return publicClient.readContract({
        ...anchors,
        functionName: "verifyAccessEvent",
        args: [custodian, batchId, event, proof],
      });
    },

    /** The anchored batch, or null when the custodian has not anchored it. */
    async accessBatchOf(custodian: Address, batchId: bigint): Promise<AnchoredBatch | null> {
      const batch = await publicClient.readContract({
        ...anchors,
        functionName: "batchOf",
        args: [custodian, batchId],
      });
      return batch.root === zeroHash ? null : batch;
    },

    async accessLogPosition(custodian: Address): Promise<AccessLogPosition> {
      const [nextBatchId, nextSequence] = await Promise.all([
        publicClient.readContract({ ...anchors, functionName: "batchCountOf", args: [custodian] }),
        publicClient.readContract({
          ...anchors,
          functionName: "nextSequenceOf",
          args: [custodian],
        }),
      ]);
      return { nextBatchId, nextSequence };
    },

    // --- record commitments -------------------------------------------------------------------------------

    /** Commits the custodian's next batch of records; refused with `BatchOutOfOrder` when it is not the next. */
    publishRecordBatch(custodianKey: Hex, batch: RecordBatchToPublish): Promise<SentTransaction> {
      return sendAs(custodianKey, (walletClient) =>
        walletClient.writeContract({
          ...recordCommitments,
          functionName: "publishBatch",
          args: [batch.batchId, batch.root, batch.leafCount],
        }),
      );
    },

    /** The committed batch, or null when the custodian has not committed it. */
    async recordBatchOf(custodian: Address, batchId: bigint): Promise<CommittedRecordBatch | null> {
      const batch = await publicClient.readContract({
        ...recordCommitments,
        functionName: "batchOf",
        args: [custodian, batchId],
      });
      return batch.root === zeroHash ? null : batch;
    },

    /** How many batches the custodian has committed: also the id its next batch must have. */
    recordBatchCount(custodian: Address): Promise<bigint> {
      return publicClient.readContract({
        ...recordCommitments,
        functionName: "batchCountOf",
        args: [custodian],
      });
    },

    /**
     * The transaction that committed the custodian's batch, found by its `RecordBatchCommitted` event
     * from `fromBlock` on; null when no transaction did.
     */
    async recordBatchTransaction(
      custodian: Address,
      batchId: bigint,
      fromBlock = 0n,
    ): Promise<Hash | null> {
      const [committed] = await publicClient.getContractEvents({
        ...recordCommitments,
        eventName: "RecordBatchCommitted",
        args: { custodian, batchId },
        fromBlock,
        toBlock: "latest",
      });
      return committed?.transactionHash ?? null;
    },

    /** Whether the chain holds `record` in the custodian's batch `batchId`. */
    verifyRecordCommitment(
      custodian: Address,
      batchId: bigint,
      record: RecordCommitment,
      proof: readonly Hex[],
    ): Promise<boolean> {
      return publicClient.readContract({
        ...recordCommitments,
        functionName: "verifyRecordCommitment",
        args: [custodian, batchId, record, proof],
      });
    },

    /** The transaction that anchored the publisher's batch `batchId`, or null when none did. */
    async accessBatchAnchoredTx(
      custodian: Address,
      batchId: bigint,
      fromBlock: bigint,
    ): Promise<Hash | null> {
      const [log] = await publicClient.getContractEvents({
        ...anchors,
        eventName: "BatchAnchored",
        args: { custodian, batchId },
        fromBlock,
        strict: true,
      });
      return log?.transactionHash ?? null;
    },

    // --- compensation -------------------------------------------------------------------------------------

    /** Publishes a study's payout root and pool, once; `buildPayoutTree` in core/merkle.ts gives the root. */
    publishPayouts(
      publisherKey: Hex,
      payouts: { studyId: Hex; root: Hex; pool: bigint },
    ): Promise<SentTransaction> {
      return sendAs(publisherKey, (walletClient) =>
        walletClient.writeContract({
          ...compensation,
          functionName: "publishPayouts",
          args: [payouts.studyId, payouts.root, payouts.pool],
        }),
      );
    },

    /** The patient claims their payout as credits; the key must be the payout's patient. */
    claimPayout(
      patientKey: Hex,
      studyId: Hex,
      payout: IndexedPayout,
      proof: readonly Hex[],
    ): Promise<SentTransaction> {
      return sendAs(patientKey, (walletClient) =>
        walletClient.writeContract({
          ...compensation,
          functionName: "claim",
          args: [studyId, payout.offerId, payout.index, payout.amount, proof],
        }),
      );
    },

    /** The patient gives their payout to the research fund; the key must be the payout's patient. */
    donatePayout(
      patientKey: Hex,
      studyId: Hex,
      payout: IndexedPayout,
      proof: readonly Hex[],
    ): Promise<SentTransaction> {
      return sendAs(patientKey, (walletClient) =>
        walletClient.writeContract({
          ...compensation,
          functionName: "donate",
          args: [studyId, payout.offerId, payout.index, payout.amount, proof],
        }),
      );
    },

    /** Burns the holder's credits of a study so the operator pays them out (`CreditsRedeemed`). */
    redeemCredits(holderKey: Hex, studyId: Hex, amount: bigint): Promise<SentTransaction> {
      return sendAs(holderKey, (walletClient) =>
        walletClient.writeContract({
          ...compensation,
          functionName: "redeem",
          args: [studyId, amount],
        }),
      );
    },

    /** The study's published payouts, or null when none are published. */
    async payoutsOf(studyId: Hex): Promise<PublishedPayouts | null> {
      const [root, pool, paidOut] = await publicClient.readContract({
        ...compensation,
        functionName: "payoutsOf",
        args: [studyId],
      });
      return root === zeroHash ? null : { root, pool, paidOut };
    },

    /** Whether the payout at `index` was claimed or donated. */
    isPayoutSettled(studyId: Hex, index: bigint): Promise<boolean> {
      return publicClient.readContract({
        ...compensation,
        functionName: "isSettled",
        args: [studyId, index],
      });
    },

    /** The holder's credits of a study (its ERC-1155 token id is the study id). */
    creditsOf(holder: Address, studyId: Hex): Promise<bigint> {
      return publicClient.readContract({
        ...compensation,
        functionName: "balanceOf",
        args: [holder, BigInt(studyId)],
      });
    },

    researchFund(): Promise<Address> {
      return publicClient.readContract({ ...compensation, functionName: "researchFund" });
    },

    /** Waits until the transaction is mined; an unreachable node fails the wait at once. */
    waitForReceipt(
      txHash: Hash,
      waitOptions: { timeoutMs?: number } = {},
    ): Promise<TransactionOutcome> {
      return waitForOutcome(publicClient, txHash, waitOptions.timeoutMs);
    },
  };
}
