// Follows the contracts' events into the database: resumes from the last indexed block,
// rewinds past a reorganisation of up to `reorgWindow` blocks, applies each event idempotently.
import { bytesToHex, hexToBytes, type Hex } from "viem";
import type { Logger } from "#core/log.ts";
import type { Db } from "#db/client.ts";
import {
  lastIndexedBlock,
  recentIndexedBlocks,
  recordChainEvent,
  recordIndexedBlocks,
  rewindIndexer,
} from "#db/queries/chain.ts";
import { confirmOffer, unconfirmOffersAbove } from "#db/queries/offers.ts";
import type { ChainClient } from "#contracts/client.ts";

export type IndexerOptions = {
  db: Db;
  chain: ChainClient;
  chainId: number;
  /** First block worth reading: the block the contracts were deployed in. */
  startBlock: bigint;
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

export function createIndexer(options: IndexerOptions): Indexer {
  const { db, chain, chainId, log } = options;
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
    if (!last) return { next: options.startBlock };
    const recent = await recentIndexedBlocks(db, chainId, reorgWindow);
    for (const block of recent) {
      if ((await blockHashAt(block.number)) === bytesToHex(block.hash)) {
        if (block.number === last.number) return { next: last.number + 1n };
        await db.transaction(async (tx) => {
          const dropped = await rewindIndexer(tx, chainId, block.number);
          const reverted = await unconfirmOffersAbove(tx, block.number);
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
      const blocks = new Map<bigint, Hex>([
        [anchor, anchorHash],
        [toBlock, tipBefore],
      ]);
      for (const event of logs) blocks.set(event.blockNumber, event.blockHash);
      await recordIndexedBlocks(
        tx,
        chainId,
        [...blocks].map(([number, hash]) => ({ number, hash: hexToBytes(hash) })),
        reorgWindow,
      );
    });
    if (logs.length > 0)
      log.info("indexed events", { fromBlock: next, toBlock, events: logs.length });
    return { fromBlock: next, toBlock, events: logs.length, rewoundTo };
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
