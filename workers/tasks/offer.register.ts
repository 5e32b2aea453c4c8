// Registers a pending offer on chain. Safe to run twice: it asks the chain before sending.
import type { Hex } from "viem";
import { getOffer, markOfferSubmitted } from "../../db/queries/offers.ts";
import type { Task } from "../queue.ts";
import type { TaskContext } from "../context.ts";

export const registerOfferTask: Task<"offer.register", TaskContext> = async (payload, context) => {
  const { db, chain, keyring, log } = context;
  const offer = await getOffer(db, payload.offerId);
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
  const { txHash } = await chain.registerOffer(
    signerKey,
    offer.chainOfferId as Hex,
    offer.metadataHash as Hex,
  );
  await markOfferSubmitted(db, offer.id, txHash);
  log.info("offer registration sent", { offerId: offer.id, txHash });
  const receipt = await chain.waitForReceipt(txHash);
  if (receipt.status !== "success") {
    throw new Error(`registration transaction ${txHash} for offer ${offer.id} reverted`);
  }
};
