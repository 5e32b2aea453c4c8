// Deploys Consentry's contracts to a JSON-RPC node and sets up their roles.
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hash,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createChainClient, createRpcTransport, localChain } from "./client.ts";
import { offerRegistryAbi, offerRegistryBytecode } from "./generated/abis.ts";

export type Deployment = {
  chainId: number;
  offerRegistry: Address;
  /** The block of the deployment: where log scans start. */
  deployBlock: bigint;
};

export type DeployContractsOptions = {
  rpcUrl: string;
  deployerKey: Hex;
  /** Holds DEFAULT_ADMIN_ROLE; the deployer when omitted. */
  admin?: Address;
};

export async function deployContracts(options: DeployContractsOptions): Promise<Deployment> {
  const transport = createRpcTransport(options.rpcUrl);
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = localChain(chainId, options.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const account = privateKeyToAccount(options.deployerKey);
  const walletClient = createWalletClient({ account, chain, transport });

  const txHash = await walletClient.deployContract({
    abi: offerRegistryAbi,
    bytecode: offerRegistryBytecode,
    args: [options.admin ?? account.address],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 30_000 });
  if (receipt.status !== "success" || receipt.contractAddress == null) {
    throw new Error(`OfferRegistry deployment ${txHash} failed (status ${receipt.status})`);
  }
  return {
    chainId,
    offerRegistry: getAddress(receipt.contractAddress),
    deployBlock: receipt.blockNumber,
  };
}

export type GrantCustodianRoleOptions = {
  rpcUrl: string;
  deployment: Deployment;
  adminKey: Hex;
  custodian: Address;
};

/** Grants CUSTODIAN_ROLE and waits until it is mined. */
export async function grantCustodianRole(options: GrantCustodianRoleOptions): Promise<Hash> {
  const chain = createChainClient({ rpcUrl: options.rpcUrl, deployment: options.deployment });
  const { txHash } = await chain.grantCustodianRole(options.adminKey, options.custodian);
  const outcome = await chain.waitForReceipt(txHash);
  if (outcome.status !== "success") {
    throw new Error(`Granting CUSTODIAN_ROLE to ${options.custodian} reverted in ${txHash}`);
  }
  return txHash;
}
