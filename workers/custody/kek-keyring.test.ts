import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CustodyCryptoError,
  generateDataKey,
  type DataKeyBinding,
} from "#core/custody/envelope.ts";
import { localKekId, openKekKeyring } from "./kek-keyring.ts";

const custodianA = "4f9d2c1e-0000-4000-8000-00000000000a";
const custodianB = "4f9d2c1e-0000-4000-8000-00000000000b";
const patient: DataKeyBinding = { custodianId: custodianA, pseudoId: "a".repeat(64) };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CustodyCryptoError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a CustodyCryptoError");
}

describe("the local KEK keyring", () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "consentry-kek-"));
    path = join(dir, "kek-keyring.json");
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the file on first use, owner-only, with version 1 current, and unwraps what it wrapped", async () => {
    const kes = openKekKeyring(path, { createIfMissing: true }).forCustodian(custodianA);
    const dataKey = generateDataKey();
    const wrapped = await kes.wrap(dataKey, patient);

    expect(wrapped).toMatchObject({ kekId: localKekId(custodianA), kekVersion: 1 });
    expect(Buffer.from(await kes.unwrap(wrapped, patient)).equals(dataKey)).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(path, "utf8"));
    expect(file.custodians[custodianA].current).toBe(1);
    expect(JSON.stringify(file)).not.toContain(Buffer.from(dataKey).toString("base64"));
  });

  it("refuses to work without its file unless told to create it", async () => {
    const kes = openKekKeyring(path).forCustodian(custodianA);
    expect(await codeOf(kes.wrap(generateDataKey(), patient))).toMatch(
      /^keyring-missing: the KEK keyring .* does not exist/,
    );
    expect(
      await codeOf(
        kes.unwrap({ kekId: kes.kekId, kekVersion: 1, wrappedKey: new Uint8Array(61) }, patient),
      ),
    ).toMatch(/^keyring-missing/);
  });

  it("refuses a key file other users can read, and one that is not a keyring", async () => {
    await openKekKeyring(path, { createIfMissing: true }).rotate(custodianA);
    await chmod(path, 0o644);
    expect(await codeOf(openKekKeyring(path).forCustodian(custodianA).currentVersion())).toMatch(
      /^keyring-unusable: .* readable by other users \(mode 644\)/,
    );
    await writeFile(path, "not json", { mode: 0o600 });
    await chmod(path, 0o600);
    expect(await codeOf(openKekKeyring(path).forCustodian(custodianA).currentVersion())).toMatch(
      /^keyring-unusable: .* is not JSON/,
    );
  });

  it("refuses to unwrap with another installation's keyring: wrong key", async () => {
    const wrapped = await openKekKeyring(path, { createIfMissing: true })
      .forCustodian(custodianA)
      .wrap(generateDataKey(), patient);
    const other = openKekKeyring(join(dir, "other.json"), { createIfMissing: true });
    await other.rotate(custodianA);
    expect(await codeOf(other.forCustodian(custodianA).unwrap(wrapped, patient))).toMatch(
      /^wrong-key: .* does not unwrap with local:.* version 1/,
    );
  });

  it("refuses another custodian's wrapped key, and wrapping for another custodian", async () => {
    const keyring = openKekKeyring(path, { createIfMissing: true });
    const wrapped = await keyring.forCustodian(custodianA).wrap(generateDataKey(), patient);
    expect(await codeOf(keyring.forCustodian(custodianB).unwrap(wrapped, patient))).toMatch(
      /^unknown-kek: .* was wrapped by local:4f9d2c1e-0000-4000-8000-00000000000a/,
    );
    expect(await codeOf(keyring.forCustodian(custodianB).wrap(generateDataKey(), patient))).toMatch(
      /^unknown-kek/,
    );
  });

  it("rotates: new keys go under the new version, old wrapped keys still unwrap until it is retired", async () => {
    const keyring = openKekKeyring(path, { createIfMissing: true });
    const kes = keyring.forCustodian(custodianA);
    const dataKey = generateDataKey();
    const underV1 = await kes.wrap(dataKey, patient);

    expect(await keyring.rotate(custodianA)).toBe(2);
    expect(await kes.currentVersion()).toBe(2);
    expect((await kes.wrap(generateDataKey(), patient)).kekVersion).toBe(2);
    expect(Buffer.from(await kes.unwrap(underV1, patient)).equals(dataKey)).toBe(true);

    await keyring.retire(custodianA, 1);
    expect(await keyring.versions(custodianA)).toEqual({ current: 2, versions: [2] });
    expect(await codeOf(kes.unwrap(underV1, patient))).toMatch(
      /^unknown-kek: KEK version 1 of custodian .* is not in .* \(it holds versions 2\): it was retired/,
    );
  });

  it("creates one version 1 when many first wraps run at once", async () => {
    const kes = openKekKeyring(path, { createIfMissing: true }).forCustodian(custodianA);
    const keys = Array.from({ length: 20 }, () => generateDataKey());
    const wrapped = await Promise.all(keys.map((key) => kes.wrap(key, patient)));
    const unwrapped = await Promise.all(wrapped.map((key) => kes.unwrap(key, patient)));
    expect(unwrapped.map((key) => Buffer.from(key).toString("hex"))).toEqual(
      keys.map((key) => Buffer.from(key).toString("hex")),
    );
    expect(await openKekKeyring(path).versions(custodianA)).toEqual({ current: 1, versions: [1] });
  });

  it("refuses to retire the current version", async () => {
    const keyring = openKekKeyring(path, { createIfMissing: true });
    await keyring.rotate(custodianA);
    await expect(keyring.retire(custodianA, 1)).rejects.toThrow(/is current: rotate first/);
  });

  it("sees a version another process added to the file", async () => {
    const running = openKekKeyring(path, { createIfMissing: true });
    await running.forCustodian(custodianA).wrap(generateDataKey(), patient);
    const operator = openKekKeyring(path);
    await operator.rotate(custodianA);
    const dataKey = generateDataKey();
    const underV2 = await operator.forCustodian(custodianA).wrap(dataKey, patient);
    const unwrapped = await running.forCustodian(custodianA).unwrap(underV2, patient);
    expect(Buffer.from(unwrapped).equals(dataKey)).toBe(true);
  });
});
