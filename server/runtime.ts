// Brings the product's parts up in order (database, chain, contracts, demo, worker, indexer)
// and down again in reverse. Every entry point (start, web, worker, indexer) goes through here.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { parseEther, zeroAddress, type Address, type Hex } from "viem";
import { createLogger, type Logger } from "#core/log.ts";
import { ANVIL_DEPLOYER_KEY, startAnvil, type AnvilNode } from "#contracts/anvil.ts";
import { createChainClient, type ChainClient } from "#contracts/client.ts";
import type { Deployment } from "#contracts/deploy.ts";
import { createLedgerClient, type LedgerAddresses } from "#contracts/ledger.ts";
import {
  deploySystem,
  ledgerDeployment,
  offerDeployment,
  systemContracts,
  type ChainAccess,
  type SystemDeployment,
} from "#contracts/system.ts";
import { openDatabase, type Database } from "#db/client.ts";
import { listDeployments, recordDeployment } from "#db/queries/chain.ts";
import {
  getCustodianBySlug,
  listCustodiansWithoutChainAddress,
  setCustodianChainAddress,
} from "#db/queries/custodians.ts";
import { demoCustodians, seedDemo } from "#db/seed.ts";
import { seedDemoPatients } from "#workers/custody/demo-patients.ts";
import { createIndexer, type Indexer } from "#workers/indexer.ts";
import { openKekKeyring, type KekKeyring } from "#workers/custody/kek-keyring.ts";
import { openFileKeyring, type Keyring } from "#workers/keyring.ts";
import { createJobRunner, type JobRunner } from "#workers/queue.ts";
import { tasks } from "#workers/tasks/index.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import type { Env } from "./env.ts";
import type { Progress } from "./progress.ts";
import { loadSessionSecret } from "./session-secret.ts";

export type Roles = { worker: boolean; indexer: boolean };

export type Runtime = {
  env: Env;
  log: Logger;
  database: Database;
  chain: ChainClient;
  deployment: Deployment;
  /** Every contract, for the clients of consent, ledger and study. */
  chainAccess: ChainAccess;
  keyring: Keyring;
  kekKeyring: KekKeyring;
  /** Signs session cookies (SESSION_SECRET, or generated once into the data directory). */
  sessionSecret: string;
  runner: JobRunner | null;
  indexer: Indexer | null;
  stop(): Promise<void>;
};

// Bootstrap steps run under this lock so separate processes on one PostgreSQL do them once.
const BOOTSTRAP_LOCK_ID = 7_360_221;

export function createConsoleLogger(env: Env): Logger {
  return createLogger("consentry", env.LOG_LEVEL, (line, level) => {
    (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
  });
}

export async function startRuntime(env: Env, roles: Roles, progress: Progress): Promise<Runtime> {
  const log = createConsoleLogger(env);
  const stack: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    while (stack.length > 0) {
      const stopOne = stack.pop();
      try {
        await stopOne?.();
      } catch (error) {
        log.error("stopping a component failed", { error });
      }
    }
  };

  try {
    await mkdir(env.dataDir, { recursive: true, mode: 0o700 });
    if (!env.DATABASE_URL) {
      const lock = await lockDataDir(env.dataDir);
      stack.push(() => lock.release());
    }
    const sessionSecret = await loadSessionSecret(env);

    const database = await progress.step(
      env.DATABASE_URL
        ? `Opening PostgreSQL at ${describeDatabaseUrl(env.DATABASE_URL)}`
        : `Opening embedded PGlite in ${join(env.dataDir, "pglite")}`,
      () =>
        openDatabase(
          env.DATABASE_URL
            ? { kind: "postgres", url: env.DATABASE_URL }
            : { kind: "pglite", dataDir: join(env.dataDir, "pglite") },
        ),
    );
    stack.push(() => database.close());

    const { rpcUrl, deployerKey, anvil } = await progress.step(
      env.CHAIN_RPC_URL
        ? `Connecting to the chain at ${new URL(env.CHAIN_RPC_URL).origin}`
        : `Starting the local chain (anvil, state in ${join(env.dataDir, "chain")})`,
      () => connectChain(env),
    );
    if (anvil) stack.push(() => anvil.stop());

    const keyring = openFileKeyring(join(env.dataDir, "keyring.json"));
    const kekKeyring = openKekKeyring(join(env.dataDir, "kek-keyring.json"), {
      createIfMissing: true,
    });

    const system = await withBootstrapLock(database, async () => {
      await progress.step("Applying database migrations", () => database.migrate());
      const deployed = await progress.step("Checking the contracts", () =>
        ensureDeployment(database, rpcUrl, deployerKey, progress),
      );
      if (env.SEED_DEMO) {
        await progress.step("Seeding the demo", async () => {
          const summary = await seedDemo(database.db);
          progress.note(`${summary.custodians} custodians, ${summary.offersAdded} offers added`);
        });
      }
      await progress.step("Registering custodians on chain", () =>
        registerCustodians(
          database,
          rpcUrl,
          offerDeployment(deployed),
          ledgerDeployment(deployed),
          deployerKey,
          keyring,
          progress,
        ),
      );
      if (env.SEED_DEMO) {
        await progress.step("Seeding the demo patients", async () => {
          const summary = await seedDemoPatients({
            db: database.db,
            kekKeyring,
            keyring,
            custodians: await Promise.all(
              demoCustodians.map(async ({ slug }) => {
                const custodian = await getCustodianBySlug(database.db, slug);
                if (!custodian) throw new Error(`the demo custodian ${slug} is missing`);
                return custodian;
              }),
            ),
          });
          progress.note(
            `${summary.patientsLinked} patients ingested and linked to demo accounts, ${summary.recordsAdded} records added`,
          );
        });
      }
      return deployed;
    });

    const deployment = offerDeployment(system);
    const chainAccess: ChainAccess = { rpcUrl, system, operatorKey: deployerKey };
    const chain = createChainClient({ rpcUrl, deployment });

    let runner: JobRunner | null = null;
    if (roles.worker) {
      runner = createJobRunner({
        db: database.db,
        tasks,
        context: { db: database.db, chain, chainAccess, keyring, log: log.child("job") },
        log: log.child("worker"),
        retryBaseMs: env.JOB_RETRY_BASE_MS,
        retryMaxMs: env.JOB_RETRY_MAX_MS,
      });
      runner.start();
      const started = runner;
      stack.push(() => started.stop());
    }

    let indexer: Indexer | null = null;
    if (roles.indexer) {
      indexer = createIndexer({
        db: database.db,
        chain,
        chainAccess,
        log: log.child("indexer"),
        pollIntervalMs: env.INDEXER_POLL_MS,
      });
      indexer.start();
      const started = indexer;
      stack.push(() => started.stop());
    }

    return {
      env,
      log,
      database,
      chain,
      deployment,
      chainAccess,
      keyring,
      kekKeyring,
      sessionSecret,
      runner,
      indexer,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function connectChain(
  env: Env,
): Promise<{ rpcUrl: string; deployerKey: Hex; anvil: AnvilNode | null }> {
  if (env.CHAIN_RPC_URL) {
    if (!env.DEPLOYER_PRIVATE_KEY)
      throw new Error("DEPLOYER_PRIVATE_KEY is required with CHAIN_RPC_URL");
    return { rpcUrl: env.CHAIN_RPC_URL, deployerKey: env.DEPLOYER_PRIVATE_KEY as Hex, anvil: null };
  }
  const chainDir = join(env.dataDir, "chain");
  await mkdir(chainDir, { recursive: true });
  const anvil = await startAnvil({
    stateFile: join(chainDir, "anvil-state.json"),
    stateIntervalSeconds: 1,
    silent: true,
  });
  return { rpcUrl: anvil.rpcUrl, deployerKey: ANVIL_DEPLOYER_KEY, anvil };
}

async function withBootstrapLock<T>(database: Database, work: () => Promise<T>): Promise<T> {
  if (database.kind !== "postgres") return work();
  // One connection holds the session lock for the whole bootstrap.
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`);
    return work();
  });
}

/** Uses the contracts recorded for this chain, or deploys them all on first start. */
async function ensureDeployment(
  database: Database,
  rpcUrl: string,
  deployerKey: Hex,
  progress: Progress,
): Promise<SystemDeployment> {
  const probe = createChainClient({
    rpcUrl,
    deployment: { chainId: 0, offerRegistry: zeroAddress, deployBlock: 0n },
  });
  const chainId = await probe.chainId();
  const recorded = new Map(
    (await listDeployments(database.db, chainId)).map((row) => [row.contract, row]),
  );
  if (recorded.size > 0) {
    const missing = systemContracts.filter((name) => !recorded.has(name));
    if (missing.length > 0) {
      throw new Error(
        `The database records only part of the contracts on chain ${chainId} (missing ${missing.join(", ")}). ` +
          "It was made by an older version: remove the data directory to start afresh.",
      );
    }
    for (const [name, row] of recorded) {
      if (!(await probe.hasCode(row.address as Hex))) {
        throw new Error(
          `The database records ${name} at ${row.address} on chain ${chainId}, ` +
            "but the chain has no contract there: the chain was reset while the database was kept. " +
            "Point both at the same history, or remove the data directory to start afresh.",
        );
      }
    }
    const offers = recorded.get("OfferRegistry");
    progress.note(
      `${recorded.size} contracts on chain ${chainId}, OfferRegistry at ${offers?.address}`,
    );
    const contracts = Object.fromEntries(
      systemContracts.map((name) => [name, recorded.get(name)?.address as Address]),
    ) as SystemDeployment["contracts"];
    // Every contract went out in one deployment; its first block is where event scans start.
    const deployBlock = [...recorded.values()].reduce(
      (first, row) => (row.deployBlock < first ? row.deployBlock : first),
      offers?.deployBlock ?? 0n,
    );
    return { chainId, deployBlock, contracts };
  }
  const system = await deploySystem({ rpcUrl, deployerKey });
  await database.db.transaction(async (tx) => {
    for (const name of systemContracts) {
      await recordDeployment(tx, {
        chainId: system.chainId,
        contract: name,
        address: system.contracts[name],
        deployBlock: system.deployBlock,
      });
    }
  });
  progress.note(`deployed ${systemContracts.length} contracts on chain ${chainId}`);
  return system;
}

/**
 * Gives each custodian a signing key, some gas money, and the custodian role on the offer registry and
 * on RecordCommitments (so it can put its stored records' commitments on chain).
 */
async function registerCustodians(
  database: Database,
  rpcUrl: string,
  deployment: Deployment,
  ledgerAddresses: LedgerAddresses,
  deployerKey: Hex,
  keyring: Keyring,
  progress: Progress,
): Promise<void> {
  const chain = createChainClient({ rpcUrl, deployment });
  const ledger = createLedgerClient({
    rpcUrl,
    addresses: ledgerAddresses,
    chainId: deployment.chainId,
  });
  const pending = await listCustodiansWithoutChainAddress(database.db);
  for (const custodian of pending) {
    const address = await keyring.ensureCustodianKey(custodian.id);
    const funded = await chain.fundAccount(deployerKey, address, parseEther("10"));
    await chain.waitForReceipt(funded.txHash);
    const granted = await chain.grantCustodianRole(deployerKey, address);
    const outcome = await chain.waitForReceipt(granted.txHash);
    if (outcome.status !== "success") {
      throw new Error(
        `granting the custodian role to ${custodian.slug} reverted (${granted.txHash})`,
      );
    }
    // Before the address is recorded, so a start that stops half-way grants it on the next start.
    const committer = await ledger.grantRecordCustodianRole(deployerKey, address);
    if ((await ledger.waitForReceipt(committer.txHash)).status !== "success") {
      throw new Error(
        `granting ${custodian.slug} the right to commit records reverted (${committer.txHash})`,
      );
    }
    await setCustodianChainAddress(database.db, custodian.id, address);
    progress.note(`${custodian.name}: ${address}`);
  }
}

/** Host and database name only: the URL may carry a password. */
function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}
