// The study contracts through viem on Hardhat's in-process EVM: request, quorum, payment, licence and result,
// the refund paths, and the gas each step costs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { type Address, getAddress, type Hash, keccak256, toHex, zeroHash } from "viem";

// tsconfig.json excludes artifacts/, so the contract types Hardhat writes on build are pulled in here.
import type {} from "../../../artifacts/contracts/src/study/CredentialRegistry.sol/artifacts.d.ts";
import type {} from "../../../artifacts/contracts/src/study/DataLicence.sol/artifacts.d.ts";
import type {} from "../../../artifacts/contracts/src/study/EthicsBoard.sol/artifacts.d.ts";
import type {} from "../../../artifacts/contracts/src/study/ResultRegistry.sol/artifacts.d.ts";
import type {} from "../../../artifacts/contracts/src/study/StudyEscrow.sol/artifacts.d.ts";
import type {} from "../../../artifacts/contracts/src/study/TestStablecoin.sol/artifacts.d.ts";
import { gasSnapshot } from "../gas.ts";

const gas = gasSnapshot("study");

const DAY = 86_400n;
const PRICE = 1_000_000_000n; // 1,000 dollars at 6 decimals
const FEE_BPS = 1_500;
const FEE = (PRICE * BigInt(FEE_BPS)) / 10_000n;
const STUDY_ID = keccak256(toHex("study-flow-1"));
const SCOPE_HASH = keccak256(toHex("purpose, fields, analyses, duration, price"));
const REASON = keccak256(toHex("the board's reasons"));
const VISA_HASH = keccak256(toHex("ResearcherStatus visa"));
const JOB_ID = keccak256(toHex("job-1"));
const SPEC_HASH = keccak256(toHex("analysis spec"));
const COHORT_ROOT = keccak256(toHex("cohort merkle root"));
const RESULT_HASH = keccak256(toHex("disclosure-checked result"));
const RESEARCHER_STATUS = 0;

const STATUS = { None: 0, Pending: 1, Approved: 2, Rejected: 3, Expired: 4 } as const;

const role = (name: string) => keccak256(toHex(name));

describe("Study flow", async () => {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const addresses = (await viem.getWalletClients()).map((wallet) =>
    getAddress(wallet.account.address),
  );
  function accountAt(index: number): Address {
    const address = addresses[index];
    assert.ok(address !== undefined, `Hardhat has no wallet ${index}`);
    return address;
  }
  const admin = accountAt(0);
  const researcher = accountAt(1);
  const custodian = accountAt(2);
  const [member1, member2, member3] = [accountAt(3), accountAt(4), accountAt(5)];
  const operator = accountAt(6);
  const siteWorker = accountAt(7);
  const pool = accountAt(8);
  const issuer = accountAt(9);
  const boardExecutor = accountAt(10);
  const stranger = accountAt(11);

  async function deployStudyContracts() {
    const credentials = await viem.deployContract("CredentialRegistry", [admin]);
    const board = await viem.deployContract("EthicsBoard", [admin, credentials.address]);
    const stablecoin = await viem.deployContract("TestStablecoin", [admin]);
    const escrow = await viem.deployContract("StudyEscrow", [
      admin,
      board.address,
      stablecoin.address,
      pool,
      FEE_BPS,
    ]);
    const licence = await viem.deployContract("DataLicence", [
      admin,
      board.address,
      credentials.address,
      escrow.address,
    ]);
    const results = await viem.deployContract("ResultRegistry", [admin, licence.address]);

    await credentials.write.grantRole([role("ISSUER_ROLE"), issuer], { account: admin });
    await escrow.write.grantRole([role("LICENCE_ROLE"), licence.address], { account: admin });
    await escrow.write.grantRole([role("OPERATOR_ROLE"), operator], { account: admin });
    await licence.write.grantRole([role("BOARD_ROLE"), boardExecutor], { account: admin });
    await results.write.grantRole([role("SITE_WORKER_ROLE"), siteWorker], { account: admin });
    for (const member of [member1, member2, member3]) {
      await board.write.addMember([member], { account: admin });
    }
    await board.write.setQuorum([2], { account: admin });
    const now = BigInt(await networkHelpers.time.latest());
    await credentials.write.issueCredential(
      [researcher, RESEARCHER_STATUS, VISA_HASH, now + 365n * DAY],
      { account: issuer },
    );
    return { credentials, board, stablecoin, escrow, licence, results };
  }

  type Study = Awaited<ReturnType<typeof deployStudyContracts>>;

  async function submitStudy({ board }: Study) {
    const now = BigInt(await networkHelpers.time.latest());
    const decisionDeadline = now + 14n * DAY;
    const hash = await board.write.submitRequest(
      [
        STUDY_ID,
        {
          scopeHash: SCOPE_HASH,
          custodian,
          price: PRICE,
          licenceDuration: 90n * DAY,
          decisionDeadline,
        },
      ],
      { account: researcher },
    );
    return { hash, decisionDeadline };
  }

  async function payInStablecoin({ stablecoin, escrow }: Study) {
    await stablecoin.write.mint([researcher, PRICE], { account: admin });
    await stablecoin.write.approve([escrow.address, PRICE], { account: researcher });
    return escrow.write.pay([STUDY_ID], { account: researcher });
  }

  async function gasUsed(hash: Hash) {
    return (await publicClient.getTransactionReceipt({ hash })).gasUsed;
  }

  it("takes a study from request through a board quorum, stablecoin payment and licence to a verifiable result", async () => {
    const study = await networkHelpers.loadFixture(deployStudyContracts);
    const { board, stablecoin, escrow, licence, results } = study;

    const { hash: submitted, decisionDeadline } = await submitStudy(study);
    await viem.assertions.emitWithArgs(submitted, board, "StudyRequested", [
      STUDY_ID,
      researcher,
      custodian,
      SCOPE_HASH,
      PRICE,
      90n * DAY,
      decisionDeadline,
      2,
    ]);

    const firstVote = await board.write.vote([STUDY_ID, true, REASON], { account: member1 });
    await viem.assertions.emitWithArgs(firstVote, board, "VoteCast", [
      STUDY_ID,
      member1,
      true,
      REASON,
    ]);
    assert.equal(await board.read.statusOf([STUDY_ID]), STATUS.Pending);
    const decidingVote = await board.write.vote([STUDY_ID, true, REASON], { account: member2 });
    await viem.assertions.emitWithArgs(decidingVote, board, "StudyApproved", [STUDY_ID, 2]);
    assert.equal(await board.read.statusOf([STUDY_ID]), STATUS.Approved);
    gas.check("board.vote", await gasUsed(decidingVote));

    const paid = await payInStablecoin(study);
    await viem.assertions.emitWithArgs(paid, escrow, "PaymentReceived", [
      STUDY_ID,
      researcher,
      PRICE,
    ]);
    assert.equal(await stablecoin.read.balanceOf([escrow.address]), PRICE);
    gas.check("escrow.pay", await gasUsed(paid));

    const minted = await licence.write.mintLicence([STUDY_ID], { account: researcher });
    const mintedAt = BigInt(await networkHelpers.time.latest());
    await viem.assertions.emitWithArgs(minted, licence, "LicenceMinted", [
      STUDY_ID,
      researcher,
      SCOPE_HASH,
      mintedAt + 90n * DAY,
    ]);
    await viem.assertions.emitWithArgs(minted, escrow, "PaymentReleased", [
      STUDY_ID,
      pool,
      custodian,
      PRICE - FEE,
      FEE,
    ]);
    gas.check("licence.mint", await gasUsed(minted));
    assert.equal(await licence.read.balanceOf([researcher, BigInt(STUDY_ID)]), 1n);
    assert.deepEqual(await licence.read.licenceOf([researcher, STUDY_ID]), [
      true,
      SCOPE_HASH,
      mintedAt + 90n * DAY,
    ]);
    assert.equal(await stablecoin.read.balanceOf([pool]), PRICE - FEE);
    assert.equal(await escrow.read.feesOwed([custodian]), FEE);

    const withdrawn = await escrow.write.withdrawFees({ account: custodian });
    await viem.assertions.emitWithArgs(withdrawn, escrow, "FeesWithdrawn", [custodian, FEE]);
    assert.equal(await stablecoin.read.balanceOf([custodian]), FEE);
    assert.equal(await stablecoin.read.balanceOf([escrow.address]), 0n);

    const published = await results.write.publishResult(
      [STUDY_ID, JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH],
      { account: siteWorker },
    );
    await viem.assertions.emitWithArgs(published, results, "ResultPublished", [
      STUDY_ID,
      JOB_ID,
      siteWorker,
      SPEC_HASH,
      COHORT_ROOT,
      RESULT_HASH,
    ]);
    gas.check("result.publish", await gasUsed(published));
    assert.equal(await results.read.verifyResult([STUDY_ID, JOB_ID, RESULT_HASH]), true);
    assert.equal(
      await results.read.verifyResult([STUDY_ID, JOB_ID, keccak256(toHex("tampered"))]),
      false,
    );
    const record = await results.read.resultOf([STUDY_ID, JOB_ID]);
    assert.equal(getAddress(record.siteWorker), siteWorker);
    assert.equal(record.cohortRoot, COHORT_ROOT);
  });

  it("refunds the researcher in full when the board rejects the study", async () => {
    const study = await networkHelpers.loadFixture(deployStudyContracts);
    const { board, stablecoin, escrow, licence } = study;
    await submitStudy(study);
    await payInStablecoin(study);

    await board.write.vote([STUDY_ID, false, REASON], { account: member1 });
    const rejected = await board.write.vote([STUDY_ID, false, REASON], { account: member3 });
    await viem.assertions.emitWithArgs(rejected, board, "StudyRejected", [STUDY_ID, 2]);

    await viem.assertions.revertWithCustomErrorWithArgs(
      licence.write.mintLicence([STUDY_ID], { account: researcher }),
      licence,
      "StudyNotApproved",
      [STUDY_ID, STATUS.Rejected],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      board.write.vote([STUDY_ID, true, REASON], { account: member2 }),
      board,
      "RequestAlreadyDecided",
      [STUDY_ID, STATUS.Rejected],
    );

    const refunded = await escrow.write.refund([STUDY_ID], { account: stranger });
    await viem.assertions.emitWithArgs(refunded, escrow, "PaymentRefunded", [
      STUDY_ID,
      researcher,
      PRICE,
    ]);
    assert.equal(await stablecoin.read.balanceOf([researcher]), PRICE);
    assert.equal(await stablecoin.read.balanceOf([escrow.address]), 0n);
    gas.check("escrow.refund", await gasUsed(refunded));

    await viem.assertions.revertWithCustomErrorWithArgs(
      escrow.write.refund([STUDY_ID], { account: researcher }),
      escrow,
      "PaymentNotHeld",
      [STUDY_ID, 3],
    );
  });

  it("refunds the researcher when the board has not approved the study by its deadline", async () => {
    const study = await networkHelpers.loadFixture(deployStudyContracts);
    const { board, stablecoin, escrow } = study;
    const { decisionDeadline } = await submitStudy(study);
    await payInStablecoin(study);
    await board.write.vote([STUDY_ID, true, REASON], { account: member1 });

    await viem.assertions.revertWithCustomErrorWithArgs(
      escrow.write.refund([STUDY_ID], { account: researcher }),
      escrow,
      "StudyNotRefundable",
      [STUDY_ID, STATUS.Pending],
    );
    await networkHelpers.time.increaseTo(decisionDeadline + 1n);
    assert.equal(await board.read.statusOf([STUDY_ID]), STATUS.Expired);
    await viem.assertions.revertWithCustomErrorWithArgs(
      board.write.vote([STUDY_ID, true, REASON], { account: member2 }),
      board,
      "RequestExpired",
      [STUDY_ID, decisionDeadline],
    );

    await viem.assertions.emitWithArgs(
      escrow.write.refund([STUDY_ID], { account: researcher }),
      escrow,
      "PaymentRefunded",
      [STUDY_ID, researcher, PRICE],
    );
    assert.equal(await stablecoin.read.balanceOf([researcher]), PRICE);
  });

  it("mints after a card payment the operator recorded, and marks a rejected card payment for refund", async () => {
    const study = await networkHelpers.loadFixture(deployStudyContracts);
    const { board, escrow, licence } = study;
    const cardReference = keccak256(toHex("stripe checkout session"));
    await submitStudy(study);
    await viem.assertions.revertWithCustomErrorWithArgs(
      escrow.write.recordCardPayment([STUDY_ID, cardReference], { account: researcher }),
      escrow,
      "AccessControlUnauthorizedAccount",
      [researcher, role("OPERATOR_ROLE")],
    );
    await viem.assertions.emitWithArgs(
      escrow.write.recordCardPayment([STUDY_ID, cardReference], { account: operator }),
      escrow,
      "CardPaymentRecorded",
      [STUDY_ID, cardReference, PRICE],
    );
    await board.write.vote([STUDY_ID, true, REASON], { account: member1 });
    await board.write.vote([STUDY_ID, true, REASON], { account: member2 });
    await viem.assertions.emitWithArgs(
      licence.write.mintLicence([STUDY_ID], { account: researcher }),
      escrow,
      "CardPaymentSettled",
      [STUDY_ID, cardReference],
    );
    assert.equal(await licence.read.balanceOf([researcher, BigInt(STUDY_ID)]), 1n);

    const rejectedStudy = keccak256(toHex("study-flow-2"));
    const now = BigInt(await networkHelpers.time.latest());
    await board.write.submitRequest(
      [
        rejectedStudy,
        {
          scopeHash: SCOPE_HASH,
          custodian,
          price: PRICE,
          licenceDuration: DAY,
          decisionDeadline: now + DAY,
        },
      ],
      { account: researcher },
    );
    await escrow.write.recordCardPayment([rejectedStudy, cardReference], { account: operator });
    await board.write.vote([rejectedStudy, false, REASON], { account: member2 });
    await board.write.vote([rejectedStudy, false, REASON], { account: member3 });
    await viem.assertions.emitWithArgs(
      escrow.write.refund([rejectedStudy], { account: operator }),
      escrow,
      "CardRefundDue",
      [rejectedStudy, cardReference],
    );
  });

  it("keeps a licence with its researcher and stops it when it expires or the visa is revoked", async () => {
    const study = await networkHelpers.loadFixture(deployStudyContracts);
    const { board, credentials, licence, results } = study;
    await submitStudy(study);
    await board.write.vote([STUDY_ID, true, REASON], { account: member1 });
    await board.write.vote([STUDY_ID, true, REASON], { account: member2 });
    await payInStablecoin(study);
    await licence.write.mintLicence([STUDY_ID], { account: researcher });
    const tokenId = BigInt(STUDY_ID);

    // The transfer and approval functions never change state, so the ABI marks them pure and viem reads them.
    await viem.assertions.revertWithCustomErrorWithArgs(
      licence.read.safeTransferFrom([researcher, stranger, tokenId, 1n, "0x"], {
        account: researcher,
      }),
      licence,
      "LicenceNotTransferable",
      [tokenId],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      licence.read.setApprovalForAll([stranger, true], { account: researcher }),
      licence,
      "LicenceApprovalsDisabled",
      [stranger],
    );

    await credentials.write.revokeCredential([researcher, RESEARCHER_STATUS], { account: issuer });
    const [liveWithoutVisa] = await licence.read.licenceOf([researcher, STUDY_ID]);
    assert.equal(liveWithoutVisa, false);
    await viem.assertions.revertWithCustomErrorWithArgs(
      results.write.publishResult([STUDY_ID, JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH], {
        account: siteWorker,
      }),
      results,
      "LicenceNotLive",
      [STUDY_ID],
    );

    const now = BigInt(await networkHelpers.time.latest());
    await credentials.write.issueCredential(
      [researcher, RESEARCHER_STATUS, VISA_HASH, now + 365n * DAY],
      { account: issuer },
    );
    const [live, , expiresAt] = await licence.read.licenceOf([researcher, STUDY_ID]);
    assert.equal(live, true);
    await networkHelpers.time.increaseTo(expiresAt);
    assert.deepEqual(await licence.read.licenceOf([researcher, STUDY_ID]), [
      false,
      SCOPE_HASH,
      expiresAt,
    ]);
    assert.deepEqual(await licence.read.licenceOf([stranger, STUDY_ID]), [false, zeroHash, 0n]);
    assert.equal(await licence.read.balanceOf([stranger, tokenId]), 0n);
  });
});
