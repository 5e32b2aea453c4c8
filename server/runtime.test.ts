import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listDeployments } from "#db/queries/chain.ts";
import { systemContracts } from "#contracts/system.ts";
import { parseEnv } from "./env.ts";
import type { Progress } from "./progress.ts";
import { startRuntime, type Runtime } from "./runtime.ts";

const quietProgress: Progress = { step: (_label, work) => work(), note: () => {} };

describe("the embedded runtime", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
  });

  const start = async (dataDir: string): Promise<Runtime> => {
    const env = parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "error", SEED_DEMO: "false" });
    return startRuntime(env, { worker: false, indexer: false }, quietProgress);
  };

  it("deploys every contract on first start, records them, and reuses them on the next start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "consentry-runtime-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    const first = await start(dataDir);
    const recorded = await listDeployments(first.database.db, first.deployment.chainId);
    expect(recorded.map((row) => row.contract).sort()).toEqual([...systemContracts].sort());
    for (const row of recorded)
      expect(await first.chain.hasCode(row.address as `0x${string}`)).toBe(true);
    await first.stop();

    const second = await start(dataDir);
    cleanup.push(() => second.stop());
    expect(second.deployment).toEqual(first.deployment);
    const again = await listDeployments(second.database.db, second.deployment.chainId);
    expect(again.map((row) => [row.contract, row.address]).sort()).toEqual(
      recorded.map((row) => [row.contract, row.address]).sort(),
    );
  });

  it("refuses to start when the chain lost the contracts the database records", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "consentry-runtime-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await start(dataDir);
    await first.stop();
    await rm(join(dataDir, "chain"), { recursive: true, force: true });

    await expect(start(dataDir)).rejects.toThrow(/the chain was reset while the database was kept/);
  });
});
