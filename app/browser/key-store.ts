// Chain account keys kept in this browser (localStorage), for patients without a wallet. Only this
// browser profile holds them: clearing the site's data loses them, and any script running on this
// site could read them, so they suit a demo or a low-stakes account, not large sums.
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { z } from "zod";

const STORAGE_KEY = "consentry.account-keys";

const StoredKeySchema = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  privateKey: z.string().regex(/^0x[0-9a-f]{64}$/),
  label: z.string().max(200),
  createdAt: z.string(),
});

export type StoredKey = { address: Address; privateKey: Hex; label: string; createdAt: string };

/** The keys this browser keeps; entries that do not parse (edited by hand, older layouts) are skipped. */
export function listStoredKeys(): StoredKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry) => {
    const parsed = StoredKeySchema.safeParse(entry);
    return parsed.success ? [parsed.data as StoredKey] : [];
  });
}

/** Keeps a key (once per account: keeping it again keeps the first label); returns what is kept. */
export function keepKey(privateKey: Hex, label: string): StoredKey {
  const address = privateKeyToAddress(privateKey);
  const keys = listStoredKeys();
  const kept = keys.find((key) => key.address === address);
  if (kept) return kept;
  const key: StoredKey = { address, privateKey, label, createdAt: new Date().toISOString() };
  window.localStorage.setItem(STORAGE_KEY, JSON.stringify([...keys, key]));
  return key;
}

/** Makes a new account key and keeps it in this browser. */
export function createKey(): StoredKey {
  return keepKey(generatePrivateKey(), "Made in this browser");
}
