import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { bytesToHex, keccak256, stringToHex, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OfferTerms } from "#core/offer.ts";
import { silentLogger } from "#core/log.ts";
import {
  anvilRpc,
  ANVIL_ACCOUNT_KEYS,
  ANVIL_DEPLOYER_KEY,
  startAnvil,
  type AnvilNode,
} from "#contracts/anvil.ts";
import { createChainClient, type ChainClient } from "#contracts/client.ts";
import {
  createConsentClient,
  custodianScope,
  deployConsentContracts,
  DUO,
  type ConsentClient,
} from "#contracts/consent.ts";
import { createStudyClient, type StudyClient } from "#contracts/study.ts";
import { grantCustodianRole, type Deployment } from "#contracts/deploy.ts";
import {
  consentDeployment,
  deploySystem,
  offerDeployment,
  type ChainAccess,
} from "#contracts/system.ts";
import type { Database } from "#db/client.ts";
import { listAuditEntries, verifyAuditLog } from "#db/queries/audit.ts";
import { ensureCustodian } from "#db/queries/custodians.ts";
import { createOffer, getOffer } from "#db/queries/offers.ts";
import { chainEvents, indexedBlocks } from "#db/schema/chain.ts";
import { jobs } from "#db/schema/jobs.ts";
import { createTestDatabase, engines } from "#db/testing.ts";
import { createIndexer, type Indexer } from "./indexer.ts";
import { openFileKeyring, type Keyring } from "./keyring.ts";
import { createJobRunner, type JobRunner } from "./queue.ts";
import { tasks } from "./tasks/index.ts";

const CUSTODIAN_KEY = ANVIL_ACCOUNT_KEYS[1];
const CUSTODIAN_ADDRESS = privateKeyToAddress(CUSTODIAN_KEY);
const PATIENT_KEY = ANVIL_ACCOUNT_KEYS[2];
const PATIENT_ACCOUNT = `account:${privateKeyToAddress(PATIENT_KEY).toLowerCase()}`;
const BOARD_MEMBER_KEY = ANVIL_ACCOUNT_KEYS[3];
const PROVIDER = "0x00000000000000000000000000000000000c4e11" as const;
const CANCER = 4992;

const terms: OfferTerms = {
  title: "Cardiology outcomes",
  description: "De-identified adult cardiology patients, 2015 to 2024.",
  fields: ["age_band", "blood_pressure", "sex"],
  duoCode: "DUO:0000007",
  diseaseCode: "MONDO:0005267",
  priceCents: 120000,
  currency: "EUR",
};

describe.each(engines)("indexer on a real anvil chain, %s database", (engine) => {
  let workDir: string;
  let anvil: AnvilNode;
  let database: Database;
  let keyringPath: string;
  // Rebuilt for every test: a fresh OfferRegistry, so no test sees another's events.
  let deployment: Deployment;
  let chainAccess: ChainAccess;
  let chain: ChainClient;
  let keyring: Keyring;
  let runner: JobRunner;
  let custodianId: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-indexer-"));
    keyringPath = path.join(workDir, "keyring.json");
    [anvil, database] = await Promise.all([
      startAnvil({ stateFile: path.join(workDir, "anvil-state.json"), silent: true }),
      createTestDatabase(engine),
    ]);
  });

  afterAll(async () => {
    await anvil?.stop();
    await database?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await database.db.execute(
      sql`truncate offers, jobs, custodians, chain_events, indexed_blocks restart identity cascade`,
    );
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
    ({ id: custodianId } = await ensureCustodian(database.db, {
      slug: "st-marys",
      name: "St Mary's University Hospital",
    }));
    await writeFile(
      keyringPath,
      JSON.stringify({ version: 1, custodians: { [custodianId]: CUSTODIAN_KEY } }),
      { mode: 0o600 },
    );
    keyring = openFileKeyring(keyringPath);
    runner = createJobRunner({
      db: database.db,
      tasks,
      context: { db: database.db, chain, chainAccess, keyring, log: silentLogger },
      log: silentLogger,
    });
  });

  const newIndexer = (): Indexer =>
    createIndexer({
      db: database.db,
      chain,
      chainAccess,
      log: silentLogger,
    });
  const offerRow = async (id: string) => {
    const offer = await getOffer(database.db, id);
    if (!offer) throw new Error(`offer ${id} is gone`);
    return offer;
  };
  const storedEvents = () =>
    database.db.select().from(chainEvents).orderBy(chainEvents.blockNumber, chainEvents.logIndex);
  const storedBlocks = () => database.db.select().from(indexedBlocks).orderBy(indexedBlocks.number);
  const liveJobsFor = (offerId: string) =>
    database.db
      .select()
      .from(jobs)
      .where(sql`${jobs.payload}->>'offerId' = ${offerId} and ${jobs.status} = 'queued'`);

  /** Creates an offer the way the publish page does and lets the worker register it on chain. */
  const publishAndRegister = async () => {
    const offer = await createOffer(database.db, { custodianId, terms });
    expect(await runner.runOnce()).toBe(1);
    const submitted = await offerRow(offer.id);
    expect(submitted.status).toBe("submitted");
    const receipt = await chain.waitForReceipt(submitted.txHash as Hex);
    expect(receipt.status).toBe("success");
    return { offer, receipt };
  };

  it("signs as the custodian whose key the file keyring holds, which has the custodian role", async () => {
    expect(await keyring.ensureCustodianKey(custodianId)).toBe(CUSTODIAN_ADDRESS);
    expect(await chain.isCustodian(CUSTODIAN_ADDRESS)).toBe(true);
  });

  it("confirms an offer registered by the worker with its transaction and block", async () => {
    const { offer, receipt } = await publishAndRegister();
    const indexer = newIndexer();

    const result = await indexer.syncOnce();

    expect(result).toMatchObject({
      fromBlock: deployment.deployBlock,
      toBlock: receipt.blockNumber,
      events: 1,
    });
    expect(await offerRow(offer.id)).toMatchObject({
      status: "confirmed",
      txHash: receipt.txHash,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
    });
    expect((await offerRow(offer.id)).confirmedAt).toBeInstanceOf(Date);
    const events = await storedEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      chainId: deployment.chainId,
      blockNumber: receipt.blockNumber,
      txHash: receipt.txHash,
      contract: "OfferRegistry",
      eventName: "OfferRegistered",
      args: {
        offerId: offer.chainOfferId,
        custodian: CUSTODIAN_ADDRESS,
        metadataHash: offer.metadataHash,
      },
    });
    expect(bytesToHex(events[0]?.blockHash ?? new Uint8Array())).toBe(receipt.blockHash);
    expect(
      await database.db
        .select()
        .from(jobs)
        .where(sql`${jobs.name} = 'offer.register'`),
    ).toMatchObject([{ status: "completed" }]);
  });

  it("changes nothing when it syncs again with no new blocks", async () => {
    const { offer } = await publishAndRegister();
    const indexer = newIndexer();
    await indexer.syncOnce();
    const offerBefore = await offerRow(offer.id);
    const eventsBefore = await storedEvents();
    const blocksBefore = await storedBlocks();

    expect(await indexer.syncOnce()).toBeNull();

    expect(await offerRow(offer.id)).toEqual(offerBefore);
    expect(await storedEvents()).toEqual(eventsBefore);
    expect(await storedBlocks()).toEqual(blocksBefore);
  });

  it("stores an event once even when its blocks are read a second time", async () => {
    const { offer } = await publishAndRegister();
    await newIndexer().syncOnce();
    const confirmedBefore = await offerRow(offer.id);
    // Forget the progress but not the events: the same range is read again.
    await database.db.execute(sql`truncate indexed_blocks`);

    const again = await newIndexer().syncOnce();

    expect(again?.fromBlock).toBe(deployment.deployBlock);
    expect(await storedEvents()).toHaveLength(1);
    const confirmedAfter = await offerRow(offer.id);
    expect(confirmedAfter.confirmedAt?.getTime()).toBe(confirmedBefore.confirmedAt?.getTime());
    expect(confirmedAfter).toMatchObject({
      status: "confirmed",
      txHash: confirmedBefore.txHash,
      blockNumber: confirmedBefore.blockNumber,
    });
  });

  it("resumes after a restart from the block stored in the database, without reading old blocks again", async () => {
    const first = await publishAndRegister();
    const before = await newIndexer().syncOnce();
    const firstConfirmed = await offerRow(first.offer.id);

    const second = await publishAndRegister();
    const restarted = newIndexer();
    const result = await restarted.syncOnce();

    expect(result).toMatchObject({
      fromBlock: (before?.toBlock ?? 0n) + 1n,
      toBlock: second.receipt.blockNumber,
      events: 1,
    });
    expect(await offerRow(second.offer.id)).toMatchObject({
      status: "confirmed",
      txHash: second.receipt.txHash,
      blockNumber: second.receipt.blockNumber,
    });
    expect(await offerRow(first.offer.id)).toEqual(firstConfirmed);
    expect((await storedEvents()).map((event) => event.txHash)).toEqual([
      first.receipt.txHash,
      second.receipt.txHash,
    ]);
  });

  it("undoes a confirmation its block lost in a reorganisation, then confirms the offer on the new chain", async () => {
    const indexer = newIndexer();
    await indexer.syncOnce();
    const forkPoint = await chain.blockNumber();
    const snapshot = await anvilRpc<Hex>(anvil.rpcUrl, "evm_snapshot");

    const { offer, receipt } = await publishAndRegister();
    await indexer.syncOnce();
    expect(await offerRow(offer.id)).toMatchObject({ status: "confirmed" });
    expect(await liveJobsFor(offer.id)).toEqual([]);

    // The registration's block is replaced by empty blocks at the same heights.
    expect(await anvilRpc<boolean>(anvil.rpcUrl, "evm_revert", [snapshot])).toBe(true);
    await anvilRpc(anvil.rpcUrl, "anvil_mine", ["0x3"]);
    const replaced = await chain.getBlock(receipt.blockNumber);
    expect(replaced?.hash).not.toBe(receipt.blockHash);
    expect(await chain.offerOf(offer.chainOfferId as Hex)).toBeNull();

    const result = await indexer.syncOnce();

    expect(result?.rewoundTo).toBe(forkPoint);
    expect(await offerRow(offer.id)).toMatchObject({
      status: "submitted",
      blockNumber: null,
      blockHash: null,
      confirmedAt: null,
    });
    expect(await storedEvents()).toEqual([]);
    const requeued = await liveJobsFor(offer.id);
    expect(requeued).toHaveLength(1);
    expect(requeued[0]).toMatchObject({ name: "offer.register", payload: { offerId: offer.id } });

    // The worker registers it again; the indexer confirms it on the new chain.
    expect(await runner.runOnce()).toBe(1);
    const resent = await offerRow(offer.id);
    expect(resent.txHash).not.toBe(receipt.txHash);
    const newReceipt = await chain.waitForReceipt(resent.txHash as Hex);
    await indexer.syncOnce();

    const confirmed = await offerRow(offer.id);
    expect(confirmed).toMatchObject({
      status: "confirmed",
      txHash: newReceipt.txHash,
      blockNumber: newReceipt.blockNumber,
      blockHash: newReceipt.blockHash,
    });
    expect(newReceipt.blockNumber).toBeGreaterThan(receipt.blockNumber);
    expect((await chain.getBlock(newReceipt.blockNumber))?.hash).toBe(newReceipt.blockHash);
    expect((await storedEvents()).map((event) => event.txHash)).toEqual([newReceipt.txHash]);
  });

  // KNOWN BUG (see the test report): the indexer records only the last block of each batch and the
  // blocks with events, so when the one recorded block is reorganised away no stored block matches
  // and syncOnce throws ReorgTooDeepError for a one-block reorg. Turn into it() with the fix.
  it("rewinds a reorganisation of the only block it has indexed", async () => {
    const snapshot = await anvilRpc<Hex>(anvil.rpcUrl, "evm_snapshot");
    const { offer } = await publishAndRegister();
    const indexer = newIndexer();
    await indexer.syncOnce();
    expect(await offerRow(offer.id)).toMatchObject({ status: "confirmed" });

    await anvilRpc(anvil.rpcUrl, "evm_revert", [snapshot]);
    await anvilRpc(anvil.rpcUrl, "anvil_mine", ["0x2"]);
    await indexer.syncOnce();

    expect(await offerRow(offer.id)).toMatchObject({ status: "submitted", blockNumber: null });
    expect(await storedEvents()).toEqual([]);
    expect(await liveJobsFor(offer.id)).toHaveLength(1);
  });

  it("keeps an event of an offer it does not know, without confirming anything", async () => {
    const strangerOfferId = `0x${"5a".repeat(32)}` as Hex;
    const { txHash } = await chain.registerOffer(
      CUSTODIAN_KEY,
      strangerOfferId,
      `0x${"01".repeat(32)}`,
    );
    await chain.waitForReceipt(txHash);
    const known = await createOffer(database.db, { custodianId, terms });

    expect(await newIndexer().syncOnce()).toMatchObject({ events: 1 });

    expect((await storedEvents()).map((event) => event.args.offerId)).toEqual([strangerOfferId]);
    expect(await offerRow(known.id)).toMatchObject({ status: "pending" });
  });

  it("follows the chain on its own once started, until stopped", async () => {
    const indexer = createIndexer({
      db: database.db,
      chain,
      chainAccess,
      log: silentLogger,
      pollIntervalMs: 50,
    });
    indexer.start();
    try {
      // Not publishAndRegister(): the running indexer may confirm before "submitted" is read.
      const offer = await createOffer(database.db, { custodianId, terms });
      expect(await runner.runOnce()).toBe(1);
      for (let waited = 0; waited < 10_000; waited += 50) {
        if ((await offerRow(offer.id)).status === "confirmed") break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await offerRow(offer.id)).toMatchObject({ status: "confirmed" });
    } finally {
      await indexer.stop();
    }
  });
  describe("the audit log of consents, care grants and board decisions", () => {
    let consent: ConsentClient;
    let study: StudyClient;
    let afterSeq: bigint;

    beforeEach(async () => {
      const { system } = chainAccess;
      consent = createConsentClient({
        rpcUrl: anvil.rpcUrl,
        addresses: { ...consentDeployment(system), deployBlock: system.deployBlock },
      });
      study = createStudyClient({
        rpcUrl: anvil.rpcUrl,
        chainId: system.chainId,
        addresses: {
          credentialRegistry: system.contracts.CredentialRegistry,
          ethicsBoard: system.contracts.EthicsBoard,
          stablecoin: system.contracts.TestStablecoin,
          escrow: system.contracts.StudyEscrow,
          licence: system.contracts.DataLicence,
          resultRegistry: system.contracts.ResultRegistry,
        },
      });
      const [last] = (await listAuditEntries(database.db, { limit: 1_000_000 })).slice(-1);
      afterSeq = last?.seq ?? 0n;
    });

    const mined = async (sent: Promise<{ txHash: Hex }>) => {
      const { txHash } = await sent;
      const outcome = await chain.waitForReceipt(txHash);
      expect(outcome.status).toBe("success");
      return outcome;
    };
    const now = async () =>
      BigInt(
        (
          await anvilRpc<{ timestamp: Hex }>(anvil.rpcUrl, "eth_getBlockByNumber", [
            "latest",
            false,
          ])
        ).timestamp,
      );
    const newEntries = () => listAuditEntries(database.db, { afterSeq });
    const cancerConsent = () => ({
      scope: custodianScope(CUSTODIAN_ADDRESS),
      purpose: DUO.DS,
      disease: CANCER,
    });

    it("logs a consent grant and its revocation once each, as consent.changed for the patient's account", async () => {
      const granted = await mined(
        consent.grantConsent(PATIENT_KEY, {
          ...cancerConsent(),
          expiresAt: (await now()) + 86_400n,
        }),
      );
      const revoked = await mined(consent.revokeConsent(PATIENT_KEY, cancerConsent()));

      await newIndexer().syncOnce();

      const consentId = `${custodianScope(CUSTODIAN_ADDRESS)}/DUO:0000007/MONDO:0004992`;
      expect(await newEntries()).toMatchObject([
        {
          actor: PATIENT_ACCOUNT,
          action: "consent.changed",
          subject: PATIENT_ACCOUNT,
          details: {
            consentId,
            purpose: "DUO:0000007",
            change: "granted",
            blockNumber: Number(granted.blockNumber),
            txHash: granted.txHash,
          },
        },
        {
          action: "consent.changed",
          subject: PATIENT_ACCOUNT,
          details: { consentId, change: "revoked", txHash: revoked.txHash },
        },
      ]);
      expect((await storedEvents()).map((event) => event.eventName)).toEqual([
        "ConsentGranted",
        "ConsentRevoked",
      ]);

      // Reading the same blocks again writes nothing twice.
      await database.db.execute(sql`truncate indexed_blocks`);
      await newIndexer().syncOnce();
      expect(await newEntries()).toHaveLength(2);
      expect((await verifyAuditLog(database.db)).ok).toBe(true);
    });

    it("logs a care grant and its revocation, naming the provider and the condition", async () => {
      await mined(
        consent.grantCareAccess(PATIENT_KEY, {
          provider: PROVIDER,
          condition: CANCER,
          expiresAt: (await now()) + 86_400n,
        }),
      );
      await mined(consent.revokeCareAccess(PATIENT_KEY, { provider: PROVIDER, condition: CANCER }));

      await newIndexer().syncOnce();

      const consentId = `care/${PROVIDER}/MONDO:0004992`;
      expect((await newEntries()).map((entry) => [entry.subject, entry.details])).toMatchObject([
        [PATIENT_ACCOUNT, { consentId, purpose: "MONDO:0004992", change: "care-granted" }],
        [PATIENT_ACCOUNT, { consentId, purpose: "MONDO:0004992", change: "care-revoked" }],
      ]);
    });

    it("logs the board's approval and rejection of studies as study.decided", async () => {
      const admin = ANVIL_DEPLOYER_KEY;
      const researcherKey = ANVIL_ACCOUNT_KEYS[1];
      await mined(study.grantRole(admin, "credentialIssuer", privateKeyToAddress(admin)));
      await mined(study.addBoardMember(admin, privateKeyToAddress(BOARD_MEMBER_KEY)));
      await mined(study.setQuorum(admin, 1));
      await mined(
        study.issueCredential(admin, {
          researcher: privateKeyToAddress(researcherKey),
          visaType: "ResearcherStatus",
          valueHash: keccak256(stringToHex("passport visa")),
          expiresAt: (await now()) + 365n * 86_400n,
        }),
      );
      const studies = [
        keccak256(stringToHex("study approved")),
        keccak256(stringToHex("study rejected")),
      ];
      for (const studyId of studies) {
        await mined(
          study.submitRequest(researcherKey, studyId, {
            scopeHash: keccak256(stringToHex("oncology scope")),
            custodian: CUSTODIAN_ADDRESS,
            price: 1_000_000n,
            licenceDurationSeconds: 30n * 86_400n,
            decisionDeadline: (await now()) + 7n * 86_400n,
          }),
        );
      }
      const reason = keccak256(stringToHex("reasons kept off chain"));
      await mined(study.vote(BOARD_MEMBER_KEY, studies[0]!, true, reason));
      await mined(study.vote(BOARD_MEMBER_KEY, studies[1]!, false, reason));

      await newIndexer().syncOnce();

      const board = `board:${chainAccess.system.contracts.EthicsBoard.toLowerCase()}`;
      expect(await newEntries()).toMatchObject([
        {
          actor: board,
          action: "study.decided",
          subject: `study:${studies[0]}`,
          details: { studyId: studies[0], decision: "approved" },
        },
        {
          actor: board,
          action: "study.decided",
          subject: `study:${studies[1]}`,
          details: { studyId: studies[1], decision: "rejected" },
        },
      ]);
    });

    it("ignores consents given in another deployment's registry", async () => {
      const other = await deployConsentContracts({
        rpcUrl: anvil.rpcUrl,
        deployerKey: ANVIL_DEPLOYER_KEY,
      });
      const elsewhere = createConsentClient({ rpcUrl: anvil.rpcUrl, addresses: other });
      await mined(
        elsewhere.grantConsent(PATIENT_KEY, {
          ...cancerConsent(),
          expiresAt: (await now()) + 86_400n,
        }),
      );

      await newIndexer().syncOnce();

      expect(await newEntries()).toEqual([]);
      expect(await storedEvents()).toEqual([]);
    });

    it("keeps a logged consent when a reorganisation takes it away, and appends chain.rewound", async () => {
      const indexer = newIndexer();
      await indexer.syncOnce();
      const forkPoint = await chain.blockNumber();
      const snapshot = await anvilRpc<Hex>(anvil.rpcUrl, "evm_snapshot");
      const granted = await mined(
        consent.grantConsent(PATIENT_KEY, {
          ...cancerConsent(),
          expiresAt: (await now()) + 86_400n,
        }),
      );
      await indexer.syncOnce();
      const [logged] = await newEntries();
      expect(logged).toMatchObject({ action: "consent.changed", details: { change: "granted" } });

      await anvilRpc(anvil.rpcUrl, "evm_revert", [snapshot]);
      await anvilRpc(anvil.rpcUrl, "anvil_mine", ["0x3"]);
      await indexer.syncOnce();

      const entries = await newEntries();
      expect(entries[0]).toEqual(logged);
      expect(entries.slice(1)).toMatchObject([
        {
          actor: "system",
          action: "chain.rewound",
          subject: `chain:${chainAccess.system.chainId}`,
          details: {
            chainId: chainAccess.system.chainId,
            fromBlock: Number(forkPoint + 1n),
            toBlock: Number(granted.blockNumber),
            count: 1,
          },
        },
      ]);
      expect(await storedEvents()).toEqual([]);
      expect((await verifyAuditLog(database.db)).ok).toBe(true);
    });
  });
});
