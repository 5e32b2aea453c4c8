import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";
import { loadSessionSecret } from "./session-secret.ts";

describe("the session secret", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    while (dirs.length > 0) await rm(dirs.pop() ?? "", { recursive: true, force: true });
  });
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "consentry-secret-"));
    dirs.push(dir);
    return dir;
  };

  it("is generated once into the data directory, readable by its owner only, and kept", async () => {
    const dir = await dataDir();
    const env = parseEnv({ DATA_DIR: dir });
    const first = await loadSessionSecret(env);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(dir, "session-secret"))).mode & 0o777).toBe(0o600);
    expect(await loadSessionSecret(env)).toBe(first);
    expect(await loadSessionSecret(parseEnv({ DATA_DIR: await dataDir() }))).not.toBe(first);
  });

  it("is SESSION_SECRET when set, and then no file is written", async () => {
    const dir = await dataDir();
    const secret = "a-shared-secret-for-every-web-process";
    expect(await loadSessionSecret(parseEnv({ DATA_DIR: dir, SESSION_SECRET: secret }))).toBe(
      secret,
    );
    await expect(readFile(join(dir, "session-secret"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a stored secret too short to sign with, rather than replacing it silently", async () => {
    const dir = await dataDir();
    await writeFile(join(dir, "session-secret"), "short\n");
    await expect(loadSessionSecret(parseEnv({ DATA_DIR: dir }))).rejects.toThrow(
      /no usable session secret/,
    );
  });

  it("reports a short SESSION_SECRET by name, never its value", () => {
    expect(() => parseEnv({ SESSION_SECRET: "tooshort" })).toThrow(
      /SESSION_SECRET must be at least 32 characters/,
    );
    expect(() => parseEnv({ SESSION_SECRET: "tooshort" })).not.toThrow(/tooshort/);
  });
});
