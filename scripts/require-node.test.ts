import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const { isSupported, explain } = require("./require-node.cjs") as {
  isSupported(version: string): boolean;
  explain(version: string): string;
};
const script = fileURLToPath(new URL("./require-node.cjs", import.meta.url));

const SYSTEM_NODE = "/usr/bin/node";

function systemNodeVersion(): string | null {
  if (!existsSync(SYSTEM_NODE)) return null;
  const result = spawnSync(SYSTEM_NODE, ["-p", "process.versions.node"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}
const systemNode = systemNodeVersion();

describe("isSupported", () => {
  it.each([
    ["22.12.9", false],
    ["22.13.0", true],
    ["v22.13.0", true],
    ["22.23.3", true],
    ["23.0.0", true],
    ["24.1.0", true],
    ["20.20.2", false],
    ["v18.19.1", false],
    ["21.99.99", false],
  ])("says %s is supported: %s", (version, supported) => {
    expect(isSupported(version)).toBe(supported);
  });
});

describe("require-node.cjs", () => {
  it("explains which Node is needed and how to get it", () => {
    const text = explain("20.20.2");
    expect(text).toContain(">= 22.13.0");
    expect(text).toContain("this is Node.js 20.20.2");
    expect(text).toContain("nvm install");
  });

  it("lets the current Node through silently", () => {
    const result = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
  });

  it.runIf(systemNode !== null && !isSupported(systemNode))(
    `stops an older system Node (${SYSTEM_NODE} ${systemNode ?? "absent"}) with exit code 1, naming 22.13`,
    () => {
      const result = spawnSync(SYSTEM_NODE, [script], { encoding: "utf8" });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("22.13");
      expect(result.stderr).toContain(`this is Node.js ${systemNode}`);
    },
  );
});
