// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IDataLicence} from "./IDataLicence.sol";

/// @title IResultRegistry
/// @notice The public record of study results. A custodian's site worker, after running an approved analysis
/// for a study whose licence is live, commits to what it ran (the analysis spec's hash), on whom (the Merkle root
/// of the pseudonymous ids of the cohort it used) and what it released (the disclosure-checked result's hash).
/// Anyone holding a result can check it against this record; a record is written once and never changes.
interface IResultRegistry {
    /// @notice One published result.
    /// @param siteWorker The site worker that published it.
    /// @param publishedAt The timestamp of the block in which it was published.
    /// @param specHash The hash of the analysis spec that was run.
    /// @param cohortRoot The Merkle root of the pseudonymous ids of the cohort the analysis used.
    /// @param resultHash The hash of the released, disclosure-checked result.
    struct Result {
        address siteWorker;
        uint64 publishedAt;
        bytes32 specHash;
        bytes32 cohortRoot;
        bytes32 resultHash;
    }

    /// @notice Emitted when a site worker has published a result.
    event ResultPublished(
        bytes32 indexed studyId,
        bytes32 indexed jobId,
        address indexed siteWorker,
        bytes32 specHash,
        bytes32 cohortRoot,
        bytes32 resultHash
    );

    /// @notice The study has no live licence (never minted, revoked, expired, or its researcher's visa is not live).
    error LicenceNotLive(bytes32 studyId);

    /// @notice The job id is zero, which is reserved for "no job".
    error EmptyJobId(bytes32 studyId);

    /// @notice The analysis spec hash is zero.
    error EmptySpecHash(bytes32 studyId, bytes32 jobId);

    /// @notice The cohort commitment is zero.
    error EmptyCohortCommitment(bytes32 studyId, bytes32 jobId);

    /// @notice The result hash is zero.
    error EmptyResultHash(bytes32 studyId, bytes32 jobId);

    /// @notice A result was published for this job already.
    error ResultAlreadyPublished(bytes32 studyId, bytes32 jobId, address siteWorker);

    /// @notice The role an account needs to publish results: a custodian's site worker, granted by the admin.
    function SITE_WORKER_ROLE() external view returns (bytes32);

    /// @notice The role that may pause publishing in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The licence contract asked whether a study's licence is live.
    function licence() external view returns (IDataLicence);

    /// @notice Publishes the result of one job of a study with a live licence.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `SITE_WORKER_ROLE`, `EnforcedPause` while
    /// paused, `EmptyJobId`, `EmptySpecHash`, `EmptyCohortCommitment`, `EmptyResultHash`, `ResultAlreadyPublished`
    /// or `LicenceNotLive`.
    function publishResult(bytes32 studyId, bytes32 jobId, bytes32 specHash, bytes32 cohortRoot, bytes32 resultHash)
        external;

    /// @notice Stops publishing results. Published results stay readable and verifiable.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets publishing through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice The job's published result; all fields are zero when none was published.
    function resultOf(bytes32 studyId, bytes32 jobId) external view returns (Result memory);

    /// @notice Whether `resultHash` is the result published for the job (false when none was published).
    function verifyResult(bytes32 studyId, bytes32 jobId, bytes32 resultHash) external view returns (bool);
}
