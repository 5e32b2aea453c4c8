// Envelope encryption of patient records: AES-256-GCM per record under a per-patient data key, the
// data key wrapped by the custodian's key-encryption key (KEK). Pure: keys come in, bytes go out.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from "node:crypto";
import { canonicalJson, type Canonical } from "#core/canonical.ts";

/** Bumped when the layout of a record envelope or its associated data changes. */
export const RECORD_FORMAT_VERSION = 1;
/** Bumped when the layout of a wrapped data key or its associated data changes. */
export const WRAPPED_KEY_FORMAT_VERSION = 1;

export const DATA_KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const COMMITMENT_BYTES = 32;
/** version (1) ‖ nonce (12) ‖ encrypted data key (32) ‖ tag (16). */
export const WRAPPED_KEY_BYTES = 1 + NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES;

/** The resource id under which a patient's own sealed profile (the date shift) is bound. */
export const PROFILE_RESOURCE_ID = "profile";

export type CustodyCryptoErrorCode =
  /** A record's ciphertext, nonce or binding was altered: its authentication tag does not verify. */
  | "tampered"
  /** A wrapped data key does not open with the KEK version it names: the wrong key or keyring. */
  | "wrong-key"
  /** The wrapped key names a KEK or KEK version this service does not hold (retired, or another). */
  | "unknown-kek"
  /** The KEK keyring file does not exist. */
  | "keyring-missing"
  /** The KEK keyring file exists but is unusable: unreadable, malformed or readable by others. */
  | "keyring-unusable"
  /** Bytes that are not an envelope of a version this code knows. */
  | "malformed";

export class CustodyCryptoError extends Error {
  readonly code: CustodyCryptoErrorCode;

  constructor(code: CustodyCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CustodyCryptoError";
    this.code = code;
  }
}

/** Whose record a ciphertext is: moving a ciphertext to another custodian, patient or resource breaks it. */
export type RecordBinding = { custodianId: string; pseudoId: string; resourceId: string };

/** Whose data key a wrapped key is. */
export type DataKeyBinding = { custodianId: string; pseudoId: string };

/** A data key wrapped by one version of one KEK, as stored beside the patient. */
export type WrappedDataKey = { kekId: string; kekVersion: number; wrappedKey: Uint8Array };

/**
 * Wraps and unwraps patients' data keys under a custodian's key-encryption key. The embedded mode
 * has a local keyring file (workers/custody/kek-keyring.ts); a deployment plugs in its KMS.
 */
export type KeyEncryptionService = {
  /** Names the KEK this service wraps with (e.g. `local:<custodian id>` or a KMS key's ARN). */
  readonly kekId: string;
  /** Wraps under the KEK's current version. */
  wrap(dataKey: Uint8Array, context: DataKeyBinding): Promise<WrappedDataKey>;
  /** Unwraps with the version the wrapped key names; throws a CustodyCryptoError when it cannot. */
  unwrap(wrapped: WrappedDataKey, context: DataKeyBinding): Promise<Uint8Array>;
  /** The version `wrap` uses now; keys under older versions are due for re-wrapping. */
  currentVersion(): Promise<number>;
};

export type SealedRecord = {
  formatVersion: number;
  nonce: Uint8Array;
  /** The GCM ciphertext followed by its 16-byte authentication tag. */
  ciphertext: Uint8Array;
  /** SHA-256 of the envelope (version ‖ nonce ‖ ciphertext): what may go on chain. */
  commitment: Uint8Array;
};

export function generateDataKey(): Uint8Array {
  return new Uint8Array(randomBytes(DATA_KEY_BYTES));
}

function utf8(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

// The canonical JSON of the binding up to the resource id, remembered for the last patient: a
// cohort read opens each patient's records one after another, and rebuilding it per record cost as
// much as the record's AES-GCM.
let lastPrefix = { custodianId: "", pseudoId: "", formatVersion: 0, text: "" };

function recordAssociatedData(binding: RecordBinding, formatVersion: number): Buffer {
  if (
    lastPrefix.custodianId !== binding.custodianId ||
    lastPrefix.pseudoId !== binding.pseudoId ||
    lastPrefix.formatVersion !== formatVersion
  ) {
    const text = canonicalJson([
      "consentry.record",
      formatVersion,
      binding.custodianId,
      binding.pseudoId,
    ]);
    lastPrefix = {
      custodianId: binding.custodianId,
      pseudoId: binding.pseudoId,
      formatVersion,
      text: text.slice(0, -1),
    };
  }
  // canonicalJson of the five-element array, the last element a string.
  return utf8(`${lastPrefix.text},${canonicalJson(binding.resourceId)}]`);
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.byteLength !== DATA_KEY_BYTES) {
    throw new CustodyCryptoError(
      "malformed",
      `${what} must be ${DATA_KEY_BYTES} bytes, not ${key.byteLength}`,
    );
  }
}

/** SHA-256 over version ‖ nonce ‖ ciphertext: the commitment binds the whole envelope. */
export function recordCommitment(
  envelope: Pick<SealedRecord, "formatVersion" | "nonce" | "ciphertext">,
): Uint8Array {
  return new Uint8Array(
    createHash("sha256")
      .update(Uint8Array.of(envelope.formatVersion))
      .update(envelope.nonce)
      .update(envelope.ciphertext)
      .digest(),
  );
}

/** Encrypts one record under the patient's data key with a fresh random 96-bit nonce. */
export function sealRecord(
  dataKey: Uint8Array,
  binding: RecordBinding,
  plaintext: Uint8Array,
): SealedRecord {
  checkKey(dataKey, "a data key");
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const cipher = createCipheriv("aes-256-gcm", dataKey, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(recordAssociatedData(binding, RECORD_FORMAT_VERSION));
  const ciphertext = new Uint8Array(
    Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]),
  );
  const envelope = { formatVersion: RECORD_FORMAT_VERSION, nonce, ciphertext };
  return { ...envelope, commitment: recordCommitment(envelope) };
}

/** Decrypts one record; a ciphertext moved, altered or opened with another key fails with "tampered". */
export function openRecord(
  dataKey: Uint8Array,
  binding: RecordBinding,
  envelope: Pick<SealedRecord, "formatVersion" | "nonce" | "ciphertext">,
): Uint8Array {
  return new Uint8Array(decryptRecord(dataKey, binding, envelope));
}

/** The plaintext in the Buffer the decipher wrote it to: reading a cohort copies nothing more. */
function decryptRecord(
  dataKey: Uint8Array,
  binding: RecordBinding,
  envelope: Pick<SealedRecord, "formatVersion" | "nonce" | "ciphertext">,
): Buffer {
  checkKey(dataKey, "a data key");
  if (envelope.formatVersion !== RECORD_FORMAT_VERSION) {
    throw new CustodyCryptoError(
      "malformed",
      `record ${binding.resourceId} has format version ${envelope.formatVersion}; this code reads ${RECORD_FORMAT_VERSION}`,
    );
  }
  if (envelope.nonce.byteLength !== NONCE_BYTES || envelope.ciphertext.byteLength < TAG_BYTES) {
    throw new CustodyCryptoError(
      "malformed",
      `record ${binding.resourceId} has a ${envelope.nonce.byteLength}-byte nonce and a ${envelope.ciphertext.byteLength}-byte ciphertext`,
    );
  }
  const body = envelope.ciphertext.subarray(0, envelope.ciphertext.byteLength - TAG_BYTES);
  const tag = envelope.ciphertext.subarray(envelope.ciphertext.byteLength - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", dataKey, envelope.nonce, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(recordAssociatedData(binding, envelope.formatVersion));
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(body);
  try {
    // GCM releases nothing before the tag verifies: final() throws, and the plaintext is dropped.
    decipher.final();
  } catch (error) {
    throw new CustodyCryptoError(
      "tampered",
      `record ${binding.resourceId} of patient ${binding.pseudoId} failed authentication: its ciphertext, ` +
        "nonce or binding (custodian, patient, resource) was altered, or it was opened with another data key",
      { cause: error },
    );
  }
  return plaintext;
}

/** A JSON value's canonical UTF-8 bytes: equal values give equal plaintexts. */
export function canonicalBytes(value: Canonical): Uint8Array {
  return new Uint8Array(utf8(canonicalJson(value)));
}

/** Seals a JSON value in its canonical form. */
export function sealJson(dataKey: Uint8Array, binding: RecordBinding, value: Canonical) {
  return sealRecord(dataKey, binding, canonicalBytes(value));
}

export function openJson(
  dataKey: Uint8Array,
  binding: RecordBinding,
  envelope: Pick<SealedRecord, "formatVersion" | "nonce" | "ciphertext">,
): unknown {
  return JSON.parse(decryptRecord(dataKey, binding, envelope).toString("utf8"));
}

function deriveKey(dataKey: Uint8Array, purpose: string): Buffer {
  checkKey(dataKey, "a data key");
  return Buffer.from(hkdfSync("sha256", dataKey, new Uint8Array(0), utf8(purpose), 32));
}

// Derived per data key object, and dropped with it: storing a patient digests every resource.
const digestKeys = new WeakMap<Uint8Array, Buffer>();

/**
 * A keyed digest of a record's plaintext, for telling "the same record again" from "a changed
 * record" without decrypting what is stored (ciphertexts differ every time: the nonce is fresh).
 * Keyed by the patient's data key, so it says nothing once the key is destroyed.
 */
export function recordDigest(
  dataKey: Uint8Array,
  binding: RecordBinding,
  plaintext: Uint8Array,
): Uint8Array {
  let digestKey = digestKeys.get(dataKey);
  if (!digestKey) {
    digestKey = deriveKey(dataKey, "consentry.record-digest.v1");
    digestKeys.set(dataKey, digestKey);
  }
  return new Uint8Array(
    createHmac("sha256", digestKey)
      .update(recordAssociatedData(binding, RECORD_FORMAT_VERSION))
      .update(plaintext)
      .digest(),
  );
}

/**
 * The per-patient salt for on-chain `patientRef`s (ADR 0005): derived from the data key, so erasing
 * the key destroys the salt and every reference then links to nobody.
 */
export function patientRefSalt(dataKey: Uint8Array): Uint8Array {
  return new Uint8Array(deriveKey(dataKey, "consentry.patient-ref-salt.v1"));
}

// --- wrapping data keys under a KEK ------------------------------------------------------------

function wrapAssociatedData(
  binding: DataKeyBinding,
  kek: { kekId: string; kekVersion: number },
): Buffer {
  return utf8(
    canonicalJson([
      "consentry.data-key",
      WRAPPED_KEY_FORMAT_VERSION,
      kek.kekId,
      kek.kekVersion,
      binding.custodianId,
      binding.pseudoId,
    ]),
  );
}

/** AES-256-GCM under the KEK, bound to the patient and to the KEK version that wrapped it. */
export function wrapDataKey(
  kekBytes: Uint8Array,
  kek: { kekId: string; kekVersion: number },
  binding: DataKeyBinding,
  dataKey: Uint8Array,
): Uint8Array {
  checkKey(kekBytes, "a key-encryption key");
  checkKey(dataKey, "a data key");
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", kekBytes, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(wrapAssociatedData(binding, kek));
  return new Uint8Array(
    Buffer.concat([
      Uint8Array.of(WRAPPED_KEY_FORMAT_VERSION),
      nonce,
      cipher.update(dataKey),
      cipher.final(),
      cipher.getAuthTag(),
    ]),
  );
}

export function unwrapDataKey(
  kekBytes: Uint8Array,
  kek: { kekId: string; kekVersion: number },
  binding: DataKeyBinding,
  wrappedKey: Uint8Array,
): Uint8Array {
  checkKey(kekBytes, "a key-encryption key");
  if (wrappedKey.byteLength !== WRAPPED_KEY_BYTES || wrappedKey[0] !== WRAPPED_KEY_FORMAT_VERSION) {
    throw new CustodyCryptoError(
      "malformed",
      `the wrapped data key of patient ${binding.pseudoId} is not a version ${WRAPPED_KEY_FORMAT_VERSION} wrapped key ` +
        `(${wrappedKey.byteLength} bytes)`,
    );
  }
  const nonce = wrappedKey.subarray(1, 1 + NONCE_BYTES);
  const body = wrappedKey.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + DATA_KEY_BYTES);
  const tag = wrappedKey.subarray(1 + NONCE_BYTES + DATA_KEY_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", kekBytes, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(wrapAssociatedData(binding, kek));
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch (error) {
    throw new CustodyCryptoError(
      "wrong-key",
      `the data key of patient ${binding.pseudoId} does not unwrap with ${kek.kekId} version ${kek.kekVersion}: ` +
        "the keyring holds a different key under that version, or the wrapped key was altered or moved",
      { cause: error },
    );
  }
}
