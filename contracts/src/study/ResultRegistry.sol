// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IDataLicence} from "./IDataLicence.sol";
import {IResultRegistry} from "./IResultRegistry.sol";

/// @title ResultRegistry
/// @notice Site workers publish result commitments for licensed studies; the admin decides who is a site worker.
contract ResultRegistry is IResultRegistry, AccessControl, Pausable {
    /// @inheritdoc IResultRegistry
    bytes32 public constant SITE_WORKER_ROLE = keccak256("SITE_WORKER_ROLE");

    /// @inheritdoc IResultRegistry
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @inheritdoc IResultRegistry
    IDataLicence public immutable licence;

    mapping(bytes32 studyId => mapping(bytes32 jobId => Result result)) private _results;

    /// @param admin The account that may grant and revoke roles, site workers included; it may also pause.
    /// @param licence_ The licence contract asked whether a study's licence is live.
    constructor(address admin, IDataLicence licence_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        licence = licence_;
    }

    /// @inheritdoc IResultRegistry
    function publishResult(bytes32 studyId, bytes32 jobId, bytes32 specHash, bytes32 cohortRoot, bytes32 resultHash)
        external
        onlyRole(SITE_WORKER_ROLE)
        whenNotPaused
    {
        _publish(
            studyId,
            jobId,
            Result({
                siteWorker: _msgSender(),
                // A uint64 of seconds lasts far beyond any block timestamp this contract will see.
                publishedAt: uint64(block.timestamp),
                specHash: specHash,
                cohortRoot: cohortRoot,
                resultHash: resultHash
            })
        );
    }

    /// @inheritdoc IResultRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IResultRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IResultRegistry
    function resultOf(bytes32 studyId, bytes32 jobId) external view returns (Result memory) {
        return _results[studyId][jobId];
    }

    /// @inheritdoc IResultRegistry
    function verifyResult(bytes32 studyId, bytes32 jobId, bytes32 resultHash) external view returns (bool) {
        bytes32 published = _results[studyId][jobId].resultHash;
        return published != bytes32(0) && published == resultHash;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IResultRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where results are written: once per job, only under a live licence.
    function _publish(bytes32 studyId, bytes32 jobId, Result memory result) private {
        if (jobId == bytes32(0)) revert EmptyJobId(studyId);
        if (result.specHash == bytes32(0)) revert EmptySpecHash(studyId, jobId);
        if (result.cohortRoot == bytes32(0)) revert EmptyCohortCommitment(studyId, jobId);
        if (result.resultHash == bytes32(0)) revert EmptyResultHash(studyId, jobId);
        address firstWorker = _results[studyId][jobId].siteWorker;
        if (firstWorker != address(0)) revert ResultAlreadyPublished(studyId, jobId, firstWorker);
        if (!licence.isLicenceLive(studyId)) revert LicenceNotLive(studyId);

        _results[studyId][jobId] = result;
        emit ResultPublished(studyId, jobId, result.siteWorker, result.specHash, result.cohortRoot, result.resultHash);
    }
}
