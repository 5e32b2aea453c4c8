// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IEthicsBoard} from "./IEthicsBoard.sol";

/// @title IStudyEscrow
/// @notice Holds a study's payment until the licence is minted or the study fails. The researcher pays the
/// study's price in the stablecoin (approve, then `pay`), or an operator records a card payment taken off
/// chain. When the licence is minted the escrow releases the payment: the payout pool gets the price less the
/// custodian's fee at once, and the custodian withdraws its fees when it likes. When the board rejects the
/// study, or does not approve it by its deadline, anyone may trigger the refund to the researcher.
interface IStudyEscrow {
    /// @notice How a study was paid for.
    enum PaymentKind {
        None,
        Token,
        Card
    }

    /// @notice Where a payment stands.
    enum PaymentState {
        None,
        Held,
        Released,
        Refunded
    }

    /// @notice One study's payment.
    /// @param feeBps The custodian's fee in basis points, fixed when the payment was made.
    /// @param payer The researcher who paid (the refund goes back to it).
    /// @param amount The study's price; for a card payment the amount charged off chain.
    /// @param cardReference For a card payment, the hash of the payment processor's reference.
    struct Payment {
        PaymentKind kind;
        PaymentState state;
        uint16 feeBps;
        address payer;
        uint128 amount;
        bytes32 cardReference;
    }

    /// @notice Emitted when a researcher has paid a study's price into escrow.
    event PaymentReceived(bytes32 indexed studyId, address indexed payer, uint128 amount);

    /// @notice Emitted when an operator has recorded a card payment taken off chain.
    event CardPaymentRecorded(bytes32 indexed studyId, bytes32 referenceHash, uint128 amount);

    /// @notice Emitted when a stablecoin payment has been released on the licence's mint.
    event PaymentReleased(
        bytes32 indexed studyId, address indexed payoutPool, address indexed custodian, uint128 poolShare, uint128 fee
    );

    /// @notice Emitted when a card payment has been settled on the licence's mint; the split happens off chain.
    event CardPaymentSettled(bytes32 indexed studyId, bytes32 referenceHash);

    /// @notice Emitted when a stablecoin payment has been returned to the researcher.
    event PaymentRefunded(bytes32 indexed studyId, address indexed payer, uint128 amount);

    /// @notice Emitted when a card payment must be refunded off chain, through the payment processor.
    event CardRefundDue(bytes32 indexed studyId, bytes32 referenceHash);

    /// @notice Emitted when a custodian has withdrawn the fees owed to it.
    event FeesWithdrawn(address indexed custodian, uint256 amount);

    /// @notice Emitted when the admin has changed the payout pool.
    event PayoutPoolChanged(address payoutPool);

    /// @notice Emitted when the admin has changed the custodian's fee for payments made from now on.
    event CustodianFeeChanged(uint16 feeBps);

    /// @notice Nobody filed a study request with this id.
    error UnknownStudy(bytes32 studyId);

    /// @notice Only the study's researcher pays for it.
    error NotStudyResearcher(bytes32 studyId, address caller);

    /// @notice The study is rejected or expired, so it is no longer paid for.
    error StudyNotPayable(bytes32 studyId, IEthicsBoard.StudyStatus status);

    /// @notice The study was paid for already.
    error AlreadyPaid(bytes32 studyId, PaymentKind kind);

    /// @notice The card payment's reference hash is zero.
    error EmptyPaymentReference(bytes32 studyId);

    /// @notice The study's payment is not held in escrow (never made, or released or refunded already).
    error PaymentNotHeld(bytes32 studyId, PaymentState state);

    /// @notice The study is pending or approved, so its payment is not refunded.
    error StudyNotRefundable(bytes32 studyId, IEthicsBoard.StudyStatus status);

    /// @notice No fees are owed to the account.
    error NoFeesOwed(address custodian);

    /// @notice The payout pool is the zero address.
    error InvalidPayoutPool(address payoutPool);

    /// @notice The fee is above `MAX_FEE_BPS`.
    error FeeTooHigh(uint16 feeBps, uint16 maxFeeBps);

    /// @notice The role an account needs to record card payments: the app's payment webhook.
    function OPERATOR_ROLE() external view returns (bytes32);

    /// @notice The role an account needs to release payments: the licence contract, on mint.
    function LICENCE_ROLE() external view returns (bytes32);

    /// @notice The role that may pause payments in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The largest custodian's fee, in basis points (the whole price).
    function MAX_FEE_BPS() external view returns (uint16);

    /// @notice The board whose requests set prices and decide refunds.
    function board() external view returns (IEthicsBoard);

    /// @notice The stablecoin payments are made in.
    function token() external view returns (IERC20);

    /// @notice Where released payments go, less the custodian's fee.
    function payoutPool() external view returns (address);

    /// @notice The custodian's fee, in basis points, for payments made now.
    function custodianFeeBps() external view returns (uint16);

    /// @notice Pays the study's price into escrow from the calling researcher, who approved it beforehand.
    /// @dev Reverts with `EnforcedPause` while paused, `UnknownStudy`, `NotStudyResearcher`, `StudyNotPayable`
    /// (rejected or expired), `AlreadyPaid`, or the token's own error when the allowance or balance is short.
    function pay(bytes32 studyId) external;

    /// @notice Records that the study's researcher paid by card, off chain.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `OPERATOR_ROLE`, `EnforcedPause` while paused,
    /// `EmptyPaymentReference`, `UnknownStudy`, `StudyNotPayable` or `AlreadyPaid`.
    /// @param referenceHash The hash of the payment processor's reference, non-zero.
    function recordCardPayment(bytes32 studyId, bytes32 referenceHash) external;

    /// @notice Releases a held payment when the study's licence is minted.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `LICENCE_ROLE`, `EnforcedPause` while paused,
    /// or `PaymentNotHeld`.
    function release(bytes32 studyId) external;

    /// @notice Refunds a held payment of a rejected or expired study to its researcher; anyone may call it. Works
    /// while paused.
    /// @dev Reverts with `StudyNotRefundable` or `PaymentNotHeld`.
    function refund(bytes32 studyId) external;

    /// @notice Sends the calling custodian the fees owed to it.
    /// @dev Reverts with `EnforcedPause` while paused, or `NoFeesOwed`.
    function withdrawFees() external;

    /// @notice Sets where released payments go from now on.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `InvalidPayoutPool`.
    function setPayoutPool(address newPayoutPool) external;

    /// @notice Sets the custodian's fee for payments made from now on; held payments keep theirs.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `FeeTooHigh`.
    function setCustodianFeeBps(uint16 newFeeBps) external;

    /// @notice Stops paying in (token and card), releasing and fee withdrawals, so no money reaches the pool or a
    /// custodian. Refunds, the admin's settings and views keep working: a researcher can always get back the
    /// payment of a rejected or expired study.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets payments, releases and fee withdrawals through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice The study's payment; all fields are zero when none was made.
    function paymentOf(bytes32 studyId) external view returns (Payment memory);

    /// @notice The fees the custodian may withdraw.
    function feesOwed(address custodian) external view returns (uint256);
}
