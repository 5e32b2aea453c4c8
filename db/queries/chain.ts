// Chain bookkeeping: deployed addresses, the indexer's block window and the events it applied.
import { and, desc, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
  chainDeployments,
  chainEvents,
  indexedBlocks,
  type ChainDeployment,
} from "../schema/chain.ts";

export async function listDeployments(db: Db, chainId: number): Promise<ChainDeployment[]> {
  return db.select().from(chainDeployments).where(eq(chainDeployments.chainId, chainId));
}

export async function recordDeployment(
  db: Db,
  deployment: { chainId: number; contract: string; address: string; deployBlock: bigint },
): Promise<void> {
  await db
    .insert(chainDeployments)
    .values(deployment)
    .onConflictDoUpdate({
      target: [chainDeployments.chainId, chainDeployments.contract],
      set: {
        address: deployment.address,
        deployBlock: deployment.deployBlock,
        createdAt: sql`now()`,
      },
    });
}

export async function forgetDeployments(db: Db, chainId: number): Promise<void> {
  await db.delete(chainDeployments).where(eq(chainDeployments.chainId, chainId));
}

export type BlockRef = { number: bigint; hash: Uint8Array };

/** The indexed blocks, newest first, for finding the common ancestor after a reorganisation. */
export async function recentIndexedBlocks(
  db: Db,
  chainId: number,
  limit: number,
): Promise<BlockRef[]> {
  return db
    .select({ number: indexedBlocks.number, hash: indexedBlocks.hash })
    .from(indexedBlocks)
    .where(eq(indexedBlocks.chainId, chainId))
    .orderBy(desc(indexedBlocks.number))
    .limit(limit);
}

export async function lastIndexedBlock(db: Db, chainId: number): Promise<BlockRef | undefined> {
  const [row] = await recentIndexedBlocks(db, chainId, 1);
  return row;
}

/** Records processed blocks and prunes those older than the reorg window. */
export async function recordIndexedBlocks(
  db: Db,
  chainId: number,
  blocks: BlockRef[],
  keep: number,
): Promise<void> {
  if (blocks.length === 0) return;
  await db
    .insert(indexedBlocks)
    .values(blocks.map((block) => ({ chainId, number: block.number, hash: block.hash })))
    .onConflictDoUpdate({
      target: [indexedBlocks.chainId, indexedBlocks.number],
      set: { hash: sql`excluded.hash` },
    });
  const newest = blocks.reduce((max, block) => (block.number > max ? block.number : max), 0n);
  await db
    .delete(indexedBlocks)
    .where(
      and(eq(indexedBlocks.chainId, chainId), lt(indexedBlocks.number, newest - BigInt(keep))),
    );
}

/** Drops everything the indexer learnt from blocks above `blockNumber` (they were reorganised away). */
export async function rewindIndexer(db: Db, chainId: number, blockNumber: bigint): Promise<number> {
  await db
    .delete(indexedBlocks)
    .where(and(eq(indexedBlocks.chainId, chainId), gt(indexedBlocks.number, blockNumber)));
  const removed = await db
    .delete(chainEvents)
    .where(and(eq(chainEvents.chainId, chainId), gt(chainEvents.blockNumber, blockNumber)))
    .returning({ id: chainEvents.id });
  return removed.length;
}

export type NewChainEvent = typeof chainEvents.$inferInsert;

/** Stores an event once; returns false when it was already stored. */
export async function recordChainEvent(db: Db, event: NewChainEvent): Promise<boolean> {
  const inserted = await db
    .insert(chainEvents)
    .values(event)
    .onConflictDoNothing({
      target: [chainEvents.chainId, chainEvents.blockHash, chainEvents.logIndex],
    })
    .returning({ id: chainEvents.id });
  return inserted.length > 0;
}

export async function listChainEvents(db: Db, chainId: number) {
  return db
    .select()
    .from(chainEvents)
    .where(eq(chainEvents.chainId, chainId))
    .orderBy(chainEvents.blockNumber, chainEvents.logIndex);
}
