// Custodians' signing keys for the embedded mode: one JSON file, owner-readable only.
// Deployments replace this with their KMS; nothing else in the code reads key material.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { hexToBytes, type Address, type Hex } from "viem";

type KeyringFile = {
  version: 1;
  custodians: Record<string, Hex>;
  /** Per custodian: the HMAC keys de-identification uses (pseudonyms, date shifts). */
  deidentification?: Record<string, { pseudonymKey: Hex; dateShiftKey: Hex }>;
};

export type DeidentificationKeys = { pseudonymKey: Uint8Array; dateShiftKey: Uint8Array };

export type Keyring = {
  custodianKey(custodianId: string): Promise<Hex>;
  /** Creates the custodian's key on first use; returns its address. */
  ensureCustodianKey(custodianId: string): Promise<Address>;
  /** The custodian's de-identification keys, created on first use (two distinct 32-byte keys). */
  deidentificationKeys(custodianId: string): Promise<DeidentificationKeys>;
};

export function openFileKeyring(path: string): Keyring {
  let cache: KeyringFile | null = null;

  const load = async (): Promise<KeyringFile> => {
    if (cache) return cache;
    try {
      const parsed = JSON.parse(await readFile(path, "utf8")) as KeyringFile;
      if (parsed.version !== 1 || typeof parsed.custodians !== "object") {
        throw new Error(`keyring ${path} is not a version 1 keyring`);
      }
      cache = parsed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      cache = { version: 1, custodians: {} };
    }
    return cache;
  };

  const save = async (file: KeyringFile) => {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  };

  return {
    async custodianKey(custodianId) {
      const key = (await load()).custodians[custodianId];
      if (!key) throw new Error(`no signing key for custodian ${custodianId} in ${path}`);
      return key;
    },
    async deidentificationKeys(custodianId) {
      const file = await load();
      file.deidentification ??= {};
      let keys = file.deidentification[custodianId];
      if (!keys) {
        keys = { pseudonymKey: generatePrivateKey(), dateShiftKey: generatePrivateKey() };
        file.deidentification[custodianId] = keys;
        await save(file);
      }
      return {
        pseudonymKey: hexToBytes(keys.pseudonymKey),
        dateShiftKey: hexToBytes(keys.dateShiftKey),
      };
    },
    async ensureCustodianKey(custodianId) {
      const file = await load();
      let key = file.custodians[custodianId];
      if (!key) {
        key = generatePrivateKey();
        file.custodians[custodianId] = key;
        await save(file);
      }
      return privateKeyToAddress(key);
    },
  };
}
