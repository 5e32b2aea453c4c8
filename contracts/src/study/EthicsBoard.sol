// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICredentialRegistry} from "./ICredentialRegistry.sol";
import {IEthicsBoard} from "./IEthicsBoard.sol";

/// @title EthicsBoard
/// @notice M-of-N board decisions on study requests; the admin manages the members and the quorum.
contract EthicsBoard is IEthicsBoard, AccessControl, Pausable {
    /// @inheritdoc IEthicsBoard
    uint256 public constant MAX_MEMBERS = 32;

    /// @inheritdoc IEthicsBoard
    ICredentialRegistry.VisaType public constant REQUIRED_VISA = ICredentialRegistry.VisaType.ResearcherStatus;

    /// @inheritdoc IEthicsBoard
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @dev One member's vote; fits one storage slot, so counting a request reads one slot per ballot.
    struct Ballot {
        address member;
        bool approve;
    }

    /// @inheritdoc IEthicsBoard
    ICredentialRegistry public immutable credentialRegistry;

    /// @dev Raised by every admission; a request records it at submission.
    uint64 private _membershipEpoch;
    uint16 private _quorum;
    uint256 private _memberCount;
    /// @dev The epoch of the member's current admission; zero when not a member.
    mapping(address member => uint64 epoch) private _admittedAt;
    mapping(bytes32 studyId => StudyRequest request) private _requests;
    mapping(bytes32 studyId => Ballot[] ballots) private _ballots;

    /// @param admin The account that manages members and quorum and may grant and revoke roles; it may also pause.
    /// @param credentialRegistry_ The registry asked whether a researcher holds `REQUIRED_VISA`.
    constructor(address admin, ICredentialRegistry credentialRegistry_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        credentialRegistry = credentialRegistry_;
    }

    /// @inheritdoc IEthicsBoard
    function addMember(address member) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (member == address(0)) revert InvalidMember(member);
        if (_admittedAt[member] != 0) revert AlreadyMember(member);
        if (_memberCount == MAX_MEMBERS) revert BoardFull(MAX_MEMBERS);

        // One admission per transaction at most: a uint64 counter cannot overflow.
        uint64 epoch = ++_membershipEpoch;
        _admittedAt[member] = epoch;
        _memberCount += 1;
        emit MemberAdded(member, epoch);
    }

    /// @inheritdoc IEthicsBoard
    function removeMember(address member) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_admittedAt[member] == 0) revert NotBoardMember(member);
        if (_memberCount - 1 < _quorum) revert RemovalBelowQuorum(member, _quorum);

        delete _admittedAt[member];
        _memberCount -= 1;
        emit MemberRemoved(member);
    }

    /// @inheritdoc IEthicsBoard
    function setQuorum(uint16 newQuorum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newQuorum == 0 || newQuorum > _memberCount) revert InvalidQuorum(newQuorum, _memberCount);

        _quorum = newQuorum;
        emit QuorumChanged(newQuorum);
    }

    /// @inheritdoc IEthicsBoard
    function submitRequest(bytes32 studyId, StudyTerms calldata terms) external whenNotPaused {
        _submit(studyId, _msgSender(), terms);
    }

    /// @inheritdoc IEthicsBoard
    function vote(bytes32 studyId, bool approve, bytes32 reasonHash) external whenNotPaused {
        _vote(studyId, _msgSender(), approve, reasonHash);
    }

    /// @inheritdoc IEthicsBoard
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IEthicsBoard
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IEthicsBoard
    function statusOf(bytes32 studyId) external view returns (StudyStatus) {
        return _statusOf(_requests[studyId]);
    }

    /// @inheritdoc IEthicsBoard
    function requestOf(bytes32 studyId) external view returns (StudyRequest memory request) {
        request = _requests[studyId];
        request.status = _statusOf(_requests[studyId]);
    }

    /// @inheritdoc IEthicsBoard
    function voteOf(bytes32 studyId, address member) external view returns (Vote) {
        Ballot[] storage ballots = _ballots[studyId];
        for (uint256 i = 0; i < ballots.length; ++i) {
            Ballot memory ballot = ballots[i];
            if (ballot.member == member) return ballot.approve ? Vote.Approve : Vote.Reject;
        }
        return Vote.None;
    }

    /// @inheritdoc IEthicsBoard
    function isMember(address account) external view returns (bool) {
        return _admittedAt[account] != 0;
    }

    /// @inheritdoc IEthicsBoard
    function memberCount() external view returns (uint256) {
        return _memberCount;
    }

    /// @inheritdoc IEthicsBoard
    function quorum() external view returns (uint16) {
        return _quorum;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IEthicsBoard).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where requests are created: a request is written once and then only voted on.
    function _submit(bytes32 studyId, address researcher, StudyTerms calldata terms) private {
        if (studyId == bytes32(0)) revert EmptyStudyId();
        address firstResearcher = _requests[studyId].researcher;
        if (firstResearcher != address(0)) revert StudyAlreadyRequested(studyId, firstResearcher);
        if (terms.scopeHash == bytes32(0)) revert EmptyScopeHash(studyId);
        if (terms.custodian == address(0)) revert InvalidCustodian(studyId, terms.custodian);
        if (terms.price == 0) revert ZeroPrice(studyId);
        if (terms.licenceDuration == 0) revert ZeroLicenceDuration(studyId);
        // A uint64 of seconds lasts far beyond any block timestamp this contract will see.
        uint64 blockTime = uint64(block.timestamp);
        if (terms.decisionDeadline <= blockTime) {
            revert DeadlineNotInFuture(studyId, terms.decisionDeadline, blockTime);
        }
        uint16 requiredApprovals = _quorum;
        if (requiredApprovals == 0) revert QuorumNotSet();
        if (!credentialRegistry.hasLiveCredential(researcher, REQUIRED_VISA)) {
            revert CredentialNotLive(researcher, REQUIRED_VISA);
        }

        _requests[studyId] = StudyRequest({
            researcher: researcher,
            decisionDeadline: terms.decisionDeadline,
            quorum: requiredApprovals,
            approvals: 0,
            custodian: terms.custodian,
            licenceDuration: terms.licenceDuration,
            rejections: 0,
            status: StudyStatus.Pending,
            price: terms.price,
            submittedAt: blockTime,
            eligibleEpoch: _membershipEpoch,
            scopeHash: terms.scopeHash
        });
        emit StudyRequested(
            studyId,
            researcher,
            terms.custodian,
            terms.scopeHash,
            terms.price,
            terms.licenceDuration,
            terms.decisionDeadline,
            requiredApprovals
        );
    }

    /// @dev The one place where ballots are cast and requests decided. The tally is recounted from the ballots
    /// at every vote, so a ballot whose member was removed since it was cast no longer counts (IEthicsBoard).
    function _vote(bytes32 studyId, address member, bool approve, bytes32 reasonHash) private {
        StudyRequest storage request = _requests[studyId];
        if (request.researcher == address(0)) revert UnknownStudy(studyId);
        StudyStatus status = request.status;
        if (status != StudyStatus.Pending) revert RequestAlreadyDecided(studyId, status);
        uint64 deadline = request.decisionDeadline;
        if (block.timestamp > deadline) revert RequestExpired(studyId, deadline);
        uint64 admittedAt = _admittedAt[member];
        if (admittedAt == 0) revert NotBoardMember(member);
        uint64 eligibleEpoch = request.eligibleEpoch;
        if (admittedAt > eligibleEpoch) revert NotEligibleVoter(studyId, member);
        if (reasonHash == bytes32(0)) revert EmptyReasonHash(studyId, member);

        Ballot[] storage ballots = _ballots[studyId];
        uint256 approvals = approve ? 1 : 0;
        uint256 rejections = approve ? 0 : 1;
        for (uint256 i = 0; i < ballots.length; ++i) {
            Ballot memory ballot = ballots[i];
            if (ballot.member == member) revert AlreadyVoted(studyId, member);
            if (_counts(ballot.member, eligibleEpoch)) {
                if (ballot.approve) approvals += 1;
                else rejections += 1;
            }
        }

        ballots.push(Ballot({member: member, approve: approve}));
        // Only members admitted by `eligibleEpoch` vote, each once, and the board never exceeds MAX_MEMBERS
        // (32) members, so both counts fit a uint16.
        request.approvals = uint16(approvals);
        request.rejections = uint16(rejections);
        uint16 requiredVotes = request.quorum;
        if (approvals >= requiredVotes) {
            request.status = StudyStatus.Approved;
        } else if (rejections >= requiredVotes) {
            request.status = StudyStatus.Rejected;
        }
        emit VoteCast(studyId, member, approve, reasonHash);
        if (approvals >= requiredVotes) emit StudyApproved(studyId, uint16(approvals));
        else if (rejections >= requiredVotes) emit StudyRejected(studyId, uint16(rejections));
    }

    /// @dev A ballot counts while its member is still in the admission it had when the request was filed.
    function _counts(address member, uint64 eligibleEpoch) private view returns (bool) {
        uint64 admittedAt = _admittedAt[member];
        return admittedAt != 0 && admittedAt <= eligibleEpoch;
    }

    function _statusOf(StudyRequest storage request) private view returns (StudyStatus) {
        StudyStatus status = request.status;
        if (status == StudyStatus.Pending && block.timestamp > request.decisionDeadline) return StudyStatus.Expired;
        return status;
    }
}
