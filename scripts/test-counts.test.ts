import { describe, expect, it } from "vitest";
import { countHardhat } from "./test-counts.ts";

describe("countHardhat", () => {
  it("reads the combined summary of both runners", () => {
    const output = [
      "  ✔ test_registerOffer_emitsEvent",
      "31 passing (17 solidity, 14 nodejs)",
    ].join("\n");
    expect(countHardhat(output)).toEqual({ passed: 31, failed: 0, skipped: 0 });
  });

  it("counts failures, skips and todos from the combined lines only", () => {
    const output = [
      "  15 passing",
      "  1 failing",
      "27 passing (15 solidity, 12 nodejs)",
      "2 failing (1 solidity, 1 nodejs)",
      "2 skipped (1 solidity, 1 nodejs)",
      "1 todo (1 nodejs)",
      "Test run failed",
    ].join("\n");
    expect(countHardhat(output)).toEqual({ passed: 27, failed: 2, skipped: 3 });
  });

  it("falls back to one runner's indented lines, colours stripped", () => {
    const output = "\u001b[32m  12 passing\u001b[39m (1665ms)\n  1 failing\n  1 skipped\n";
    expect(countHardhat(output)).toEqual({ passed: 12, failed: 1, skipped: 1 });
  });

  it("says nothing when there is no summary to read", () => {
    expect(countHardhat("Error HHE100: compilation failed")).toBeNull();
  });
});
