import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { listDeployments } from "#db/queries/chain.ts";
import { listCustodians } from "#db/queries/custodians.ts";
import { createLedgerClient, LEDGER_ROLES } from "#contracts/ledger.ts";
import { ledgerDeployment, systemContracts } from "#contracts/system.ts";
import { DataDirBusyError, lockDataDir } from "./data-dir-lock.ts";
import { parseEnv } from "./env.ts";
import type { Progress } from "./progress.ts";
import { startRuntime, type Runtime } from "./runtime.ts";

const quietProgress: Progress = { step: (_label, work) => work(), note: () => {} };

describe("the embedded runtime", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
  });

  const start = async (dataDir: string, seedDemo = false): Promise<Runtime> => {
    const env = parseEnv({ DATA_DIR: dataDir, LOG_LEVEL: "error", SEED_DEMO: String(seedDemo) });
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

  it("lets every custodian it registers commit its own records on chain", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "consentry-runtime-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const runtime = await start(dataDir, true);
    cleanup.push(() => runtime.stop());

    const ledger = createLedgerClient({
      rpcUrl: runtime.chainAccess.rpcUrl,
      addresses: ledgerDeployment(runtime.chainAccess.system),
    });
    const custodians = await listCustodians(runtime.database.db);
    expect(custodians.length).toBeGreaterThan(0);
    for (const custodian of custodians) {
      const address = getAddress(custodian.chainAddress ?? "");
      expect(await ledger.hasRole("recordCommitments", LEDGER_ROLES.custodian, address)).toBe(true);
    }
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

describe("the embedded data directory", () => {
  it("is refused to a second process while the first runs, and free again after it stops", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "consentry-lock-"));
    try {
      // Another live process (our parent) holds it.
      await writeFile(join(dataDir, "consentry.pid"), `${process.ppid}\n`);
      await expect(lockDataDir(dataDir)).rejects.toBeInstanceOf(DataDirBusyError);
      // A lock left by a dead process is taken over.
      await writeFile(join(dataDir, "consentry.pid"), "2147483646\n");
      const lock = await lockDataDir(dataDir);
      await lock.release();
      await expect(lockDataDir(dataDir).then((again) => again.release())).resolves.toBeUndefined();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
