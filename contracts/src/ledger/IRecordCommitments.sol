// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title IRecordCommitments
/// @notice Puts each custodian's stored records on chain as pointers and commitments, batch by batch. Every
/// encrypted record a custodian stores gets a leaf: a pointer to its row in the custodian's store, a reference
/// to its patient, and the hash of its ciphertext. The custodian publishes the Merkle root of each batch, in
/// order. Anyone holding a record's leaf fields and proof can then check that the record existed, unchanged,
/// when its batch was committed; after erasure the ciphertext is unreadable but the proof still holds.
/// @dev Leaves are `keccak256(bytes.concat(keccak256(abi.encode(RECORD_COMMITMENT_LEAF_DOMAIN, custodian,
/// recordId, patientRef, commitment))))`, inner pairs are hashed sorted (OpenZeppelin `MerkleProof`), and
/// core/merkle.ts builds the same trees. Only references go into a leaf, never health data (ADR 0005).
interface IRecordCommitments {
    /// @notice One stored record, as the custodian's store holds it.
    /// @param recordId The pointer: the record's row id in the custodian's store.
    /// @param patientRef `keccak256` of the patient's pseudonymous id (itself a keyed hash), so a patient can
    /// find their own records' leaves; never an identifier itself.
    /// @param commitment The SHA-256 of the record's encrypted envelope.
    struct RecordCommitment {
        uint64 recordId;
        bytes32 patientRef;
        bytes32 commitment;
    }

    /// @notice One committed batch of a custodian's records.
    struct Batch {
        bytes32 root;
        uint32 leafCount;
        uint64 committedAt;
    }

    /// @notice Emitted when a custodian has committed a batch of its records.
    /// @param custodian The custodian whose records the batch holds.
    /// @param batchId The batch's number among the custodian's batches: 0, 1, 2, …
    /// @param root The Merkle root of the batch's record commitments.
    /// @param leafCount The number of records in the batch.
    event RecordBatchCommitted(address indexed custodian, uint64 indexed batchId, bytes32 root, uint32 leafCount);

    /// @notice The batch's root is zero, so it would commit nothing.
    /// @param custodian The publishing custodian.
    /// @param batchId The batch's number.
    error EmptyBatchRoot(address custodian, uint64 batchId);

    /// @notice The batch has no records.
    /// @param custodian The publishing custodian.
    /// @param batchId The batch's number.
    error EmptyBatch(address custodian, uint64 batchId);

    /// @notice The batch number is not the custodian's next one (a retry of a batch that landed, or a skip).
    /// @param custodian The publishing custodian.
    /// @param expectedBatchId The custodian's next batch number.
    /// @param batchId The batch number given.
    error BatchOutOfOrder(address custodian, uint64 expectedBatchId, uint64 batchId);

    /// @notice The role an account needs to commit its own records, granted by the admin.
    function CUSTODIAN_ROLE() external view returns (bytes32);

    /// @notice The role that may pause committing in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The domain tag that makes a record-commitment leaf different from any other leaf of the project.
    function RECORD_COMMITMENT_LEAF_DOMAIN() external view returns (bytes32);

    /// @notice Commits the next batch of the calling custodian's records.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `CUSTODIAN_ROLE`, `EnforcedPause` while paused,
    /// `BatchOutOfOrder`, `EmptyBatch` or `EmptyBatchRoot`. The gas does not depend on `leafCount`.
    /// @param batchId The custodian's next batch number (`batchCountOf(custodian)`).
    /// @param root The Merkle root of the batch's record commitments, non-zero.
    /// @param leafCount The number of records in the batch, at least one.
    function publishBatch(uint64 batchId, bytes32 root, uint32 leafCount) external;

    /// @notice Pauses committing. Reads and verification stay available.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, `EnforcedPause` when paused.
    function pause() external;

    /// @notice Resumes committing.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, `ExpectedPause` when not
    /// paused.
    function unpause() external;

    /// @notice Whether `record` is in the custodian's committed batch `batchId`. False, never a revert, when the
    /// batch is unknown or the proof does not lead to its root.
    /// @param custodian The custodian whose store holds the record.
    /// @param batchId The batch the record was committed in.
    /// @param record The record's pointer, patient reference and commitment.
    /// @param proof The sibling hashes from the record's leaf up to the batch root.
    function verifyRecordCommitment(
        address custodian,
        uint64 batchId,
        RecordCommitment calldata record,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The leaf a record of `custodian` has in a batch tree.
    function recordCommitmentLeaf(address custodian, RecordCommitment calldata record)
        external
        pure
        returns (bytes32);

    /// @notice A custodian's committed batch; all fields are zero when it does not exist.
    function batchOf(address custodian, uint64 batchId) external view returns (Batch memory);

    /// @notice How many batches the custodian has committed: also its next batch number.
    function batchCountOf(address custodian) external view returns (uint64);
}
