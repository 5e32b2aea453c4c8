// The browser's half of Sign-In with Ethereum (EIP-4361): fetch a nonce, write the message naming
// this site, sign it with a wallet or a key kept in this browser, and hand both to the sign-in form.
import { createWalletClient, custom, type Address, type EIP1193Provider, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export type MessageSigner = { address: Address; signMessage(message: string): Promise<Hex> };

const STATEMENT =
  "Sign in to Consentry. This proves you hold this account; it sends nothing to the chain and costs nothing.";
// The server refuses messages older than its nonces (10 minutes).
const MESSAGE_LIFETIME_MS = 10 * 60_000;

export function localKeySigner(privateKey: Hex): MessageSigner {
  const account = privateKeyToAccount(privateKey);
  return { address: account.address, signMessage: (message) => account.signMessage({ message }) };
}

/** The injected wallet's (window.ethereum) first account; the wallet asks the user to allow it. */
export async function injectedWalletSigner(): Promise<MessageSigner> {
  if (!window.ethereum) throw new Error("No wallet was found in this browser.");
  const client = createWalletClient({ transport: custom(window.ethereum) });
  const [address] = await client.requestAddresses();
  if (!address) throw new Error("The wallet shared no account.");
  return { address, signMessage: (message) => client.signMessage({ account: address, message }) };
}

export type SignedMessage = { message: string; signature: Hex };

export async function signInMessage(
  signer: MessageSigner,
  options: { chainId: number },
): Promise<SignedMessage> {
  const response = await fetch("/sign-in/nonce", { method: "POST" });
  if (!response.ok) throw new Error(`The server gave no sign-in nonce (${response.status}).`);
  const { nonce } = (await response.json()) as { nonce: string };
  const issuedAt = new Date();
  const message = createSiweMessage({
    domain: window.location.host,
    address: signer.address,
    statement: STATEMENT,
    uri: window.location.origin,
    version: "1",
    chainId: options.chainId,
    nonce,
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + MESSAGE_LIFETIME_MS),
  });
  return { message, signature: await signer.signMessage(message) };
}
