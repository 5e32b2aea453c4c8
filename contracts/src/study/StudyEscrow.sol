// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {FeeSplit} from "./FeeSplit.sol";
import {IEthicsBoard} from "./IEthicsBoard.sol";
import {IStudyEscrow} from "./IStudyEscrow.sol";

/// @title StudyEscrow
/// @notice Study payments in escrow. Every function writes its state and emits its event before it moves
/// tokens, so a token that calls back finds the payment already released or refunded. The custodian's fee is
/// credited and withdrawn by the custodian (pull): a custodian whose address the token refuses cannot block a
/// licence. The payout pool is the one admin-chosen recipient, paid at once (push) so it can split the payment.
/// Tokens that take a fee on transfer are not supported: the escrow assumes it receives what `pay` asks for.
contract StudyEscrow is IStudyEscrow, AccessControl, Pausable {
    using SafeERC20 for IERC20;

    /// @inheritdoc IStudyEscrow
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @inheritdoc IStudyEscrow
    bytes32 public constant LICENCE_ROLE = keccak256("LICENCE_ROLE");
    /// @inheritdoc IStudyEscrow
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IStudyEscrow
    uint16 public constant MAX_FEE_BPS = FeeSplit.BPS;

    /// @inheritdoc IStudyEscrow
    IEthicsBoard public immutable board;
    /// @inheritdoc IStudyEscrow
    IERC20 public immutable token;

    address private _payoutPool;
    uint16 private _custodianFeeBps;
    mapping(bytes32 studyId => Payment payment) private _payments;
    mapping(address custodian => uint256 amount) private _feesOwed;

    /// @param admin The account that sets the payout pool and the fee and may grant and revoke roles; it may also
    /// pause.
    /// @param board_ The board whose requests set prices and decide refunds.
    /// @param token_ The stablecoin payments are made in.
    /// @param payoutPool_ Where released payments go, less the custodian's fee.
    /// @param custodianFeeBps_ The custodian's fee in basis points, at most `MAX_FEE_BPS`.
    constructor(address admin, IEthicsBoard board_, IERC20 token_, address payoutPool_, uint16 custodianFeeBps_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        board = board_;
        token = token_;
        _setPayoutPool(payoutPool_);
        _setCustodianFeeBps(custodianFeeBps_);
    }

    /// @inheritdoc IStudyEscrow
    function pay(bytes32 studyId) external whenNotPaused {
        address payer = _msgSender();
        IEthicsBoard.StudyRequest memory request = board.requestOf(studyId);
        if (request.researcher == address(0)) revert UnknownStudy(studyId);
        if (payer != request.researcher) revert NotStudyResearcher(studyId, payer);
        _checkPayable(studyId, request.status);

        _payments[studyId] = Payment({
            kind: PaymentKind.Token,
            state: PaymentState.Held,
            feeBps: _custodianFeeBps,
            payer: payer,
            amount: request.price,
            cardReference: bytes32(0)
        });
        emit PaymentReceived(studyId, payer, request.price);
        token.safeTransferFrom(payer, address(this), request.price);
    }

    /// @inheritdoc IStudyEscrow
    function recordCardPayment(bytes32 studyId, bytes32 referenceHash)
        external
        onlyRole(OPERATOR_ROLE)
        whenNotPaused
    {
        if (referenceHash == bytes32(0)) revert EmptyPaymentReference(studyId);
        IEthicsBoard.StudyRequest memory request = board.requestOf(studyId);
        if (request.researcher == address(0)) revert UnknownStudy(studyId);
        _checkPayable(studyId, request.status);

        _payments[studyId] = Payment({
            kind: PaymentKind.Card,
            state: PaymentState.Held,
            feeBps: _custodianFeeBps,
            payer: request.researcher,
            amount: request.price,
            cardReference: referenceHash
        });
        emit CardPaymentRecorded(studyId, referenceHash, request.price);
    }

    /// @inheritdoc IStudyEscrow
    function release(bytes32 studyId) external onlyRole(LICENCE_ROLE) whenNotPaused {
        Payment storage payment = _leaveHeld(studyId, PaymentState.Released);
        if (payment.kind == PaymentKind.Card) {
            emit CardPaymentSettled(studyId, payment.cardReference);
            return;
        }

        (uint128 poolShare, uint128 fee) = FeeSplit.split(payment.amount, payment.feeBps);
        address custodian = board.requestOf(studyId).custodian;
        address pool = _payoutPool;
        _feesOwed[custodian] += fee;
        emit PaymentReleased(studyId, pool, custodian, poolShare, fee);
        token.safeTransfer(pool, poolShare);
    }

    /// @inheritdoc IStudyEscrow
    function refund(bytes32 studyId) external {
        IEthicsBoard.StudyStatus status = board.statusOf(studyId);
        if (status != IEthicsBoard.StudyStatus.Rejected && status != IEthicsBoard.StudyStatus.Expired) {
            revert StudyNotRefundable(studyId, status);
        }

        Payment storage payment = _leaveHeld(studyId, PaymentState.Refunded);
        if (payment.kind == PaymentKind.Card) {
            emit CardRefundDue(studyId, payment.cardReference);
            return;
        }
        address payer = payment.payer;
        uint128 amount = payment.amount;
        emit PaymentRefunded(studyId, payer, amount);
        token.safeTransfer(payer, amount);
    }

    /// @inheritdoc IStudyEscrow
    function withdrawFees() external whenNotPaused {
        address custodian = _msgSender();
        uint256 owed = _feesOwed[custodian];
        if (owed == 0) revert NoFeesOwed(custodian);

        _feesOwed[custodian] = 0;
        emit FeesWithdrawn(custodian, owed);
        token.safeTransfer(custodian, owed);
    }

    /// @inheritdoc IStudyEscrow
    function setPayoutPool(address newPayoutPool) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPayoutPool(newPayoutPool);
    }

    /// @inheritdoc IStudyEscrow
    function setCustodianFeeBps(uint16 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCustodianFeeBps(newFeeBps);
    }

    /// @inheritdoc IStudyEscrow
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IStudyEscrow
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IStudyEscrow
    function payoutPool() external view returns (address) {
        return _payoutPool;
    }

    /// @inheritdoc IStudyEscrow
    function custodianFeeBps() external view returns (uint16) {
        return _custodianFeeBps;
    }

    /// @inheritdoc IStudyEscrow
    function paymentOf(bytes32 studyId) external view returns (Payment memory) {
        return _payments[studyId];
    }

    /// @inheritdoc IStudyEscrow
    function feesOwed(address custodian) external view returns (uint256) {
        return _feesOwed[custodian];
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IStudyEscrow).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev A study is paid for once, while the board may still approve it or has approved it.
    function _checkPayable(bytes32 studyId, IEthicsBoard.StudyStatus status) private view {
        if (status != IEthicsBoard.StudyStatus.Pending && status != IEthicsBoard.StudyStatus.Approved) {
            revert StudyNotPayable(studyId, status);
        }
        PaymentKind kind = _payments[studyId].kind;
        if (kind != PaymentKind.None) revert AlreadyPaid(studyId, kind);
    }

    /// @dev The one way out of escrow: a held payment becomes released or refunded, once.
    function _leaveHeld(bytes32 studyId, PaymentState next) private returns (Payment storage payment) {
        payment = _payments[studyId];
        PaymentState state = payment.state;
        if (state != PaymentState.Held) revert PaymentNotHeld(studyId, state);
        payment.state = next;
    }

    function _setPayoutPool(address newPayoutPool) private {
        if (newPayoutPool == address(0) || newPayoutPool == address(this)) revert InvalidPayoutPool(newPayoutPool);
        _payoutPool = newPayoutPool;
        emit PayoutPoolChanged(newPayoutPool);
    }

    function _setCustodianFeeBps(uint16 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps, MAX_FEE_BPS);
        _custodianFeeBps = newFeeBps;
        emit CustodianFeeChanged(newFeeBps);
    }
}
