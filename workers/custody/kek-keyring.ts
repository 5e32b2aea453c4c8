// Custodians' key-encryption keys for the embedded mode (ADR 0007): one JSON file, mode 0600, holding
// several versions of each custodian's KEK, one of them current. A deployment puts its KMS behind the
// same KeyEncryptionService instead. The database never holds a KEK, and this file never holds data.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  CustodyCryptoError,
  DATA_KEY_BYTES,
  unwrapDataKey,
  wrapDataKey,
  type KeyEncryptionService,
} from "#core/custody/envelope.ts";

type KekVersionEntry = { key: string; createdAt: string };
type CustodianKeks = { current: number; versions: Record<string, KekVersionEntry> };
type KeyringFile = {
  format: "consentry.kek-keyring";
  version: 1;
  custodians: Record<string, CustodianKeks>;
};

export type KekKeyring = {
  readonly path: string;
  /** The custodian's KeyEncryptionService; its first wrap creates the custodian's KEK version 1. */
  forCustodian(custodianId: string): KeyEncryptionService;
  /** Adds a new KEK version and makes it current; returns it. Data keys need re-wrapping after. */
  rotate(custodianId: string): Promise<number>;
  /** Destroys a version that is no longer current: what it wrapped can never be unwrapped again. */
  retire(custodianId: string, version: number): Promise<void>;
  versions(custodianId: string): Promise<{ current: number; versions: number[] } | null>;
};

export type KekKeyringOptions = {
  /** Start an empty keyring when the file does not exist (the embedded first start). */
  createIfMissing?: boolean;
};

export const localKekId = (custodianId: string) => `local:${custodianId}`;

export function openKekKeyring(path: string, options: KekKeyringOptions = {}): KekKeyring {
  let cache: KeyringFile | null = null;

  const read = async (): Promise<KeyringFile> => {
    let text: string;
    try {
      const info = await stat(path);
      if ((info.mode & 0o077) !== 0) {
        throw new CustodyCryptoError(
          "keyring-unusable",
          `the KEK keyring ${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); ` +
            `run chmod 600 on it`,
        );
      }
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (options.createIfMissing)
        return { format: "consentry.kek-keyring", version: 1, custodians: {} };
      throw new CustodyCryptoError(
        "keyring-missing",
        `the KEK keyring ${path} does not exist: without it no stored data key can be unwrapped. ` +
          "Restore it from its backup, or point DATA_DIR at the right directory.",
      );
    }
    let parsed: KeyringFile;
    try {
      parsed = JSON.parse(text) as KeyringFile;
    } catch (error) {
      throw new CustodyCryptoError("keyring-unusable", `the KEK keyring ${path} is not JSON`, {
        cause: error,
      });
    }
    if (parsed.format !== "consentry.kek-keyring" || parsed.version !== 1) {
      throw new CustodyCryptoError(
        "keyring-unusable",
        `${path} is not a version 1 Consentry KEK keyring`,
      );
    }
    return parsed;
  };

  const load = async (fresh = false): Promise<KeyringFile> => {
    if (!cache || fresh) cache = await read();
    return cache;
  };

  // Changes to the file run one at a time: concurrent first wraps would otherwise each create a
  // version 1. (One process writes the file; an operator's rotation elsewhere is read on demand.)
  let writing: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(change: () => Promise<T>): Promise<T> => {
    const run = writing.then(change, change);
    writing = run.catch(() => undefined);
    return run;
  };

  const save = async (file: KeyringFile): Promise<void> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
    cache = file;
  };

  const newVersion = (): KekVersionEntry => ({
    key: randomBytes(DATA_KEY_BYTES).toString("base64"),
    createdAt: new Date().toISOString(),
  });

  /** A version's key bytes; reloads the file once in case another process rotated meanwhile. */
  const versionKey = async (custodianId: string, version: number): Promise<Uint8Array> => {
    for (const fresh of [false, true]) {
      const entry = (await load(fresh)).custodians[custodianId]?.versions[String(version)];
      if (entry) return new Uint8Array(Buffer.from(entry.key, "base64"));
    }
    const known = Object.keys((await load()).custodians[custodianId]?.versions ?? {});
    throw new CustodyCryptoError(
      "unknown-kek",
      `KEK version ${version} of custodian ${custodianId} is not in ${path} ` +
        `(it holds ${known.length > 0 ? `versions ${known.join(", ")}` : "no versions"}): ` +
        "it was retired, or this is another custodian's or another installation's keyring",
    );
  };

  const currentVersion = (custodianId: string): Promise<number> =>
    exclusive(async () => {
      const file = await load(true);
      const existing = file.custodians[custodianId];
      if (existing) return existing.current;
      file.custodians[custodianId] = { current: 1, versions: { "1": newVersion() } };
      await save(file);
      return 1;
    });

  return {
    path,
    forCustodian(custodianId) {
      const kekId = localKekId(custodianId);
      return {
        kekId,
        currentVersion: () => currentVersion(custodianId),
        async wrap(dataKey, context) {
          if (context.custodianId !== custodianId) {
            throw new CustodyCryptoError(
              "unknown-kek",
              `custodian ${custodianId}'s KEK does not wrap keys of custodian ${context.custodianId}`,
            );
          }
          const kekVersion =
            (await load()).custodians[custodianId]?.current ?? (await currentVersion(custodianId));
          const kekBytes = await versionKey(custodianId, kekVersion);
          return {
            kekId,
            kekVersion,
            wrappedKey: wrapDataKey(kekBytes, { kekId, kekVersion }, context, dataKey),
          };
        },
        async unwrap(wrapped, context) {
          if (wrapped.kekId !== kekId || context.custodianId !== custodianId) {
            throw new CustodyCryptoError(
              "unknown-kek",
              `the data key of patient ${context.pseudoId} was wrapped by ${wrapped.kekId}; this keyring holds ${kekId}`,
            );
          }
          const kekBytes = await versionKey(custodianId, wrapped.kekVersion);
          return unwrapDataKey(kekBytes, wrapped, context, wrapped.wrappedKey);
        },
      };
    },
    rotate: (custodianId) =>
      exclusive(async () => {
        const file = await load(true);
        const keks = file.custodians[custodianId];
        if (!keks) {
          file.custodians[custodianId] = { current: 1, versions: { "1": newVersion() } };
          await save(file);
          return 1;
        }
        const next = Math.max(...Object.keys(keks.versions).map(Number)) + 1;
        keks.versions[String(next)] = newVersion();
        keks.current = next;
        await save(file);
        return next;
      }),
    retire: (custodianId, version) =>
      exclusive(async () => {
        const file = await load(true);
        const keks = file.custodians[custodianId];
        if (!keks?.versions[String(version)]) {
          throw new CustodyCryptoError(
            "unknown-kek",
            `custodian ${custodianId} has no KEK version ${version} to retire`,
          );
        }
        if (keks.current === version) {
          throw new Error(
            `KEK version ${version} of custodian ${custodianId} is current: rotate first`,
          );
        }
        delete keks.versions[String(version)];
        await save(file);
      }),
    async versions(custodianId) {
      const keks = (await load(true)).custodians[custodianId];
      if (!keks) return null;
      return {
        current: keks.current,
        versions: Object.keys(keks.versions)
          .map(Number)
          .sort((a, b) => a - b),
      };
    },
  };
}
