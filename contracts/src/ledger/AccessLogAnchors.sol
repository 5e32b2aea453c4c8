// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AccessEventLeaf} from "./AccessEventLeaf.sol";
import {IAccessLogAnchors} from "./IAccessLogAnchors.sol";

/// @title AccessLogAnchors
/// @notice Custodians anchor their access logs batch by batch; the admin decides who is a custodian.
contract AccessLogAnchors is IAccessLogAnchors, AccessControl, Pausable {
    /// @inheritdoc IAccessLogAnchors
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");
    /// @inheritdoc IAccessLogAnchors
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IAccessLogAnchors
    bytes32 public constant ACCESS_EVENT_LEAF_DOMAIN = AccessEventLeaf.DOMAIN;

    /// @dev Where a custodian's log stands in this contract; one slot, read and written once per batch.
    struct CustodianLog {
        uint64 batchCount;
        uint64 nextSequence;
    }

    IAccessLogAnchors private immutable _predecessor;
    mapping(address custodian => CustodianLog log) private _logs;
    mapping(address custodian => mapping(uint64 batchId => Batch batch)) private _batches;

    /// @param admin The account that may grant and revoke roles; it may also pause.
    /// @param predecessor_ The contract this one replaces (its custodians' logs continue here), or the zero address.
    constructor(address admin, IAccessLogAnchors predecessor_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _predecessor = predecessor_;
    }

    /// @inheritdoc IAccessLogAnchors
    function publishBatch(uint64 batchId, bytes32 root, uint64 firstSequence, uint32 leafCount)
        external
        onlyRole(CUSTODIAN_ROLE)
        whenNotPaused
    {
        _anchor(_msgSender(), batchId, root, firstSequence, leafCount);
    }

    /// @inheritdoc IAccessLogAnchors
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IAccessLogAnchors
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IAccessLogAnchors
    function verifyAccessEvent(
        address custodian,
        uint64 batchId,
        AccessEvent calldata accessEvent,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Batch storage batch = _batches[custodian][batchId];
        bytes32 root = batch.root;
        if (root == bytes32(0)) return false;
        if (accessEvent.sequence < batch.firstSequence || accessEvent.sequence > batch.lastSequence) return false;
        return MerkleProof.verifyCalldata(proof, root, AccessEventLeaf.hash(custodian, accessEvent));
    }

    /// @inheritdoc IAccessLogAnchors
    function accessEventLeaf(address custodian, AccessEvent calldata accessEvent) external pure returns (bytes32) {
        return AccessEventLeaf.hash(custodian, accessEvent);
    }

    /// @inheritdoc IAccessLogAnchors
    function batchOf(address custodian, uint64 batchId) external view returns (Batch memory) {
        return _batches[custodian][batchId];
    }

    /// @inheritdoc IAccessLogAnchors
    function batchCountOf(address custodian) external view returns (uint64) {
        return _logs[custodian].batchCount;
    }

    /// @inheritdoc IAccessLogAnchors
    function nextSequenceOf(address custodian) external view returns (uint64) {
        return _nextSequenceOf(custodian, _logs[custodian]);
    }

    /// @inheritdoc IAccessLogAnchors
    function predecessor() external view returns (address) {
        return address(_predecessor);
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IAccessLogAnchors).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where batches are written: each batch continues the custodian's log exactly where the
    /// previous one ended, so the anchored batches cover the log without gaps or overlaps.
    function _anchor(address custodian, uint64 batchId, bytes32 root, uint64 firstSequence, uint32 leafCount)
        internal
    {
        CustodianLog memory log = _logs[custodian];
        if (batchId != log.batchCount) revert BatchOutOfOrder(custodian, log.batchCount, batchId);
        uint64 expectedFirstSequence = _nextSequenceOf(custodian, log);
        if (firstSequence != expectedFirstSequence) revert SequenceGap(custodian, expectedFirstSequence, firstSequence);
        if (leafCount == 0) revert EmptyBatch(custodian, batchId);
        if (root == bytes32(0)) revert EmptyBatchRoot(custodian, batchId);

        // Checked: at most 2^32 - 1 events per batch, so reaching 2^64 takes more than 2^32 batches; should it
        // ever happen the addition reverts rather than wrapping the log back to zero.
        uint64 nextSequence = firstSequence + leafCount;
        uint64 lastSequence = nextSequence - 1;
        // A uint64 of seconds lasts far beyond any block timestamp this contract will see.
        _batches[custodian][batchId] = Batch({
            root: root, firstSequence: firstSequence, lastSequence: lastSequence, anchoredAt: uint64(block.timestamp)
        });
        _logs[custodian] = CustodianLog({batchCount: batchId + 1, nextSequence: nextSequence});
        emit BatchAnchored(custodian, batchId, root, firstSequence, lastSequence, leafCount);
    }

    /// @dev Before a custodian's first batch here its log continues from the predecessor, if there is one.
    function _nextSequenceOf(address custodian, CustodianLog memory log) private view returns (uint64) {
        if (log.batchCount == 0 && address(_predecessor) != address(0)) {
            return _predecessor.nextSequenceOf(custodian);
        }
        return log.nextSequence;
    }
}
