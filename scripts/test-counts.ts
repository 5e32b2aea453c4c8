// Reads pass/fail/skip counts out of test runners' own output.
import { stripVTControlCharacters } from "node:util";

export type Counts = { passed: number; failed: number; skipped: number };

/**
 * `hardhat test` ends with combined lines ("31 passing (17 solidity, 14 nodejs)", "2 failing (…)",
 * "1 skipped (…)", "1 todo (…)"), leaving out those that would be zero; a single runner prints the
 * same words indented. Prefer the combined lines when present, so nothing is counted twice.
 */
export function countHardhat(output: string): Counts | null {
  const plain = stripVTControlCharacters(output);
  const combined = /^(\d+) (passing|failing|skipped|pending|todo) \(/gm;
  const single = /^\s+(\d+) (passing|failing|skipped|pending|todo)\b/gm;
  const matches = [...plain.matchAll(combined)];
  const lines = matches.length > 0 ? matches : [...plain.matchAll(single)];
  if (lines.length === 0) return null;
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const [, count, word] of lines) {
    const n = Number(count);
    if (word === "passing") counts.passed += n;
    else if (word === "failing") counts.failed += n;
    else counts.skipped += n;
  }
  return counts;
}
