// Puts a custodian's stored records on chain: seals every record not yet in a batch, then publishes
// each unpublished batch's root, in order, from the custodian's own key (RecordCommitments). Safe to
// run twice: it asks the chain first, and a batch the chain already holds with the same root is only
// recorded. A batch the chain holds with another root stops the run: the store and the chain disagree.
import { getAddress, type Address, type Hash, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import type { Logger } from "#core/log.ts";
import { decodeContractRevert, isChainUnavailable } from "#contracts/client.ts";
import { createLedgerClient, type LedgerClient } from "#contracts/ledger.ts";
import { ledgerDeployment } from "#contracts/system.ts";
import type { Db } from "#db/client.ts";
import { getCustodian } from "#db/queries/custodians.ts";
import {
  nextUnpublishedRecordBatch,
  recordRecordBatchPublication,
  sealRecordCommitmentBatch,
  type SealedRecordBatch,
} from "#db/queries/record-commitments.ts";
import type { Task } from "../queue.ts";
import type { TaskContext } from "../context.ts";

export const commitRecordsTask: Task<"custody.commit-records", TaskContext> = async (
  payload,
  context,
) => {
  try {
    await commitRecords(payload.custodianId, context);
  } catch (error) {
    if (isChainUnavailable(error))
      throw new Error("the chain node cannot be reached", { cause: error });
    throw error;
  }
};

type Publisher = {
  db: Db;
  ledger: LedgerClient;
  custodianId: string;
  custodian: Address;
  signerKey: Hex;
  /** Where the search for a batch's transaction starts: the system's first deployment block. */
  fromBlock: bigint;
  log: Logger;
};

async function commitRecords(custodianId: string, context: TaskContext): Promise<void> {
  const { db, chainAccess, keyring, log } = context;
  const row = await getCustodian(db, custodianId);
  if (!row) return;
  if (!row.chainAddress) {
    throw new Error(`custodian ${custodianId} is not registered on chain yet`);
  }
  const signerKey = await keyring.custodianKey(custodianId);
  const custodian = getAddress(row.chainAddress);
  // Leaves name the recorded address and the chain names the sender: the two must be one account.
  if (privateKeyToAddress(signerKey) !== custodian) {
    throw new Error(`custodian ${custodianId}'s signing key is not its chain address ${custodian}`);
  }
  const publisher: Publisher = {
    db,
    ledger: createLedgerClient({
      rpcUrl: chainAccess.rpcUrl,
      addresses: ledgerDeployment(chainAccess.system),
      chainId: chainAccess.system.chainId,
    }),
    custodianId,
    custodian,
    signerKey,
    fromBlock: chainAccess.system.deployBlock,
    log,
  };

  // Sealing again after each publication picks up records stored meanwhile: their store's enqueue
  // was a no-op while this job was active.
  for (;;) {
    while (await sealRecordCommitmentBatch(db, custodianId)) {
      // Each pass seals the next batch of at most 5,000 records.
    }
    const batch = await nextUnpublishedRecordBatch(db, custodianId);
    if (!batch) return;
    await publishBatch(publisher, batch);
  }
}

async function publishBatch(publisher: Publisher, batch: SealedRecordBatch): Promise<void> {
  const { db, ledger, custodianId, custodian, log } = publisher;
  const onChain = await ledger.recordBatchCount(custodian);
  if (batch.batchId < onChain) {
    await recordLandedBatch(publisher, batch);
    return;
  }
  if (batch.batchId > onChain) {
    throw new Error(
      `custodian ${custodianId} has ${onChain} record batches on chain, so batch ${batch.batchId} cannot follow: ` +
        "the store records batches as published that the chain does not hold",
    );
  }

  let txHash: Hash;
  try {
    ({ txHash } = await ledger.publishRecordBatch(publisher.signerKey, batch));
  } catch (error) {
    // Another attempt landed this batch between our check and our send.
    if (decodeContractRevert(error)?.errorName === "BatchOutOfOrder") {
      await recordLandedBatch(publisher, batch);
      return;
    }
    throw error;
  }
  const outcome = await ledger.waitForReceipt(txHash);
  if (outcome.status !== "success") {
    throw new Error(
      `record batch ${batch.batchId} of custodian ${custodianId} reverted (${txHash})`,
    );
  }
  await recordRecordBatchPublication(db, custodianId, batch.batchId, txHash);
  log.info("record batch committed on chain", {
    custodianId,
    batchId: batch.batchId.toString(),
    leafCount: batch.leafCount,
    txHash,
  });
}

/** The chain holds the batch already (an earlier attempt sent it): check it is ours, and record it. */
async function recordLandedBatch(publisher: Publisher, batch: SealedRecordBatch): Promise<void> {
  const { db, ledger, custodianId, custodian, log } = publisher;
  const landed = await ledger.recordBatchOf(custodian, batch.batchId);
  if (
    !landed ||
    landed.root.toLowerCase() !== batch.root.toLowerCase() ||
    landed.leafCount !== batch.leafCount
  ) {
    log.error("record batch on chain differs from the stored one", {
      custodianId,
      batchId: batch.batchId.toString(),
      storedRoot: batch.root,
      storedLeafCount: batch.leafCount,
      chainRoot: landed?.root ?? null,
      chainLeafCount: landed?.leafCount ?? null,
    });
    throw new Error(
      `record batch ${batch.batchId} of custodian ${custodianId} is on chain with another root`,
    );
  }
  const txHash = await ledger.recordBatchTransaction(custodian, batch.batchId, publisher.fromBlock);
  if (!txHash) {
    throw new Error(
      `record batch ${batch.batchId} of custodian ${custodianId} is on chain, but no transaction committed it`,
    );
  }
  await recordRecordBatchPublication(db, custodianId, batch.batchId, txHash);
  log.info("record batch found on chain and recorded", {
    custodianId,
    batchId: batch.batchId.toString(),
    txHash,
  });
}
