// Sends from one key through several clients at once: each gets its own nonce, none is refused.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { createPublicClient, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { ANVIL_ACCOUNT_KEYS, ANVIL_CHAIN_ID, startAnvil, type AnvilNode } from "../anvil.ts";
import { createRpcTransport, localChain } from "../client.ts";
import { createSendAs, pollReceipt } from "../transactions.ts";

const SIGNER_KEY = ANVIL_ACCOUNT_KEYS[2];
const RECIPIENT = privateKeyToAccount(ANVIL_ACCOUNT_KEYS[3]).address;

describe("sending from one key through several clients", () => {
  let workDir: string;
  let anvil: AnvilNode;

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "consentry-sends-"));
    anvil = await startAnvil({ stateFile: path.join(workDir, "state.json"), silent: true });
  });

  after(async () => {
    await anvil?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it("queues the sends of every client behind one another, so no two share a nonce", async () => {
    const chain = localChain(ANVIL_CHAIN_ID, anvil.rpcUrl);
    // Two clients as two tasks build them: an offer client and a ledger client on the same key.
    const clients = [0, 1].map(() => createSendAs(chain, createRpcTransport(anvil.rpcUrl)));
    const sends = Array.from({ length: 8 }, (_, index) =>
      clients[index % 2]!(SIGNER_KEY, (signer) =>
        signer.sendTransaction({ to: RECIPIENT, value: parseEther("0.001") }),
      ),
    );
    const sent = await Promise.all(sends);

    const publicClient = createPublicClient({ chain, transport: createRpcTransport(anvil.rpcUrl) });
    const receipts = await Promise.all(sent.map(({ txHash }) => pollReceipt(publicClient, txHash)));
    assert.ok(receipts.every((receipt) => receipt.status === "success"));
    const nonces = await Promise.all(
      sent.map(async ({ txHash }) => (await publicClient.getTransaction({ hash: txHash })).nonce),
    );
    assert.deepEqual(
      [...nonces].sort((a, b) => a - b),
      Array.from({ length: 8 }, (_, index) => index),
    );
  });
});
