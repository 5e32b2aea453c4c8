// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICredentialRegistry} from "../../src/study/ICredentialRegistry.sol";
import {IResultRegistry} from "../../src/study/IResultRegistry.sol";
import {vm} from "../Vm.sol";
import {StudyFixture} from "./StudyFixture.sol";

contract ResultRegistryTest is StudyFixture {
    bytes32 internal constant JOB_ID = keccak256("job-1");
    bytes32 internal constant SPEC_HASH = keccak256("spec");
    bytes32 internal constant COHORT_ROOT = keccak256("cohort");
    bytes32 internal constant RESULT_HASH = keccak256("result");

    function setUp() public override {
        super.setUp();
        _license(STUDY_ID);
    }

    function _publish(bytes32 jobId, bytes32 specHash, bytes32 cohortRoot, bytes32 resultHash) internal {
        vm.prank(siteWorker);
        results.publishResult(STUDY_ID, jobId, specHash, cohortRoot, resultHash);
    }

    function test_publishResult_storesTheRecordUnderALiveLicence() public {
        vm.warp(T0 + DAY);
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        IResultRegistry.Result memory result = results.resultOf(STUDY_ID, JOB_ID);
        vm.assertEq(result.siteWorker, siteWorker, "siteWorker");
        vm.assertEq(result.publishedAt, T0 + DAY, "publishedAt");
        vm.assertEq(result.specHash, SPEC_HASH, "specHash");
        vm.assertEq(result.cohortRoot, COHORT_ROOT, "cohortRoot");
        vm.assertEq(result.resultHash, RESULT_HASH, "resultHash");
    }

    function test_publishResult_emitsResultPublished() public {
        vm.expectEmit(true, true, true, true, address(results));
        emit IResultRegistry.ResultPublished(STUDY_ID, JOB_ID, siteWorker, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenCallerIsNotASiteWorker() public {
        bytes32 siteWorkerRole = results.SITE_WORKER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, researcher, siteWorkerRole
            )
        );
        vm.prank(researcher);
        results.publishResult(STUDY_ID, JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenJobIdIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.EmptyJobId.selector, STUDY_ID));
        _publish(bytes32(0), SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenSpecHashIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.EmptySpecHash.selector, STUDY_ID, JOB_ID));
        _publish(JOB_ID, bytes32(0), COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenCohortCommitmentIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.EmptyCohortCommitment.selector, STUDY_ID, JOB_ID));
        _publish(JOB_ID, SPEC_HASH, bytes32(0), RESULT_HASH);
    }

    function test_publishResult_revertsWhenResultHashIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.EmptyResultHash.selector, STUDY_ID, JOB_ID));
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, bytes32(0));
    }

    function test_publishResult_revertsWhenTheJobHasAResultAlready() public {
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        vm.expectRevert(
            abi.encodeWithSelector(IResultRegistry.ResultAlreadyPublished.selector, STUDY_ID, JOB_ID, siteWorker)
        );
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, keccak256("another result"));
        vm.assertTrue(results.verifyResult(STUDY_ID, JOB_ID, RESULT_HASH), "first result kept");
    }

    function test_publishResult_revertsWhenTheStudyHasNoLicence() public {
        bytes32 otherStudy = keccak256("study-2");
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.LicenceNotLive.selector, otherStudy));
        vm.prank(siteWorker);
        results.publishResult(otherStudy, JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenTheLicenceHasExpired() public {
        vm.warp(T0 + 90 * DAY);
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.LicenceNotLive.selector, STUDY_ID));
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenTheLicenceWasRevoked() public {
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.LicenceNotLive.selector, STUDY_ID));
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_publishResult_revertsWhenTheResearchersVisaWasRevoked() public {
        vm.prank(issuer);
        credentials.revokeCredential(researcher, ICredentialRegistry.VisaType.ResearcherStatus);
        vm.expectRevert(abi.encodeWithSelector(IResultRegistry.LicenceNotLive.selector, STUDY_ID));
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
    }

    function test_verifyResult_acceptsOnlyThePublishedHash() public {
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        vm.assertTrue(results.verifyResult(STUDY_ID, JOB_ID, RESULT_HASH), "published hash");
        vm.assertFalse(results.verifyResult(STUDY_ID, JOB_ID, keccak256("tampered")), "other hash");
        vm.assertFalse(results.verifyResult(keccak256("study-2"), JOB_ID, RESULT_HASH), "other study");
    }

    function test_verifyResult_refusesEvenTheZeroHashWhenNothingWasPublished() public view {
        vm.assertFalse(results.verifyResult(STUDY_ID, JOB_ID, bytes32(0)), "zero hash never verifies");
        vm.assertEq(results.resultOf(STUDY_ID, JOB_ID).siteWorker, address(0), "no record");
    }

    function test_verifyResult_keepsAResultVerifiableAfterTheLicenceEnds() public {
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        vm.warp(T0 + 365 * DAY);
        vm.assertTrue(results.verifyResult(STUDY_ID, JOB_ID, RESULT_HASH), "still verifiable");
    }

    function test_constructor_wiresTheLicence() public view {
        vm.assertEq(address(results.licence()), address(licence), "licence");
        vm.assertTrue(results.hasRole(bytes32(0), admin), "admin");
        vm.assertTrue(results.supportsInterface(type(IResultRegistry).interfaceId), "IResultRegistry");
        vm.assertTrue(results.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertFalse(results.supportsInterface(0xffffffff), "0xffffffff");
    }

    // while paused

    function test_publishResult_revertsWhenPaused() public {
        vm.prank(admin);
        results.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);

        vm.prank(admin);
        results.unpause();
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        vm.assertTrue(results.verifyResult(STUDY_ID, JOB_ID, RESULT_HASH), "published after unpause");
    }

    function test_verifyResult_worksWhilePaused() public {
        _publish(JOB_ID, SPEC_HASH, COHORT_ROOT, RESULT_HASH);
        vm.prank(admin);
        results.pause();
        vm.assertTrue(results.verifyResult(STUDY_ID, JOB_ID, RESULT_HASH), "verifiable while paused");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_constructor_grantsPauserRoleToAdminOnly() public view {
        vm.assertTrue(results.hasRole(results.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(results.hasRole(results.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(results.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(results.paused(), "starts unpaused");
    }

    function test_pause_stopsPublishingAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(results));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        results.pause();
        vm.assertTrue(results.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, siteWorker, results.PAUSER_ROLE()
            )
        );
        vm.prank(siteWorker);
        results.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        results.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        results.pause();
    }

    function test_unpause_emitsUnpaused() public {
        vm.prank(admin);
        results.pause();
        vm.expectEmit(true, true, true, true, address(results));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        results.unpause();
        vm.assertFalse(results.paused(), "unpaused");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        bytes32 pauserRole = results.PAUSER_ROLE();
        vm.prank(admin);
        results.grantRole(pauserRole, stranger);
        vm.prank(stranger);
        results.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        results.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        results.unpause();
    }
}
