// Labelled gas measurements checked against a committed snapshot, one JSON file per area under
// contracts/gas/. A change of more than 2% fails until the snapshot is updated on purpose with
// `npm run gas:update` (which records what the tests measured) and the diff is reviewed.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { after } from "node:test";

const TOLERANCE = 0.02;

export type GasSnapshot = {
  /** Records `gas` under `label` and fails when it drifts more than 2% from the snapshot. */
  check(label: string, gas: bigint | number): void;
};

export function gasSnapshot(area: string): GasSnapshot {
  const file = new URL(`../gas/${area}.json`, import.meta.url);
  const committed: Record<string, number> = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, number>)
    : {};
  const measured: Record<string, number> = {};
  const updating = process.env.UPDATE_GAS_SNAPSHOT === "1";

  after(() => {
    if (!updating || Object.keys(measured).length === 0) return;
    const merged = { ...committed, ...measured };
    const sorted = Object.fromEntries(
      Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)),
    );
    writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  });

  return {
    check(label, gas) {
      const used = Number(gas);
      measured[label] = used;
      if (updating) return;
      const expected = committed[label];
      assert.ok(
        expected !== undefined,
        `gas snapshot ${area}.json has no entry "${label}" (measured ${used}): run npm run gas:update and commit it`,
      );
      const drift = Math.abs(used - expected) / expected;
      assert.ok(
        drift <= TOLERANCE,
        `gas for "${label}" is ${used}, the snapshot says ${expected} ` +
          `(${(drift * 100).toFixed(1)}% off, limit ${TOLERANCE * 100}%): ` +
          "if the change is intended, run npm run gas:update and commit the snapshot",
      );
    },
  };
}
