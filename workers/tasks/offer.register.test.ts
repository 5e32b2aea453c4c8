import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { keccak256, stringToHex, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "#core/log.ts";
import type { OfferTerms } from "#core/offer.ts";
import {
  anvilRpc,
  ANVIL_ACCOUNT_KEYS,
  ANVIL_DEPLOYER_KEY,
  startAnvil,
  type AnvilNode,
} from "#contracts/anvil.ts";
import { createChainClient, isChainUnavailable, type ChainClient } from "#contracts/client.ts";
import { grantCustodianRole, type Deployment } from "#contracts/deploy.ts";
import { deploySystem, offerDeployment, type ChainAccess } from "#contracts/system.ts";
import type { Database } from "#db/client.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { createOffer, getOffer } from "#db/queries/offers.ts";
import { jobs, type Job } from "#db/schema/jobs.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import type { TaskContext } from "../context.ts";
import { createIndexer } from "../indexer.ts";
import { openFileKeyring } from "../keyring.ts";
import { createJobRunner } from "../queue.ts";
import { tasks } from "./index.ts";
import { registerOfferTask } from "./offer.register.ts";

const CUSTODIAN_KEY = ANVIL_ACCOUNT_KEYS[1];
const CUSTODIAN_ADDRESS = privateKeyToAddress(CUSTODIAN_KEY);

const terms: OfferTerms = {
  title: "Type 2 diabetes glucose monitoring",
  description: "Continuous glucose monitor series with HbA1c and medications.",
  fields: ["age_band", "glucose_cgm", "hba1c"],
  duoCode: "DUO:0000006",
  diseaseCode: null,
  priceCents: 80000,
  currency: "EUR",
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(engines)("offer.register task on a real anvil chain, %s database", (engine) => {
  let workDir: string;
  let stateFile: string;
  let anvil: AnvilNode;
  let database: Database;
  let deployment: Deployment;
  let chainAccess: ChainAccess;
  let chain: ChainClient;
  let context: TaskContext;
  let custodianId: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-register-"));
    stateFile = path.join(workDir, "anvil-state.json");
    [anvil, database] = await Promise.all([
      startAnvil({ stateFile, silent: true }),
      createTestDatabase(engine),
    ]);
    const system = await deploySystem({ rpcUrl: anvil.rpcUrl, deployerKey: ANVIL_DEPLOYER_KEY });
    chainAccess = { rpcUrl: anvil.rpcUrl, system, operatorKey: ANVIL_DEPLOYER_KEY };
    deployment = offerDeployment(system);
    await grantCustodianRole({
      rpcUrl: anvil.rpcUrl,
      deployment,
      adminKey: ANVIL_DEPLOYER_KEY,
      custodian: CUSTODIAN_ADDRESS,
    });
    chain = createChainClient({ rpcUrl: anvil.rpcUrl, deployment });
  });

  afterAll(async () => {
    await anvil?.stop();
    await database?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await database.db.execute(sql`truncate offers, jobs, custodians restart identity cascade`);
    ({ id: custodianId } = await ensureCustodian(database.db, {
      slug: "st-marys",
      name: "St Mary's University Hospital",
    }));
    const keyringPath = path.join(workDir, `keyring-${custodianId}.json`);
    await writeFile(
      keyringPath,
      JSON.stringify({ version: 1, custodians: { [custodianId]: CUSTODIAN_KEY } }),
      { mode: 0o600 },
    );
    context = {
      db: database.db,
      chain,
      chainAccess,
      keyring: openFileKeyring(keyringPath),
      log: silentLogger,
    };
  });

  const offerRow = async (id: string) => {
    const offer = await getOffer(database.db, id);
    if (!offer) throw new Error(`offer ${id} is gone`);
    return offer;
  };
  const jobRow = async (): Promise<Job> => {
    const [job] = await database.db.select().from(jobs).orderBy(jobs.id);
    if (!job) throw new Error("no job");
    return job;
  };
  const sentByCustodian = async () =>
    BigInt(
      await anvilRpc<Hex>(anvil.rpcUrl, "eth_getTransactionCount", [CUSTODIAN_ADDRESS, "latest"]),
    );
  const runTask = async (offerId: string) =>
    registerOfferTask({ offerId }, context, await jobRow());

  it("sends the registration once and marks the offer submitted with its transaction", async () => {
    const offer = await createOffer(database.db, { custodianId, terms });
    const sentBefore = await sentByCustodian();

    await runTask(offer.id);

    const submitted = await offerRow(offer.id);
    expect(submitted.status).toBe("submitted");
    expect(submitted.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await sentByCustodian()).toBe(sentBefore + 1n);
    const onChain = await chain.offerOf(offer.chainOfferId as Hex);
    expect(onChain).toMatchObject({ metadataHash: offer.metadataHash });
    expect(onChain?.custodian.toLowerCase()).toBe(CUSTODIAN_ADDRESS.toLowerCase());
  });

  it("sends nothing the second time: it sees the offer on chain already", async () => {
    const offer = await createOffer(database.db, { custodianId, terms });
    await runTask(offer.id);
    const afterFirst = await offerRow(offer.id);
    const sentBefore = await sentByCustodian();

    await runTask(offer.id);

    expect(await sentByCustodian()).toBe(sentBefore);
    expect(await offerRow(offer.id)).toMatchObject({
      status: "submitted",
      txHash: afterFirst.txHash,
    });
  });

  it("sends one transaction when two attempts run at once, and keeps its hash", async () => {
    const offer = await createOffer(database.db, { custodianId, terms });
    const sentBefore = await sentByCustodian();

    await Promise.all([runTask(offer.id), runTask(offer.id)]);

    expect(await sentByCustodian()).toBe(sentBefore + 1n);
    const submitted = await offerRow(offer.id);
    expect(submitted.status).toBe("submitted");
    expect(submitted.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await chain.waitForReceipt(submitted.txHash as Hex)).toMatchObject({
      status: "success",
    });
  });

  it("does nothing for an offer that is already confirmed or no longer exists", async () => {
    const offer = await createOffer(database.db, { custodianId, terms });
    await database.db.execute(sql`update offers set status = 'confirmed' where id = ${offer.id}`);
    const sentBefore = await sentByCustodian();

    await runTask(offer.id);
    await runTask(crypto.randomUUID());

    expect(await sentByCustodian()).toBe(sentBefore);
    expect(await chain.offerOf(offer.chainOfferId as Hex)).toBeNull();
  });

  it("refuses to treat an offer registered on chain with other terms as its own", async () => {
    const offer = await createOffer(database.db, { custodianId, terms });
    const { txHash } = await chain.registerOffer(
      CUSTODIAN_KEY,
      offer.chainOfferId as Hex,
      keccak256(stringToHex("other terms")),
    );
    await chain.waitForReceipt(txHash);

    await expect(runTask(offer.id)).rejects.toThrow(/registered on chain with different terms/);
    expect(await offerRow(offer.id)).toMatchObject({ status: "pending", txHash: null });
  });

  it("fails without sending when the custodian has no signing key", async () => {
    const { id: otherCustodian } = await ensureCustodian(database.db, {
      slug: "northfield",
      name: "Northfield Cancer Centre",
    });
    const offer = await createOffer(database.db, { custodianId: otherCustodian, terms });

    await expect(runTask(offer.id)).rejects.toThrow(/no signing key/);
    expect(await offerRow(offer.id)).toMatchObject({ status: "pending" });
  });

  it("retries while the chain is down, then registers and confirms the offer once it is back", async () => {
    const port = anvil.port;
    await anvil.stop();
    const offer = await createOffer(database.db, { custodianId, terms });
    const unreachable = await runTask(offer.id).then(
      () => null,
      (error: unknown) => error,
    );
    expect(unreachable).toBeInstanceOf(Error);
    expect((unreachable as Error).message).toBe("the chain node cannot be reached");
    expect(isChainUnavailable((unreachable as Error).cause)).toBe(true);
    const runner = createJobRunner({
      db: database.db,
      tasks,
      context,
      log: silentLogger,
      retryBaseMs: 200,
      retryMaxMs: 200,
    });

    expect(await runner.runOnce()).toBe(1);

    const failed = await jobRow();
    expect(failed).toMatchObject({
      name: "offer.register",
      payload: { offerId: offer.id },
      status: "queued",
      attempts: 1,
      lastError: "the chain node cannot be reached",
    });
    expect(failed.runAt.getTime()).toBeGreaterThan(failed.updatedAt.getTime());
    expect(await offerRow(offer.id)).toMatchObject({ status: "pending", txHash: null });

    // The node comes back on the same port with the chain it dumped on stop.
    anvil = await startAnvil({ stateFile, port, silent: true });
    let ran = 0;
    for (let waited = 0; ran === 0 && waited < 5_000; waited += 50) {
      ran = await runner.runOnce();
      if (ran === 0) await sleep(50);
    }
    expect(ran).toBe(1);

    expect(await jobRow()).toMatchObject({ status: "completed", attempts: 2, lastError: null });
    const submitted = await offerRow(offer.id);
    expect(submitted.status).toBe("submitted");
    const receipt = await chain.waitForReceipt(submitted.txHash as Hex);

    await createIndexer({
      db: database.db,
      chain,
      chainAccess,
      log: silentLogger,
    }).syncOnce();

    expect(await offerRow(offer.id)).toMatchObject({
      status: "confirmed",
      txHash: receipt.txHash,
      blockNumber: receipt.blockNumber,
    });
  });
});
