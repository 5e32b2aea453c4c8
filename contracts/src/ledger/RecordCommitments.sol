// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IRecordCommitments} from "./IRecordCommitments.sol";
import {RecordCommitmentLeaf} from "./RecordCommitmentLeaf.sol";

/// @title RecordCommitments
/// @notice Custodians commit their stored records batch by batch; the admin decides who is a custodian.
contract RecordCommitments is IRecordCommitments, AccessControl, Pausable {
    /// @inheritdoc IRecordCommitments
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");
    /// @inheritdoc IRecordCommitments
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IRecordCommitments
    bytes32 public constant RECORD_COMMITMENT_LEAF_DOMAIN = RecordCommitmentLeaf.DOMAIN;

    mapping(address custodian => uint64 count) private _batchCounts;
    mapping(address custodian => mapping(uint64 batchId => Batch batch)) private _batches;

    /// @param admin The account that may grant and revoke roles and unpause; it may also pause.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @inheritdoc IRecordCommitments
    function publishBatch(uint64 batchId, bytes32 root, uint32 leafCount)
        external
        onlyRole(CUSTODIAN_ROLE)
        whenNotPaused
    {
        _commit(_msgSender(), batchId, root, leafCount);
    }

    /// @inheritdoc IRecordCommitments
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IRecordCommitments
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IRecordCommitments
    function verifyRecordCommitment(
        address custodian,
        uint64 batchId,
        RecordCommitment calldata record,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 root = _batches[custodian][batchId].root;
        if (root == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, RecordCommitmentLeaf.hash(custodian, record));
    }

    /// @inheritdoc IRecordCommitments
    function recordCommitmentLeaf(address custodian, RecordCommitment calldata record)
        external
        pure
        returns (bytes32)
    {
        return RecordCommitmentLeaf.hash(custodian, record);
    }

    /// @inheritdoc IRecordCommitments
    function batchOf(address custodian, uint64 batchId) external view returns (Batch memory) {
        return _batches[custodian][batchId];
    }

    /// @inheritdoc IRecordCommitments
    function batchCountOf(address custodian) external view returns (uint64) {
        return _batchCounts[custodian];
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IRecordCommitments).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where batches are written: each custodian's batches are numbered 0, 1, 2, … in the order
    /// they land, so the committed batches of a custodian have no gaps and none is written twice.
    function _commit(address custodian, uint64 batchId, bytes32 root, uint32 leafCount) internal {
        uint64 expectedBatchId = _batchCounts[custodian];
        if (batchId != expectedBatchId) revert BatchOutOfOrder(custodian, expectedBatchId, batchId);
        if (leafCount == 0) revert EmptyBatch(custodian, batchId);
        if (root == bytes32(0)) revert EmptyBatchRoot(custodian, batchId);

        // A uint64 of seconds lasts far beyond any block timestamp this contract will see.
        _batches[custodian][batchId] = Batch({root: root, leafCount: leafCount, committedAt: uint64(block.timestamp)});
        // Checked: 2^64 - 1 batches cannot be reached, and should it ever be the addition reverts rather than wraps.
        _batchCounts[custodian] = batchId + 1;
        emit RecordBatchCommitted(custodian, batchId, root, leafCount);
    }
}
