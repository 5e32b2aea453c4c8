// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title IAccessLogAnchors
/// @notice Anchors each custodian's off-chain access log on chain. Every read of a patient's record produces an
/// access event with a sequence number; a custodian publishes the Merkle root of each batch of events, and the
/// batches of one custodian cover its sequence numbers in order, without gaps. Anyone holding an event and its
/// proof can then check that the event was anchored, and an auditor can check that no event was dropped.
/// @dev Leaves are `keccak256(bytes.concat(keccak256(abi.encode(ACCESS_EVENT_LEAF_DOMAIN, custodian, sequence,
/// accessedAt, accessor, patientRef, grantRef, actionRef))))`, inner pairs are hashed sorted (OpenZeppelin
/// `MerkleProof`), and core/merkle.ts builds the same trees. Only references go into a leaf, never health data.
interface IAccessLogAnchors {
    /// @notice One access to one patient's record, as the custodian's log holds it.
    /// @param sequence The event's position in the custodian's log: 0, 1, 2, … without gaps.
    /// @param accessedAt When the record was accessed, in Unix seconds.
    /// @param accessor The researcher, provider or worker account that accessed the record.
    /// @param patientRef The salted hash of the patient's pseudonym, never an identifier itself.
    /// @param grantRef The consent, care grant or licence under which the access happened.
    /// @param actionRef The hash of what was done: the analysis spec, job or read request.
    struct AccessEvent {
        uint64 sequence;
        uint64 accessedAt;
        address accessor;
        bytes32 patientRef;
        bytes32 grantRef;
        bytes32 actionRef;
    }

    /// @notice One anchored batch: the events `firstSequence` to `lastSequence` (inclusive) under `root`.
    struct Batch {
        bytes32 root;
        uint64 firstSequence;
        uint64 lastSequence;
        uint64 anchoredAt;
    }

    /// @notice Emitted when a custodian has anchored a batch of its access log.
    /// @param custodian The custodian whose log the batch belongs to.
    /// @param batchId The batch's number in the custodian's log in this contract: 0, 1, 2, …
    /// @param root The Merkle root of the batch's access events.
    /// @param firstSequence The sequence number of the batch's first event.
    /// @param lastSequence The sequence number of the batch's last event.
    /// @param leafCount The number of events in the batch.
    event BatchAnchored(
        address indexed custodian,
        uint64 indexed batchId,
        bytes32 root,
        uint64 firstSequence,
        uint64 lastSequence,
        uint32 leafCount
    );

    /// @notice The batch's root is zero, so it would anchor nothing.
    /// @param custodian The publishing custodian.
    /// @param batchId The batch's number.
    error EmptyBatchRoot(address custodian, uint64 batchId);

    /// @notice The batch has no events.
    /// @param custodian The publishing custodian.
    /// @param batchId The batch's number.
    error EmptyBatch(address custodian, uint64 batchId);

    /// @notice The batch number is not the custodian's next one (a retry of a batch that landed, or a skip).
    /// @param custodian The publishing custodian.
    /// @param expectedBatchId The custodian's next batch number.
    /// @param batchId The batch number given.
    error BatchOutOfOrder(address custodian, uint64 expectedBatchId, uint64 batchId);

    /// @notice The batch does not start right after the custodian's last anchored event.
    /// @param custodian The publishing custodian.
    /// @param expectedFirstSequence The sequence number the next batch must start at.
    /// @param firstSequence The sequence number given.
    error SequenceGap(address custodian, uint64 expectedFirstSequence, uint64 firstSequence);

    /// @notice The role an account needs to anchor its own access log, granted by the admin.
    function CUSTODIAN_ROLE() external view returns (bytes32);

    /// @notice The role that may pause anchoring in an emergency; unpausing needs the admin.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The domain tag that makes an access-event leaf different from any other leaf of the project.
    function ACCESS_EVENT_LEAF_DOMAIN() external view returns (bytes32);

    /// @notice Anchors the next batch of the calling custodian's access log.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `CUSTODIAN_ROLE`, `EnforcedPause` while paused,
    /// `BatchOutOfOrder`, `SequenceGap`, `EmptyBatch` or `EmptyBatchRoot`; panics (0x11) rather than wrap a log past
    /// sequence 2^64 - 1, which takes more than 2^32 full batches.
    /// @param batchId The custodian's next batch number (`batchCountOf(custodian)`).
    /// @param root The Merkle root of the batch's events, non-zero.
    /// @param firstSequence The sequence number of the batch's first event (`nextSequenceOf(custodian)`).
    /// @param leafCount The number of events in the batch, at least one; they cover
    /// `firstSequence` to `firstSequence + leafCount - 1`.
    function publishBatch(uint64 batchId, bytes32 root, uint64 firstSequence, uint32 leafCount) external;

    /// @notice Pauses anchoring. Reads and verification stay available.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, `EnforcedPause` when paused.
    function pause() external;

    /// @notice Resumes anchoring. Only the admin may: whoever can stop the contract in a hurry should not
    /// also be the one who decides the emergency is over.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, `ExpectedPause` when not
    /// paused.
    function unpause() external;

    /// @notice Whether `accessEvent` is in the custodian's anchored batch `batchId`. False, never a revert, when the
    /// batch is unknown, the event's sequence lies outside the batch, or the proof does not lead to the root.
    /// @param custodian The custodian whose log holds the event.
    /// @param batchId The batch the event was anchored in.
    /// @param accessEvent The event as the off-chain log holds it.
    /// @param proof The sibling hashes from the event's leaf up to the batch root.
    function verifyAccessEvent(
        address custodian,
        uint64 batchId,
        AccessEvent calldata accessEvent,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The leaf an access event of `custodian` has in a batch tree.
    function accessEventLeaf(address custodian, AccessEvent calldata accessEvent) external pure returns (bytes32);

    /// @notice A custodian's anchored batch; all fields are zero when it does not exist.
    function batchOf(address custodian, uint64 batchId) external view returns (Batch memory);

    /// @notice How many batches the custodian has anchored in this contract: also its next batch number.
    function batchCountOf(address custodian) external view returns (uint64);

    /// @notice The sequence number the custodian's next batch must start at. Before its first batch here this is
    /// where its log ended in the predecessor contract, so the log continues across a redeployment.
    function nextSequenceOf(address custodian) external view returns (uint64);

    /// @notice The contract this one replaced, or the zero address for the first deployment.
    function predecessor() external view returns (address);
}
