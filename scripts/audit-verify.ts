// `npm run audit:verify`: recomputes the audit log's hash chain and every anchor's Merkle root from
// what the database holds, and names the first altered, missing or reordered entry and each anchor
// that no longer matches. Then it compares the anchors with the chain: every anchor recorded as
// published must be the operator's batch of the same id in AccessLogAnchors (same root, same
// sequence range, shifted by one: the contract counts from 0), and the chain must hold no batch
// the database lacks. Exit code 0: intact; 1: tampered; 2: could not check (never "intact" then).
//
// Opens the database as the server does (DATABASE_URL, else the embedded PGlite in DATA_DIR), or the
// one given with --database-url. The chain: --chain-rpc-url or CHAIN_RPC_URL, else a throwaway anvil on a copy of
// DATA_DIR/chain/anvil-state.json, so the real state is never written. The publisher is the
// operator (DEPLOYER_PRIVATE_KEY's account, anvil's deployer when embedded) or --publisher.
// It never writes. Stop `npm start` first: PGlite is single-process.
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { getAddress, isAddress, zeroAddress, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import {
  compareAnchorsWithChain,
  type AnchorProblem,
  type ChainBatch,
} from "#core/custody/audit.ts";
import { ANVIL_DEPLOYER_KEY, startAnvil } from "#contracts/anvil.ts";
import { readChainId } from "#contracts/client.ts";
import { createLedgerClient } from "#contracts/ledger.ts";
import { openDatabase, type DatabaseTarget, type Db } from "#db/client.ts";
import { listAuditBatches, verifyAuditLog } from "#db/queries/audit.ts";
import { listDeployments } from "#db/queries/chain.ts";
import { ConfigError, parseEnv, type Env } from "#server/env.ts";

function out(line: string) {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`audit:verify: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    "database-url": { type: "string" },
    "chain-rpc-url": { type: "string" },
    publisher: { type: "string" },
  },
});
// An auditor holds no operator key: --chain-rpc-url (with --publisher) reads a chain without one,
// where CHAIN_RPC_URL in the environment would make the server's config ask for DEPLOYER_PRIVATE_KEY.
const givenRpcUrl = args["chain-rpc-url"];
if (givenRpcUrl !== undefined && !/^https?:\/\/\S+$/.test(givenRpcUrl)) {
  fail("--chain-rpc-url must be an http:// or https:// URL");
}

function loadEnv(): Env {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

function target(env: Env): DatabaseTarget {
  const url = args["database-url"];
  if (url) {
    if (!/^postgres(ql)?:\/\/.+/.test(url)) fail("--database-url must be a postgres:// URL");
    return { kind: "postgres", url, maxConnections: 1 };
  }
  if (env.DATABASE_URL) return { kind: "postgres", url: env.DATABASE_URL, maxConnections: 1 };
  const dataDir = join(env.dataDir, "pglite");
  if (!existsSync(dataDir)) fail(`there is no embedded database in ${dataDir}`);
  return { kind: "pglite", dataDir };
}

/** Why the chain could not be checked: reported, and the run exits 2 unless it found tampering. */
class ChainUncheckable extends Error {}

type ChainCheck = {
  rpcOrigin: string;
  publisher: Address;
  batches: number;
  problems: AnchorProblem[];
};

async function onChain<T>(env: Env, work: (rpcUrl: string, embedded: boolean) => Promise<T>) {
  const rpcUrl = givenRpcUrl ?? env.CHAIN_RPC_URL;
  if (rpcUrl) return work(rpcUrl, false);
  const stateFile = join(env.dataDir, "chain", "anvil-state.json");
  if (!existsSync(stateFile))
    throw new ChainUncheckable(`there is no local chain state at ${stateFile}`);
  // anvil writes its state file while it runs and on exit: it gets a copy, never the real one.
  const scratch = await mkdtemp(join(tmpdir(), "consentry-audit-verify-"));
  try {
    const copy = join(scratch, "anvil-state.json");
    await copyFile(stateFile, copy);
    const anvil = await startAnvil({ stateFile: copy, silent: true });
    try {
      return await work(anvil.rpcUrl, true);
    } finally {
      await anvil.stop();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function checkChain(env: Env, db: Db): Promise<ChainCheck> {
  return onChain(env, async (rpcUrl, embedded) => {
    let chainId: number;
    try {
      chainId = await readChainId(rpcUrl);
    } catch {
      throw new ChainUncheckable(`the chain at ${new URL(rpcUrl).origin} cannot be reached`);
    }
    const recorded = (await listDeployments(db, chainId)).find(
      (row) => row.contract === "AccessLogAnchors",
    );
    if (!recorded) {
      throw new ChainUncheckable(`the database records no AccessLogAnchors on chain ${chainId}`);
    }
    const publisher = publisherOf(env, embedded);
    const ledger = createLedgerClient({
      rpcUrl,
      chainId,
      addresses: {
        accessLogAnchors: getAddress(recorded.address),
        recordCommitments: zeroAddress,
        compensation: zeroAddress,
      },
    });
    const { nextBatchId } = await ledger.accessLogPosition(publisher);
    const chainBatches: ChainBatch[] = [];
    for (let batchId = 0n; batchId < nextBatchId; batchId += 1n) {
      const batch = await ledger.accessBatchOf(publisher, batchId);
      if (!batch) throw new Error(`the chain counts batch ${batchId} but returns none`);
      chainBatches.push(batch);
    }
    const problems = compareAnchorsWithChain(await listAuditBatches(db), chainBatches);
    return { rpcOrigin: new URL(rpcUrl).origin, publisher, batches: chainBatches.length, problems };
  });
}

const givenPublisher = args.publisher;
if (givenPublisher !== undefined && !isAddress(givenPublisher)) {
  fail("--publisher must be an account address");
}

function publisherOf(env: Env, embedded: boolean): Address {
  if (givenPublisher !== undefined) return getAddress(givenPublisher);
  if (env.DEPLOYER_PRIVATE_KEY) return privateKeyToAddress(env.DEPLOYER_PRIVATE_KEY as Hex);
  if (embedded) return privateKeyToAddress(ANVIL_DEPLOYER_KEY);
  throw new ChainUncheckable("the anchors' publisher is unknown: pass --publisher");
}

async function main() {
  const env = loadEnv();
  let database;
  try {
    database = await openDatabase(target(env));
  } catch (error) {
    fail(`cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const started = performance.now();
    let report;
    try {
      report = await verifyAuditLog(database.db);
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
      fail(`cannot read the audit log (are the migrations applied?) ${cause}`.trim());
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out(
      `Checked ${report.entriesChecked} audit entries and ${report.anchorsChecked} anchors in ${seconds} s.`,
    );
    if (report.chainProblem) {
      const where =
        report.chainProblem.kind === "missing"
          ? `seq ${report.chainProblem.firstSeq}–${report.chainProblem.lastSeq}`
          : `seq ${report.chainProblem.seq}`;
      out(
        `✗ first problem in the chain: ${report.chainProblem.kind} at ${where}: ${report.chainProblem.message}`,
      );
    }
    for (const problem of report.anchorProblems) {
      out(`✗ anchor ${problem.batchId}: ${problem.message}`);
    }

    let chain: ChainCheck | null = null;
    let uncheckable: string | null = null;
    try {
      chain = await checkChain(env, database.db);
    } catch (error) {
      uncheckable =
        error instanceof ChainUncheckable
          ? error.message
          : `reading the chain failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (chain) {
      out(
        `Compared the anchors with ${chain.batches} batches on chain at ${chain.rpcOrigin} (publisher ${chain.publisher}).`,
      );
      for (const problem of chain.problems) {
        out(`✗ anchor ${problem.batchId} on chain: ${problem.message}`);
      }
    } else {
      out(`? the anchors could not be checked on chain: ${uncheckable}`);
    }

    const tampered = !report.ok || (chain?.problems.length ?? 0) > 0;
    if (!tampered && chain) out("✓ the hash chain and every anchor verify, on chain too.");
    process.exitCode = tampered ? 1 : chain ? 0 : 2;
  } finally {
    await database.close();
  }
}

await main();
