// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {FeeSplit} from "../../src/study/FeeSplit.sol";
import {IEthicsBoard} from "../../src/study/IEthicsBoard.sol";
import {IStudyEscrow} from "../../src/study/IStudyEscrow.sol";
import {StudyEscrow} from "../../src/study/StudyEscrow.sol";
import {vm} from "../Vm.sol";
import {StudyFixture} from "./StudyFixture.sol";

/// @dev A token that, when the escrow sends it out, calls the escrow's `refund` again, as a hostile token could.
contract ReenteringToken is ERC20 {
    StudyEscrow public escrow;
    bytes32 public studyId;
    bool public reentered;
    bytes public reentryError;

    constructor() ERC20("Reentering", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function aim(StudyEscrow escrow_, bytes32 studyId_) external {
        escrow = escrow_;
        studyId = studyId_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        bool sent = super.transfer(to, value);
        if (!reentered && address(escrow) != address(0)) {
            reentered = true;
            try escrow.refund(studyId) {}
            catch (bytes memory reason) {
                reentryError = reason;
            }
        }
        return sent;
    }
}

contract StudyEscrowTest is StudyFixture {
    uint128 internal constant FEE = (PRICE * FEE_BPS) / 10_000;

    function _state(bytes32 studyId) internal view returns (uint256) {
        return uint256(escrow.paymentOf(studyId).state);
    }

    function _payByCard(bytes32 studyId) internal {
        vm.prank(operator);
        escrow.recordCardPayment(studyId, keccak256("card-ref"));
    }

    function _releaseAsLicence(bytes32 studyId) internal {
        vm.prank(address(licence));
        escrow.release(studyId);
    }

    function _pauseEscrow() internal {
        vm.prank(admin);
        escrow.pause();
    }

    function _unpauseEscrow() internal {
        vm.prank(admin);
        escrow.unpause();
    }

    // constructor

    function test_constructor_setsBoardTokenPoolAndFee() public view {
        vm.assertEq(address(escrow.board()), address(board), "board");
        vm.assertEq(address(escrow.token()), address(stablecoin), "token");
        vm.assertEq(escrow.payoutPool(), payoutPool, "payoutPool");
        vm.assertEq(escrow.custodianFeeBps(), FEE_BPS, "custodianFeeBps");
        vm.assertEq(escrow.MAX_FEE_BPS(), 10_000, "MAX_FEE_BPS");
        vm.assertTrue(escrow.hasRole(bytes32(0), admin), "admin");
    }

    function test_constructor_revertsWhenPayoutPoolIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.InvalidPayoutPool.selector, address(0)));
        new StudyEscrow(admin, board, stablecoin, address(0), FEE_BPS);
    }

    function test_constructor_revertsWhenFeeIsAboveTheWholePrice() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.FeeTooHigh.selector, uint16(10_001), uint16(10_000)));
        new StudyEscrow(admin, board, stablecoin, payoutPool, 10_001);
    }

    // pay

    function test_pay_holdsThePriceAndEmitsPaymentReceived() public {
        _submit(STUDY_ID);
        vm.prank(admin);
        stablecoin.mint(researcher, PRICE);
        vm.prank(researcher);
        stablecoin.approve(address(escrow), PRICE);

        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.PaymentReceived(STUDY_ID, researcher, PRICE);
        vm.prank(researcher);
        escrow.pay(STUDY_ID);

        IStudyEscrow.Payment memory payment = escrow.paymentOf(STUDY_ID);
        vm.assertEq(uint256(payment.kind), uint256(IStudyEscrow.PaymentKind.Token), "kind");
        vm.assertEq(uint256(payment.state), uint256(IStudyEscrow.PaymentState.Held), "state");
        vm.assertEq(payment.payer, researcher, "payer");
        vm.assertEq(payment.amount, PRICE, "amount");
        vm.assertEq(payment.feeBps, FEE_BPS, "feeBps");
        vm.assertEq(stablecoin.balanceOf(address(escrow)), PRICE, "escrow holds the price");
        vm.assertEq(stablecoin.balanceOf(researcher), 0, "researcher paid");
    }

    function test_pay_acceptsAnApprovedStudy() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Held), "held");
    }

    function test_pay_revertsWhenStudyIsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.UnknownStudy.selector, STUDY_ID));
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
    }

    function test_pay_revertsWhenCallerIsNotTheResearcher() public {
        _submit(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.NotStudyResearcher.selector, STUDY_ID, otherResearcher));
        vm.prank(otherResearcher);
        escrow.pay(STUDY_ID);
    }

    function test_pay_revertsWhenStudyIsRejected() public {
        _submit(STUDY_ID);
        _reject(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyEscrow.StudyNotPayable.selector, STUDY_ID, IEthicsBoard.StudyStatus.Rejected
            )
        );
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
    }

    function test_pay_revertsWhenStudyIsExpired() public {
        _submit(STUDY_ID);
        vm.warp(T0 + 14 * DAY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.StudyNotPayable.selector, STUDY_ID, IEthicsBoard.StudyStatus.Expired)
        );
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
    }

    function test_pay_revertsWhenAlreadyPaidInTheStablecoin() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.AlreadyPaid.selector, STUDY_ID, IStudyEscrow.PaymentKind.Token)
        );
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
    }

    function test_pay_revertsWhenAlreadyPaidByCard() public {
        _submit(STUDY_ID);
        _payByCard(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.AlreadyPaid.selector, STUDY_ID, IStudyEscrow.PaymentKind.Card)
        );
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
    }

    function test_pay_revertsWhenAllowanceIsShort() public {
        _submit(STUDY_ID);
        vm.prank(admin);
        stablecoin.mint(researcher, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(escrow), uint256(0), uint256(PRICE)
            )
        );
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.None), "nothing recorded");
    }

    function test_pay_revertsWhenBalanceIsShort() public {
        _submit(STUDY_ID);
        vm.prank(researcher);
        stablecoin.approve(address(escrow), PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientBalance.selector, researcher, uint256(0), uint256(PRICE)
            )
        );
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
    }

    // recordCardPayment

    function test_recordCardPayment_holdsACardPaymentAndEmits() public {
        _submit(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.CardPaymentRecorded(STUDY_ID, keccak256("card-ref"), PRICE);
        _payByCard(STUDY_ID);

        IStudyEscrow.Payment memory payment = escrow.paymentOf(STUDY_ID);
        vm.assertEq(uint256(payment.kind), uint256(IStudyEscrow.PaymentKind.Card), "kind");
        vm.assertEq(uint256(payment.state), uint256(IStudyEscrow.PaymentState.Held), "state");
        vm.assertEq(payment.payer, researcher, "payer");
        vm.assertEq(payment.cardReference, keccak256("card-ref"), "cardReference");
        vm.assertEq(stablecoin.balanceOf(address(escrow)), 0, "no tokens move");
    }

    function test_recordCardPayment_revertsWhenCallerIsNotOperator() public {
        _submit(STUDY_ID);
        bytes32 operatorRole = escrow.OPERATOR_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, researcher, operatorRole)
        );
        vm.prank(researcher);
        escrow.recordCardPayment(STUDY_ID, keccak256("card-ref"));
    }

    function test_recordCardPayment_revertsWhenReferenceIsEmpty() public {
        _submit(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.EmptyPaymentReference.selector, STUDY_ID));
        vm.prank(operator);
        escrow.recordCardPayment(STUDY_ID, bytes32(0));
    }

    function test_recordCardPayment_revertsWhenStudyIsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.UnknownStudy.selector, STUDY_ID));
        _payByCard(STUDY_ID);
    }

    function test_recordCardPayment_revertsWhenStudyIsRejected() public {
        _submit(STUDY_ID);
        _reject(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyEscrow.StudyNotPayable.selector, STUDY_ID, IEthicsBoard.StudyStatus.Rejected
            )
        );
        _payByCard(STUDY_ID);
    }

    function test_recordCardPayment_revertsWhenAlreadyPaidInTheStablecoin() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.AlreadyPaid.selector, STUDY_ID, IStudyEscrow.PaymentKind.Token)
        );
        _payByCard(STUDY_ID);
    }

    // release

    function test_release_paysThePoolAndCreditsTheCustodiansFee() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.PaymentReleased(STUDY_ID, payoutPool, custodian, PRICE - FEE, FEE);
        _releaseAsLicence(STUDY_ID);

        vm.assertEq(stablecoin.balanceOf(payoutPool), PRICE - FEE, "pool share paid");
        vm.assertEq(escrow.feesOwed(custodian), FEE, "fee credited");
        vm.assertEq(stablecoin.balanceOf(address(escrow)), FEE, "escrow keeps the fee until withdrawn");
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Released), "released");
    }

    function test_release_usesTheFeeFixedWhenThePaymentWasMade() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        vm.prank(admin);
        escrow.setCustodianFeeBps(0);
        _approve(STUDY_ID);
        _releaseAsLicence(STUDY_ID);
        vm.assertEq(escrow.feesOwed(custodian), FEE, "fee at payment time");
    }

    function test_release_settlesACardPaymentWithoutMovingTokens() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _payByCard(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.CardPaymentSettled(STUDY_ID, keccak256("card-ref"));
        _releaseAsLicence(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Released), "released");
        vm.assertEq(escrow.feesOwed(custodian), 0, "no on-chain fee for a card payment");
    }

    function test_release_revertsWhenCallerIsNotTheLicence() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        bytes32 licenceRole = escrow.LICENCE_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, researcher, licenceRole)
        );
        vm.prank(researcher);
        escrow.release(STUDY_ID);
    }

    function test_release_revertsWhenNothingWasPaid() public {
        _submit(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.PaymentNotHeld.selector, STUDY_ID, IStudyEscrow.PaymentState.None)
        );
        _releaseAsLicence(STUDY_ID);
    }

    function test_release_revertsWhenAlreadyReleased() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _releaseAsLicence(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyEscrow.PaymentNotHeld.selector, STUDY_ID, IStudyEscrow.PaymentState.Released
            )
        );
        _releaseAsLicence(STUDY_ID);
    }

    // refund

    function test_refund_returnsThePriceAfterRejectionToAnyCallerAndEmits() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _reject(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.PaymentRefunded(STUDY_ID, researcher, PRICE);
        vm.prank(stranger);
        escrow.refund(STUDY_ID);

        vm.assertEq(stablecoin.balanceOf(researcher), PRICE, "refunded");
        vm.assertEq(stablecoin.balanceOf(address(escrow)), 0, "nothing left");
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Refunded), "refunded");
    }

    function test_refund_returnsThePriceAfterTheDeadlinePassesUndecided() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        vm.warp(T0 + 14 * DAY + 1);
        vm.prank(researcher);
        escrow.refund(STUDY_ID);
        vm.assertEq(stablecoin.balanceOf(researcher), PRICE, "refunded");
    }

    function test_refund_marksACardRefundDue() public {
        _submit(STUDY_ID);
        _payByCard(STUDY_ID);
        _reject(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.CardRefundDue(STUDY_ID, keccak256("card-ref"));
        escrow.refund(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Refunded), "refunded");
    }

    function test_refund_revertsWhileTheStudyIsPending() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyEscrow.StudyNotRefundable.selector, STUDY_ID, IEthicsBoard.StudyStatus.Pending
            )
        );
        escrow.refund(STUDY_ID);
    }

    function test_refund_revertsWhenTheStudyIsApproved() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _approve(STUDY_ID);
        vm.warp(T0 + 365 * DAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyEscrow.StudyNotRefundable.selector, STUDY_ID, IEthicsBoard.StudyStatus.Approved
            )
        );
        escrow.refund(STUDY_ID);
    }

    function test_refund_revertsWhenTheStudyIsUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.StudyNotRefundable.selector, STUDY_ID, IEthicsBoard.StudyStatus.None)
        );
        escrow.refund(STUDY_ID);
    }

    function test_refund_revertsWhenNothingWasPaid() public {
        _submit(STUDY_ID);
        _reject(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IStudyEscrow.PaymentNotHeld.selector, STUDY_ID, IStudyEscrow.PaymentState.None)
        );
        escrow.refund(STUDY_ID);
    }

    function test_refund_revertsWhenAlreadyRefunded() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _reject(STUDY_ID);
        escrow.refund(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStudyEscrow.PaymentNotHeld.selector, STUDY_ID, IStudyEscrow.PaymentState.Refunded
            )
        );
        escrow.refund(STUDY_ID);
        vm.assertEq(stablecoin.balanceOf(researcher), PRICE, "refunded once");
    }

    function test_refund_refusesAReentrantRefundFromTheToken() public {
        ReenteringToken token = new ReenteringToken();
        StudyEscrow hostile = new StudyEscrow(admin, board, token, payoutPool, FEE_BPS);
        _submit(STUDY_ID);
        token.mint(researcher, PRICE);
        vm.prank(researcher);
        token.approve(address(hostile), PRICE);
        vm.prank(researcher);
        hostile.pay(STUDY_ID);
        _reject(STUDY_ID);
        token.mint(address(hostile), PRICE);
        token.aim(hostile, STUDY_ID);

        hostile.refund(STUDY_ID);
        vm.assertTrue(token.reentered(), "the token called back");
        vm.assertEq(
            keccak256(token.reentryError()),
            keccak256(
                abi.encodeWithSelector(
                    IStudyEscrow.PaymentNotHeld.selector, STUDY_ID, IStudyEscrow.PaymentState.Refunded
                )
            ),
            "the call back found the payment refunded already"
        );
        vm.assertEq(token.balanceOf(researcher), PRICE, "refunded exactly once");
    }

    // withdrawFees

    function test_withdrawFees_sendsTheOwedFeesOnceAndEmits() public {
        _license(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.FeesWithdrawn(custodian, FEE);
        vm.prank(custodian);
        escrow.withdrawFees();
        vm.assertEq(stablecoin.balanceOf(custodian), FEE, "fee paid");
        vm.assertEq(escrow.feesOwed(custodian), 0, "nothing owed");
        vm.assertEq(stablecoin.balanceOf(address(escrow)), 0, "escrow empty");
    }

    function test_withdrawFees_revertsWhenNothingIsOwed() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.NoFeesOwed.selector, custodian));
        vm.prank(custodian);
        escrow.withdrawFees();
    }

    // setPayoutPool

    function test_setPayoutPool_changesWhereReleasesGoAndEmits() public {
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.PayoutPoolChanged(stranger);
        vm.prank(admin);
        escrow.setPayoutPool(stranger);
        vm.assertEq(escrow.payoutPool(), stranger, "payoutPool");
    }

    function test_setPayoutPool_revertsWhenCallerIsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, bytes32(0))
        );
        vm.prank(operator);
        escrow.setPayoutPool(stranger);
    }

    function test_setPayoutPool_revertsWhenPoolIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.InvalidPayoutPool.selector, address(0)));
        vm.prank(admin);
        escrow.setPayoutPool(address(0));
    }

    function test_setPayoutPool_revertsWhenPoolIsTheEscrowItself() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.InvalidPayoutPool.selector, address(escrow)));
        vm.prank(admin);
        escrow.setPayoutPool(address(escrow));
    }

    // setCustodianFeeBps

    function test_setCustodianFeeBps_changesTheFeeAndEmits() public {
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.CustodianFeeChanged(250);
        vm.prank(admin);
        escrow.setCustodianFeeBps(250);
        vm.assertEq(escrow.custodianFeeBps(), 250, "custodianFeeBps");
    }

    function test_setCustodianFeeBps_revertsWhenCallerIsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, custodian, bytes32(0))
        );
        vm.prank(custodian);
        escrow.setCustodianFeeBps(250);
    }

    function test_setCustodianFeeBps_revertsWhenAboveTheWholePrice() public {
        vm.expectRevert(abi.encodeWithSelector(IStudyEscrow.FeeTooHigh.selector, uint16(10_001), uint16(10_000)));
        vm.prank(admin);
        escrow.setCustodianFeeBps(10_001);
    }

    // views and the fee split

    function test_paymentOf_returnsZerosWhenNothingWasPaid() public view {
        IStudyEscrow.Payment memory payment = escrow.paymentOf(STUDY_ID);
        vm.assertEq(uint256(payment.kind), 0, "kind");
        vm.assertEq(payment.payer, address(0), "payer");
        vm.assertEq(payment.amount, 0, "amount");
    }

    function test_supportsInterface_reportsStudyEscrowAndAccessControl() public view {
        vm.assertTrue(escrow.supportsInterface(type(IStudyEscrow).interfaceId), "IStudyEscrow");
        vm.assertTrue(escrow.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertFalse(escrow.supportsInterface(0xffffffff), "0xffffffff");
    }

    function test_split_addsUpToTheAmountAndRoundsTheFeeDown(uint128 amount, uint16 feeBps) public pure {
        feeBps = uint16(feeBps % 10_001);
        (uint128 poolShare, uint128 fee) = FeeSplit.split(amount, feeBps);
        vm.assertEq(uint256(poolShare) + fee, amount, "no value created or lost");
        vm.assertEq(fee, (uint256(amount) * feeBps) / 10_000, "fee rounded down");
    }

    // while paused

    function test_pay_revertsWhenPaused() public {
        _submit(STUDY_ID);
        vm.prank(admin);
        stablecoin.mint(researcher, PRICE);
        vm.prank(researcher);
        stablecoin.approve(address(escrow), PRICE);
        _pauseEscrow();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(researcher);
        escrow.pay(STUDY_ID);

        _unpauseEscrow();
        vm.prank(researcher);
        escrow.pay(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Held), "paid after unpause");
    }

    function test_recordCardPayment_revertsWhenPaused() public {
        _submit(STUDY_ID);
        _pauseEscrow();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _payByCard(STUDY_ID);

        _unpauseEscrow();
        _payByCard(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Held), "recorded after unpause");
    }

    function test_release_revertsWhenPaused() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        _pauseEscrow();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _releaseAsLicence(STUDY_ID);
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Held), "still held");

        _unpauseEscrow();
        _releaseAsLicence(STUDY_ID);
        vm.assertEq(stablecoin.balanceOf(payoutPool), PRICE - FEE, "released after unpause");
    }

    function test_withdrawFees_revertsWhenPaused() public {
        _license(STUDY_ID);
        _pauseEscrow();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(custodian);
        escrow.withdrawFees();
        vm.assertEq(escrow.feesOwed(custodian), FEE, "still owed");

        _unpauseEscrow();
        vm.prank(custodian);
        escrow.withdrawFees();
        vm.assertEq(stablecoin.balanceOf(custodian), FEE, "withdrawn after unpause");
    }

    function test_refund_worksWhilePaused() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _reject(STUDY_ID);
        _pauseEscrow();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IStudyEscrow.PaymentRefunded(STUDY_ID, researcher, PRICE);
        vm.prank(stranger);
        escrow.refund(STUDY_ID);
        vm.assertEq(stablecoin.balanceOf(researcher), PRICE, "refunded while paused");
        vm.assertEq(_state(STUDY_ID), uint256(IStudyEscrow.PaymentState.Refunded), "refunded");
    }

    function test_refund_worksForAStudyThatExpiredWhileEscrowAndBoardWerePaused() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _pauseEscrow();
        vm.prank(admin);
        board.pause();
        vm.warp(T0 + 14 * DAY + 1);
        vm.prank(researcher);
        escrow.refund(STUDY_ID);
        vm.assertEq(stablecoin.balanceOf(researcher), PRICE, "refunded while paused");
    }

    function test_setCustodianFeeBps_worksWhilePaused() public {
        _pauseEscrow();
        vm.prank(admin);
        escrow.setCustodianFeeBps(500);
        vm.assertEq(escrow.custodianFeeBps(), 500, "set while paused");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_constructor_grantsPauserRoleToAdminOnly() public view {
        vm.assertTrue(escrow.hasRole(escrow.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(escrow.hasRole(escrow.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(escrow.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(escrow.paused(), "starts unpaused");
    }

    function test_pause_stopsPaymentsAndReleasesAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(escrow));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        escrow.pause();
        vm.assertTrue(escrow.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, operator, escrow.PAUSER_ROLE()
            )
        );
        vm.prank(operator);
        escrow.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        escrow.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        escrow.pause();
    }

    function test_unpause_emitsUnpaused() public {
        vm.prank(admin);
        escrow.pause();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        escrow.unpause();
        vm.assertFalse(escrow.paused(), "unpaused");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        bytes32 pauserRole = escrow.PAUSER_ROLE();
        vm.prank(admin);
        escrow.grantRole(pauserRole, stranger);
        vm.prank(stranger);
        escrow.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        escrow.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        escrow.unpause();
    }
}
