// Registers a pending offer on chain. Safe to run twice: it asks the chain before sending.
import type { Hex } from "viem";
import { decodeContractRevert, isChainUnavailable } from "#contracts/client.ts";
import { getOffer, markOfferSubmitted } from "#db/queries/offers.ts";
import type { Task } from "../queue.ts";
import type { TaskContext } from "../context.ts";

export const registerOfferTask: Task<"offer.register", TaskContext> = async (payload, context) => {
  try {
    await registerOffer(payload.offerId, context);
  } catch (error) {
    // The page shows the last error to the custodian: say plainly when the chain is the problem.
    if (isChainUnavailable(error))
      throw new Error("the chain node cannot be reached", { cause: error });
    throw error;
  }
};

async function registerOffer(offerId: string, context: TaskContext): Promise<void> {
  const { db, chain, keyring, log } = context;
  const offer = await getOffer(db, offerId);
  if (!offer || offer.status === "confirmed") return;

  const registered = await chain.offerOf(offer.chainOfferId as Hex);
  if (registered) {
    if (registered.metadataHash !== offer.metadataHash) {
      throw new Error(`offer ${offer.id} is registered on chain with different terms`);
    }
    await markOfferSubmitted(db, offer.id, offer.txHash);
    return;
  }

  const signerKey = await keyring.custodianKey(offer.custodianId);
  let txHash: Hex;
  try {
    ({ txHash } = await chain.registerOffer(
      signerKey,
      offer.chainOfferId as Hex,
      offer.metadataHash as Hex,
    ));
  } catch (error) {
    // Another attempt registered it between our check and our send: nothing left to do.
    if (decodeContractRevert(error)?.errorName === "OfferAlreadyRegistered") {
      await markOfferSubmitted(db, offer.id, offer.txHash);
      return;
    }
    throw error;
  }
  await markOfferSubmitted(db, offer.id, txHash);
  log.info("offer registration sent", { offerId: offer.id, txHash });
  const receipt = await chain.waitForReceipt(txHash);
  if (receipt.status !== "success") {
    throw new Error(`registration transaction ${txHash} for offer ${offer.id} reverted`);
  }
}
