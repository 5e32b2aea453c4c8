import { createHash } from "node:crypto";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import {
  anchorOnChain,
  compareAnchorsWithChain,
  AuditEntryError,
  auditEntryHash,
  createAuditVerifier,
  GENESIS_HASH,
  parseAuditEntry,
  resourcesDigest,
  type AuditEntry,
  type AuditEntryInput,
  type StoredAnchor,
} from "./audit.ts";
import { auditBatchRoot } from "./merkle.ts";

const custodianId = "4f9d2c1e-0000-4000-8000-000000000001";
const pseudoId = "a".repeat(64);

type ReadEntry = Extract<AuditEntryInput, { action: "records.read" }>;

function readEntry(n: number): ReadEntry {
  return {
    actor: "worker:st-marys",
    action: "records.read",
    subject: `patient:${pseudoId}`,
    details: {
      custodianId,
      purpose: `job:${n}`,
      recordCount: n,
      resourcesDigest: resourcesDigest([`r${n}`]),
    },
  };
}

/** A well-formed chain of `count` entries, as the append path would write it. */
function chain(count: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let n = 1; n <= count; n += 1) {
    const unhashed = {
      ...readEntry(n),
      seq: BigInt(n),
      at: new Date(Date.UTC(2026, 10, 25, 12, 0, n)),
      prevHash,
    };
    const entry = { ...unhashed, hash: auditEntryHash(unhashed) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

const headOf = (entries: AuditEntry[]) => ({
  lastSeq: entries.at(-1)?.seq ?? 0n,
  lastHash: entries.at(-1)?.hash ?? GENESIS_HASH,
});

function anchorOver(entries: AuditEntry[], batchId: bigint, first: number, last: number) {
  const covered = entries.filter((e) => e.seq >= BigInt(first) && e.seq <= BigInt(last));
  return { batchId, firstSeq: BigInt(first), lastSeq: BigInt(last), root: auditBatchRoot(covered) };
}

async function verify(
  stored: AuditEntry[],
  options: { anchors?: StoredAnchor[]; head?: { lastSeq: bigint; lastHash: Hex } } = {},
) {
  const verifier = createAuditVerifier({
    anchors: options.anchors ?? [],
    locate: async (hash) => stored.find((entry) => entry.hash === hash)?.seq ?? null,
  });
  for (const entry of stored) await verifier.push(entry);
  return verifier.finish(options.head ?? headOf(stored));
}

describe("auditEntryHash", () => {
  it("is SHA-256 of the canonical JSON of the seven fields", () => {
    const [entry] = chain(1) as [AuditEntry];
    const canonical =
      `{"action":"records.read","actor":"worker:st-marys","at":"2026-11-25T12:00:01.000Z",` +
      `"details":{"custodianId":"${custodianId}","purpose":"job:1","recordCount":1,` +
      `"resourcesDigest":"${resourcesDigest(["r1"])}"},"prevHash":"${GENESIS_HASH}",` +
      `"seq":"1","subject":"patient:${pseudoId}"}`;
    expect(entry.hash).toBe(`0x${createHash("sha256").update(canonical).digest("hex")}`);
  });

  it("changes with every field, the previous hash included", () => {
    const [entry] = chain(1) as [AuditEntry];
    const variants = [
      { ...entry, seq: 2n },
      { ...entry, at: new Date(entry.at.getTime() + 1) },
      { ...entry, actor: "worker:other" },
      { ...entry, action: "records.stored" },
      { ...entry, subject: "patient:" + "b".repeat(64) },
      { ...entry, details: { ...entry.details, recordCount: 2 } },
      { ...entry, prevHash: `0x${"1".repeat(64)}` as Hex },
    ];
    for (const variant of variants) expect(auditEntryHash(variant)).not.toBe(entry.hash);
  });

  it("does not depend on the order of keys in the details", () => {
    const [entry] = chain(1) as [AuditEntry];
    const reversed = Object.fromEntries(Object.entries(entry.details).reverse());
    expect(auditEntryHash({ ...entry, details: reversed })).toBe(entry.hash);
  });
});

describe("parseAuditEntry", () => {
  it("accepts an entry of the catalogue", () => {
    expect(parseAuditEntry(readEntry(1))).toEqual(readEntry(1));
  });

  it("refuses free text, unknown detail keys and unknown actions", () => {
    const withText = {
      ...readEntry(1),
      details: { ...readEntry(1).details, purpose: "follow-up of her breast cancer" },
    };
    expect(() => parseAuditEntry(withText)).toThrow(/details: purpose must be an id or code/);
    const extraKey = {
      ...readEntry(1),
      details: { ...readEntry(1).details, diagnosis: "C50.9" },
    } as unknown as AuditEntryInput;
    expect(() => parseAuditEntry(extraKey)).toThrow(AuditEntryError);
    expect(() =>
      parseAuditEntry({ ...readEntry(1), action: "records.deleted" } as unknown as AuditEntryInput),
    ).toThrow(/not in the catalogue/);
  });

  it("refuses a subject or actor that is not a kind:id reference", () => {
    expect(() => parseAuditEntry({ ...readEntry(1), subject: "Jane Doe" })).toThrow(/subject/);
    expect(() => parseAuditEntry({ ...readEntry(1), actor: "Dr. Smith" })).toThrow(/actor/);
  });
});

describe("createAuditVerifier", () => {
  it("passes an untouched chain with its anchors", async () => {
    const entries = chain(10);
    const anchors = [anchorOver(entries, 0n, 1, 4), anchorOver(entries, 1n, 5, 10)];
    const report = await verify(entries, { anchors });
    expect(report).toEqual({
      ok: true,
      entriesChecked: 10,
      anchorsChecked: 2,
      chainProblem: null,
      anchorProblems: [],
    });
  });

  it("passes an empty log", async () => {
    expect((await verify([])).ok).toBe(true);
  });

  it("reports the first entry whose details were altered", async () => {
    const entries = chain(8);
    entries[4] = { ...entries[4]!, details: { ...entries[4]!.details, recordCount: 99 } };
    entries[6] = { ...entries[6]!, actor: "worker:elsewhere" };
    const report = await verify(entries);
    expect(report.ok).toBe(false);
    expect(report.chainProblem).toMatchObject({ kind: "altered", seq: 5n });
  });

  it("reports an altered entry whose hash was recomputed at the entry, through the next link", async () => {
    const entries = chain(6);
    const forged = { ...entries[2]!, details: { ...entries[2]!.details, recordCount: 0 } };
    entries[2] = { ...forged, hash: auditEntryHash(forged) };
    expect((await verify(entries)).chainProblem).toMatchObject({ kind: "altered", seq: 3n });
  });

  it("reports a deleted entry as missing", async () => {
    const entries = chain(6);
    entries.splice(3, 1);
    expect((await verify(entries)).chainProblem).toMatchObject({
      kind: "missing",
      firstSeq: 4n,
      lastSeq: 4n,
    });
  });

  it("reports deleted newest entries as missing, from the log's head", async () => {
    const entries = chain(6);
    const head = headOf(entries);
    expect((await verify(entries.slice(0, 4), { head })).chainProblem).toMatchObject({
      kind: "missing",
      firstSeq: 5n,
      lastSeq: 6n,
    });
  });

  it("reports two swapped entries as reordered", async () => {
    const entries = chain(6);
    const [third, fourth] = [entries[2]!, entries[3]!];
    entries[2] = { ...fourth, seq: 3n };
    entries[3] = { ...third, seq: 4n };
    expect((await verify(entries)).chainProblem).toMatchObject({ kind: "reordered", seq: 3n });
  });

  it("reports every anchor whose root no longer matches, and an anchor missing entries", async () => {
    const entries = chain(9);
    const anchors = [
      anchorOver(entries, 0n, 1, 3),
      { ...anchorOver(entries, 1n, 4, 6), root: `0x${"ab".repeat(32)}` as Hex },
      anchorOver(entries, 2n, 7, 9),
    ];
    const withoutEight = entries.filter((entry) => entry.seq !== 8n);
    const report = await verify(withoutEight, { anchors, head: headOf(entries) });
    expect(report.anchorProblems.map((problem) => problem.batchId)).toEqual([1n, 2n]);
    expect(report.anchorProblems[1]?.message).toMatch(/covers 3 entries .* holds 2 of them/);
    expect(report.chainProblem).toMatchObject({ kind: "missing", firstSeq: 8n });
  });

  it("reports anchors that leave a gap between them", async () => {
    const entries = chain(6);
    const anchors = [anchorOver(entries, 0n, 1, 2), anchorOver(entries, 1n, 4, 6)];
    const report = await verify(entries, { anchors });
    expect(report.anchorProblems).toEqual([
      { batchId: 1n, message: expect.stringMatching(/anchors before it end at 2/) },
    ]);
  });
});

describe("compareAnchorsWithChain", () => {
  const root = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
  const anchor = (batchId: bigint, firstSeq: bigint, lastSeq: bigint, published = true) => ({
    batchId,
    firstSeq,
    lastSeq,
    root: root(Number(batchId) + 1),
    anchoredTxHash: published ? `0x${"ab".repeat(32)}` : null,
  });
  const onChain = (a: ReturnType<typeof anchor>) => ({
    root: a.root,
    firstSequence: a.firstSeq - 1n,
    lastSequence: a.lastSeq - 1n,
  });

  it("finds nothing when every published anchor is the chain's batch of the same id, shifted by one", () => {
    const anchors = [anchor(0n, 1n, 3n), anchor(1n, 4n, 9n)];
    expect(anchorOnChain(anchors[1]!)).toEqual({
      batchId: 1n,
      root: anchors[1]!.root,
      firstSequence: 3n,
      lastSequence: 8n,
      leafCount: 6,
    });
    expect(compareAnchorsWithChain(anchors, anchors.map(onChain))).toEqual([]);
  });

  it("accepts an anchor sealed but not yet published, and one published but not yet recorded", () => {
    const recordedLate = anchor(0n, 1n, 3n, false);
    expect(
      compareAnchorsWithChain([recordedLate, anchor(1n, 4n, 4n, false)], [onChain(recordedLate)]),
    ).toEqual([]);
  });

  it("names an anchor whose root or range differs from the chain's batch", () => {
    const stored = anchor(0n, 1n, 3n);
    expect(
      compareAnchorsWithChain([stored], [{ ...onChain(stored), root: root(99) }]).map(
        (p) => p.batchId,
      ),
    ).toEqual([0n]);
    expect(
      compareAnchorsWithChain([stored], [{ ...onChain(stored), lastSequence: 3n }])[0]?.message,
    ).toMatch(/anchor 0 differs from the chain: .* seq 1–3; the chain has .* seq 1–4/);
  });

  it("names an anchor recorded as published that the chain does not hold", () => {
    expect(compareAnchorsWithChain([anchor(0n, 1n, 3n)], [])[0]?.message).toMatch(
      /anchor 0 is recorded as published .* but the chain holds no batch 0/,
    );
  });

  it("names every batch on chain that the database lacks", () => {
    const stored = anchor(0n, 1n, 3n);
    const extra = { root: root(7), firstSequence: 3n, lastSequence: 4n };
    expect(compareAnchorsWithChain([stored], [onChain(stored), extra])).toEqual([
      {
        batchId: 1n,
        message: `the chain holds batch 1 (root ${root(7)}, seq 4–5) that the database lacks`,
      },
    ]);
  });
});
