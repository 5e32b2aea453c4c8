// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {DataLicence} from "../../src/study/DataLicence.sol";
import {EthicsBoard} from "../../src/study/EthicsBoard.sol";
import {FeeSplit} from "../../src/study/FeeSplit.sol";
import {IDataLicence} from "../../src/study/IDataLicence.sol";
import {IEthicsBoard} from "../../src/study/IEthicsBoard.sol";
import {IStudyEscrow} from "../../src/study/IStudyEscrow.sol";
import {StudyEscrow} from "../../src/study/StudyEscrow.sol";
import {TestStablecoin} from "../../src/study/TestStablecoin.sol";
import {vm} from "../Vm.sol";
import {StudyFixture} from "./StudyFixture.sol";

/// @dev Everything that happens to studies, in any order: members come and go and the quorum changes while
/// researchers file requests, members vote, researchers pay (stablecoin or card), licences are minted, revoked and
/// offered for transfer, refunds are claimed, fees withdrawn and time passes. The handler keeps its own model of
/// what each call must do; it makes every call, checks a success against the model and a revert against the
/// exact error the model predicts, and never reverts itself.
contract StudyMarketHandler is StudyFixture {
    struct StudyModel {
        address researcher;
        address custodian;
        uint16 quorum;
        uint64 eligibleEpoch;
        uint64 deadline;
        uint128 price;
        IEthicsBoard.StudyStatus status;
        uint16 approvalsAtDecision;
        bool minted;
        bool revoked;
        IStudyEscrow.PaymentKind paymentKind;
        IStudyEscrow.PaymentState paymentState;
        uint16 feeBps;
        uint64 licenceDuration;
        uint64 licenceExpiresAt;
    }

    uint256 internal constant MAX_STEP = 3 days;

    address[5] internal memberPool;
    address[2] internal researchers;
    address[2] internal custodians;
    address internal otherCustodian = vm.addr(11);
    address[] public actors;

    uint64 public currentTime;
    uint64 internal modelEpoch = 3;
    uint256 internal modelMemberCount = 3;
    uint16 internal modelQuorum = 2;
    uint16 internal modelFeeBps = FEE_BPS;
    mapping(address member => uint64 epoch) internal modelAdmittedAt;

    bytes32[] public studyIds;
    mapping(bytes32 studyId => StudyModel model) internal studies;
    mapping(bytes32 studyId => address[] voters) internal voters;
    mapping(bytes32 studyId => mapping(address member => bool approve)) internal approvesOf;

    uint256 public ghostMinted;
    uint256 public ghostPaidIn;
    uint256 public ghostReleasedToPool;
    uint256 public ghostFeesAccrued;
    uint256 public ghostFeesWithdrawn;
    uint256 public ghostRefunded;

    constructor() {
        setUp();
        currentTime = uint64(block.timestamp);
        memberPool = [member1, member2, member3, vm.addr(24), vm.addr(25)];
        researchers = [researcher, otherResearcher];
        custodians = [custodian, otherCustodian];
        for (uint256 i = 0; i < 3; i++) {
            modelAdmittedAt[memberPool[i]] = uint64(i + 1);
        }
        // Visas outlive any run (depth x MAX_STEP), so a licence's liveness here turns on expiry and revocation.
        _issueVisa(researcher, T0 + 3650 * DAY);
        _issueVisa(otherResearcher, T0 + 3650 * DAY);

        actors = [
            researcher,
            otherResearcher,
            custodian,
            otherCustodian,
            payoutPool,
            operator,
            boardExecutor,
            stranger,
            admin,
            address(this),
            address(escrow),
            address(licence),
            memberPool[0],
            memberPool[1],
            memberPool[2],
            memberPool[3],
            memberPool[4]
        ];
    }

    // actions

    function warp(uint256 seconds_) external {
        currentTime += uint64(seconds_ % MAX_STEP);
        vm.warp(currentTime);
    }

    function toggleMember(uint256 memberSeed) external {
        vm.warp(currentTime);
        address member = memberPool[memberSeed % memberPool.length];
        vm.prank(admin);
        if (modelAdmittedAt[member] == 0) {
            board.addMember(member);
            modelAdmittedAt[member] = ++modelEpoch;
            modelMemberCount += 1;
        } else if (modelMemberCount - 1 < modelQuorum) {
            try board.removeMember(member) {
                revert("removal below the quorum succeeded");
            } catch (bytes memory reason) {
                _expect(reason, abi.encodeWithSelector(IEthicsBoard.RemovalBelowQuorum.selector, member, modelQuorum));
            }
        } else {
            board.removeMember(member);
            modelAdmittedAt[member] = 0;
            modelMemberCount -= 1;
        }
    }

    function setQuorum(uint256 quorumSeed) external {
        vm.warp(currentTime);
        uint16 newQuorum = uint16(1 + (quorumSeed % modelMemberCount));
        vm.prank(admin);
        board.setQuorum(newQuorum);
        modelQuorum = newQuorum;
    }

    function setFee(uint256 feeSeed) external {
        vm.warp(currentTime);
        uint16 newFee = uint16(feeSeed % 10_001);
        vm.prank(admin);
        escrow.setCustodianFeeBps(newFee);
        modelFeeBps = newFee;
    }

    function submitRequest(uint256 researcherSeed, uint256 priceSeed, uint256 windowSeed) external {
        vm.warp(currentTime);
        bytes32 studyId = keccak256(abi.encode("study", studyIds.length));
        StudyModel storage model = studies[studyId];
        model.researcher = researchers[researcherSeed % researchers.length];
        model.custodian = custodians[(researcherSeed >> 8) % custodians.length];
        model.price = uint128(1e6 + (priceSeed % 10_000e6));
        model.deadline = currentTime + uint64(1 hours + (windowSeed % 10 days));
        model.quorum = modelQuorum;
        model.eligibleEpoch = modelEpoch;
        model.status = IEthicsBoard.StudyStatus.Pending;
        // Short enough that licences minted in a run also expire in it.
        model.licenceDuration = uint64(1 hours + (windowSeed % 1 days));

        IEthicsBoard.StudyTerms memory terms = IEthicsBoard.StudyTerms({
            scopeHash: keccak256(abi.encode("scope", studyId)),
            custodian: model.custodian,
            price: model.price,
            licenceDuration: model.licenceDuration,
            decisionDeadline: model.deadline
        });
        vm.prank(model.researcher);
        board.submitRequest(studyId, terms);
        studyIds.push(studyId);
    }

    /// @dev One member votes; approves three times in four, so that runs reach approvals, mints and revocations.
    function vote(uint256 memberSeed, uint256 studySeed, uint8 choice) external {
        if (studyIds.length == 0) return;
        vm.warp(currentTime);
        _castVote(memberPool[memberSeed % memberPool.length], _pickStudy(studySeed), choice % 4 != 0);
    }

    /// @dev The whole pool votes on one study in a rotated order (members, non-members and late admissions
    /// alike), each approving three times in four: most rounds decide the study.
    function voteRound(uint256 studySeed, uint256 choices) external {
        if (studyIds.length == 0) return;
        vm.warp(currentTime);
        bytes32 studyId = _pickStudy(studySeed);
        for (uint256 i = 0; i < memberPool.length; i++) {
            address member = memberPool[(i + (choices % memberPool.length)) % memberPool.length];
            _castVote(member, studyId, (choices >> (8 + 2 * i)) & 3 != 0);
        }
    }

    function pay(uint256 studySeed, bool byCard) external {
        if (studyIds.length == 0) return;
        vm.warp(currentTime);
        bytes32 studyId = _pickStudy(studySeed);
        StudyModel storage model = studies[studyId];
        bytes memory expected = _expectedPaymentError(studyId);
        if (byCard) {
            vm.prank(operator);
            try escrow.recordCardPayment(studyId, keccak256(abi.encode("card", studyId))) {
                require(expected.length == 0, "a card payment the model refuses succeeded");
                model.paymentKind = IStudyEscrow.PaymentKind.Card;
                model.paymentState = IStudyEscrow.PaymentState.Held;
            } catch (bytes memory reason) {
                _expect(reason, expected);
            }
            return;
        }

        vm.prank(admin);
        stablecoin.mint(model.researcher, model.price);
        ghostMinted += model.price;
        vm.prank(model.researcher);
        stablecoin.approve(address(escrow), model.price);
        vm.prank(model.researcher);
        try escrow.pay(studyId) {
            require(expected.length == 0, "a payment the model refuses succeeded");
            model.paymentKind = IStudyEscrow.PaymentKind.Token;
            model.paymentState = IStudyEscrow.PaymentState.Held;
            model.feeBps = modelFeeBps;
            ghostPaidIn += model.price;
        } catch (bytes memory reason) {
            _expect(reason, expected);
        }
    }

    function mintLicence(uint256 studySeed) external {
        if (studyIds.length == 0) return;
        vm.warp(currentTime);
        bytes32 studyId = _pickStudy(studySeed);
        StudyModel storage model = studies[studyId];
        bytes memory expected = _expectedMintError(studyId);

        vm.prank(model.researcher);
        try licence.mintLicence(studyId) {
            require(expected.length == 0, "a mint the model refuses succeeded");
            model.minted = true;
            model.licenceExpiresAt = currentTime + model.licenceDuration;
            model.paymentState = IStudyEscrow.PaymentState.Released;
            if (model.paymentKind == IStudyEscrow.PaymentKind.Token) {
                (uint128 poolShare, uint128 fee) = FeeSplit.split(model.price, model.feeBps);
                ghostReleasedToPool += poolShare;
                ghostFeesAccrued += fee;
            }
        } catch (bytes memory reason) {
            _expect(reason, expected);
        }
    }

    function refund(uint256 studySeed) external {
        if (studyIds.length == 0) return;
        vm.warp(currentTime);
        bytes32 studyId = _pickStudy(studySeed);
        StudyModel storage model = studies[studyId];
        IEthicsBoard.StudyStatus status = _effectiveStatus(studyId);
        bytes memory expected;
        if (status != IEthicsBoard.StudyStatus.Rejected && status != IEthicsBoard.StudyStatus.Expired) {
            expected = abi.encodeWithSelector(IStudyEscrow.StudyNotRefundable.selector, studyId, status);
        } else if (model.paymentState != IStudyEscrow.PaymentState.Held) {
            expected = abi.encodeWithSelector(IStudyEscrow.PaymentNotHeld.selector, studyId, model.paymentState);
        }

        vm.prank(stranger);
        try escrow.refund(studyId) {
            require(expected.length == 0, "a refund the model refuses succeeded");
            model.paymentState = IStudyEscrow.PaymentState.Refunded;
            if (model.paymentKind == IStudyEscrow.PaymentKind.Token) ghostRefunded += model.price;
        } catch (bytes memory reason) {
            _expect(reason, expected);
        }
    }

    /// @dev Acts on one call in four, so that most licences live long enough to expire on their own.
    function revokeLicence(uint256 studySeed) external {
        if (studyIds.length == 0 || studySeed % 4 != 0) return;
        vm.warp(currentTime);
        bytes32 studyId = _pickStudy(studySeed);
        StudyModel storage model = studies[studyId];
        bytes memory expected;
        if (!model.minted) expected = abi.encodeWithSelector(IDataLicence.UnknownLicence.selector, studyId);
        else if (model.revoked) expected = abi.encodeWithSelector(IDataLicence.LicenceAlreadyRevoked.selector, studyId);

        vm.prank(boardExecutor);
        try licence.revokeLicence(studyId, keccak256("board reasons")) {
            require(expected.length == 0, "a revocation the model refuses succeeded");
            model.revoked = true;
        } catch (bytes memory reason) {
            _expect(reason, expected);
        }
    }

    /// @dev The holder, or an operator it tried to approve, tries to move the licence to any actor.
    function transferLicence(uint256 studySeed, uint256 toSeed, uint8 how) external {
        if (studyIds.length == 0) return;
        vm.warp(currentTime);
        bytes32 studyId = _pickStudy(studySeed);
        address holder = studies[studyId].researcher;
        address to = actors[toSeed % actors.length];
        uint256 id = uint256(studyId);
        bytes memory expected = abi.encodeWithSelector(IDataLicence.LicenceNotTransferable.selector, id);

        if (how % 3 == 2) {
            vm.prank(holder);
            try licence.setApprovalForAll(to, true) {
                revert("an approval succeeded");
            } catch (bytes memory reason) {
                _expect(reason, abi.encodeWithSelector(IDataLicence.LicenceApprovalsDisabled.selector, to));
            }
            return;
        }
        vm.prank(holder);
        if (how % 3 == 0) {
            try licence.safeTransferFrom(holder, to, id, 1, "") {
                revert("a transfer succeeded");
            } catch (bytes memory reason) {
                _expect(reason, expected);
            }
        } else {
            uint256[] memory ids = new uint256[](1);
            ids[0] = id;
            uint256[] memory values = new uint256[](1);
            values[0] = 1;
            try licence.safeBatchTransferFrom(holder, to, ids, values, "") {
                revert("a batch transfer succeeded");
            } catch (bytes memory reason) {
                _expect(reason, expected);
            }
        }
    }

    function withdrawFees(uint256 custodianSeed) external {
        vm.warp(currentTime);
        address account = custodians[custodianSeed % custodians.length];
        uint256 owed = escrow.feesOwed(account);
        vm.prank(account);
        try escrow.withdrawFees() {
            require(owed > 0, "a withdrawal of nothing succeeded");
            ghostFeesWithdrawn += owed;
        } catch (bytes memory reason) {
            _expect(reason, abi.encodeWithSelector(IStudyEscrow.NoFeesOwed.selector, account));
        }
    }

    // the model

    function _castVote(address member, bytes32 studyId, bool approve) internal {
        bytes memory expected = _expectedVoteError(studyId, member);
        vm.prank(member);
        try board.vote(studyId, approve, keccak256(abi.encode("reasons", member))) {
            require(expected.length == 0, "a vote the model refuses succeeded");
            _recordBallot(studyId, member, approve);
        } catch (bytes memory reason) {
            _expect(reason, expected);
        }
        require(board.statusOf(studyId) == _effectiveStatus(studyId), "board and model disagree on the status");
    }

    /// @dev One of the two latest studies, so that votes, payments and mints meet on the same study.
    function _pickStudy(uint256 seed) internal view returns (bytes32) {
        uint256 count = studyIds.length;
        uint256 window = count < 2 ? count : 2;
        return studyIds[count - 1 - (seed % window)];
    }

    function _expectedVoteError(bytes32 studyId, address member) internal view returns (bytes memory) {
        StudyModel storage model = studies[studyId];
        if (model.status != IEthicsBoard.StudyStatus.Pending) {
            return abi.encodeWithSelector(IEthicsBoard.RequestAlreadyDecided.selector, studyId, model.status);
        }
        if (currentTime > model.deadline) {
            return abi.encodeWithSelector(IEthicsBoard.RequestExpired.selector, studyId, model.deadline);
        }
        uint64 admittedAt = modelAdmittedAt[member];
        if (admittedAt == 0) return abi.encodeWithSelector(IEthicsBoard.NotBoardMember.selector, member);
        if (admittedAt > model.eligibleEpoch) {
            return abi.encodeWithSelector(IEthicsBoard.NotEligibleVoter.selector, studyId, member);
        }
        address[] storage cast = voters[studyId];
        for (uint256 i = 0; i < cast.length; i++) {
            if (cast[i] == member) return abi.encodeWithSelector(IEthicsBoard.AlreadyVoted.selector, studyId, member);
        }
        return "";
    }

    /// @dev Counts again, from the model's own ballots and membership, whether the vote decided the study.
    function _recordBallot(bytes32 studyId, address member, bool approve) internal {
        voters[studyId].push(member);
        approvesOf[studyId][member] = approve;
        StudyModel storage model = studies[studyId];
        (uint16 approvals, uint16 rejections) = _countedBallots(studyId);
        if (approvals >= model.quorum) {
            model.status = IEthicsBoard.StudyStatus.Approved;
            model.approvalsAtDecision = approvals;
        } else if (rejections >= model.quorum) {
            model.status = IEthicsBoard.StudyStatus.Rejected;
        }
    }

    function _countedBallots(bytes32 studyId) internal view returns (uint16 approvals, uint16 rejections) {
        address[] storage cast = voters[studyId];
        uint64 eligibleEpoch = studies[studyId].eligibleEpoch;
        for (uint256 i = 0; i < cast.length; i++) {
            uint64 admittedAt = modelAdmittedAt[cast[i]];
            if (admittedAt == 0 || admittedAt > eligibleEpoch) continue;
            if (approvesOf[studyId][cast[i]]) approvals++;
            else rejections++;
        }
    }

    function _effectiveStatus(bytes32 studyId) internal view returns (IEthicsBoard.StudyStatus) {
        StudyModel storage model = studies[studyId];
        if (model.status == IEthicsBoard.StudyStatus.Pending && currentTime > model.deadline) {
            return IEthicsBoard.StudyStatus.Expired;
        }
        return model.status;
    }

    function _expectedPaymentError(bytes32 studyId) internal view returns (bytes memory) {
        IEthicsBoard.StudyStatus status = _effectiveStatus(studyId);
        if (status != IEthicsBoard.StudyStatus.Pending && status != IEthicsBoard.StudyStatus.Approved) {
            return abi.encodeWithSelector(IStudyEscrow.StudyNotPayable.selector, studyId, status);
        }
        IStudyEscrow.PaymentKind kind = studies[studyId].paymentKind;
        if (kind != IStudyEscrow.PaymentKind.None) {
            return abi.encodeWithSelector(IStudyEscrow.AlreadyPaid.selector, studyId, kind);
        }
        return "";
    }

    function _expectedMintError(bytes32 studyId) internal view returns (bytes memory) {
        StudyModel storage model = studies[studyId];
        IEthicsBoard.StudyStatus status = _effectiveStatus(studyId);
        if (status != IEthicsBoard.StudyStatus.Approved) {
            return abi.encodeWithSelector(IDataLicence.StudyNotApproved.selector, studyId, status);
        }
        if (model.minted) return abi.encodeWithSelector(IDataLicence.LicenceAlreadyMinted.selector, studyId);
        if (model.paymentState != IStudyEscrow.PaymentState.Held) {
            return abi.encodeWithSelector(IDataLicence.PaymentMissing.selector, studyId, model.paymentState);
        }
        return "";
    }

    function _expect(bytes memory reason, bytes memory expected) internal pure {
        require(expected.length != 0, "a call the model accepts reverted");
        require(keccak256(reason) == keccak256(expected), "reverted with another error than the model predicts");
    }

    // read by the invariants

    function studyCount() external view returns (uint256) {
        return studyIds.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function custodianAt(uint256 index) external view returns (address) {
        return custodians[index];
    }

    function modelOf(bytes32 studyId) external view returns (StudyModel memory) {
        return studies[studyId];
    }

    function deployed()
        external
        view
        returns (EthicsBoard, StudyEscrow, DataLicence, TestStablecoin, address)
    {
        return (board, escrow, licence, stablecoin, payoutPool);
    }
}

contract StudyMarketInvariantTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    StudyMarketHandler internal handler;
    EthicsBoard internal board;
    StudyEscrow internal escrow;
    DataLicence internal licence;
    TestStablecoin internal stablecoin;
    address internal payoutPool;

    function setUp() public {
        handler = new StudyMarketHandler();
        (board, escrow, licence, stablecoin, payoutPool) = handler.deployed();
    }

    /// @dev Read by the invariant fuzzer: only the handler is called.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev Read by the invariant fuzzer: only the handler's actions (not the fixture's set-up) are called.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = StudyMarketHandler.warp.selector;
        selectors[1] = StudyMarketHandler.toggleMember.selector;
        selectors[2] = StudyMarketHandler.setQuorum.selector;
        selectors[3] = StudyMarketHandler.setFee.selector;
        selectors[4] = StudyMarketHandler.submitRequest.selector;
        selectors[5] = StudyMarketHandler.vote.selector;
        selectors[6] = StudyMarketHandler.pay.selector;
        selectors[7] = StudyMarketHandler.mintLicence.selector;
        selectors[8] = StudyMarketHandler.refund.selector;
        selectors[9] = StudyMarketHandler.revokeLicence.selector;
        selectors[10] = StudyMarketHandler.transferLicence.selector;
        selectors[11] = StudyMarketHandler.withdrawFees.selector;
        selectors[12] = StudyMarketHandler.voteRound.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    function invariant_licence_isHeldByItsResearcherOnly() public view {
        uint256 count = handler.studyCount();
        uint256 actorCount = handler.actorCount();
        for (uint256 s = 0; s < count; s++) {
            bytes32 studyId = handler.studyIds(s);
            StudyMarketHandler.StudyModel memory model = handler.modelOf(studyId);
            for (uint256 a = 0; a < actorCount; a++) {
                address actor = handler.actors(a);
                uint256 expected = actor == model.researcher && model.minted && !model.revoked ? 1 : 0;
                vm.assertEq(licence.balanceOf(actor, uint256(studyId)), expected, "licence balance");
            }
            if (model.minted) {
                vm.assertEq(licence.licenceRecordOf(studyId).researcher, model.researcher, "licence record");
            }
        }
    }

    /// @dev Visas outlive the run, so a licence is live exactly while it is minted, unrevoked and unexpired.
    function invariant_licence_isLiveOnlyWhileUnexpiredAndUnrevoked() public {
        vm.warp(handler.currentTime());
        uint256 count = handler.studyCount();
        for (uint256 s = 0; s < count; s++) {
            bytes32 studyId = handler.studyIds(s);
            StudyMarketHandler.StudyModel memory model = handler.modelOf(studyId);
            bool expected = model.minted && !model.revoked && handler.currentTime() < model.licenceExpiresAt;
            (bool live,, uint64 expiresAt) = licence.licenceOf(model.researcher, studyId);
            vm.assertEq(live ? 1 : 0, expected ? 1 : 0, "licence liveness");
            vm.assertEq(expiresAt, model.licenceExpiresAt, "licence expiry");
        }
    }

    function invariant_board_approvedStudyAlwaysHadAQuorumOfApprovals() public view {
        uint256 count = handler.studyCount();
        for (uint256 s = 0; s < count; s++) {
            bytes32 studyId = handler.studyIds(s);
            StudyMarketHandler.StudyModel memory model = handler.modelOf(studyId);
            IEthicsBoard.StudyRequest memory request = board.requestOf(studyId);
            bool approved = request.status == IEthicsBoard.StudyStatus.Approved;
            vm.assertEq(
                approved ? 1 : 0, model.status == IEthicsBoard.StudyStatus.Approved ? 1 : 0, "approved by the model"
            );
            if (!approved) continue;
            vm.assertEq(request.quorum, model.quorum, "quorum fixed at submission");
            vm.assertTrue(request.approvals >= request.quorum, "the board counted a quorum of approvals");
            vm.assertTrue(
                model.approvalsAtDecision >= model.quorum, "the model counted a quorum of eligible approvals"
            );
            vm.assertEq(request.approvals, model.approvalsAtDecision, "same count as the model");
        }
    }

    function invariant_escrow_paidInEqualsHeldPlusReleasedPlusRefunded() public view {
        uint256 held;
        uint256 count = handler.studyCount();
        for (uint256 s = 0; s < count; s++) {
            IStudyEscrow.Payment memory payment = escrow.paymentOf(handler.studyIds(s));
            if (payment.kind == IStudyEscrow.PaymentKind.Token && payment.state == IStudyEscrow.PaymentState.Held) {
                held += payment.amount;
            }
        }
        uint256 feesOwed = escrow.feesOwed(handler.custodianAt(0)) + escrow.feesOwed(handler.custodianAt(1));

        vm.assertEq(
            handler.ghostPaidIn(),
            held + handler.ghostReleasedToPool() + handler.ghostFeesAccrued() + handler.ghostRefunded(),
            "paid in = held + released to the pool + fees + refunded"
        );
        vm.assertEq(stablecoin.balanceOf(address(escrow)), held + feesOwed, "escrow holds held payments and owed fees");
        vm.assertEq(stablecoin.balanceOf(payoutPool), handler.ghostReleasedToPool(), "pool got its shares");
        vm.assertEq(
            handler.ghostFeesAccrued(), feesOwed + handler.ghostFeesWithdrawn(), "fees are owed or withdrawn"
        );
        vm.assertEq(stablecoin.totalSupply(), handler.ghostMinted(), "no tokens created");

        uint256 sum;
        uint256 actorCount = handler.actorCount();
        for (uint256 a = 0; a < actorCount; a++) {
            sum += stablecoin.balanceOf(handler.actors(a));
        }
        vm.assertEq(sum, stablecoin.totalSupply(), "every token is with a known account");
    }
}
