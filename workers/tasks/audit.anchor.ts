// Seals the audit log's new entries into Merkle batches and publishes each batch's root on chain,
// in AccessLogAnchors, from the operator's account (the deployment's audit publisher).
//
// The contract holds batches per publisher, gap-free: its `batchId` is `audit_anchors.batch_id`,
// its `firstSequence` is `first_seq - 1` (the log counts from 1, the contract from 0) and its
// `leafCount` is `leaf_count` (`anchorOnChain` in core/custody/audit.ts). Safe to run twice: it
// reads the chain before sending, and a batch already there with the same root is only recorded.
import type { Address, Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { anchorOnChain, chainBatchMatches } from "#core/custody/audit.ts";
import { decodeContractRevert, isChainUnavailable } from "#contracts/client.ts";
import { createLedgerClient, type LedgerClient } from "#contracts/ledger.ts";
import { ledgerDeployment } from "#contracts/system.ts";
import {
  nextAnchorToPublish,
  recordAnchorPublication,
  sealAuditBatch,
  type AuditBatch,
} from "#db/queries/audit.ts";
import type { Task } from "../queue.ts";
import type { TaskContext } from "../context.ts";

export const anchorAuditLogTask: Task<"audit.anchor", TaskContext> = async (_payload, context) => {
  try {
    await anchorAuditLog(context);
  } catch (error) {
    if (isChainUnavailable(error))
      throw new Error("the chain node cannot be reached", { cause: error });
    throw error;
  }
};

async function anchorAuditLog(context: TaskContext): Promise<void> {
  const { db, chainAccess, log } = context;
  while ((await sealAuditBatch(db)) !== null);

  const { system, operatorKey } = chainAccess;
  const ledger = createLedgerClient({
    rpcUrl: chainAccess.rpcUrl,
    addresses: ledgerDeployment(system),
    chainId: system.chainId,
  });
  const publisher = privateKeyToAddress(operatorKey);
  for (let batch = await nextAnchorToPublish(db); batch; batch = await nextAnchorToPublish(db)) {
    const txHash =
      (await alreadyAnchored(ledger, publisher, batch, system.deployBlock)) ??
      (await publish(ledger, operatorKey, publisher, batch, system.deployBlock));
    await recordAnchorPublication(db, batch.batchId, txHash);
    log.info("audit batch anchored", {
      batchId: batch.batchId,
      entries: batch.leafCount,
      txHash,
    });
  }
}

/** The transaction that anchored this very batch, or null when the chain does not hold it yet. */
async function alreadyAnchored(
  ledger: LedgerClient,
  publisher: Address,
  batch: AuditBatch,
  fromBlock: bigint,
): Promise<Hex | null> {
  const onChain = await ledger.accessBatchOf(publisher, batch.batchId);
  if (!onChain) return null;
  if (!chainBatchMatches(batch, onChain)) {
    throw new Error(
      `audit batch ${batch.batchId} is anchored on chain with root ${onChain.root} (seq ${onChain.firstSequence + 1n}–${onChain.lastSequence + 1n}), ` +
        `not the stored root ${batch.root} (seq ${batch.firstSeq}–${batch.lastSeq}): run npm run audit:verify`,
    );
  }
  const txHash = await ledger.accessBatchAnchoredTx(publisher, batch.batchId, fromBlock);
  if (!txHash) {
    throw new Error(
      `audit batch ${batch.batchId} is on chain, but no BatchAnchored event names it`,
    );
  }
  return txHash;
}

async function publish(
  ledger: LedgerClient,
  operatorKey: Hex,
  publisher: Address,
  batch: AuditBatch,
  fromBlock: bigint,
): Promise<Hex> {
  const { batchId, root, firstSequence, leafCount } = anchorOnChain(batch);
  let txHash: Hex;
  try {
    ({ txHash } = await ledger.publishAccessBatch(operatorKey, {
      batchId,
      root,
      firstSequence,
      leafCount,
    }));
  } catch (error) {
    // Another run anchored it between our read and our send: record theirs if it is this batch.
    if (decodeContractRevert(error)?.errorName === "BatchOutOfOrder") {
      const theirs = await alreadyAnchored(ledger, publisher, batch, fromBlock);
      if (theirs) return theirs;
    }
    throw error;
  }
  const outcome = await ledger.waitForReceipt(txHash);
  if (outcome.status !== "success") {
    throw new Error(`anchoring audit batch ${batch.batchId} reverted in ${txHash}`);
  }
  return txHash;
}
