// The events that change who may see what, read for the indexer: patients' research consents and
// care grants, and the ethics board's decisions. One `eth_getLogs` over the three contracts per
// block range, decoded against their generated ABIs, in chain order.
import {
  type Address,
  createPublicClient,
  getAbiItem,
  getAddress,
  type Hash,
  type Hex,
} from "viem";

import { createRpcTransport } from "./client.ts";
import { careGrantsAbi, consentRegistryAbi, ethicsBoardAbi } from "./generated/abis.ts";

const followedEvents = [
  getAbiItem({ abi: consentRegistryAbi, name: "ConsentGranted" }),
  getAbiItem({ abi: consentRegistryAbi, name: "ConsentRevoked" }),
  getAbiItem({ abi: careGrantsAbi, name: "CareAccessGranted" }),
  getAbiItem({ abi: careGrantsAbi, name: "CareAccessRevoked" }),
  getAbiItem({ abi: ethicsBoardAbi, name: "StudyApproved" }),
  getAbiItem({ abi: ethicsBoardAbi, name: "StudyRejected" }),
] as const;

export type LogPosition = {
  /** The contract that emitted it. */
  address: Address;
  blockNumber: bigint;
  blockHash: Hash;
  logIndex: number;
  txHash: Hash;
};

export type ConsentEvent = LogPosition &
  (
    | {
        contract: "ConsentRegistry";
        eventName: "ConsentGranted";
        args: { patient: Address; scope: Hex; purpose: number; disease: number; expiresAt: bigint };
      }
    | {
        contract: "ConsentRegistry";
        eventName: "ConsentRevoked";
        args: { patient: Address; scope: Hex; purpose: number; disease: number };
      }
    | {
        contract: "CareGrants";
        eventName: "CareAccessGranted";
        args: { patient: Address; provider: Address; condition: number; expiresAt: bigint };
      }
    | {
        contract: "CareGrants";
        eventName: "CareAccessRevoked";
        args: { patient: Address; provider: Address; condition: number };
      }
    | {
        contract: "EthicsBoard";
        eventName: "StudyApproved";
        args: { studyId: Hex; approvals: number };
      }
    | {
        contract: "EthicsBoard";
        eventName: "StudyRejected";
        args: { studyId: Hex; rejections: number };
      }
  );

export type ConsentEventAddresses = {
  consentRegistry: Address;
  careGrants: Address;
  ethicsBoard: Address;
};

export type ConsentEventReader = ReturnType<typeof createConsentEventReader>;

export function createConsentEventReader(options: {
  rpcUrl: string;
  addresses: ConsentEventAddresses;
  timeoutMs?: number;
}) {
  const publicClient = createPublicClient({
    transport: createRpcTransport(options.rpcUrl, options.timeoutMs),
  });
  const { consentRegistry, careGrants, ethicsBoard } = options.addresses;
  const emitter = new Map<Address, "ConsentRegistry" | "CareGrants" | "EthicsBoard">([
    [getAddress(consentRegistry), "ConsentRegistry"],
    [getAddress(careGrants), "CareGrants"],
    [getAddress(ethicsBoard), "EthicsBoard"],
  ]);

  return {
    /** The followed events in the inclusive block range, in chain order. */
    async consentEventLogs(fromBlock: bigint, toBlock: bigint): Promise<ConsentEvent[]> {
      const logs = await publicClient.getLogs({
        address: [...emitter.keys()],
        events: followedEvents,
        fromBlock,
        toBlock,
        strict: true,
      });
      const events: ConsentEvent[] = [];
      for (const log of logs) {
        const position: LogPosition = {
          address: getAddress(log.address),
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
          logIndex: log.logIndex,
          txHash: log.transactionHash,
        };
        const contract = emitter.get(getAddress(log.address));
        // An event name another followed contract also emits would be read from the wrong one.
        if (log.eventName === "ConsentGranted" && contract === "ConsentRegistry") {
          events.push({ ...position, contract, eventName: log.eventName, args: log.args });
        } else if (log.eventName === "ConsentRevoked" && contract === "ConsentRegistry") {
          events.push({ ...position, contract, eventName: log.eventName, args: log.args });
        } else if (log.eventName === "CareAccessGranted" && contract === "CareGrants") {
          events.push({ ...position, contract, eventName: log.eventName, args: log.args });
        } else if (log.eventName === "CareAccessRevoked" && contract === "CareGrants") {
          events.push({ ...position, contract, eventName: log.eventName, args: log.args });
        } else if (log.eventName === "StudyApproved" && contract === "EthicsBoard") {
          events.push({ ...position, contract, eventName: log.eventName, args: log.args });
        } else if (log.eventName === "StudyRejected" && contract === "EthicsBoard") {
          events.push({ ...position, contract, eventName: log.eventName, args: log.args });
        }
      }
      return events.sort((a, b) =>
        a.blockNumber === b.blockNumber
          ? a.logIndex - b.logIndex
          : a.blockNumber < b.blockNumber
            ? -1
            : 1,
      );
    },
  };
}
