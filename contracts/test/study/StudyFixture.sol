// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {CredentialRegistry} from "../../src/study/CredentialRegistry.sol";
import {DataLicence} from "../../src/study/DataLicence.sol";
import {EthicsBoard} from "../../src/study/EthicsBoard.sol";
import {ICredentialRegistry} from "../../src/study/ICredentialRegistry.sol";
import {IEthicsBoard} from "../../src/study/IEthicsBoard.sol";
import {ResultRegistry} from "../../src/study/ResultRegistry.sol";
import {StudyEscrow} from "../../src/study/StudyEscrow.sol";
import {TestStablecoin} from "../../src/study/TestStablecoin.sol";
import {vm} from "../Vm.sol";

/// @dev The study contracts deployed and wired as `deployStudyContracts` does, with one account per role, a
/// board of three members and a quorum of two, and two credentialed researchers.
abstract contract StudyFixture {
    uint64 internal constant T0 = 1_750_000_000;
    uint64 internal constant DAY = 1 days;
    uint128 internal constant PRICE = 1_000e6;
    uint16 internal constant FEE_BPS = 1_500;

    bytes32 internal constant STUDY_ID = keccak256("study-1");
    bytes32 internal constant SCOPE_HASH = keccak256("scope-1");
    bytes32 internal constant REASON = keccak256("reasons");
    bytes32 internal constant VISA_HASH = keccak256("visa");

    address internal admin = vm.addr(1);
    address internal issuer = vm.addr(2);
    address internal researcher = vm.addr(3);
    address internal otherResearcher = vm.addr(4);
    address internal custodian = vm.addr(5);
    address internal operator = vm.addr(6);
    address internal siteWorker = vm.addr(7);
    address internal boardExecutor = vm.addr(8);
    address internal payoutPool = vm.addr(9);
    address internal stranger = vm.addr(10);
    address internal member1 = vm.addr(21);
    address internal member2 = vm.addr(22);
    address internal member3 = vm.addr(23);

    CredentialRegistry internal credentials;
    EthicsBoard internal board;
    TestStablecoin internal stablecoin;
    StudyEscrow internal escrow;
    DataLicence internal licence;
    ResultRegistry internal results;

    function setUp() public virtual {
        vm.warp(T0);
        credentials = new CredentialRegistry(admin);
        board = new EthicsBoard(admin, credentials);
        stablecoin = new TestStablecoin(admin);
        escrow = new StudyEscrow(admin, board, stablecoin, payoutPool, FEE_BPS);
        licence = new DataLicence(admin, board, credentials, escrow);
        results = new ResultRegistry(admin, licence);

        _grant(address(credentials), credentials.ISSUER_ROLE(), issuer);
        _grant(address(escrow), escrow.LICENCE_ROLE(), address(licence));
        _grant(address(escrow), escrow.OPERATOR_ROLE(), operator);
        _grant(address(licence), licence.MINTER_ROLE(), operator);
        _grant(address(licence), licence.BOARD_ROLE(), boardExecutor);
        _grant(address(results), results.SITE_WORKER_ROLE(), siteWorker);

        vm.prank(admin);
        board.addMember(member1);
        vm.prank(admin);
        board.addMember(member2);
        vm.prank(admin);
        board.addMember(member3);
        vm.prank(admin);
        board.setQuorum(2);

        _issueVisa(researcher, T0 + 365 * DAY);
        _issueVisa(otherResearcher, T0 + 365 * DAY);
    }

    function _grant(address target, bytes32 role, address account) internal {
        vm.prank(admin);
        (bool ok,) = target.call(abi.encodeWithSignature("grantRole(bytes32,address)", role, account));
        require(ok, "grantRole failed");
    }

    function _issueVisa(address account, uint64 expiresAt) internal {
        vm.prank(issuer);
        credentials.issueCredential(account, ICredentialRegistry.VisaType.ResearcherStatus, VISA_HASH, expiresAt);
    }

    function _terms() internal view returns (IEthicsBoard.StudyTerms memory) {
        return IEthicsBoard.StudyTerms({
            scopeHash: SCOPE_HASH,
            custodian: custodian,
            price: PRICE,
            licenceDuration: 90 * DAY,
            decisionDeadline: uint64(block.timestamp) + 14 * DAY
        });
    }

    function _submit(bytes32 studyId) internal {
        IEthicsBoard.StudyTerms memory terms = _terms();
        vm.prank(researcher);
        board.submitRequest(studyId, terms);
    }

    function _vote(address member, bytes32 studyId, bool approve) internal {
        vm.prank(member);
        board.vote(studyId, approve, REASON);
    }

    function _approve(bytes32 studyId) internal {
        _vote(member1, studyId, true);
        _vote(member2, studyId, true);
    }

    function _reject(bytes32 studyId) internal {
        _vote(member1, studyId, false);
        _vote(member2, studyId, false);
    }

    /// @dev Mints the price to the researcher, approves the escrow and pays.
    function _pay(bytes32 studyId) internal {
        vm.prank(admin);
        stablecoin.mint(researcher, PRICE);
        vm.prank(researcher);
        stablecoin.approve(address(escrow), PRICE);
        vm.prank(researcher);
        escrow.pay(studyId);
    }

    /// @dev Submitted, approved, paid in the stablecoin and licensed.
    function _license(bytes32 studyId) internal {
        _submit(studyId);
        _approve(studyId);
        _pay(studyId);
        vm.prank(researcher);
        licence.mintLicence(studyId);
    }
}
