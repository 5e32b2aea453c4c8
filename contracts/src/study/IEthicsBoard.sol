// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {ICredentialRegistry} from "./ICredentialRegistry.sol";

/// @title IEthicsBoard
/// @notice The ethics board's decisions on study requests. A credentialed researcher files a request that
/// commits, by its scope hash, to the study's purpose, fields, analyses, duration and price; board members vote
/// to approve or reject it with a reason (by hash); the first side to reach the quorum decides, and a request
/// that no side decided by its deadline has expired. A decided or expired request never changes again.
///
/// Membership changes while votes are in flight follow one rule: a request is decided by the members it was
/// filed before, as long as they are still members. At submission the request records the quorum and the
/// membership epoch (a counter raised by every admission). A vote is cast only by a member admitted at or
/// before that epoch, and a ballot counts only while its member is still a member of that same admission
/// (removed members' ballots drop out of the tally at the next vote; a removed member who is admitted again
/// is a new admission and does not count for requests filed before).
/// Why: snapshotting the quorum stops an admin from lowering it to tip a pending request; refusing members
/// admitted later stops an admin from packing the board for a pending request; dropping removed members'
/// ballots makes a removal (a conflict of interest, a lost key) take effect at once instead of letting the
/// removed member still decide. The cost falls on the side of caution: a request whose eligible members
/// shrink below its quorum cannot be approved and expires, and the researcher is refunded.
interface IEthicsBoard {
    /// @notice Where a request stands. `Expired` is never stored: it is a `Pending` request past its deadline.
    enum StudyStatus {
        None,
        Pending,
        Approved,
        Rejected,
        Expired
    }

    /// @notice A member's ballot on one request.
    enum Vote {
        None,
        Approve,
        Reject
    }

    /// @notice What a researcher asks the board to approve.
    /// @param scopeHash The hash of the study's purpose, fields, analyses, duration and price.
    /// @param custodian The custodian whose data the study uses; it receives the custodian's fee.
    /// @param price The price in the escrow's stablecoin units, non-zero.
    /// @param licenceDuration How long the licence lasts once minted, in seconds, non-zero.
    /// @param decisionDeadline The last timestamp at which a vote is accepted.
    struct StudyTerms {
        bytes32 scopeHash;
        address custodian;
        uint128 price;
        uint64 licenceDuration;
        uint64 decisionDeadline;
    }

    /// @notice A study request as the board holds it.
    /// @param researcher The researcher who filed it and who receives the licence.
    /// @param quorum The approvals (or rejections) that decide it, fixed at submission.
    /// @param approvals Approvals counted at the last vote (by members still eligible then).
    /// @param rejections Rejections counted at the last vote (by members still eligible then).
    /// @param status The decision; `requestOf` and `statusOf` report `Expired` for a pending request past its deadline.
    /// @param submittedAt The timestamp of the block in which it was filed.
    /// @param eligibleEpoch The membership epoch at submission: members admitted at or before it may vote.
    struct StudyRequest {
        address researcher;
        uint64 decisionDeadline;
        uint16 quorum;
        uint16 approvals;
        address custodian;
        uint64 licenceDuration;
        uint16 rejections;
        StudyStatus status;
        uint128 price;
        uint64 submittedAt;
        uint64 eligibleEpoch;
        bytes32 scopeHash;
    }

    /// @notice Emitted when the admin has admitted a member.
    /// @param epoch The membership epoch of this admission.
    event MemberAdded(address indexed member, uint64 epoch);

    /// @notice Emitted when the admin has removed a member.
    event MemberRemoved(address indexed member);

    /// @notice Emitted when the admin has changed the quorum for requests filed from now on.
    event QuorumChanged(uint16 quorum);

    /// @notice Emitted when a researcher has filed a study request.
    event StudyRequested(
        bytes32 indexed studyId,
        address indexed researcher,
        address indexed custodian,
        bytes32 scopeHash,
        uint128 price,
        uint64 licenceDuration,
        uint64 decisionDeadline,
        uint16 quorum
    );

    /// @notice Emitted when a member has voted on a request.
    /// @param reasonHash The hash of the member's written reasons, kept off chain.
    event VoteCast(bytes32 indexed studyId, address indexed member, bool approve, bytes32 reasonHash);

    /// @notice Emitted when a request has reached its quorum of approvals.
    event StudyApproved(bytes32 indexed studyId, uint16 approvals);

    /// @notice Emitted when a request has reached its quorum of rejections.
    event StudyRejected(bytes32 indexed studyId, uint16 rejections);

    /// @notice The member is the zero address.
    error InvalidMember(address member);

    /// @notice The account is already a member.
    error AlreadyMember(address member);

    /// @notice The board has `MAX_MEMBERS` members already.
    error BoardFull(uint256 maxMembers);

    /// @notice The account is not a member of the board.
    error NotBoardMember(address account);

    /// @notice Removing the member would leave fewer members than the quorum: lower the quorum first.
    error RemovalBelowQuorum(address member, uint16 quorum);

    /// @notice The quorum is zero or larger than the board.
    error InvalidQuorum(uint16 quorum, uint256 memberCount);

    /// @notice The board has no quorum yet, so no request could be decided.
    error QuorumNotSet();

    /// @notice The study id is zero, which is reserved for "no study".
    error EmptyStudyId();

    /// @notice The study id is already taken.
    error StudyAlreadyRequested(bytes32 studyId, address researcher);

    /// @notice The scope hash is zero, so the request would commit to nothing.
    error EmptyScopeHash(bytes32 studyId);

    /// @notice The custodian is the zero address.
    error InvalidCustodian(bytes32 studyId, address custodian);

    /// @notice The price is zero.
    error ZeroPrice(bytes32 studyId);

    /// @notice The licence duration is zero.
    error ZeroLicenceDuration(bytes32 studyId);

    /// @notice The decision deadline is not after the current block's timestamp.
    error DeadlineNotInFuture(bytes32 studyId, uint64 decisionDeadline, uint64 blockTime);

    /// @notice The researcher holds no live visa of the type the board requires.
    error CredentialNotLive(address researcher, ICredentialRegistry.VisaType visaType);

    /// @notice Nobody filed a request with this study id.
    error UnknownStudy(bytes32 studyId);

    /// @notice The request was already approved or rejected.
    error RequestAlreadyDecided(bytes32 studyId, StudyStatus status);

    /// @notice The request's decision deadline has passed.
    error RequestExpired(bytes32 studyId, uint64 decisionDeadline);

    /// @notice The member was admitted after the request was filed, so it does not vote on it.
    error NotEligibleVoter(bytes32 studyId, address member);

    /// @notice The member has voted on this request already.
    error AlreadyVoted(bytes32 studyId, address member);

    /// @notice The reason hash is zero: every vote states its reasons.
    error EmptyReasonHash(bytes32 studyId, address member);

    /// @notice The largest board, which bounds the work of counting a request's ballots.
    function MAX_MEMBERS() external view returns (uint256);

    /// @notice The visa a researcher must hold, live, to file a request.
    function REQUIRED_VISA() external view returns (ICredentialRegistry.VisaType);

    /// @notice The registry asked whether a researcher holds the required visa.
    function credentialRegistry() external view returns (ICredentialRegistry);

    /// @notice The role that may pause filing and voting in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Admits a member; it may vote on requests filed from now on.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, `InvalidMember`,
    /// `AlreadyMember` or `BoardFull`.
    function addMember(address member) external;

    /// @notice Removes a member; its ballots on undecided requests stop counting.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, `NotBoardMember` or
    /// `RemovalBelowQuorum`.
    function removeMember(address member) external;

    /// @notice Sets the quorum for requests filed from now on; pending requests keep theirs.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `InvalidQuorum`
    /// unless 1 <= quorum <= memberCount.
    function setQuorum(uint16 newQuorum) external;

    /// @notice Files a study request on behalf of the calling researcher.
    /// @dev Reverts with `EnforcedPause` while paused, `EmptyStudyId`, `StudyAlreadyRequested`, `EmptyScopeHash`,
    /// `InvalidCustodian`, `ZeroPrice`, `ZeroLicenceDuration`, `DeadlineNotInFuture`, `QuorumNotSet` or
    /// `CredentialNotLive`.
    /// @param studyId The study's id, non-zero and not yet taken; the licence's token id is `uint256(studyId)`.
    function submitRequest(bytes32 studyId, StudyTerms calldata terms) external;

    /// @notice Votes on a pending request; the vote that brings one side to the quorum decides it.
    /// @dev Reverts with `EnforcedPause` while paused, `UnknownStudy`, `RequestAlreadyDecided`, `RequestExpired`,
    /// `NotBoardMember`, `NotEligibleVoter`, `AlreadyVoted` or `EmptyReasonHash`.
    /// @param approve True to approve, false to reject.
    /// @param reasonHash The hash of the member's written reasons, non-zero.
    function vote(bytes32 studyId, bool approve, bytes32 reasonHash) external;

    /// @notice Stops filing requests and voting. Views and the admin's management of members and quorum keep
    /// working. A pending request's decision deadline keeps running: one that passes while paused expires, and its
    /// payment becomes refundable.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets filing and voting through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice Where the request stands now, `Expired` included.
    function statusOf(bytes32 studyId) external view returns (StudyStatus);

    /// @notice The request, with `status` as `statusOf` reports it; all fields are zero when unknown.
    function requestOf(bytes32 studyId) external view returns (StudyRequest memory);

    /// @notice How the member voted on the request, whether or not the ballot still counts.
    function voteOf(bytes32 studyId, address member) external view returns (Vote);

    /// @notice Whether the account is a member now.
    function isMember(address account) external view returns (bool);

    /// @notice The number of members now.
    function memberCount() external view returns (uint256);

    /// @notice The quorum that requests filed now get; zero until the admin sets one.
    function quorum() external view returns (uint16);
}
