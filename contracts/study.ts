// The typed chain client of the study contracts: credentials, board decisions, payments, licences and results.
//
// Like `client.ts`, writes send and return the transaction hash without waiting (`waitForReceipt` waits), the
// transport gives up after a few seconds without retrying, and a refusal is read with `decodeContractRevert`.
// Every contract's ABI here also carries the errors of the other study contracts, so an error raised by a
// contract called along the way (the stablecoin refusing `pay`, say) decodes by name too.
import {
  type Abi,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hash,
  type Hex,
  keccak256,
  type PublicClient,
  toHex,
  type Transport,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createRpcTransport, localChain, type SentTransaction } from "./client.ts";
import { createSendAs, RECEIPT_TIMEOUT_MS, waitForOutcome } from "./transactions.ts";
import {
  credentialRegistryAbi,
  credentialRegistryBytecode,
  dataLicenceAbi,
  dataLicenceBytecode,
  ethicsBoardAbi,
  ethicsBoardBytecode,
  resultRegistryAbi,
  resultRegistryBytecode,
  studyEscrowAbi,
  studyEscrowBytecode,
  testStablecoinAbi,
  testStablecoinBytecode,
} from "./generated/abis.ts";

export { decodeContractRevert, isChainUnavailable } from "./client.ts";

// Anvil and Hardhat mine on demand, so a receipt is usually there on the first or second poll.

/** A custodian's fee when the deployment names none: 10% of the price, the rest to the payout pool. */
export const DEFAULT_CUSTODIAN_FEE_BPS = 1_000;

export type StudyAddresses = {
  credentialRegistry: Address;
  ethicsBoard: Address;
  stablecoin: Address;
  escrow: Address;
  licence: Address;
  resultRegistry: Address;
};

export type StudyDeployment = {
  chainId: number;
  addresses: StudyAddresses;
  /** The block of the first deployment: where log scans start. */
  deployBlock: bigint;
};

/** GA4GH visa types, in the order of `ICredentialRegistry.VisaType`. */
export const VISA_TYPES = ["ResearcherStatus", "AffiliationAndRole"] as const;
export type VisaType = (typeof VISA_TYPES)[number];

/** `IEthicsBoard.StudyStatus`, by name. */
export const STUDY_STATUSES = ["none", "pending", "approved", "rejected", "expired"] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];

export const VOTES = ["none", "approve", "reject"] as const;
export type BoardVote = (typeof VOTES)[number];

export const PAYMENT_KINDS = ["none", "stablecoin", "card"] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

export const PAYMENT_STATES = ["none", "held", "released", "refunded"] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** What a researcher asks the board to approve (`IEthicsBoard.StudyTerms`); amounts in stablecoin units. */
export type StudyTerms = {
  /** The hash of the study's purpose, fields, analyses, duration and price. */
  scopeHash: Hex;
  custodian: Address;
  price: bigint;
  licenceDurationSeconds: bigint;
  /** Unix seconds: the last moment a board vote is accepted. */
  decisionDeadline: bigint;
};

export type StudyRequest = StudyTerms & {
  researcher: Address;
  status: StudyStatus;
  quorum: number;
  approvals: number;
  rejections: number;
  submittedAt: bigint;
};

export type StudyPayment = {
  kind: PaymentKind;
  state: PaymentState;
  payer: Address;
  amount: bigint;
  feeBps: number;
  cardReference: Hex;
};

export type LicenceView = { live: boolean; scopeHash: Hex; expiresAt: bigint };

export type PublishedResult = {
  siteWorker: Address;
  publishedAt: bigint;
  specHash: Hex;
  cohortRoot: Hex;
  resultHash: Hex;
};

export type ResultRecord = {
  studyId: Hex;
  jobId: Hex;
  specHash: Hex;
  /** The Merkle root of the pseudonymous ids of the cohort the analysis used. */
  cohortRoot: Hex;
  resultHash: Hex;
};

/** Roles the admin grants, by what they let an account do. */
export type StudyRole =
  "credentialIssuer" | "paymentOperator" | "licenceMinter" | "licenceRevoker" | "siteWorker";

const errorsOf = (abi: Abi) => abi.filter((item) => item.type === "error");
const STUDY_ERRORS = [
  credentialRegistryAbi,
  ethicsBoardAbi,
  testStablecoinAbi,
  studyEscrowAbi,
  dataLicenceAbi,
  resultRegistryAbi,
].flatMap(errorsOf);

const abis = {
  credentialRegistry: [...credentialRegistryAbi, ...STUDY_ERRORS],
  ethicsBoard: [...ethicsBoardAbi, ...STUDY_ERRORS],
  stablecoin: [...testStablecoinAbi, ...STUDY_ERRORS],
  escrow: [...studyEscrowAbi, ...STUDY_ERRORS],
  licence: [...dataLicenceAbi, ...STUDY_ERRORS],
  resultRegistry: [...resultRegistryAbi, ...STUDY_ERRORS],
} as const;

const role = (name: string): Hex => keccak256(toHex(name));
const ROLES: Record<StudyRole, { contract: keyof StudyAddresses; role: Hex }> = {
  credentialIssuer: { contract: "credentialRegistry", role: role("ISSUER_ROLE") },
  paymentOperator: { contract: "escrow", role: role("OPERATOR_ROLE") },
  licenceMinter: { contract: "licence", role: role("MINTER_ROLE") },
  licenceRevoker: { contract: "licence", role: role("BOARD_ROLE") },
  siteWorker: { contract: "resultRegistry", role: role("SITE_WORKER_ROLE") },
};
const DEFAULT_ADMIN_ROLE: Hex = `0x${"00".repeat(32)}`;
const PAUSER_ROLE = role("PAUSER_ROLE");

function nameAt<T extends readonly string[]>(names: T, index: number): T[number] {
  const name = names[index];
  if (name === undefined)
    throw new Error(`Unknown enum value ${index} (expected 0–${names.length - 1})`);
  return name;
}

export type DeployStudyContractsOptions = {
  rpcUrl: string;
  deployerKey: Hex;
  /**
   * Holds every contract's DEFAULT_ADMIN_ROLE (and mints the test stablecoin) and PAUSER_ROLE (all but the
   * stablecoin); the deployer when omitted.
   */
  admin?: Address;
  /** Where released payments go, less the custodian's fee; the admin when omitted. */
  payoutPool?: Address;
  /** The custodian's fee in basis points; `DEFAULT_CUSTODIAN_FEE_BPS` when omitted. */
  custodianFeeBps?: number;
};

/**
 * Deploys the credential registry, board, test stablecoin, escrow, licence and result registry, lets the licence
 * release escrowed payments, and hands every admin and pauser role to `admin` (the deployer keeps none when they
 * differ).
 */
export async function deployStudyContracts(
  options: DeployStudyContractsOptions,
): Promise<StudyDeployment> {
  const transport = createRpcTransport(options.rpcUrl);
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = localChain(chainId, options.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const account = privateKeyToAccount(options.deployerKey);
  const walletClient = createWalletClient({ account, chain, transport });
  const deployer = account.address;
  const admin = getAddress(options.admin ?? deployer);

  async function mined(what: string, txHash: Hash) {
    const receipt = await publicClient.waitForTransactionReceipt({
      hash: txHash,
      timeout: RECEIPT_TIMEOUT_MS,
    });
    if (receipt.status !== "success") {
      throw new Error(`${what} failed in ${txHash} (status ${receipt.status})`);
    }
    return receipt;
  }
  async function deploy(what: string, txHash: Promise<Hash>) {
    const receipt = await mined(`${what} deployment`, await txHash);
    if (receipt.contractAddress == null) throw new Error(`${what} deployment made no contract`);
    return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber };
  }

  // The deployer administers everything until the wiring is done, then hands over to `admin`.
  const credentialRegistry = await deploy(
    "CredentialRegistry",
    walletClient.deployContract({
      abi: credentialRegistryAbi,
      bytecode: credentialRegistryBytecode,
      args: [deployer],
    }),
  );
  const ethicsBoard = await deploy(
    "EthicsBoard",
    walletClient.deployContract({
      abi: ethicsBoardAbi,
      bytecode: ethicsBoardBytecode,
      args: [deployer, credentialRegistry.address],
    }),
  );
  const stablecoin = await deploy(
    "TestStablecoin",
    walletClient.deployContract({
      abi: testStablecoinAbi,
      bytecode: testStablecoinBytecode,
      args: [deployer],
    }),
  );
  const escrow = await deploy(
    "StudyEscrow",
    walletClient.deployContract({
      abi: studyEscrowAbi,
      bytecode: studyEscrowBytecode,
      args: [
        deployer,
        ethicsBoard.address,
        stablecoin.address,
        getAddress(options.payoutPool ?? admin),
        options.custodianFeeBps ?? DEFAULT_CUSTODIAN_FEE_BPS,
      ],
    }),
  );
  const licence = await deploy(
    "DataLicence",
    walletClient.deployContract({
      abi: dataLicenceAbi,
      bytecode: dataLicenceBytecode,
      args: [deployer, ethicsBoard.address, credentialRegistry.address, escrow.address],
    }),
  );
  const resultRegistry = await deploy(
    "ResultRegistry",
    walletClient.deployContract({
      abi: resultRegistryAbi,
      bytecode: resultRegistryBytecode,
      args: [deployer, licence.address],
    }),
  );

  await mined(
    "Granting LICENCE_ROLE to the licence",
    await walletClient.writeContract({
      address: escrow.address,
      abi: studyEscrowAbi,
      functionName: "grantRole",
      args: [role("LICENCE_ROLE"), licence.address],
    }),
  );

  const addresses: StudyAddresses = {
    credentialRegistry: credentialRegistry.address,
    ethicsBoard: ethicsBoard.address,
    stablecoin: stablecoin.address,
    escrow: escrow.address,
    licence: licence.address,
    resultRegistry: resultRegistry.address,
  };
  if (admin !== getAddress(deployer)) {
    // Every study contract is an AccessControl: one ABI serves for the hand-over. The admin role goes last, as
    // granting the others needs it; every contract but the test stablecoin can be paused.
    for (const [name, address] of Object.entries(addresses)) {
      const roles =
        name === "stablecoin" ? [DEFAULT_ADMIN_ROLE] : [PAUSER_ROLE, DEFAULT_ADMIN_ROLE];
      for (const handedOver of roles) {
        await mined(
          `Granting ${name}'s role ${handedOver} to ${admin}`,
          await walletClient.writeContract({
            address,
            abi: studyEscrowAbi,
            functionName: "grantRole",
            args: [handedOver, admin],
          }),
        );
        await mined(
          `Renouncing ${name}'s role ${handedOver}`,
          await walletClient.writeContract({
            address,
            abi: studyEscrowAbi,
            functionName: "renounceRole",
            args: [handedOver, deployer],
          }),
        );
      }
    }
  }

  return { chainId, addresses, deployBlock: credentialRegistry.blockNumber };
}

export type StudyClientOptions = {
  rpcUrl: string;
  chainId: number;
  addresses: StudyAddresses;
  /** Per JSON-RPC request; `RPC_TIMEOUT_MS` of client.ts when omitted. */
  timeoutMs?: number;
};

export type StudyClient = ReturnType<typeof createStudyClient>;

export function createStudyClient(options: StudyClientOptions) {
  const chain = localChain(options.chainId, options.rpcUrl);
  const transport = createRpcTransport(options.rpcUrl, options.timeoutMs);
  const publicClient: PublicClient<Transport, Chain> = createPublicClient({ chain, transport });
  const { addresses } = options;
  const credentialRegistry = {
    address: addresses.credentialRegistry,
    abi: abis.credentialRegistry,
  } as const;
  const ethicsBoard = { address: addresses.ethicsBoard, abi: abis.ethicsBoard } as const;
  const stablecoin = { address: addresses.stablecoin, abi: abis.stablecoin } as const;
  const escrow = { address: addresses.escrow, abi: abis.escrow } as const;
  const licence = { address: addresses.licence, abi: abis.licence } as const;
  const resultRegistry = { address: addresses.resultRegistry, abi: abis.resultRegistry } as const;

  const sendAs = createSendAs(chain, transport);
  const waitForReceipt = (txHash: Hash, waitOptions: { timeoutMs?: number } = {}) =>
    waitForOutcome(publicClient, txHash, waitOptions.timeoutMs);

  async function studyRequest(studyId: Hex): Promise<StudyRequest | null> {
    const request = await publicClient.readContract({
      ...ethicsBoard,
      functionName: "requestOf",
      args: [studyId],
    });
    if (request.researcher === zeroAddress) return null;
    return {
      researcher: request.researcher,
      scopeHash: request.scopeHash,
      custodian: request.custodian,
      price: request.price,
      licenceDurationSeconds: request.licenceDuration,
      decisionDeadline: request.decisionDeadline,
      status: nameAt(STUDY_STATUSES, request.status),
      quorum: request.quorum,
      approvals: request.approvals,
      rejections: request.rejections,
      submittedAt: request.submittedAt,
    };
  }

  return {
    addresses,
    waitForReceipt,

    // Administration (DEFAULT_ADMIN_ROLE)

    grantRole(adminKey: Hex, studyRole: StudyRole, account: Address): Promise<SentTransaction> {
      const { contract, role: roleHash } = ROLES[studyRole];
      return sendAs(adminKey, (walletClient) =>
        walletClient.writeContract({
          address: addresses[contract],
          abi: abis.escrow,
          functionName: "grantRole",
          args: [roleHash, account],
        }),
      );
    },

    async hasRole(studyRole: StudyRole, account: Address): Promise<boolean> {
      const { contract, role: roleHash } = ROLES[studyRole];
      return publicClient.readContract({
        address: addresses[contract],
        abi: abis.escrow,
        functionName: "hasRole",
        args: [roleHash, account],
      });
    },

    addBoardMember(adminKey: Hex, member: Address): Promise<SentTransaction> {
      return sendAs(adminKey, (walletClient) =>
        walletClient.writeContract({ ...ethicsBoard, functionName: "addMember", args: [member] }),
      );
    },

    removeBoardMember(adminKey: Hex, member: Address): Promise<SentTransaction> {
      return sendAs(adminKey, (walletClient) =>
        walletClient.writeContract({
          ...ethicsBoard,
          functionName: "removeMember",
          args: [member],
        }),
      );
    },

    setQuorum(adminKey: Hex, quorum: number): Promise<SentTransaction> {
      return sendAs(adminKey, (walletClient) =>
        walletClient.writeContract({ ...ethicsBoard, functionName: "setQuorum", args: [quorum] }),
      );
    },

    /** Local chains only: the test stablecoin's admin mints `amount` (6 decimals) to `to`. */
    mintStablecoin(adminKey: Hex, to: Address, amount: bigint): Promise<SentTransaction> {
      return sendAs(adminKey, (walletClient) =>
        walletClient.writeContract({ ...stablecoin, functionName: "mint", args: [to, amount] }),
      );
    },

    // Credentials (a credential issuer)

    issueCredential(
      issuerKey: Hex,
      credential: { researcher: Address; visaType: VisaType; valueHash: Hex; expiresAt: bigint },
    ): Promise<SentTransaction> {
      return sendAs(issuerKey, (walletClient) =>
        walletClient.writeContract({
          ...credentialRegistry,
          functionName: "issueCredential",
          args: [
            credential.researcher,
            VISA_TYPES.indexOf(credential.visaType),
            credential.valueHash,
            credential.expiresAt,
          ],
        }),
      );
    },

    revokeCredential(
      signerKey: Hex,
      researcher: Address,
      visaType: VisaType,
    ): Promise<SentTransaction> {
      return sendAs(signerKey, (walletClient) =>
        walletClient.writeContract({
          ...credentialRegistry,
          functionName: "revokeCredential",
          args: [researcher, VISA_TYPES.indexOf(visaType)],
        }),
      );
    },

    hasLiveCredential(researcher: Address, visaType: VisaType): Promise<boolean> {
      return publicClient.readContract({
        ...credentialRegistry,
        functionName: "hasLiveCredential",
        args: [researcher, VISA_TYPES.indexOf(visaType)],
      });
    },

    // Study requests and the board

    /** Files the request as the researcher whose key signs it. */
    submitRequest(researcherKey: Hex, studyId: Hex, terms: StudyTerms): Promise<SentTransaction> {
      return sendAs(researcherKey, (walletClient) =>
        walletClient.writeContract({
          ...ethicsBoard,
          functionName: "submitRequest",
          args: [
            studyId,
            {
              scopeHash: terms.scopeHash,
              custodian: terms.custodian,
              price: terms.price,
              licenceDuration: terms.licenceDurationSeconds,
              decisionDeadline: terms.decisionDeadline,
            },
          ],
        }),
      );
    },

    vote(
      memberKey: Hex,
      studyId: Hex,
      approve: boolean,
      reasonHash: Hex,
    ): Promise<SentTransaction> {
      return sendAs(memberKey, (walletClient) =>
        walletClient.writeContract({
          ...ethicsBoard,
          functionName: "vote",
          args: [studyId, approve, reasonHash],
        }),
      );
    },

    /** The request with its status now (`expired` included), or null when nobody filed it. */
    studyRequest,

    async studyStatus(studyId: Hex): Promise<StudyStatus> {
      const status = await publicClient.readContract({
        ...ethicsBoard,
        functionName: "statusOf",
        args: [studyId],
      });
      return nameAt(STUDY_STATUSES, status);
    },

    async voteOf(studyId: Hex, member: Address): Promise<BoardVote> {
      const vote = await publicClient.readContract({
        ...ethicsBoard,
        functionName: "voteOf",
        args: [studyId, member],
      });
      return nameAt(VOTES, vote);
    },

    isBoardMember(account: Address): Promise<boolean> {
      return publicClient.readContract({
        ...ethicsBoard,
        functionName: "isMember",
        args: [account],
      });
    },

    // Payment

    /**
     * Approves the escrow for the study's price and pays it, as the researcher. Waits for the approval to be
     * mined first, so that the payment's gas estimate sees the allowance on a chain that mines in blocks.
     */
    async payInStablecoin(researcherKey: Hex, studyId: Hex): Promise<SentTransaction> {
      const request = await studyRequest(studyId);
      if (request === null) throw new Error(`No study request ${studyId} on chain`);
      const approval = await sendAs(researcherKey, (walletClient) =>
        walletClient.writeContract({
          ...stablecoin,
          functionName: "approve",
          args: [addresses.escrow, request.price],
        }),
      );
      const approved = await waitForReceipt(approval.txHash);
      if (approved.status !== "success") {
        throw new Error(`Approving the escrow for study ${studyId} reverted in ${approval.txHash}`);
      }
      return sendAs(researcherKey, (walletClient) =>
        walletClient.writeContract({ ...escrow, functionName: "pay", args: [studyId] }),
      );
    },

    /** Records a card payment taken off chain (the payment webhook's operator key). */
    recordCardPayment(
      operatorKey: Hex,
      studyId: Hex,
      referenceHash: Hex,
    ): Promise<SentTransaction> {
      return sendAs(operatorKey, (walletClient) =>
        walletClient.writeContract({
          ...escrow,
          functionName: "recordCardPayment",
          args: [studyId, referenceHash],
        }),
      );
    },

    /** Refunds a rejected or expired study's payment to its researcher; any key may send it. */
    refund(signerKey: Hex, studyId: Hex): Promise<SentTransaction> {
      return sendAs(signerKey, (walletClient) =>
        walletClient.writeContract({ ...escrow, functionName: "refund", args: [studyId] }),
      );
    },

    withdrawFees(custodianKey: Hex): Promise<SentTransaction> {
      return sendAs(custodianKey, (walletClient) =>
        walletClient.writeContract({ ...escrow, functionName: "withdrawFees" }),
      );
    },

    async paymentOf(studyId: Hex): Promise<StudyPayment> {
      const payment = await publicClient.readContract({
        ...escrow,
        functionName: "paymentOf",
        args: [studyId],
      });
      return {
        kind: nameAt(PAYMENT_KINDS, payment.kind),
        state: nameAt(PAYMENT_STATES, payment.state),
        payer: payment.payer,
        amount: payment.amount,
        feeBps: payment.feeBps,
        cardReference: payment.cardReference,
      };
    },

    feesOwed(custodian: Address): Promise<bigint> {
      return publicClient.readContract({ ...escrow, functionName: "feesOwed", args: [custodian] });
    },

    stablecoinBalance(account: Address): Promise<bigint> {
      return publicClient.readContract({
        ...stablecoin,
        functionName: "balanceOf",
        args: [account],
      });
    },

    // Licence

    /** Mints the study's licence to its researcher (signed by the researcher or a licence minter). */
    mintLicence(signerKey: Hex, studyId: Hex): Promise<SentTransaction> {
      return sendAs(signerKey, (walletClient) =>
        walletClient.writeContract({ ...licence, functionName: "mintLicence", args: [studyId] }),
      );
    },

    revokeLicence(revokerKey: Hex, studyId: Hex, reasonHash: Hex): Promise<SentTransaction> {
      return sendAs(revokerKey, (walletClient) =>
        walletClient.writeContract({
          ...licence,
          functionName: "revokeLicence",
          args: [studyId, reasonHash],
        }),
      );
    },

    /** Whether the researcher may use the study's licence now, with the scope and expiry it grants. */
    async licenceOf(researcher: Address, studyId: Hex): Promise<LicenceView> {
      const [live, scopeHash, expiresAt] = await publicClient.readContract({
        ...licence,
        functionName: "licenceOf",
        args: [researcher, studyId],
      });
      return { live, scopeHash, expiresAt };
    },

    // Results

    publishResult(siteWorkerKey: Hex, result: ResultRecord): Promise<SentTransaction> {
      return sendAs(siteWorkerKey, (walletClient) =>
        walletClient.writeContract({
          ...resultRegistry,
          functionName: "publishResult",
          args: [
            result.studyId,
            result.jobId,
            result.specHash,
            result.cohortRoot,
            result.resultHash,
          ],
        }),
      );
    },

    /** The job's published result, or null when none was published. */
    async resultOf(studyId: Hex, jobId: Hex): Promise<PublishedResult | null> {
      const result = await publicClient.readContract({
        ...resultRegistry,
        functionName: "resultOf",
        args: [studyId, jobId],
      });
      if (result.siteWorker === zeroAddress) return null;
      return { ...result };
    },

    verifyResult(studyId: Hex, jobId: Hex, resultHash: Hex): Promise<boolean> {
      return publicClient.readContract({
        ...resultRegistry,
        functionName: "verifyResult",
        args: [studyId, jobId, resultHash],
      });
    },
  };
}
