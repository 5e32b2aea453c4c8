import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.ts";

describe("canonicalJson", () => {
  it("writes the same text whatever order the keys were given in", () => {
    const a = canonicalJson({ b: 1, a: { y: [1, 2], x: "x" }, c: null });
    const b = canonicalJson({ c: null, a: { x: "x", y: [1, 2] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toBe('{"a":{"x":"x","y":[1,2]},"b":1,"c":null}');
  });

  it("keeps arrays in their order", () => {
    expect(canonicalJson(["b", "a"])).toBe('["b","a"]');
    expect(canonicalJson(["b", "a"])).not.toBe(canonicalJson(["a", "b"]));
  });

  it("sorts keys inside objects nested in arrays", () => {
    expect(canonicalJson([{ z: 1, a: 2 }])).toBe('[{"a":2,"z":1}]');
  });

  it("writes no whitespace and escapes strings as JSON does", () => {
    expect(canonicalJson({ 'k"ey': 'quote " and \n newline', flag: true })).toBe(
      '{"flag":true,"k\\"ey":"quote \\" and \\n newline"}',
    );
  });

  it("refuses numbers JSON cannot carry", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ price: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson([1, Number.NEGATIVE_INFINITY])).toThrow(
      "canonicalJson: numbers must be finite",
    );
  });
});
