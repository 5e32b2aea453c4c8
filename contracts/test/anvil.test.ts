// The chain client against a real anvil node: state survives a restart, and a down node fails fast.
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { getAddress, keccak256, toHex, zeroAddress, zeroHash } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { ANVIL_ACCOUNT_KEYS, ANVIL_CHAIN_ID, ANVIL_DEPLOYER_KEY, startAnvil } from "../anvil.ts";
import { createChainClient, decodeContractRevert, isChainUnavailable } from "../client.ts";
import { type Deployment, deployContracts, grantCustodianRole } from "../deploy.ts";

const CUSTODIAN_KEY = ANVIL_ACCOUNT_KEYS[1];
const custodian = privateKeyToAccount(CUSTODIAN_KEY).address;
const OFFER_ID = keccak256(toHex("offer-anvil-1"));
const METADATA_HASH = keccak256(toHex("metadata-anvil-1"));

async function portNobodyListensOn(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

describe("chain client on anvil", () => {
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-anvil-"));
  });

  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("keeps a registered offer and the block height across an anvil restart on the same state file", async () => {
    const stateFile = path.join(workDir, "state.json");

    const first = await startAnvil({ stateFile, silent: true });
    let deployment: Deployment;
    let blockBeforeStop: bigint;
    let registrationBlock: { number: bigint; hash: string };
    try {
      deployment = await deployContracts({ rpcUrl: first.rpcUrl, deployerKey: ANVIL_DEPLOYER_KEY });
      assert.equal(deployment.chainId, ANVIL_CHAIN_ID);
      await grantCustodianRole({
        rpcUrl: first.rpcUrl,
        deployment,
        adminKey: ANVIL_DEPLOYER_KEY,
        custodian,
      });

      const chain = createChainClient({ rpcUrl: first.rpcUrl, deployment });
      assert.equal(await chain.hasCode(deployment.offerRegistry), true);
      assert.equal(await chain.isCustodian(custodian), true);

      const { txHash } = await chain.registerOffer(CUSTODIAN_KEY, OFFER_ID, METADATA_HASH);
      const outcome = await chain.waitForReceipt(txHash);
      assert.equal(outcome.status, "success");
      registrationBlock = { number: outcome.blockNumber, hash: outcome.blockHash };

      const logs = await chain.offerRegisteredLogs(deployment.deployBlock, outcome.blockNumber);
      assert.deepEqual(logs, [
        {
          offerId: OFFER_ID,
          custodian,
          metadataHash: METADATA_HASH,
          blockNumber: outcome.blockNumber,
          blockHash: outcome.blockHash,
          logIndex: 0,
          txHash,
        },
      ]);

      const block = await chain.getBlock(outcome.blockNumber);
      assert.equal(block?.hash, outcome.blockHash);
      assert.equal(await chain.getBlock(outcome.blockNumber + 1_000n), null);

      await assert.rejects(chain.registerOffer(CUSTODIAN_KEY, OFFER_ID, METADATA_HASH), (error) => {
        assert.deepEqual(decodeContractRevert(error), {
          errorName: "OfferAlreadyRegistered",
          args: [OFFER_ID, custodian],
        });
        assert.equal(isChainUnavailable(error), false);
        return true;
      });
      blockBeforeStop = await chain.blockNumber();
    } finally {
      await first.stop();
    }
    assert.ok((await stat(stateFile)).size > 0, "anvil wrote its state on stop");

    const second = await startAnvil({ stateFile, silent: true });
    try {
      const chain = createChainClient({ rpcUrl: second.rpcUrl, deployment });
      assert.ok((await chain.blockNumber()) >= blockBeforeStop, "block height did not go back");
      const reloadedBlock = await chain.getBlock(registrationBlock.number);
      assert.equal(reloadedBlock?.hash, registrationBlock.hash, "history kept its block hashes");
      assert.equal(await chain.hasCode(deployment.offerRegistry), true);
      const offer = await chain.offerOf(OFFER_ID);
      assert.ok(offer !== null);
      assert.equal(getAddress(offer.custodian), custodian);
      assert.equal(offer.metadataHash, METADATA_HASH);
      assert.ok(offer.registeredAt > 0n);
      assert.equal(await chain.offerOf(keccak256(toHex("never-registered"))), null);
    } finally {
      await second.stop();
    }
  });

  it("reports anvil's own error when it cannot start", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const address = squatter.address();
    assert.ok(address !== null && typeof address === "object");
    try {
      await assert.rejects(
        startAnvil({
          stateFile: path.join(workDir, "busy.json"),
          port: address.port,
          silent: true,
        }),
        /anvil failed to start[\s\S]*Address already in use/,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("fails fast against a port nobody listens on, with an error isChainUnavailable recognises", async () => {
    const port = await portNobodyListensOn();
    const chain = createChainClient({
      rpcUrl: `http://127.0.0.1:${port}`,
      deployment: {
        chainId: ANVIL_CHAIN_ID,
        offerRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        deployBlock: 0n,
      },
    });

    const startedAt = performance.now();
    const error = await chain.blockNumber().then(
      () => assert.fail("blockNumber() answered without a node"),
      (caught: unknown) => caught,
    );
    const elapsedMs = performance.now() - startedAt;

    assert.ok(elapsedMs < 10_000, `failed after ${Math.round(elapsedMs)} ms`);
    assert.equal(isChainUnavailable(error), true);
    await assert.rejects(chain.registerOffer(CUSTODIAN_KEY, OFFER_ID, METADATA_HASH), (caught) =>
      isChainUnavailable(caught),
    );
    await assert.rejects(chain.waitForReceipt(zeroHash), (caught) => isChainUnavailable(caught));
    assert.ok(performance.now() - startedAt < 10_000, "every call failed fast");
  });

  it("gives up on a node that accepts connections but never answers, within the request timeout", async () => {
    const sockets = new Set<Socket>();
    const silentNode = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silentNode.listen(0, "127.0.0.1", resolve));
    const address = silentNode.address();
    assert.ok(address !== null && typeof address === "object");
    try {
      const chain = createChainClient({
        rpcUrl: `http://127.0.0.1:${address.port}`,
        deployment: { chainId: ANVIL_CHAIN_ID, offerRegistry: zeroAddress, deployBlock: 0n },
        timeoutMs: 300,
      });
      const startedAt = performance.now();
      await assert.rejects(chain.blockNumber(), (caught) => isChainUnavailable(caught));
      assert.ok(performance.now() - startedAt < 2_000, "the request timeout ended the call");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silentNode.close(resolve));
    }
  });
});
