// The one typed chain client of Consentry: every read and write of the deployed contracts goes through here.
//
// Writes send and return the transaction hash without waiting; `waitForReceipt` waits. The transport gives
// up after a few seconds and does not retry: callers are jobs that retry on their own and must learn
// quickly that the chain is down (see `isChainUnavailable`).
import {
  type Address,
  BaseError,
  BlockNotFoundError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  defineChain,
  type Hash,
  type Hex,
  http,
  HttpRequestError,
  TimeoutError,
  type Transport,
  zeroAddress,
} from "viem";

import type { Deployment } from "./deploy.ts";
import { offerRegistryAbi } from "./generated/abis.ts";
import {
  createSendAs,
  type SentTransaction,
  type TransactionOutcome,
  waitForOutcome,
} from "./transactions.ts";

export const RPC_TIMEOUT_MS = 5_000;

/** No retries here: a refused or hung request fails within `timeoutMs`, and the caller's job retries. */
export function createRpcTransport(rpcUrl: string, timeoutMs = RPC_TIMEOUT_MS): Transport {
  return http(rpcUrl, { timeout: timeoutMs, retryCount: 0 });
}

/** The chain id the node at `rpcUrl` reports: which deployment in the database belongs to it. */
export function readChainId(rpcUrl: string, timeoutMs = RPC_TIMEOUT_MS): Promise<number> {
  return createPublicClient({ transport: createRpcTransport(rpcUrl, timeoutMs) }).getChainId();
}

/** A viem chain for a node we run ourselves, so signed transactions carry its chain id. */
export function localChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `Consentry chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export type BlockSummary = { number: bigint; hash: Hash; parentHash: Hash };

export type { SentTransaction, TransactionOutcome } from "./transactions.ts";

export type RegisteredOffer = { custodian: Address; metadataHash: Hex; registeredAt: bigint };

export type OfferRegisteredLog = {
  offerId: Hex;
  custodian: Address;
  metadataHash: Hex;
  blockNumber: bigint;
  blockHash: Hash;
  logIndex: number;
  txHash: Hash;
};

export type ChainClientOptions = {
  rpcUrl: string;
  deployment: Deployment;
  /** Per JSON-RPC request; `RPC_TIMEOUT_MS` when omitted. */
  timeoutMs?: number;
};

export type ChainClient = ReturnType<typeof createChainClient>;

export function createChainClient(options: ChainClientOptions) {
  const { deployment } = options;
  const chain = localChain(deployment.chainId, options.rpcUrl);
  const transport = createRpcTransport(options.rpcUrl, options.timeoutMs);
  const publicClient = createPublicClient({ chain, transport });
  const offerRegistry = { address: deployment.offerRegistry, abi: offerRegistryAbi } as const;

  const sendAs = createSendAs(chain, transport);

  let custodianRole: Promise<Hex> | undefined;
  function readCustodianRole(): Promise<Hex> {
    custodianRole ??= publicClient
      .readContract({ ...offerRegistry, functionName: "CUSTODIAN_ROLE" })
      .catch((error: unknown) => {
        custodianRole = undefined;
        throw error;
      });
    return custodianRole;
  }

  return {
    deployment,

    chainId(): Promise<number> {
      return publicClient.getChainId();
    },

    blockNumber(): Promise<bigint> {
      return publicClient.getBlockNumber({ cacheTime: 0 });
    },

    /** The block at `number`, or null when the chain has not reached it (or lost it in a reset). */
    async getBlock(number: bigint): Promise<BlockSummary | null> {
      try {
        const block = await publicClient.getBlock({ blockNumber: number });
        return { number: block.number, hash: block.hash, parentHash: block.parentHash };
      } catch (error) {
        if (error instanceof BlockNotFoundError) return null;
        throw error;
      }
    },

    registerOffer(signerKey: Hex, offerId: Hex, metadataHash: Hex): Promise<SentTransaction> {
      return sendAs(signerKey, (walletClient) =>
        walletClient.writeContract({
          ...offerRegistry,
          functionName: "registerOffer",
          args: [offerId, metadataHash],
        }),
      );
    },

    grantCustodianRole(adminKey: Hex, custodian: Address): Promise<SentTransaction> {
      return sendAs(adminKey, async (walletClient) =>
        walletClient.writeContract({
          ...offerRegistry,
          functionName: "grantRole",
          args: [await readCustodianRole(), custodian],
        }),
      );
    },

    async isCustodian(account: Address): Promise<boolean> {
      return publicClient.readContract({
        ...offerRegistry,
        functionName: "hasRole",
        args: [await readCustodianRole(), account],
      });
    },

    fundAccount(fromKey: Hex, to: Address, wei: bigint): Promise<SentTransaction> {
      return sendAs(fromKey, (walletClient) => walletClient.sendTransaction({ to, value: wei }));
    },

    /** Waits until the transaction is mined; an unreachable node fails the wait at once. */
    waitForReceipt(
      txHash: Hash,
      waitOptions: { timeoutMs?: number } = {},
    ): Promise<TransactionOutcome> {
      return waitForOutcome(publicClient, txHash, waitOptions.timeoutMs);
    },

    /** The offer as registered on chain, or null when no custodian registered it. */
    async offerOf(offerId: Hex): Promise<RegisteredOffer | null> {
      const [custodian, metadataHash, registeredAt] = await publicClient.readContract({
        ...offerRegistry,
        functionName: "offerOf",
        args: [offerId],
      });
      if (custodian === zeroAddress) return null;
      return { custodian, metadataHash, registeredAt };
    },

    /** `OfferRegistered` events in the inclusive block range, in chain order. */
    async offerRegisteredLogs(fromBlock: bigint, toBlock: bigint): Promise<OfferRegisteredLog[]> {
      const logs = await publicClient.getContractEvents({
        ...offerRegistry,
        eventName: "OfferRegistered",
        fromBlock,
        toBlock,
        strict: true,
      });
      return logs.map((log) => ({
        offerId: log.args.offerId,
        custodian: log.args.custodian,
        metadataHash: log.args.metadataHash,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        logIndex: log.logIndex,
        txHash: log.transactionHash,
      }));
    },

    async hasCode(address: Address): Promise<boolean> {
      const code = await publicClient.getCode({ address });
      return code !== undefined && code !== "0x";
    },
  };
}

export type ContractRevert = { errorName: string; args: readonly unknown[] };

/**
 * The custom error a contract reverted with (`OfferAlreadyRegistered`, `AccessControlUnauthorizedAccount`, …),
 * or null when the error is not a decoded revert.
 */
export function decodeContractRevert(error: unknown): ContractRevert | null {
  if (!(error instanceof BaseError)) return null;
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError) || reverted.data === undefined) {
    return null;
  }
  return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
}

const UNAVAILABLE_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/**
 * True when the error means the node could not be reached or did not answer in time (refused connection,
 * reset, timeout), as opposed to the node answering with an error. Such failures are worth a retry later.
 */
export function isChainUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof HttpRequestError || current instanceof TimeoutError) return true;
    const { code, cause, errors } = current as {
      code?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === "string" && UNAVAILABLE_ERROR_CODES.has(code)) return true;
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
  }
  return false;
}
