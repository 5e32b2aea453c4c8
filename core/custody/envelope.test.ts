import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "#core/canonical.ts";
import {
  canonicalBytes,
  CustodyCryptoError,
  generateDataKey,
  NONCE_BYTES,
  openJson,
  openRecord,
  patientRefSalt,
  RECORD_FORMAT_VERSION,
  recordCommitment,
  recordDigest,
  sealJson,
  sealRecord,
  TAG_BYTES,
  unwrapDataKey,
  WRAPPED_KEY_BYTES,
  wrapDataKey,
  type RecordBinding,
} from "./envelope.ts";

const binding: RecordBinding = {
  custodianId: "4f9d2c1e-0000-4000-8000-000000000001",
  pseudoId: "a".repeat(64),
  resourceId: "b".repeat(64),
};
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");
const bytes = (value: string) => new Uint8Array(Buffer.from(value, "utf8"));

function expectCryptoError(run: () => unknown, code: CustodyCryptoError["code"]): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CustodyCryptoError);
  expect((caught as CustodyCryptoError).code).toBe(code);
}

describe("sealRecord and openRecord", () => {
  it("gives back the plaintext with the key and binding it was sealed under", () => {
    const key = generateDataKey();
    const sealed = sealRecord(key, binding, bytes('{"resourceType":"Observation"}'));
    expect(text(openRecord(key, binding, sealed))).toBe('{"resourceType":"Observation"}');
  });

  it("binds the canonical JSON of the format version, custodian, patient and resource, as stored records were sealed", () => {
    // Sealed by hand, as version 1 defines it: what is stored must keep opening whatever the code caches.
    const key = generateDataKey();
    const sealAsStored = (where: RecordBinding, plaintext: string) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(
        Buffer.from(
          canonicalJson([
            "consentry.record",
            1,
            where.custodianId,
            where.pseudoId,
            where.resourceId,
          ]),
        ),
      );
      const ciphertext = Buffer.concat([
        cipher.update(plaintext),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return {
        formatVersion: 1,
        nonce: new Uint8Array(nonce),
        ciphertext: new Uint8Array(ciphertext),
      };
    };
    const other = { ...binding, pseudoId: "c".repeat(64), resourceId: "d".repeat(64) };
    const first = sealAsStored(binding, '"first"');
    const second = sealAsStored(other, '"second"');
    // Alternating patients: each record opens under its own binding only.
    expect(openJson(key, binding, first)).toBe("first");
    expect(openJson(key, other, second)).toBe("second");
    expect(openJson(key, binding, first)).toBe("first");
    expectCryptoError(() => openJson(key, binding, second), "tampered");
    expectCryptoError(
      () => openJson(key, { ...other, resourceId: binding.resourceId }, second),
      "tampered",
    );
  });

  it("uses a fresh 96-bit nonce for every record, so equal plaintexts differ as ciphertexts", () => {
    const key = generateDataKey();
    const first = sealRecord(key, binding, bytes("same"));
    const second = sealRecord(key, binding, bytes("same"));
    expect(first.nonce).toHaveLength(NONCE_BYTES);
    expect(Buffer.from(first.nonce).equals(second.nonce)).toBe(false);
    expect(Buffer.from(first.ciphertext).equals(second.ciphertext)).toBe(false);
    expect(first.ciphertext).toHaveLength(4 + TAG_BYTES);
  });

  it("refuses a ciphertext moved to another patient, resource or custodian", () => {
    const key = generateDataKey();
    const sealed = sealRecord(key, binding, bytes("cholesterol 5.2"));
    for (const moved of [
      { ...binding, pseudoId: "c".repeat(64) },
      { ...binding, resourceId: "d".repeat(64) },
      { ...binding, custodianId: "4f9d2c1e-0000-4000-8000-000000000002" },
    ]) {
      expectCryptoError(() => openRecord(key, moved, sealed), "tampered");
    }
  });

  it("refuses a ciphertext with one flipped bit, in the body or the tag, or a changed nonce", () => {
    const key = generateDataKey();
    const sealed = sealRecord(key, binding, bytes("blood pressure 140/90"));
    const flippedBody = Uint8Array.from(sealed.ciphertext);
    flippedBody[0] = (flippedBody[0] ?? 0) ^ 1;
    const flippedTag = Uint8Array.from(sealed.ciphertext);
    flippedTag[flippedTag.length - 1] = (flippedTag[flippedTag.length - 1] ?? 0) ^ 0x80;
    const otherNonce = new Uint8Array(randomBytes(NONCE_BYTES));
    expectCryptoError(
      () => openRecord(key, binding, { ...sealed, ciphertext: flippedBody }),
      "tampered",
    );
    expectCryptoError(
      () => openRecord(key, binding, { ...sealed, ciphertext: flippedTag }),
      "tampered",
    );
    expectCryptoError(() => openRecord(key, binding, { ...sealed, nonce: otherNonce }), "tampered");
  });

  it("refuses to open a record with another patient's data key", () => {
    const sealed = sealRecord(generateDataKey(), binding, bytes("x"));
    expectCryptoError(() => openRecord(generateDataKey(), binding, sealed), "tampered");
  });

  it("names the record and what may have happened when authentication fails", () => {
    const sealed = sealRecord(generateDataKey(), binding, bytes("x"));
    expect(() => openRecord(generateDataKey(), binding, sealed)).toThrow(
      /record b{64} of patient a{64} failed authentication/,
    );
  });

  it("refuses an envelope of an unknown format version, a short nonce or a key of the wrong size", () => {
    const key = generateDataKey();
    const sealed = sealRecord(key, binding, bytes("x"));
    expectCryptoError(() => openRecord(key, binding, { ...sealed, formatVersion: 2 }), "malformed");
    expectCryptoError(
      () => openRecord(key, binding, { ...sealed, nonce: sealed.nonce.subarray(0, 8) }),
      "malformed",
    );
    expectCryptoError(() => sealRecord(key.subarray(0, 16), binding, bytes("x")), "malformed");
  });
});

describe("recordCommitment", () => {
  it("is SHA-256 over version, nonce and ciphertext, and changes with any of them", () => {
    const sealed = sealRecord(generateDataKey(), binding, bytes("x"));
    const expected = createHash("sha256")
      .update(Uint8Array.of(RECORD_FORMAT_VERSION))
      .update(sealed.nonce)
      .update(sealed.ciphertext)
      .digest();
    expect(Buffer.from(sealed.commitment).equals(expected)).toBe(true);
    const otherNonce = recordCommitment({ ...sealed, nonce: new Uint8Array(NONCE_BYTES) });
    expect(Buffer.from(otherNonce).equals(sealed.commitment)).toBe(false);
  });
});

describe("sealJson and recordDigest", () => {
  it("seals a JSON value in canonical form and reads it back", () => {
    const key = generateDataKey();
    const sealed = sealJson(key, binding, { b: 1, a: ["x"] });
    expect(openJson(key, binding, sealed)).toEqual({ a: ["x"], b: 1 });
    expect(text(openRecord(key, binding, sealed))).toBe('{"a":["x"],"b":1}');
  });

  it("digests equal content equally whatever its key order, and different content differently", () => {
    const key = generateDataKey();
    const digest = recordDigest(key, binding, canonicalBytes({ a: 1, b: 2 }));
    const reordered = recordDigest(key, binding, canonicalBytes({ b: 2, a: 1 }));
    expect(Buffer.from(reordered).equals(digest)).toBe(true);
    const changed = recordDigest(key, binding, canonicalBytes({ a: 1, b: 3 }));
    expect(Buffer.from(changed).equals(digest)).toBe(false);
    const moved = recordDigest(
      key,
      { ...binding, resourceId: "c".repeat(64) },
      canonicalBytes({ a: 1, b: 2 }),
    );
    expect(Buffer.from(moved).equals(digest)).toBe(false);
  });

  it("keys the digest by the data key, so without the key it says nothing", () => {
    const digest = recordDigest(generateDataKey(), binding, canonicalBytes({ a: 1 }));
    const otherKey = recordDigest(generateDataKey(), binding, canonicalBytes({ a: 1 }));
    expect(Buffer.from(otherKey).equals(digest)).toBe(false);
  });

  it("derives the patient-reference salt from the data key alone", () => {
    const key = generateDataKey();
    expect(Buffer.from(patientRefSalt(key)).equals(patientRefSalt(key))).toBe(true);
    expect(Buffer.from(patientRefSalt(key)).equals(patientRefSalt(generateDataKey()))).toBe(false);
    expect(Buffer.from(patientRefSalt(key)).equals(key)).toBe(false);
  });
});

describe("wrapDataKey and unwrapDataKey", () => {
  const kek = { kekId: "local:custodian-a", kekVersion: 3 };
  const keyBinding = { custodianId: binding.custodianId, pseudoId: binding.pseudoId };

  it("wraps a data key into a fixed-size envelope and unwraps it again", () => {
    const kekBytes = generateDataKey();
    const dataKey = generateDataKey();
    const wrapped = wrapDataKey(kekBytes, kek, keyBinding, dataKey);
    expect(wrapped).toHaveLength(WRAPPED_KEY_BYTES);
    expect(Buffer.from(unwrapDataKey(kekBytes, kek, keyBinding, wrapped)).equals(dataKey)).toBe(
      true,
    );
  });

  it("refuses the wrong KEK with a 'wrong-key' error naming the KEK version", () => {
    const wrapped = wrapDataKey(generateDataKey(), kek, keyBinding, generateDataKey());
    expectCryptoError(
      () => unwrapDataKey(generateDataKey(), kek, keyBinding, wrapped),
      "wrong-key",
    );
    expect(() => unwrapDataKey(generateDataKey(), kek, keyBinding, wrapped)).toThrow(
      /does not unwrap with local:custodian-a version 3/,
    );
  });

  it("binds the wrapped key to its patient and KEK version: moved or relabelled, it does not unwrap", () => {
    const kekBytes = generateDataKey();
    const wrapped = wrapDataKey(kekBytes, kek, keyBinding, generateDataKey());
    expectCryptoError(
      () => unwrapDataKey(kekBytes, kek, { ...keyBinding, pseudoId: "e".repeat(64) }, wrapped),
      "wrong-key",
    );
    expectCryptoError(
      () => unwrapDataKey(kekBytes, { ...kek, kekVersion: 4 }, keyBinding, wrapped),
      "wrong-key",
    );
  });

  it("refuses bytes that are not a wrapped key", () => {
    expectCryptoError(
      () => unwrapDataKey(generateDataKey(), kek, keyBinding, new Uint8Array(WRAPPED_KEY_BYTES)),
      "malformed",
    );
    expectCryptoError(
      () => unwrapDataKey(generateDataKey(), kek, keyBinding, new Uint8Array(10)),
      "malformed",
    );
  });
});
