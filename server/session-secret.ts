// The secret that signs session cookies: SESSION_SECRET when set, else one generated on first start
// and kept in the data directory (owner-only), so sessions survive a restart of the embedded product.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Env } from "./env.ts";

const MIN_LENGTH = 32;

export async function loadSessionSecret(env: Env): Promise<string> {
  if (env.SESSION_SECRET) return env.SESSION_SECRET;
  const path = join(env.dataDir, "session-secret");
  const stored = await readSecret(path);
  if (stored !== null) return stored;
  const secret = randomBytes(32).toString("hex");
  try {
    // "wx": never overwrite a secret another process wrote meanwhile; every session depends on it.
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const written = await readSecret(path);
    if (written === null) throw new Error(`${path} vanished while it was being created`);
    return written;
  }
}

async function readSecret(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const secret = text.trim();
  if (secret.length < MIN_LENGTH) {
    throw new Error(
      `${path} holds no usable session secret (under ${MIN_LENGTH} characters): remove it to have a new one made, which signs everyone out`,
    );
  }
  return secret;
}
