// Sending and confirming transactions, shared by every contract client: writes queue per signer
// (two sends from one key in flight would read the same nonce), and waiting for a receipt fails at
// once on an unreachable node instead of polling it until the timeout (viem's own wait does that).
import {
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  WaitForTransactionReceiptTimeoutError,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

// Anvil and Hardhat mine on demand, so a receipt is usually there on the first or second poll.
export const POLLING_INTERVAL_MS = 250;
export const RECEIPT_TIMEOUT_MS = 30_000;

export type SentTransaction = { txHash: Hash };

export type TransactionOutcome = {
  txHash: Hash;
  status: "success" | "reverted";
  blockNumber: bigint;
  blockHash: Hash;
};

export type Signer = WalletClient<Transport, Chain, Account>;

export type SendAs = (
  privateKey: Hex,
  send: (signer: Signer) => Promise<Hash>,
) => Promise<SentTransaction>;

/**
 * Sends in flight, per signer address, for the whole process: a custodian's key signs offer
 * registrations and record commitments from different clients (and tasks build their clients per
 * run), and two of its sends in flight at once would be given the same nonce.
 */
const sendQueues = new Map<Address, Promise<unknown>>();

/** One wallet client per key; sends queue per signer address across every client. */
export function createSendAs(chain: Chain | (() => Promise<Chain>), transport: Transport): SendAs {
  const signers = new Map<Hex, Promise<Signer>>();
  const signerFor = (privateKey: Hex): Promise<Signer> => {
    let signer = signers.get(privateKey);
    if (!signer) {
      const account = privateKeyToAccount(privateKey);
      signer = (typeof chain === "function" ? chain() : Promise.resolve(chain)).then((resolved) =>
        createWalletClient({ account, chain: resolved, transport }),
      );
      // A chain lookup that failed is tried again on the next send.
      signer.catch(() => signers.delete(privateKey));
      signers.set(privateKey, signer);
    }
    return signer;
  };
  return (privateKey, send) => {
    const address = privateKeyToAccount(privateKey).address;
    const previous = sendQueues.get(address) ?? Promise.resolve();
    const sent = previous
      .catch(() => undefined)
      .then(async () => send(await signerFor(privateKey)));
    sendQueues.set(address, sent);
    // The newest send is the queue's tail; once it settles with nothing behind it, forget the signer.
    void sent.then(
      () => sendQueues.get(address) === sent && sendQueues.delete(address),
      () => sendQueues.get(address) === sent && sendQueues.delete(address),
    );
    return sent.then((txHash) => ({ txHash }));
  };
}

/** Polls until the transaction is mined; an unreachable node fails the wait at once. */
export async function pollReceipt(
  publicClient: Pick<PublicClient, "getTransactionReceipt">,
  txHash: Hash,
  timeoutMs = RECEIPT_TIMEOUT_MS,
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await publicClient.getTransactionReceipt({ hash: txHash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
    if (Date.now() >= deadline) throw new WaitForTransactionReceiptTimeoutError({ hash: txHash });
    await new Promise((resolve) => setTimeout(resolve, POLLING_INTERVAL_MS));
  }
}

/** `pollReceipt`, reduced to what callers keep. */
export async function waitForOutcome(
  publicClient: Pick<PublicClient, "getTransactionReceipt">,
  txHash: Hash,
  timeoutMs?: number,
): Promise<TransactionOutcome> {
  const receipt = await pollReceipt(publicClient, txHash, timeoutMs);
  return {
    txHash,
    status: receipt.status,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
  };
}
