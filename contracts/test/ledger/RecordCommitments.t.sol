// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IRecordCommitments} from "../../src/ledger/IRecordCommitments.sol";
import {RecordCommitments} from "../../src/ledger/RecordCommitments.sol";
import {vm} from "../Vm.sol";
import {MerkleTestTree} from "./MerkleTestTree.sol";

contract RecordCommitmentsTest {
    RecordCommitments internal commitments;

    address internal admin = vm.addr(1);
    address internal custodian = vm.addr(2);
    address internal otherCustodian = vm.addr(3);
    address internal stranger = vm.addr(4);
    address internal pauser = vm.addr(5);

    bytes32 internal constant ROOT = keccak256("root-1");

    function setUp() public {
        commitments = new RecordCommitments(admin);
        bytes32 custodianRole = commitments.CUSTODIAN_ROLE();
        vm.prank(admin);
        commitments.grantRole(custodianRole, custodian);
        vm.prank(admin);
        commitments.grantRole(custodianRole, otherCustodian);
        bytes32 pauserRole = commitments.PAUSER_ROLE();
        vm.prank(admin);
        commitments.grantRole(pauserRole, pauser);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    function _record(uint64 recordId) internal pure returns (IRecordCommitments.RecordCommitment memory) {
        return IRecordCommitments.RecordCommitment({
            recordId: recordId,
            patientRef: keccak256(abi.encode("patient", recordId % 3)),
            commitment: keccak256(abi.encode("ciphertext", recordId))
        });
    }

    /// @dev Written out here rather than calling the contract, so a change to the leaf encoding fails the tests.
    function _leaf(address custodian_, IRecordCommitments.RecordCommitment memory record)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        keccak256("consentry.record-commitment.v1"),
                        custodian_,
                        record.recordId,
                        record.patientRef,
                        record.commitment
                    )
                )
            )
        );
    }

    function _leaves(address custodian_, uint64 firstRecordId, uint256 count)
        internal
        pure
        returns (bytes32[] memory leaves)
    {
        leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            leaves[i] = _leaf(custodian_, _record(firstRecordId + uint64(i)));
        }
    }

    function _publish(address custodian_, uint64 batchId, bytes32 root, uint32 leafCount) internal {
        vm.prank(custodian_);
        commitments.publishBatch(batchId, root, leafCount);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    // --- constructor, constants and roles ------------------------------------------------------------------------

    function test_constructor_grantsAdminAndPauserRolesToAdminOnly() public {
        RecordCommitments fresh = new RecordCommitments(admin);
        vm.assertTrue(fresh.hasRole(fresh.DEFAULT_ADMIN_ROLE(), admin), "admin holds DEFAULT_ADMIN_ROLE");
        vm.assertTrue(fresh.hasRole(fresh.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(fresh.hasRole(fresh.CUSTODIAN_ROLE(), admin), "admin is not a custodian");
        vm.assertFalse(fresh.hasRole(fresh.DEFAULT_ADMIN_ROLE(), address(this)), "deployer is not admin");
    }

    function test_constants_areTheDocumentedHashes() public view {
        vm.assertEq(commitments.CUSTODIAN_ROLE(), keccak256("CUSTODIAN_ROLE"), "CUSTODIAN_ROLE");
        vm.assertEq(commitments.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertEq(
            commitments.RECORD_COMMITMENT_LEAF_DOMAIN(),
            keccak256("consentry.record-commitment.v1"),
            "RECORD_COMMITMENT_LEAF_DOMAIN"
        );
    }

    function test_grantRole_revertsWhenCallerIsNotAdmin() public {
        bytes32 custodianRole = commitments.CUSTODIAN_ROLE();
        vm.expectRevert(_unauthorized(custodian, commitments.DEFAULT_ADMIN_ROLE()));
        vm.prank(custodian);
        commitments.grantRole(custodianRole, stranger);
    }

    function test_revokeRole_stopsACustodianFromPublishing() public {
        bytes32 custodianRole = commitments.CUSTODIAN_ROLE();
        vm.prank(admin);
        commitments.revokeRole(custodianRole, custodian);
        vm.expectRevert(_unauthorized(custodian, custodianRole));
        _publish(custodian, 0, ROOT, 4);
    }

    // --- publishBatch --------------------------------------------------------------------------------------------

    function test_publishBatch_storesTheBatchAndCountsIt() public {
        vm.warp(1_760_000_000);
        _publish(custodian, 0, ROOT, 4);

        IRecordCommitments.Batch memory batch = commitments.batchOf(custodian, 0);
        vm.assertEq(batch.root, ROOT, "root");
        vm.assertEq(batch.leafCount, 4, "leafCount");
        vm.assertEq(batch.committedAt, 1_760_000_000, "committedAt is the block timestamp");
        vm.assertEq(commitments.batchCountOf(custodian), 1, "batchCount");
    }

    function test_publishBatch_emitsRecordBatchCommitted() public {
        _publish(custodian, 0, ROOT, 4);
        vm.expectEmit(true, true, true, true, address(commitments));
        emit IRecordCommitments.RecordBatchCommitted(custodian, 1, keccak256("root-2"), 5_000);
        _publish(custodian, 1, keccak256("root-2"), 5_000);
    }

    function test_publishBatch_numbersEachCustodiansBatchesInOrder() public {
        _publish(custodian, 0, ROOT, 1);
        _publish(custodian, 1, keccak256("root-2"), 10);
        _publish(custodian, 2, keccak256("root-3"), type(uint32).max);

        vm.assertEq(commitments.batchOf(custodian, 1).root, keccak256("root-2"), "second batch");
        vm.assertEq(commitments.batchOf(custodian, 2).leafCount, type(uint32).max, "third batch holds the most");
        vm.assertEq(commitments.batchCountOf(custodian), 3, "batchCount");
    }

    function test_publishBatch_keepsEachCustodiansBatchesApart() public {
        _publish(custodian, 0, ROOT, 4);
        _publish(custodian, 1, keccak256("root-2"), 4);
        _publish(otherCustodian, 0, keccak256("other-root"), 2);

        vm.assertEq(commitments.batchOf(custodian, 0).root, ROOT, "first custodian's batch");
        vm.assertEq(commitments.batchOf(otherCustodian, 0).root, keccak256("other-root"), "other custodian's batch");
        vm.assertEq(commitments.batchOf(otherCustodian, 1).root, bytes32(0), "other custodian has one batch");
        vm.assertEq(commitments.batchCountOf(custodian), 2, "first custodian's count");
        vm.assertEq(commitments.batchCountOf(otherCustodian), 1, "other custodian's count");
    }

    function test_publishBatch_revertsWhenCallerIsNotCustodian() public {
        vm.expectRevert(_unauthorized(stranger, commitments.CUSTODIAN_ROLE()));
        _publish(stranger, 0, ROOT, 4);
    }

    function test_publishBatch_revertsWhenCallerIsOnlyAdmin() public {
        vm.expectRevert(_unauthorized(admin, commitments.CUSTODIAN_ROLE()));
        _publish(admin, 0, ROOT, 4);
    }

    function test_publishBatch_revertsWhenPaused() public {
        vm.prank(pauser);
        commitments.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _publish(custodian, 0, ROOT, 4);
    }

    function test_publishBatch_revertsWhenBatchIdSkipsAhead() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordCommitments.BatchOutOfOrder.selector, custodian, 0, 1));
        _publish(custodian, 1, ROOT, 4);
    }

    function test_publishBatch_revertsWhenABatchIsPublishedAgain() public {
        _publish(custodian, 0, ROOT, 4);
        vm.expectRevert(abi.encodeWithSelector(IRecordCommitments.BatchOutOfOrder.selector, custodian, 1, 0));
        _publish(custodian, 0, ROOT, 4);
        vm.assertEq(commitments.batchOf(custodian, 0).root, ROOT, "the first root stays");
    }

    function test_publishBatch_revertsWhenTheBatchIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordCommitments.EmptyBatch.selector, custodian, 0));
        _publish(custodian, 0, ROOT, 0);
    }

    function test_publishBatch_revertsWhenTheRootIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IRecordCommitments.EmptyBatchRoot.selector, custodian, 0));
        _publish(custodian, 0, bytes32(0), 4);
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_pause_stopsPublishingAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(commitments));
        emit Pausable.Paused(pauser);
        vm.prank(pauser);
        commitments.pause();
        vm.assertTrue(commitments.paused(), "paused");
    }

    function test_pause_revertsWhenCallerIsNotPauser() public {
        vm.expectRevert(_unauthorized(custodian, commitments.PAUSER_ROLE()));
        vm.prank(custodian);
        commitments.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(pauser);
        commitments.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        commitments.pause();
    }

    function test_unpause_resumesPublishingAndEmitsUnpaused() public {
        vm.prank(pauser);
        commitments.pause();
        vm.expectEmit(true, true, true, true, address(commitments));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        commitments.unpause();

        _publish(custodian, 0, ROOT, 4);
        vm.assertEq(commitments.batchCountOf(custodian), 1, "published after unpause");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        vm.prank(pauser);
        commitments.pause();
        vm.expectRevert(_unauthorized(pauser, commitments.DEFAULT_ADMIN_ROLE()));
        vm.prank(pauser);
        commitments.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        commitments.unpause();
    }

    // --- verifyRecordCommitment ----------------------------------------------------------------------------------

    function test_verifyRecordCommitment_acceptsEveryRecordOfTheBatch() public {
        _publish(custodian, 0, ROOT, 3);
        bytes32[] memory leaves = _leaves(custodian, 40, 7);
        _publish(custodian, 1, MerkleTestTree.root(leaves), 7);

        for (uint256 i = 0; i < leaves.length; i++) {
            bytes32[] memory proof = MerkleTestTree.proof(leaves, i);
            vm.assertTrue(
                commitments.verifyRecordCommitment(custodian, 1, _record(40 + uint64(i)), proof),
                "committed record is accepted"
            );
        }
    }

    function test_verifyRecordCommitment_acceptsRecordsWhilePaused() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 2);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 2);
        vm.prank(pauser);
        commitments.pause();
        vm.assertTrue(
            commitments.verifyRecordCommitment(custodian, 0, _record(1), MerkleTestTree.proof(leaves, 1)),
            "verified while paused"
        );
    }

    function test_verifyRecordCommitment_acceptsASingleRecordBatchWithAnEmptyProof() public {
        IRecordCommitments.RecordCommitment memory only = _record(9);
        _publish(custodian, 0, _leaf(custodian, only), 1);
        vm.assertTrue(commitments.verifyRecordCommitment(custodian, 0, only, new bytes32[](0)), "the leaf is the root");
    }

    function test_verifyRecordCommitment_refusesARecordOfABatchNotCommitted() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 4);
        vm.assertFalse(
            commitments.verifyRecordCommitment(custodian, 1, _record(0), MerkleTestTree.proof(leaves, 0)),
            "unknown batch"
        );
    }

    function test_verifyRecordCommitment_refusesARecordOfAnotherCustodian() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        bytes32 root = MerkleTestTree.root(leaves);
        _publish(custodian, 0, root, 4);
        // Even under the very same root, the leaf names its custodian.
        _publish(otherCustodian, 0, root, 4);

        bytes32[] memory proof = MerkleTestTree.proof(leaves, 1);
        vm.assertTrue(commitments.verifyRecordCommitment(custodian, 0, _record(1), proof), "own");
        vm.assertFalse(commitments.verifyRecordCommitment(otherCustodian, 0, _record(1), proof), "other's");
    }

    function test_verifyRecordCommitment_refusesAnAlteredRecord() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 4);
        bytes32[] memory proof = MerkleTestTree.proof(leaves, 2);

        IRecordCommitments.RecordCommitment memory altered = _record(2);
        altered.commitment = keccak256("another ciphertext");
        vm.assertFalse(commitments.verifyRecordCommitment(custodian, 0, altered, proof), "other commitment");
        altered = _record(2);
        altered.recordId = 3;
        vm.assertFalse(commitments.verifyRecordCommitment(custodian, 0, altered, proof), "other pointer");
        altered = _record(2);
        altered.patientRef = keccak256("another patient");
        vm.assertFalse(commitments.verifyRecordCommitment(custodian, 0, altered, proof), "other patient");
    }

    function test_verifyRecordCommitment_acceptsEveryRecordOfAnyBatchSize(uint8 sizeSeed, uint256 indexSeed)
        public
    {
        uint256 size = 1 + uint256(sizeSeed) % 64;
        uint256 index = indexSeed % size;
        bytes32[] memory leaves = _leaves(custodian, 1_000, size);
        _publish(custodian, 0, MerkleTestTree.root(leaves), uint32(size));

        vm.assertTrue(
            commitments.verifyRecordCommitment(
                custodian, 0, _record(1_000 + uint64(index)), MerkleTestTree.proof(leaves, index)
            ),
            "every record of the batch has a proof"
        );
    }

    function test_verifyRecordCommitment_refusesAnyRecordNotInTheBatch(
        IRecordCommitments.RecordCommitment memory candidate,
        uint256 proofSeed
    ) public {
        bytes32[] memory leaves = _leaves(custodian, 0, 5);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 5);
        bytes32 candidateLeaf = _leaf(custodian, candidate);
        for (uint256 i = 0; i < leaves.length; i++) {
            vm.assume(candidateLeaf != leaves[i]);
        }

        bytes32[] memory proof = MerkleTestTree.proof(leaves, proofSeed % leaves.length);
        vm.assertFalse(
            commitments.verifyRecordCommitment(custodian, 0, candidate, proof), "a leaf not in the tree is refused"
        );
    }

    // --- views ---------------------------------------------------------------------------------------------------

    function test_recordCommitmentLeaf_isTheDoubleHashedDomainTaggedEncoding() public view {
        IRecordCommitments.RecordCommitment memory record = _record(7);
        vm.assertEq(commitments.recordCommitmentLeaf(custodian, record), _leaf(custodian, record), "leaf");
        bytes32 otherLeaf = commitments.recordCommitmentLeaf(otherCustodian, record);
        vm.assertTrue(commitments.recordCommitmentLeaf(custodian, record) != otherLeaf, "the custodian is in the leaf");
    }

    function test_batchOf_returnsZerosForAnUnknownBatch() public view {
        IRecordCommitments.Batch memory batch = commitments.batchOf(custodian, 0);
        vm.assertEq(batch.root, bytes32(0), "root");
        vm.assertEq(batch.leafCount, 0, "leafCount");
        vm.assertEq(batch.committedAt, 0, "committedAt");
    }

    function test_batchCountOf_isZeroForACustodianWithoutBatches() public view {
        vm.assertEq(commitments.batchCountOf(custodian), 0, "batchCount");
    }

    function test_supportsInterface_reportsRecordCommitmentsAccessControlAndErc165() public view {
        vm.assertTrue(commitments.supportsInterface(type(IRecordCommitments).interfaceId), "IRecordCommitments");
        vm.assertTrue(commitments.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(commitments.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(commitments.supportsInterface(0xffffffff), "0xffffffff is never supported");
    }
}
