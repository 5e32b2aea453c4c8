// Runs a local anvil node from the npm package whose chain survives restarts through a state file.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import type { Hex } from "viem";

/** Anvil's chain id when none is given. */
export const ANVIL_CHAIN_ID = 31337;

/** Private keys of anvil's default dev accounts (mnemonic "test … junk"), by account index. */
export const ANVIL_ACCOUNT_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
] as const satisfies readonly Hex[];

/** Account 0: deploys the contracts and holds their admin roles on a dev chain. */
export const ANVIL_DEPLOYER_KEY: Hex = ANVIL_ACCOUNT_KEYS[0];

export type StartAnvilOptions = {
  /** Loaded at start when it exists, written on stop and every `stateIntervalSeconds`. */
  stateFile: string;
  /** A free port is chosen when omitted. */
  port?: number;
  stateIntervalSeconds?: number;
  /** Mine a block every N seconds; by default anvil mines one per transaction. */
  blockTimeSeconds?: number;
  /** Keep anvil's own log out of this process's stdout and stderr. */
  silent?: boolean;
  /** How long to wait for JSON-RPC to answer. */
  startTimeoutMs?: number;
};

export type AnvilNode = {
  rpcUrl: string;
  port: number;
  /** Stops anvil with SIGINT so it writes the state file, then SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
};

const LISTENING_LINE = /Listening on [\d.]+:(\d+)/;
const OUTPUT_TAIL_CHARS = 4_000;
const STOP_TIMEOUT_MS = 10_000;

/** The native anvil binary shipped in the platform package, so signals reach anvil itself. */
function resolveAnvilBinary(): string {
  const require = createRequire(import.meta.url);
  const wrapperDir = path.dirname(require.resolve("@foundry-rs/anvil/package.json"));
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const binaryName = process.platform === "win32" ? "anvil.exe" : "anvil";
  try {
    const binary = createRequire(path.join(wrapperDir, "package.json")).resolve(
      `@foundry-rs/anvil-${process.platform}-${arch}/bin/${binaryName}`,
    );
    if (existsSync(binary)) return binary;
  } catch {
    // No platform package: fall back to the npm wrapper, which forwards SIGINT to the binary.
  }
  return path.join(wrapperDir, "bin.mjs");
}

async function answersJsonRpc(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startAnvil(options: StartAnvilOptions): Promise<AnvilNode> {
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port ?? 0),
    "--state",
    options.stateFile,
    "--state-interval",
    String(options.stateIntervalSeconds ?? 5),
  ];
  if (options.blockTimeSeconds !== undefined) {
    args.push("--block-time", String(options.blockTimeSeconds));
  }

  // anvil starts without the folder but then cannot dump its state: create it up front.
  await mkdir(path.dirname(path.resolve(options.stateFile)), { recursive: true });
  // Its own process group: Ctrl-C in a terminal reaches our process, which stops anvil last, after
  // the worker and indexer that still use it.
  const child = spawn(resolveAnvilBinary(), args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // A caller that exits without stop() still gets its state dumped: SIGINT lets anvil write it and quit.
  const interruptOnExit = () => child.kill("SIGINT");
  process.once("exit", interruptOnExit);

  let outputTail = "";
  // Read from anvil's own "Listening on" line, so a stale node on a fixed port is never mistaken for this one.
  let boundPort: number | undefined;
  const remember = (chunk: Buffer) => {
    outputTail = (outputTail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on("data", (chunk: Buffer) => {
    remember(chunk);
    boundPort ??= Number(LISTENING_LINE.exec(outputTail)?.[1]) || undefined;
    if (!options.silent) process.stdout.write(chunk);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    remember(chunk);
    if (!options.silent) process.stderr.write(chunk);
  });

  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  // "close" comes after "exit" once stdout and stderr are drained, so the output tail is complete.
  let closed = false;
  const whenClosed = new Promise<void>((resolve) =>
    child.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  const waitForClose = async (timeoutMs: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([whenClosed, timedOut]);
    clearTimeout(timer);
    return closed;
  };

  const stop = async () => {
    process.off("exit", interruptOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    if (await waitForClose(STOP_TIMEOUT_MS)) return;
    child.kill("SIGKILL");
    await waitForClose(STOP_TIMEOUT_MS);
  };

  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (spawnError !== undefined || exited) {
      await stop();
      const reason = spawnError?.message ?? `exit code ${child.exitCode ?? child.signalCode}`;
      throw new Error(`anvil failed to start (${reason}). Output:\n${outputTail}`);
    }
    if (boundPort !== undefined) {
      const rpcUrl = `http://127.0.0.1:${boundPort}`;
      if (await answersJsonRpc(rpcUrl)) return { rpcUrl, port: boundPort, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(
    `anvil did not answer JSON-RPC within ${timeoutMs} ms` +
      ` (state file ${options.stateFile}). Output:\n${outputTail}`,
  );
}

/**
 * One raw JSON-RPC call, for anvil's own methods that viem's clients do not type (`evm_snapshot`,
 * `evm_revert`, `evm_increaseTime`, `evm_mine` …): tests use it to move time or undo blocks.
 */
export async function anvilRpc<T>(
  rpcUrl: string,
  method: string,
  params: unknown[] = [],
): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}
