// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {EthicsBoard} from "../../src/study/EthicsBoard.sol";
import {ICredentialRegistry} from "../../src/study/ICredentialRegistry.sol";
import {IEthicsBoard} from "../../src/study/IEthicsBoard.sol";
import {vm} from "../Vm.sol";
import {StudyFixture} from "./StudyFixture.sol";

contract EthicsBoardTest is StudyFixture {
    address internal member4 = vm.addr(24);
    address internal member5 = vm.addr(25);

    function _status(bytes32 studyId) internal view returns (uint256) {
        return uint256(board.statusOf(studyId));
    }

    function _add(address member) internal {
        vm.prank(admin);
        board.addMember(member);
    }

    // addMember

    function test_addMember_admitsTheMemberAtTheNextEpochAndEmits() public {
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.MemberAdded(member4, 4);
        _add(member4);
        vm.assertTrue(board.isMember(member4), "member");
        vm.assertEq(board.memberCount(), 4, "memberCount");
    }

    function test_addMember_revertsWhenCallerIsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, member1, bytes32(0))
        );
        vm.prank(member1);
        board.addMember(member4);
    }

    function test_addMember_revertsWhenMemberIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.InvalidMember.selector, address(0)));
        _add(address(0));
    }

    function test_addMember_revertsWhenAlreadyMember() public {
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.AlreadyMember.selector, member2));
        _add(member2);
    }

    function test_addMember_revertsWhenBoardIsFull() public {
        uint256 maxMembers = board.MAX_MEMBERS();
        for (uint256 i = board.memberCount(); i < maxMembers; i++) {
            _add(vm.addr(1000 + i));
        }
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.BoardFull.selector, maxMembers));
        _add(member4);
    }

    // removeMember

    function test_removeMember_removesTheMemberAndEmits() public {
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.MemberRemoved(member3);
        vm.prank(admin);
        board.removeMember(member3);
        vm.assertFalse(board.isMember(member3), "no longer a member");
        vm.assertEq(board.memberCount(), 2, "memberCount");
    }

    function test_removeMember_revertsWhenCallerIsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, member1, bytes32(0))
        );
        vm.prank(member1);
        board.removeMember(member2);
    }

    function test_removeMember_revertsWhenNotAMember() public {
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.NotBoardMember.selector, stranger));
        vm.prank(admin);
        board.removeMember(stranger);
    }

    function test_removeMember_revertsWhenFewerMembersThanTheQuorumWouldRemain() public {
        vm.prank(admin);
        board.setQuorum(3);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.RemovalBelowQuorum.selector, member1, uint16(3)));
        vm.prank(admin);
        board.removeMember(member1);
    }

    // setQuorum

    function test_setQuorum_setsTheQuorumAndEmits() public {
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.QuorumChanged(3);
        vm.prank(admin);
        board.setQuorum(3);
        vm.assertEq(board.quorum(), 3, "quorum");
    }

    function test_setQuorum_revertsWhenCallerIsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, member1, bytes32(0))
        );
        vm.prank(member1);
        board.setQuorum(1);
    }

    function test_setQuorum_revertsWhenZero() public {
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.InvalidQuorum.selector, uint16(0), uint256(3)));
        vm.prank(admin);
        board.setQuorum(0);
    }

    function test_setQuorum_revertsWhenLargerThanTheBoard() public {
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.InvalidQuorum.selector, uint16(4), uint256(3)));
        vm.prank(admin);
        board.setQuorum(4);
    }

    // submitRequest

    function test_submitRequest_storesThePendingRequestWithQuorumAndEpoch() public {
        _submit(STUDY_ID);
        IEthicsBoard.StudyRequest memory request = board.requestOf(STUDY_ID);
        vm.assertEq(request.researcher, researcher, "researcher");
        vm.assertEq(request.custodian, custodian, "custodian");
        vm.assertEq(request.scopeHash, SCOPE_HASH, "scopeHash");
        vm.assertEq(request.price, PRICE, "price");
        vm.assertEq(request.licenceDuration, 90 * DAY, "licenceDuration");
        vm.assertEq(request.decisionDeadline, T0 + 14 * DAY, "decisionDeadline");
        vm.assertEq(request.quorum, 2, "quorum");
        vm.assertEq(request.eligibleEpoch, 3, "eligibleEpoch: three admissions so far");
        vm.assertEq(request.submittedAt, T0, "submittedAt");
        vm.assertEq(uint256(request.status), uint256(IEthicsBoard.StudyStatus.Pending), "status");
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "statusOf");
    }

    function test_submitRequest_emitsStudyRequested() public {
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.StudyRequested(
            STUDY_ID, researcher, custodian, SCOPE_HASH, PRICE, 90 * DAY, T0 + 14 * DAY, 2
        );
        _submit(STUDY_ID);
    }

    function _expectSubmitRevert(bytes32 studyId, IEthicsBoard.StudyTerms memory terms, bytes memory reason)
        internal
    {
        vm.expectRevert(reason);
        vm.prank(researcher);
        board.submitRequest(studyId, terms);
    }

    function test_submitRequest_revertsWhenStudyIdIsEmpty() public {
        _expectSubmitRevert(bytes32(0), _terms(), abi.encodeWithSelector(IEthicsBoard.EmptyStudyId.selector));
    }

    function test_submitRequest_revertsWhenStudyIdIsTakenAndNamesTheFirstResearcher() public {
        _submit(STUDY_ID);
        IEthicsBoard.StudyTerms memory terms = _terms();
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.StudyAlreadyRequested.selector, STUDY_ID, researcher));
        vm.prank(otherResearcher);
        board.submitRequest(STUDY_ID, terms);
    }

    function test_submitRequest_revertsWhenScopeHashIsEmpty() public {
        IEthicsBoard.StudyTerms memory terms = _terms();
        terms.scopeHash = bytes32(0);
        _expectSubmitRevert(STUDY_ID, terms, abi.encodeWithSelector(IEthicsBoard.EmptyScopeHash.selector, STUDY_ID));
    }

    function test_submitRequest_revertsWhenCustodianIsZero() public {
        IEthicsBoard.StudyTerms memory terms = _terms();
        terms.custodian = address(0);
        _expectSubmitRevert(
            STUDY_ID, terms, abi.encodeWithSelector(IEthicsBoard.InvalidCustodian.selector, STUDY_ID, address(0))
        );
    }

    function test_submitRequest_revertsWhenPriceIsZero() public {
        IEthicsBoard.StudyTerms memory terms = _terms();
        terms.price = 0;
        _expectSubmitRevert(STUDY_ID, terms, abi.encodeWithSelector(IEthicsBoard.ZeroPrice.selector, STUDY_ID));
    }

    function test_submitRequest_revertsWhenLicenceDurationIsZero() public {
        IEthicsBoard.StudyTerms memory terms = _terms();
        terms.licenceDuration = 0;
        _expectSubmitRevert(
            STUDY_ID, terms, abi.encodeWithSelector(IEthicsBoard.ZeroLicenceDuration.selector, STUDY_ID)
        );
    }

    function test_submitRequest_revertsWhenDeadlineIsNotAfterNow() public {
        IEthicsBoard.StudyTerms memory terms = _terms();
        terms.decisionDeadline = T0;
        _expectSubmitRevert(
            STUDY_ID, terms, abi.encodeWithSelector(IEthicsBoard.DeadlineNotInFuture.selector, STUDY_ID, T0, T0)
        );
    }

    function test_submitRequest_revertsWhenTheBoardHasNoQuorum() public {
        board = new EthicsBoard(admin, credentials);
        _expectSubmitRevert(STUDY_ID, _terms(), abi.encodeWithSelector(IEthicsBoard.QuorumNotSet.selector));
    }

    function test_submitRequest_revertsWhenResearcherHasNoVisa() public {
        IEthicsBoard.StudyTerms memory terms = _terms();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEthicsBoard.CredentialNotLive.selector, stranger, ICredentialRegistry.VisaType.ResearcherStatus
            )
        );
        vm.prank(stranger);
        board.submitRequest(STUDY_ID, terms);
    }

    function test_submitRequest_revertsWhenResearchersVisaWasRevoked() public {
        vm.prank(issuer);
        credentials.revokeCredential(researcher, ICredentialRegistry.VisaType.ResearcherStatus);
        _expectSubmitRevert(
            STUDY_ID,
            _terms(),
            abi.encodeWithSelector(
                IEthicsBoard.CredentialNotLive.selector, researcher, ICredentialRegistry.VisaType.ResearcherStatus
            )
        );
    }

    // vote

    function test_vote_recordsTheBallotAndEmitsVoteCast() public {
        _submit(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.VoteCast(STUDY_ID, member1, true, REASON);
        _vote(member1, STUDY_ID, true);

        vm.assertEq(uint256(board.voteOf(STUDY_ID, member1)), uint256(IEthicsBoard.Vote.Approve), "ballot");
        vm.assertEq(uint256(board.voteOf(STUDY_ID, member2)), uint256(IEthicsBoard.Vote.None), "no ballot");
        vm.assertEq(board.requestOf(STUDY_ID).approvals, 1, "approvals");
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "one approval of two: pending");
    }

    function test_vote_approvesAtQuorumAndEmitsStudyApproved() public {
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.VoteCast(STUDY_ID, member2, true, REASON);
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.StudyApproved(STUDY_ID, 2);
        _vote(member2, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "approved");
    }

    function test_vote_rejectsAtQuorumAndEmitsStudyRejected() public {
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, false);
        _vote(member2, STUDY_ID, true);
        vm.expectEmit(true, true, true, true, address(board));
        emit IEthicsBoard.StudyRejected(STUDY_ID, 2);
        _vote(member3, STUDY_ID, false);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Rejected), "rejected");
        vm.assertEq(uint256(board.voteOf(STUDY_ID, member3)), uint256(IEthicsBoard.Vote.Reject), "ballot");
    }

    function test_vote_oneApprovalFewerThanTheQuorumLeavesTheRequestPending() public {
        vm.prank(admin);
        board.setQuorum(3);
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        _vote(member2, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "two of three: pending");
        _vote(member3, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "three of three: approved");
    }

    function test_vote_isAcceptedAtTheDeadlineSecond() public {
        _submit(STUDY_ID);
        vm.warp(T0 + 14 * DAY);
        _approve(STUDY_ID);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "approved on the deadline");
    }

    function test_vote_revertsWhenStudyIsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.UnknownStudy.selector, STUDY_ID));
        _vote(member1, STUDY_ID, true);
    }

    function test_vote_revertsWhenAlreadyApproved() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEthicsBoard.RequestAlreadyDecided.selector, STUDY_ID, IEthicsBoard.StudyStatus.Approved
            )
        );
        _vote(member3, STUDY_ID, false);
    }

    function test_vote_revertsWhenAlreadyRejectedSoARejectionIsNeverApproved() public {
        _submit(STUDY_ID);
        _reject(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEthicsBoard.RequestAlreadyDecided.selector, STUDY_ID, IEthicsBoard.StudyStatus.Rejected
            )
        );
        _vote(member3, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Rejected), "still rejected");
    }

    function test_vote_revertsAfterTheDeadlineSoAnExpiredRequestIsNeverApproved() public {
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        vm.warp(T0 + 14 * DAY + 1);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.RequestExpired.selector, STUDY_ID, T0 + 14 * DAY));
        _vote(member2, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Expired), "expired");
    }

    function test_vote_revertsWhenCallerIsNotAMember() public {
        _submit(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.NotBoardMember.selector, stranger));
        _vote(stranger, STUDY_ID, true);
    }

    function test_vote_revertsWhenMemberWasAdmittedAfterSubmission() public {
        _submit(STUDY_ID);
        _add(member4);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.NotEligibleVoter.selector, STUDY_ID, member4));
        _vote(member4, STUDY_ID, true);
    }

    function test_vote_revertsWhenMemberVotesTwice() public {
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, false);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.AlreadyVoted.selector, STUDY_ID, member1));
        _vote(member1, STUDY_ID, true);
    }

    function test_vote_revertsWhenReasonHashIsEmpty() public {
        _submit(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.EmptyReasonHash.selector, STUDY_ID, member1));
        vm.prank(member1);
        board.vote(STUDY_ID, true, bytes32(0));
    }

    // vote: membership changes while a request is in flight

    function test_vote_stopsCountingTheBallotOfAMemberRemovedAfterVoting() public {
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        vm.prank(admin);
        board.removeMember(member1);

        _vote(member2, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "removed member's ballot dropped");
        vm.assertEq(board.requestOf(STUDY_ID).approvals, 1, "one counted approval");
        vm.assertEq(uint256(board.voteOf(STUDY_ID, member1)), uint256(IEthicsBoard.Vote.Approve), "ballot kept");

        _vote(member3, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "two current members approve");
    }

    function test_vote_keepsTheQuorumFixedAtSubmission() public {
        _submit(STUDY_ID);
        vm.prank(admin);
        board.setQuorum(1);
        _vote(member1, STUDY_ID, true);
        vm.assertEq(
            _status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "lowering the quorum does not tip it"
        );

        vm.prank(admin);
        board.setQuorum(3);
        _vote(member2, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "raising it does not block it");
    }

    function test_vote_refusesAReadmittedMemberAndDropsItsEarlierBallot() public {
        _submit(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        vm.prank(admin);
        board.removeMember(member1);
        _add(member1);

        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.NotEligibleVoter.selector, STUDY_ID, member1));
        _vote(member1, STUDY_ID, true);
        _vote(member2, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "earlier ballot does not count");
    }

    function test_vote_expiresARequestWhoseEligibleMembersFellBelowItsQuorum() public {
        vm.prank(admin);
        board.setQuorum(3);
        _submit(STUDY_ID);
        vm.prank(admin);
        board.setQuorum(1);
        vm.prank(admin);
        board.removeMember(member1);
        _add(member4);

        _vote(member2, STUDY_ID, true);
        _vote(member3, STUDY_ID, true);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "two eligible of three needed");
        vm.warp(T0 + 14 * DAY + 1);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Expired), "expires, to be refunded");
    }

    // vote: fuzzed

    function test_vote_refusesAnyNonMember(address caller) public {
        vm.assume(caller != member1 && caller != member2 && caller != member3);
        _submit(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IEthicsBoard.NotBoardMember.selector, caller));
        vm.prank(caller);
        board.vote(STUDY_ID, true, REASON);
        vm.assertEq(uint256(board.voteOf(STUDY_ID, caller)), uint256(IEthicsBoard.Vote.None), "no ballot");
    }

    /// @dev Five members vote in a random order with random choices under a random quorum: the request is
    /// decided by exactly the vote that brings one side to the quorum, and every later vote is refused.
    function test_vote_decidesByTheFirstSideToReachQuorumInAnyOrder(uint256 seed) public {
        _add(member4);
        _add(member5);
        uint16 requiredVotes = uint16(1 + (seed % 5));
        vm.prank(admin);
        board.setQuorum(requiredVotes);
        _submit(STUDY_ID);

        address[5] memory order = [member1, member2, member3, member4, member5];
        for (uint256 i = 4; i > 0; i--) {
            uint256 j = uint256(keccak256(abi.encode(seed, "shuffle", i))) % (i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        uint256 approvals;
        uint256 rejections;
        IEthicsBoard.StudyStatus expected = IEthicsBoard.StudyStatus.Pending;
        for (uint256 i = 0; i < 5; i++) {
            bool approve = (uint256(keccak256(abi.encode(seed, "choice", i))) & 1) == 1;
            if (expected != IEthicsBoard.StudyStatus.Pending) {
                vm.expectRevert(
                    abi.encodeWithSelector(IEthicsBoard.RequestAlreadyDecided.selector, STUDY_ID, expected)
                );
                _vote(order[i], STUDY_ID, approve);
                continue;
            }
            _vote(order[i], STUDY_ID, approve);
            if (approve) approvals++;
            else rejections++;
            if (approvals >= requiredVotes) expected = IEthicsBoard.StudyStatus.Approved;
            else if (rejections >= requiredVotes) expected = IEthicsBoard.StudyStatus.Rejected;
            vm.assertEq(_status(STUDY_ID), uint256(expected), "status after each vote");
        }
        IEthicsBoard.StudyRequest memory request = board.requestOf(STUDY_ID);
        vm.assertEq(request.approvals, approvals, "approvals counted");
        vm.assertEq(request.rejections, rejections, "rejections counted");
        if (expected == IEthicsBoard.StudyStatus.Approved) {
            vm.assertTrue(request.approvals >= requiredVotes, "approved only with a quorum of approvals");
        }
    }

    // views

    function test_statusOf_reportsNoneForAnUnknownStudy() public view {
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.None), "none");
        vm.assertEq(board.requestOf(STUDY_ID).researcher, address(0), "no request");
    }

    function test_statusOf_keepsAnApprovalPastTheDeadline() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        vm.warp(T0 + 365 * DAY);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "approved");
    }

    function test_requestOf_reportsExpiredForAPendingRequestPastItsDeadline() public {
        _submit(STUDY_ID);
        vm.warp(T0 + 14 * DAY + 1);
        vm.assertEq(
            uint256(board.requestOf(STUDY_ID).status), uint256(IEthicsBoard.StudyStatus.Expired), "requestOf"
        );
    }

    function test_constructor_setsAdminRegistryAndLimits() public view {
        vm.assertTrue(board.hasRole(bytes32(0), admin), "admin");
        vm.assertEq(address(board.credentialRegistry()), address(credentials), "credentialRegistry");
        vm.assertEq(board.MAX_MEMBERS(), 32, "MAX_MEMBERS");
        vm.assertEq(
            uint256(board.REQUIRED_VISA()), uint256(ICredentialRegistry.VisaType.ResearcherStatus), "REQUIRED_VISA"
        );
    }

    function test_supportsInterface_reportsEthicsBoardAndAccessControl() public view {
        vm.assertTrue(board.supportsInterface(type(IEthicsBoard).interfaceId), "IEthicsBoard");
        vm.assertTrue(board.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertFalse(board.supportsInterface(0xffffffff), "0xffffffff");
    }

    function test_submitRequest_revertsWhenPaused() public {
        vm.prank(admin);
        board.pause();
        _expectSubmitRevert(STUDY_ID, _terms(), abi.encodeWithSelector(Pausable.EnforcedPause.selector));

        vm.prank(admin);
        board.unpause();
        _submit(STUDY_ID);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Pending), "filed after unpause");
    }

    function test_vote_revertsWhenPaused() public {
        _submit(STUDY_ID);
        vm.prank(admin);
        board.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _vote(member1, STUDY_ID, true);

        vm.prank(admin);
        board.unpause();
        _approve(STUDY_ID);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Approved), "decided after unpause");
    }

    function test_addMember_worksWhilePaused() public {
        vm.prank(admin);
        board.pause();
        _add(member4);
        vm.assertTrue(board.isMember(member4), "admitted while paused");
    }

    function test_statusOf_expiresAPendingRequestWhilePaused() public {
        _submit(STUDY_ID);
        vm.prank(admin);
        board.pause();
        vm.warp(T0 + 14 * DAY + 1);
        vm.assertEq(_status(STUDY_ID), uint256(IEthicsBoard.StudyStatus.Expired), "the deadline kept running");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_constructor_grantsPauserRoleToAdminOnly() public view {
        vm.assertTrue(board.hasRole(board.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(board.hasRole(board.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(board.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(board.paused(), "starts unpaused");
    }

    function test_pause_stopsFilingAndVotingAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(board));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        board.pause();
        vm.assertTrue(board.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, member1, board.PAUSER_ROLE()
            )
        );
        vm.prank(member1);
        board.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        board.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        board.pause();
    }

    function test_unpause_emitsUnpaused() public {
        vm.prank(admin);
        board.pause();
        vm.expectEmit(true, true, true, true, address(board));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        board.unpause();
        vm.assertFalse(board.paused(), "unpaused");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        bytes32 pauserRole = board.PAUSER_ROLE();
        vm.prank(admin);
        board.grantRole(pauserRole, stranger);
        vm.prank(stranger);
        board.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        board.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        board.unpause();
    }
}
