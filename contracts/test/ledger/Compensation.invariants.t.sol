// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Compensation} from "../../src/ledger/Compensation.sol";
import {ICompensation} from "../../src/ledger/ICompensation.sol";
import {vm} from "../Vm.sol";
import {MerkleTestTree} from "./MerkleTestTree.sol";

/// @dev Drives claims, donations, redemptions and misuses of proofs over two studies with the same payout list:
/// one whose pool covers every payout and one whose pool covers less than half of them. Never reverts: a refusal
/// must be the one the ghost state predicts, and any payment the contract makes is recorded for the invariants.
contract CompensationHandler {
    struct Payout {
        bytes32 offerId;
        address patient;
        uint256 amount;
    }

    uint256 internal constant PAYOUT_COUNT = 6;

    Compensation internal immutable compensation;
    address internal immutable fund;
    address[] internal patients;
    bytes32[2] internal studies = [keccak256("study-covered"), keccak256("study-overcommitted")];
    Payout[] internal payouts;
    mapping(bytes32 studyId => bytes32[] leaves) internal leavesOf;

    mapping(bytes32 studyId => mapping(uint256 index => uint256 count)) public settlementsOf;
    mapping(bytes32 studyId => uint256 amount) public settledAmountOf;
    mapping(bytes32 studyId => mapping(address holder => uint256 amount)) public redeemedBy;

    constructor(Compensation compensation_, address fund_, address[] memory patients_) {
        compensation = compensation_;
        fund = fund_;
        patients = patients_;
        for (uint256 i = 0; i < PAYOUT_COUNT; i++) {
            payouts.push(
                Payout({
                    offerId: keccak256(abi.encode("offer", i % 2)),
                    patient: patients_[i % patients_.length],
                    amount: 100 * (i + 1)
                })
            );
        }
        for (uint256 s = 0; s < studies.length; s++) {
            for (uint256 i = 0; i < PAYOUT_COUNT; i++) {
                leavesOf[studies[s]].push(
                    compensation_.payoutLeaf(studies[s], payouts[i].offerId, i, payouts[i].patient, payouts[i].amount)
                );
            }
        }
    }

    function claim(uint256 studySeed, uint256 payoutSeed) external {
        _settle(studies[studySeed % 2], payoutSeed % PAYOUT_COUNT, false);
    }

    function donate(uint256 studySeed, uint256 payoutSeed) external {
        _settle(studies[studySeed % 2], payoutSeed % PAYOUT_COUNT, true);
    }

    /// @dev Someone other than the payout's patient presents its proof.
    function claimAsAnotherPatient(uint256 studySeed, uint256 payoutSeed, uint256 callerSeed) external {
        bytes32 studyId = studies[studySeed % 2];
        uint256 index = payoutSeed % PAYOUT_COUNT;
        Payout memory payout = payouts[index];
        address caller = patients[callerSeed % patients.length];
        if (caller == payout.patient) caller = patients[(callerSeed % patients.length + 1) % patients.length];

        bytes32[] memory proof = MerkleTestTree.proof(leavesOf[studyId], index);
        vm.prank(caller);
        try compensation.claim(studyId, payout.offerId, index, payout.amount, proof) {
            _recordSettlement(studyId, index, payout.amount);
        } catch (bytes memory reason) {
            _requireReason(
                reason, abi.encodeWithSelector(ICompensation.InvalidPayoutProof.selector, studyId, caller, index)
            );
        }
    }

    /// @dev The payout's patient presents the proof from one study in the other one.
    function claimInTheOtherStudy(uint256 studySeed, uint256 payoutSeed) external {
        bytes32 proofStudy = studies[studySeed % 2];
        bytes32 claimStudy = studies[(studySeed % 2 + 1) % 2];
        uint256 index = payoutSeed % PAYOUT_COUNT;
        Payout memory payout = payouts[index];

        bytes32[] memory proof = MerkleTestTree.proof(leavesOf[proofStudy], index);
        vm.prank(payout.patient);
        try compensation.claim(claimStudy, payout.offerId, index, payout.amount, proof) {
            _recordSettlement(claimStudy, index, payout.amount);
        } catch (bytes memory reason) {
            bytes memory expected =
                abi.encodeWithSelector(ICompensation.InvalidPayoutProof.selector, claimStudy, payout.patient, index);
            _requireReason(reason, expected);
        }
    }

    function redeem(uint256 holderSeed, uint256 studySeed, uint256 amountSeed) external {
        bytes32 studyId = studies[studySeed % 2];
        address holder = holderSeed % (patients.length + 1) == patients.length
            ? fund
            : patients[holderSeed % (patients.length + 1)];
        uint256 amount = amountSeed % (compensation.balanceOf(holder, uint256(studyId)) + 1);
        vm.prank(holder);
        compensation.redeem(studyId, amount);
        redeemedBy[studyId][holder] += amount;
    }

    function _settle(bytes32 studyId, uint256 index, bool donated) internal {
        Payout memory payout = payouts[index];
        bytes32[] memory proof = MerkleTestTree.proof(leavesOf[studyId], index);
        (, uint128 pool, uint128 paidOut) = compensation.payoutsOf(studyId);

        bool paid;
        bytes memory reason;
        vm.prank(payout.patient);
        if (donated) {
            try compensation.donate(studyId, payout.offerId, index, payout.amount, proof) {
                paid = true;
            } catch (bytes memory refusal) {
                reason = refusal;
            }
        } else {
            try compensation.claim(studyId, payout.offerId, index, payout.amount, proof) {
                paid = true;
            } catch (bytes memory refusal) {
                reason = refusal;
            }
        }

        if (paid) {
            _recordSettlement(studyId, index, payout.amount);
        } else if (settlementsOf[studyId][index] > 0) {
            _requireReason(reason, abi.encodeWithSelector(ICompensation.PayoutAlreadySettled.selector, studyId, index));
        } else {
            _requireReason(
                reason,
                abi.encodeWithSelector(ICompensation.PoolExceeded.selector, studyId, payout.amount, pool - paidOut)
            );
        }
    }

    function _recordSettlement(bytes32 studyId, uint256 index, uint256 amount) internal {
        settlementsOf[studyId][index] += 1;
        settledAmountOf[studyId] += amount;
    }

    function _requireReason(bytes memory reason, bytes memory expected) internal pure {
        require(keccak256(reason) == keccak256(expected), "refused for the wrong reason");
    }

    function studyAt(uint256 s) external view returns (bytes32) {
        return studies[s];
    }

    function rootOf(bytes32 studyId) external view returns (bytes32) {
        return MerkleTestTree.root(leavesOf[studyId]);
    }

    function patientCount() external view returns (uint256) {
        return patients.length;
    }

    function patientAt(uint256 i) external view returns (address) {
        return patients[i];
    }

    function payoutCount() external pure returns (uint256) {
        return PAYOUT_COUNT;
    }
}

contract CompensationInvariantTest {
    Compensation internal compensation;
    CompensationHandler internal handler;
    address internal fund = vm.addr(3);

    function setUp() public {
        address admin = vm.addr(1);
        address publisher = vm.addr(2);
        compensation = new Compensation(admin, fund);
        bytes32 publisherRole = compensation.PAYOUT_PUBLISHER_ROLE();
        vm.prank(admin);
        compensation.grantRole(publisherRole, publisher);

        address[] memory patients = new address[](4);
        for (uint256 i = 0; i < patients.length; i++) {
            patients[i] = vm.addr(10 + i);
        }
        handler = new CompensationHandler(compensation, fund, patients);

        // The six payouts add up to 2,100: the first study covers them all, the second less than half.
        bytes32 covered = handler.studyAt(0);
        bytes32 overcommitted = handler.studyAt(1);
        bytes32 coveredRoot = handler.rootOf(covered);
        bytes32 overcommittedRoot = handler.rootOf(overcommitted);
        vm.prank(publisher);
        compensation.publishPayouts(covered, coveredRoot, 2_100);
        vm.prank(publisher);
        compensation.publishPayouts(overcommitted, overcommittedRoot, 1_000);
    }

    /// @dev Read by the invariant fuzzer: only the handler is called.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_settle_neverPaysMoreThanThePool() public view {
        for (uint256 s = 0; s < 2; s++) {
            (, uint128 pool, uint128 paidOut) = compensation.payoutsOf(handler.studyAt(s));
            vm.assertTrue(paidOut <= pool, "paid out more than the pool");
        }
    }

    function invariant_settle_paysEachPayoutAtMostOnce() public view {
        for (uint256 s = 0; s < 2; s++) {
            bytes32 studyId = handler.studyAt(s);
            for (uint256 i = 0; i < handler.payoutCount(); i++) {
                uint256 settlements = handler.settlementsOf(studyId, i);
                vm.assertTrue(settlements <= 1, "a payout was settled twice");
                if (settlements == 1) vm.assertTrue(compensation.isSettled(studyId, i), "a paid payout is settled");
                else vm.assertFalse(compensation.isSettled(studyId, i), "an unpaid payout is not settled");
            }
        }
    }

    function invariant_settle_creditsOfAllHoldersAddUpToWhatWasPaidOut() public view {
        for (uint256 s = 0; s < 2; s++) {
            bytes32 studyId = handler.studyAt(s);
            uint256 credited = compensation.balanceOf(fund, uint256(studyId)) + handler.redeemedBy(studyId, fund);
            for (uint256 p = 0; p < handler.patientCount(); p++) {
                address patient = handler.patientAt(p);
                credited += compensation.balanceOf(patient, uint256(studyId)) + handler.redeemedBy(studyId, patient);
            }
            (,, uint128 paidOut) = compensation.payoutsOf(studyId);
            vm.assertEq(credited, paidOut, "credits held and redeemed equal what was paid out");
            vm.assertEq(paidOut, handler.settledAmountOf(studyId), "paid out equals the settlements made");
        }
    }
}
