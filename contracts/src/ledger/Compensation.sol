// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";

import {ICompensation} from "./ICompensation.sol";
import {PayoutLeaf} from "./PayoutLeaf.sol";

/// @title Compensation
/// @notice Study payouts as non-transferable ERC-1155 credits; the admin decides who publishes payouts.
/// @dev ADR 0006 explains why credits and not an ERC-20.
contract Compensation is ICompensation, ERC1155, AccessControl, Pausable {
    using BitMaps for BitMaps.BitMap;

    /// @inheritdoc ICompensation
    bytes32 public constant PAYOUT_PUBLISHER_ROLE = keccak256("PAYOUT_PUBLISHER_ROLE");
    /// @inheritdoc ICompensation
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc ICompensation
    bytes32 public constant PAYOUT_LEAF_DOMAIN = PayoutLeaf.DOMAIN;

    /// @dev Pool and paid-out share a slot, so the slot is non-zero from publication on and a claim rewrites it at
    /// the cheap non-zero to non-zero price.
    struct Payouts {
        bytes32 root;
        uint128 pool;
        uint128 paidOut;
    }

    address private immutable _researchFund;
    mapping(bytes32 studyId => Payouts payouts) private _payouts;
    /// @dev One bit per payout index: 256 payouts share a word, so most claims flip a bit in a non-zero word.
    mapping(bytes32 studyId => BitMaps.BitMap settled) private _settled;

    /// @param admin The account that may grant and revoke roles; it may also pause.
    /// @param researchFund_ The account donated payouts are paid to.
    constructor(address admin, address researchFund_) ERC1155("") {
        if (researchFund_ == address(0)) revert EmptyResearchFund();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _researchFund = researchFund_;
    }

    /// @inheritdoc ICompensation
    function publishPayouts(bytes32 studyId, bytes32 root, uint128 pool)
        external
        onlyRole(PAYOUT_PUBLISHER_ROLE)
        whenNotPaused
    {
        _publish(studyId, root, pool);
    }

    /// @inheritdoc ICompensation
    function claim(bytes32 studyId, bytes32 offerId, uint256 index, uint256 amount, bytes32[] calldata proof)
        external
        whenNotPaused
    {
        _settle(studyId, offerId, index, _msgSender(), amount, proof, false);
    }

    /// @inheritdoc ICompensation
    function donate(bytes32 studyId, bytes32 offerId, uint256 index, uint256 amount, bytes32[] calldata proof)
        external
        whenNotPaused
    {
        _settle(studyId, offerId, index, _msgSender(), amount, proof, true);
    }

    /// @inheritdoc ICompensation
    function redeem(bytes32 studyId, uint256 amount) external whenNotPaused {
        address holder = _msgSender();
        _burn(holder, uint256(studyId), amount);
        emit CreditsRedeemed(studyId, holder, amount);
    }

    /// @inheritdoc ICompensation
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ICompensation
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc ICompensation
    function researchFund() external view returns (address) {
        return _researchFund;
    }

    /// @inheritdoc ICompensation
    function payoutsOf(bytes32 studyId) external view returns (bytes32 root, uint128 pool, uint128 paidOut) {
        Payouts storage payouts = _payouts[studyId];
        return (payouts.root, payouts.pool, payouts.paidOut);
    }

    /// @inheritdoc ICompensation
    function isSettled(bytes32 studyId, uint256 index) external view returns (bool) {
        return _settled[studyId].get(index);
    }

    /// @inheritdoc ICompensation
    function payoutLeaf(bytes32 studyId, bytes32 offerId, uint256 index, address patient, uint256 amount)
        external
        pure
        returns (bytes32)
    {
        return PayoutLeaf.hash(studyId, offerId, index, patient, amount);
    }

    /// @notice ERC-1155, AccessControl and ICompensation.
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return interfaceId == type(ICompensation).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where payouts are published: a study's root and pool are set once and never change.
    /// Two storage slots whatever the number of patients, so publishing costs constant gas.
    function _publish(bytes32 studyId, bytes32 root, uint128 pool) internal {
        if (studyId == bytes32(0)) revert EmptyStudyId();
        if (root == bytes32(0)) revert EmptyPayoutRoot(studyId);
        if (pool == 0) revert EmptyPool(studyId);
        Payouts storage payouts = _payouts[studyId];
        bytes32 publishedRoot = payouts.root;
        if (publishedRoot != bytes32(0)) revert PayoutsAlreadyPublished(studyId, publishedRoot);

        payouts.root = root;
        payouts.pool = pool;
        emit PayoutsPublished(studyId, root, pool);
    }

    /// @dev The one place where payouts are paid: each index at most once, and never more than the pool in total.
    /// The credits are minted last, because minting calls the recipient when it is a contract.
    function _settle(
        bytes32 studyId,
        bytes32 offerId,
        uint256 index,
        address patient,
        uint256 amount,
        bytes32[] calldata proof,
        bool donated
    ) internal {
        Payouts storage payouts = _payouts[studyId];
        bytes32 root = payouts.root;
        if (root == bytes32(0)) revert PayoutsNotPublished(studyId);
        if (!MerkleProof.verifyCalldata(proof, root, PayoutLeaf.hash(studyId, offerId, index, patient, amount))) {
            revert InvalidPayoutProof(studyId, patient, index);
        }
        BitMaps.BitMap storage settled = _settled[studyId];
        if (settled.get(index)) revert PayoutAlreadySettled(studyId, index);
        uint128 paidOut = payouts.paidOut;
        uint256 remaining;
        // paidOut never exceeds pool: it only grows below, by at most what remains.
        unchecked {
            remaining = payouts.pool - paidOut;
        }
        if (amount > remaining) revert PoolExceeded(studyId, amount, remaining);

        settled.set(index);
        // amount <= remaining, so paidOut + amount <= pool < 2^128 and the cast keeps every bit.
        payouts.paidOut = uint128(paidOut + amount);
        address recipient;
        if (donated) {
            recipient = _researchFund;
            emit PayoutDonated(studyId, patient, offerId, index, amount);
        } else {
            recipient = patient;
            emit PayoutClaimed(studyId, patient, offerId, index, amount);
        }
        _mint(recipient, uint256(studyId), amount, "");
    }

    /// @dev Credits are minted by claims and donations and burnt by redemptions; any other move is refused, so a
    /// patient's credits stay with the pseudonymous address that earned them.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) revert CreditsNotTransferable(from, to);
        super._update(from, to, ids, values);
    }
}
