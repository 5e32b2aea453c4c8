// Follows the contracts' events into the database: resumes from the last indexed block,
// rewinds past a reorganisation of up to `reorgWindow` blocks, applies each event idempotently.
// Consent, care-grant and board decisions also go into the audit log, once per event, in the
// transaction that records the event; a rewind appends a `chain.rewound` entry (the log keeps
// what it said: it is append-only).
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { mondoId } from "#core/custody/care-conditions.ts";
import type { AuditEntryInput } from "#core/custody/audit.ts";
import type { Logger } from "#core/log.ts";
import type { Db } from "#db/client.ts";
import { appendAuditEntries } from "#db/queries/audit.ts";
import {
  lastIndexedBlock,
  recentIndexedBlocks,
  recordChainEvent,
  recordIndexedBlocks,
  rewindIndexer,
} from "#db/queries/chain.ts";
import { confirmOffer, unconfirmOffersAbove } from "#db/queries/offers.ts";
import type { ChainClient } from "#contracts/client.ts";
import { createConsentEventReader, type ConsentEvent } from "#contracts/events.ts";
import type { ChainAccess } from "#contracts/system.ts";

export type IndexerOptions = {
  db: Db;
  /** The offer registry's client; also reads blocks. */
  chain: ChainClient;
  /** The node and every contract's address; scans start at the deployment's first block. */
  chainAccess: Pick<ChainAccess, "rpcUrl" | "system">;
  log: Logger;
  pollIntervalMs?: number;
  reorgWindow?: number;
  maxBlocksPerBatch?: number;
};

export type SyncResult = { fromBlock: bigint; toBlock: bigint; events: number; rewoundTo?: bigint };

export type Indexer = {
  /** Indexes up to the current head (in batches); returns what the last batch covered. */
  syncOnce(): Promise<SyncResult | null>;
  start(): void;
  stop(): Promise<void>;
};

export class ReorgTooDeepError extends Error {
  constructor(window: number) {
    super(`chain reorganisation deeper than the ${window} blocks the indexer keeps`);
    this.name = "ReorgTooDeepError";
  }
}

const duoCode = (term: number) => `DUO:${String(term).padStart(7, "0")}`;

/** The audit entry a followed event writes: pseudonymous accounts and codes, nothing else. */
export function auditEntryForEvent(event: ConsentEvent): AuditEntryInput {
  const where = { blockNumber: Number(event.blockNumber), txHash: event.txHash.toLowerCase() };
  switch (event.contract) {
    case "ConsentRegistry": {
      const { patient, scope, purpose, disease } = event.args;
      const account = `account:${patient.toLowerCase()}`;
      return {
        actor: account,
        action: "consent.changed",
        subject: account,
        details: {
          // What the registry keys a consent by: the scope, the DUO purpose and, for DS, the disease.
          consentId: `${scope.toLowerCase()}/${duoCode(purpose)}/${mondoId(disease)}`,
          purpose: duoCode(purpose),
          change: event.eventName === "ConsentGranted" ? "granted" : "revoked",
          ...where,
        },
      };
    }
    case "CareGrants": {
      const { patient, provider, condition } = event.args;
      const account = `account:${patient.toLowerCase()}`;
      return {
        actor: account,
        action: "consent.changed",
        subject: account,
        details: {
          consentId: `care/${provider.toLowerCase()}/${mondoId(condition)}`,
          purpose: mondoId(condition),
          change: event.eventName === "CareAccessGranted" ? "care-granted" : "care-revoked",
          ...where,
        },
      };
    }
    case "EthicsBoard":
      return {
        // The board's quorum decided, as the contract at this address counted it.
        actor: `board:${event.address.toLowerCase()}`,
        action: "study.decided",
        subject: `study:${event.args.studyId.toLowerCase()}`,
        details: {
          studyId: event.args.studyId.toLowerCase(),
          decision: event.eventName === "StudyApproved" ? "approved" : "rejected",
          ...where,
        },
      };
  }
}

/** `chain_events.args` holds strings: numbers and amounts as decimals, addresses as given. */
const storedArgs = (args: Record<string, string | number | bigint>): Record<string, string> =>
  Object.fromEntries(Object.entries(args).map(([key, value]) => [key, String(value)]));

export function createIndexer(options: IndexerOptions): Indexer {
  const { db, chain, log } = options;
  const { system } = options.chainAccess;
  const chainId = system.chainId;
  const startBlock = system.deployBlock;
  const consentEvents = createConsentEventReader({
    rpcUrl: options.chainAccess.rpcUrl,
    addresses: {
      consentRegistry: system.contracts.ConsentRegistry,
      careGrants: system.contracts.CareGrants,
      ethicsBoard: system.contracts.EthicsBoard,
    },
  });
  const reorgWindow = options.reorgWindow ?? 64;
  const maxBlocks = BigInt(options.maxBlocksPerBatch ?? 2000);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const blockHashAt = async (number: bigint): Promise<Hex | null> => {
    const block = await chain.getBlock(number);
    return block?.hash ?? null;
  };

  /** The newest indexed block still on the canonical chain; everything above it is undone. */
  const findResumePoint = async (): Promise<{ next: bigint; rewoundTo?: bigint }> => {
    const last = await lastIndexedBlock(db, chainId);
    if (!last) return { next: startBlock };
    const recent = await recentIndexedBlocks(db, chainId, reorgWindow);
    for (const block of recent) {
      if ((await blockHashAt(block.number)) === bytesToHex(block.hash)) {
        if (block.number === last.number) return { next: last.number + 1n };
        await db.transaction(async (tx) => {
          const dropped = await rewindIndexer(tx, chainId, block.number);
          const reverted = await unconfirmOffersAbove(tx, block.number);
          if (dropped > 0) {
            await appendAuditEntries(tx, [
              {
                actor: "system",
                action: "chain.rewound",
                subject: `chain:${chainId}`,
                details: {
                  chainId,
                  fromBlock: Number(block.number + 1n),
                  toBlock: Number(last.number),
                  count: dropped,
                },
              },
            ]);
          }
          log.warn("chain reorganised: rewound the index", {
            from: last.number,
            to: block.number,
            droppedEvents: dropped,
            revertedOffers: reverted.length,
          });
        });
        return { next: block.number + 1n, rewoundTo: block.number };
      }
    }
    throw new ReorgTooDeepError(reorgWindow);
  };

  const syncBatch = async (): Promise<SyncResult | null> => {
    const { next, rewoundTo } = await findResumePoint();
    const head = await chain.blockNumber();
    if (next > head) return null;
    const toBlock = head < next + maxBlocks - 1n ? head : next + maxBlocks - 1n;
    const tipBefore = await blockHashAt(toBlock);
    // Also keep the oldest block of the batch inside the reorg window, so a common ancestor stays
    // on record even when the batch's last block is the one reorganised away.
    const windowStart = toBlock - BigInt(reorgWindow) + 1n;
    const anchor = windowStart > next ? windowStart : next;
    const anchorHash = await blockHashAt(anchor);
    const logs = await chain.offerRegisteredLogs(next, toBlock);
    const followed = await consentEvents.consentEventLogs(next, toBlock);
    const tipAfter = await blockHashAt(toBlock);
    if (!tipBefore || !anchorHash || tipBefore !== tipAfter) {
      // The range changed under us; the next round sees a settled chain.
      log.debug("chain moved while reading logs, retrying", { toBlock });
      return { fromBlock: next, toBlock: next - 1n, events: 0, rewoundTo };
    }
    await db.transaction(async (tx) => {
      for (const event of logs) {
        await recordChainEvent(tx, {
          chainId,
          blockNumber: event.blockNumber,
          blockHash: hexToBytes(event.blockHash),
          logIndex: event.logIndex,
          txHash: event.txHash,
          contract: "OfferRegistry",
          eventName: "OfferRegistered",
          args: {
            offerId: event.offerId,
            custodian: event.custodian,
            metadataHash: event.metadataHash,
          },
        });
        const matched = await confirmOffer(tx, {
          chainOfferId: event.offerId,
          txHash: event.txHash,
          blockNumber: event.blockNumber,
          blockHash: event.blockHash,
        });
        if (!matched)
          log.warn("offer registered on chain is unknown here", { offerId: event.offerId });
      }
      const entries: AuditEntryInput[] = [];
      for (const event of followed) {
        const recorded = await recordChainEvent(tx, {
          chainId,
          blockNumber: event.blockNumber,
          blockHash: hexToBytes(event.blockHash),
          logIndex: event.logIndex,
          txHash: event.txHash,
          contract: event.contract,
          eventName: event.eventName,
          args: storedArgs(event.args),
        });
        // Stored before: its entry was written then.
        if (recorded) entries.push(auditEntryForEvent(event));
      }
      const blocks = new Map<bigint, Hex>([
        [anchor, anchorHash],
        [toBlock, tipBefore],
      ]);
      for (const event of [...logs, ...followed]) blocks.set(event.blockNumber, event.blockHash);
      await recordIndexedBlocks(
        tx,
        chainId,
        [...blocks].map(([number, hash]) => ({ number, hash: hexToBytes(hash) })),
        reorgWindow,
      );
      // Last in the transaction: the append holds the audit head's lock until commit.
      await appendAuditEntries(tx, entries);
    });
    const events = logs.length + followed.length;
    if (events > 0) log.info("indexed events", { fromBlock: next, toBlock, events });
    return { fromBlock: next, toBlock, events, rewoundTo };
  };

  const syncOnce = async () => {
    let result: SyncResult | null = null;
    for (;;) {
      const batch = await syncBatch();
      if (!batch) return result;
      result = batch;
      if (batch.toBlock < batch.fromBlock) return result;
    }
  };

  const poll = async () => {
    let failing = false;
    while (running) {
      try {
        await syncOnce();
        if (failing) log.info("indexer reached the chain again");
        failing = false;
      } catch (error) {
        if (error instanceof ReorgTooDeepError) log.error("indexer stopped advancing", { error });
        else if (!failing) log.warn("indexer cannot read the chain, will retry", { error });
        failing = true;
      }
      if (!running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  };

  return {
    syncOnce,
    start() {
      if (running) return;
      running = true;
      loop = poll();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      loop = null;
    },
  };
}
