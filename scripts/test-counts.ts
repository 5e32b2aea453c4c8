// Reads pass/fail/skip counts out of test runners' own output.
import { stripVTControlCharacters } from "node:util";

export type Counts = { passed: number; failed: number; skipped: number };

/** Hardhat prints mocha-style "N passing" / "N failing" / "N pending" per runner; sum them. */
export function countHardhat(output: string): Counts | null {
  const plain = stripVTControlCharacters(output);
  const sum = (pattern: RegExp) =>
    [...plain.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  const passed = sum(/^\s*(\d+) passing\b/gm);
  const failed = sum(/^\s*(\d+) failing\b/gm);
  const skipped = sum(/^\s*(\d+) (?:pending|skipped)\b/gm);
  if (passed + failed + skipped === 0) return null;
  return { passed, failed, skipped };
}
