// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AccessLogAnchors} from "../../src/ledger/AccessLogAnchors.sol";
import {IAccessLogAnchors} from "../../src/ledger/IAccessLogAnchors.sol";
import {vm} from "../Vm.sol";
import {MerkleTestTree} from "./MerkleTestTree.sol";

/// @dev A predecessor whose custodians' logs have reached the last sequence number a uint64 holds.
contract ExhaustedPredecessor {
    function nextSequenceOf(address) external pure returns (uint64) {
        return type(uint64).max;
    }
}

contract AccessLogAnchorsTest {
    AccessLogAnchors internal anchors;

    address internal admin = vm.addr(1);
    address internal custodian = vm.addr(2);
    address internal otherCustodian = vm.addr(3);
    address internal stranger = vm.addr(4);
    address internal researcher = vm.addr(5);

    bytes32 internal constant ROOT = keccak256("root-1");

    function setUp() public {
        anchors = _deploy(IAccessLogAnchors(address(0)));
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    function _deploy(IAccessLogAnchors predecessor) internal returns (AccessLogAnchors deployed) {
        deployed = new AccessLogAnchors(admin, predecessor);
        bytes32 custodianRole = deployed.CUSTODIAN_ROLE();
        vm.prank(admin);
        deployed.grantRole(custodianRole, custodian);
        vm.prank(admin);
        deployed.grantRole(custodianRole, otherCustodian);
    }

    function _event(uint64 sequence) internal view returns (IAccessLogAnchors.AccessEvent memory) {
        return IAccessLogAnchors.AccessEvent({
            sequence: sequence,
            accessedAt: 1_750_000_000 + sequence,
            accessor: researcher,
            patientRef: keccak256(abi.encode("patient", sequence % 3)),
            grantRef: keccak256("consent-oncology"),
            actionRef: keccak256(abi.encode("analysis", sequence / 2))
        });
    }

    /// @dev Written out here rather than calling the contract, so a change to the leaf encoding fails the tests.
    function _leaf(address custodian_, IAccessLogAnchors.AccessEvent memory accessEvent)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        keccak256("consentry.access-event.v1"),
                        custodian_,
                        accessEvent.sequence,
                        accessEvent.accessedAt,
                        accessEvent.accessor,
                        accessEvent.patientRef,
                        accessEvent.grantRef,
                        accessEvent.actionRef
                    )
                )
            )
        );
    }

    function _leaves(address custodian_, uint64 firstSequence, uint256 count)
        internal
        view
        returns (bytes32[] memory leaves)
    {
        leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            leaves[i] = _leaf(custodian_, _event(firstSequence + uint64(i)));
        }
    }

    function _publish(address custodian_, uint64 batchId, bytes32 root, uint64 firstSequence, uint32 leafCount)
        internal
    {
        vm.prank(custodian_);
        anchors.publishBatch(batchId, root, firstSequence, leafCount);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    // --- constructor and constants -------------------------------------------------------------------------------

    function test_constructor_grantsAdminAndPauserRolesToAdminOnly() public view {
        vm.assertTrue(anchors.hasRole(anchors.DEFAULT_ADMIN_ROLE(), admin), "admin holds DEFAULT_ADMIN_ROLE");
        vm.assertTrue(anchors.hasRole(anchors.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(anchors.hasRole(anchors.CUSTODIAN_ROLE(), admin), "admin is not a custodian");
        vm.assertFalse(anchors.hasRole(anchors.DEFAULT_ADMIN_ROLE(), address(this)), "deployer is not admin");
    }

    function test_constants_areTheDocumentedHashes() public view {
        vm.assertEq(anchors.CUSTODIAN_ROLE(), keccak256("CUSTODIAN_ROLE"), "CUSTODIAN_ROLE");
        vm.assertEq(anchors.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertEq(
            anchors.ACCESS_EVENT_LEAF_DOMAIN(), keccak256("consentry.access-event.v1"), "ACCESS_EVENT_LEAF_DOMAIN"
        );
    }

    function test_predecessor_isZeroForTheFirstDeployment() public view {
        vm.assertEq(anchors.predecessor(), address(0), "predecessor");
    }

    function test_predecessor_isTheContractGivenToTheConstructor() public {
        AccessLogAnchors successor = _deploy(anchors);
        vm.assertEq(successor.predecessor(), address(anchors), "predecessor");
    }

    function test_grantRole_revertsWhenCallerIsNotAdmin() public {
        bytes32 custodianRole = anchors.CUSTODIAN_ROLE();
        vm.expectRevert(_unauthorized(custodian, anchors.DEFAULT_ADMIN_ROLE()));
        vm.prank(custodian);
        anchors.grantRole(custodianRole, stranger);
    }

    function test_revokeRole_stopsACustodianFromPublishing() public {
        bytes32 custodianRole = anchors.CUSTODIAN_ROLE();
        vm.prank(admin);
        anchors.revokeRole(custodianRole, custodian);
        vm.expectRevert(_unauthorized(custodian, custodianRole));
        _publish(custodian, 0, ROOT, 0, 4);
    }

    // --- publishBatch --------------------------------------------------------------------------------------------

    function test_publishBatch_storesBatchAndAdvancesTheCustodiansLog() public {
        vm.warp(1_760_000_000);
        _publish(custodian, 0, ROOT, 0, 4);

        IAccessLogAnchors.Batch memory batch = anchors.batchOf(custodian, 0);
        vm.assertEq(batch.root, ROOT, "root");
        vm.assertEq(batch.firstSequence, 0, "firstSequence");
        vm.assertEq(batch.lastSequence, 3, "lastSequence");
        vm.assertEq(batch.anchoredAt, 1_760_000_000, "anchoredAt is the block timestamp");
        vm.assertEq(anchors.batchCountOf(custodian), 1, "batchCount");
        vm.assertEq(anchors.nextSequenceOf(custodian), 4, "nextSequence");
    }

    function test_publishBatch_emitsBatchAnchored() public {
        _publish(custodian, 0, ROOT, 0, 4);
        vm.expectEmit(true, true, true, true, address(anchors));
        emit IAccessLogAnchors.BatchAnchored(custodian, 1, keccak256("root-2"), 4, 10, 7);
        _publish(custodian, 1, keccak256("root-2"), 4, 7);
    }

    function test_publishBatch_chainsEachBatchRightAfterThePrevious() public {
        _publish(custodian, 0, ROOT, 0, 1);
        _publish(custodian, 1, keccak256("root-2"), 1, 10);
        _publish(custodian, 2, keccak256("root-3"), 11, 5);

        vm.assertEq(anchors.batchOf(custodian, 1).firstSequence, 1, "second batch starts after the first");
        vm.assertEq(anchors.batchOf(custodian, 2).firstSequence, 11, "third batch starts after the second");
        vm.assertEq(anchors.batchOf(custodian, 2).lastSequence, 15, "third batch ends at 15");
        vm.assertEq(anchors.batchCountOf(custodian), 3, "batchCount");
        vm.assertEq(anchors.nextSequenceOf(custodian), 16, "nextSequence");
    }

    function test_publishBatch_keepsEachCustodiansLogApart() public {
        _publish(custodian, 0, ROOT, 0, 4);
        _publish(otherCustodian, 0, keccak256("other-root"), 0, 2);

        vm.assertEq(anchors.batchOf(custodian, 0).root, ROOT, "first custodian's batch");
        vm.assertEq(anchors.batchOf(otherCustodian, 0).root, keccak256("other-root"), "other custodian's batch");
        vm.assertEq(anchors.nextSequenceOf(custodian), 4, "first custodian's next sequence");
        vm.assertEq(anchors.nextSequenceOf(otherCustodian), 2, "other custodian's next sequence");
    }

    function test_publishBatch_continuesTheLogOfThePredecessor() public {
        _publish(custodian, 0, ROOT, 0, 4);
        AccessLogAnchors successor = _deploy(anchors);
        vm.assertEq(successor.nextSequenceOf(custodian), 4, "next sequence comes from the predecessor");
        vm.assertEq(successor.batchCountOf(custodian), 0, "batch numbers restart");

        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.SequenceGap.selector, custodian, 4, 0));
        vm.prank(custodian);
        successor.publishBatch(0, keccak256("root-2"), 0, 2);

        vm.prank(custodian);
        successor.publishBatch(0, keccak256("root-2"), 4, 2);
        vm.assertEq(successor.nextSequenceOf(custodian), 6, "the log goes on from the predecessor's end");
        vm.assertEq(successor.nextSequenceOf(otherCustodian), 0, "a custodian new to both starts at zero");
    }

    function test_publishBatch_revertsWhenCallerIsNotCustodian() public {
        vm.expectRevert(_unauthorized(stranger, anchors.CUSTODIAN_ROLE()));
        _publish(stranger, 0, ROOT, 0, 4);
    }

    function test_publishBatch_revertsWhenCallerIsOnlyAdmin() public {
        vm.expectRevert(_unauthorized(admin, anchors.CUSTODIAN_ROLE()));
        _publish(admin, 0, ROOT, 0, 4);
    }

    function test_publishBatch_revertsWhenPaused() public {
        vm.prank(admin);
        anchors.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _publish(custodian, 0, ROOT, 0, 4);
    }

    function test_publishBatch_revertsWhenBatchIdSkipsAhead() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.BatchOutOfOrder.selector, custodian, 0, 1));
        _publish(custodian, 1, ROOT, 0, 4);
    }

    function test_publishBatch_revertsWhenABatchIsPublishedAgain() public {
        _publish(custodian, 0, ROOT, 0, 4);
        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.BatchOutOfOrder.selector, custodian, 1, 0));
        _publish(custodian, 0, ROOT, 0, 4);
    }

    function test_publishBatch_revertsWhenTheFirstSequenceLeavesAGap() public {
        _publish(custodian, 0, ROOT, 0, 4);
        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.SequenceGap.selector, custodian, 4, 5));
        _publish(custodian, 1, keccak256("root-2"), 5, 4);
    }

    function test_publishBatch_revertsWhenTheFirstSequenceOverlapsThePreviousBatch() public {
        _publish(custodian, 0, ROOT, 0, 4);
        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.SequenceGap.selector, custodian, 4, 3));
        _publish(custodian, 1, keccak256("root-2"), 3, 4);
    }

    function test_publishBatch_revertsWhenTheBatchIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.EmptyBatch.selector, custodian, 0));
        _publish(custodian, 0, ROOT, 0, 0);
    }

    function test_publishBatch_revertsWhenTheRootIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessLogAnchors.EmptyBatchRoot.selector, custodian, 0));
        _publish(custodian, 0, bytes32(0), 0, 4);
    }

    function test_publishBatch_revertsWhenTheSequenceWouldPassTheLastUint64() public {
        anchors = _deploy(IAccessLogAnchors(address(new ExhaustedPredecessor())));
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        _publish(custodian, 0, ROOT, type(uint64).max, 1);
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_pause_stopsPublishingAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(anchors));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        anchors.pause();
        vm.assertTrue(anchors.paused(), "paused");
    }

    function test_pause_revertsWhenCallerIsNotPauser() public {
        vm.expectRevert(_unauthorized(custodian, anchors.PAUSER_ROLE()));
        vm.prank(custodian);
        anchors.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        anchors.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        anchors.pause();
    }

    function test_unpause_resumesPublishingAndEmitsUnpaused() public {
        vm.prank(admin);
        anchors.pause();
        vm.expectEmit(true, true, true, true, address(anchors));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        anchors.unpause();

        _publish(custodian, 0, ROOT, 0, 4);
        vm.assertEq(anchors.batchCountOf(custodian), 1, "published after unpause");
    }

    function test_unpause_revertsWhenCallerIsNotAdmin() public {
        vm.prank(admin);
        anchors.pause();
        vm.expectRevert(_unauthorized(stranger, anchors.DEFAULT_ADMIN_ROLE()));
        vm.prank(stranger);
        anchors.unpause();
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        address pauser = vm.addr(0xA5E);
        bytes32 pauserRole = anchors.PAUSER_ROLE();
        vm.prank(admin);
        anchors.grantRole(pauserRole, pauser);
        vm.prank(pauser);
        anchors.pause();
        vm.expectRevert(_unauthorized(pauser, anchors.DEFAULT_ADMIN_ROLE()));
        vm.prank(pauser);
        anchors.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        anchors.unpause();
    }

    // --- verifyAccessEvent ---------------------------------------------------------------------------------------

    function test_verifyAccessEvent_acceptsEveryEventOfTheBatch() public {
        _publish(custodian, 0, ROOT, 0, 3);
        bytes32[] memory leaves = _leaves(custodian, 3, 5);
        _publish(custodian, 1, MerkleTestTree.root(leaves), 3, 5);

        for (uint256 i = 0; i < leaves.length; i++) {
            vm.assertTrue(
                anchors.verifyAccessEvent(custodian, 1, _event(3 + uint64(i)), MerkleTestTree.proof(leaves, i)),
                "anchored event is accepted"
            );
        }
    }

    function test_verifyAccessEvent_acceptsEventsWhilePaused() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 2);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 0, 2);
        vm.prank(admin);
        anchors.pause();
        vm.assertTrue(
            anchors.verifyAccessEvent(custodian, 0, _event(1), MerkleTestTree.proof(leaves, 1)), "verified while paused"
        );
    }

    function test_verifyAccessEvent_acceptsASingleEventBatchWithAnEmptyProof() public {
        IAccessLogAnchors.AccessEvent memory only = _event(0);
        _publish(custodian, 0, _leaf(custodian, only), 0, 1);
        vm.assertTrue(anchors.verifyAccessEvent(custodian, 0, only, new bytes32[](0)), "the leaf is the root");
    }

    function test_verifyAccessEvent_refusesAnEventOfABatchNotAnchored() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 0, 4);
        vm.assertFalse(
            anchors.verifyAccessEvent(custodian, 1, _event(0), MerkleTestTree.proof(leaves, 0)), "unknown batch"
        );
    }

    function test_verifyAccessEvent_refusesAnEventInTheTreeButOutsideTheBatchSequences() public {
        // A tree over sequences 0, 1, 2 and 9 anchored as the batch 0..3: event 9 has a valid proof but does not
        // belong to the batch, so a custodian cannot slip events of later batches into an earlier tree.
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        leaves[3] = _leaf(custodian, _event(9));
        _publish(custodian, 0, MerkleTestTree.root(leaves), 0, 4);

        vm.assertTrue(anchors.verifyAccessEvent(custodian, 0, _event(2), MerkleTestTree.proof(leaves, 2)), "event 2");
        vm.assertFalse(
            anchors.verifyAccessEvent(custodian, 0, _event(9), MerkleTestTree.proof(leaves, 3)), "event 9 is outside"
        );
    }

    function test_verifyAccessEvent_refusesAnEventOfAnotherCustodian() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        bytes32 root = MerkleTestTree.root(leaves);
        _publish(custodian, 0, root, 0, 4);
        // Even under the very same root, the leaf names its custodian.
        _publish(otherCustodian, 0, root, 0, 4);

        vm.assertTrue(anchors.verifyAccessEvent(custodian, 0, _event(1), MerkleTestTree.proof(leaves, 1)), "own");
        vm.assertFalse(
            anchors.verifyAccessEvent(otherCustodian, 0, _event(1), MerkleTestTree.proof(leaves, 1)), "other's"
        );
    }

    function test_verifyAccessEvent_refusesAnAlteredEvent() public {
        bytes32[] memory leaves = _leaves(custodian, 0, 4);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 0, 4);
        bytes32[] memory proof = MerkleTestTree.proof(leaves, 2);

        IAccessLogAnchors.AccessEvent memory altered = _event(2);
        altered.accessor = stranger;
        vm.assertFalse(anchors.verifyAccessEvent(custodian, 0, altered, proof), "other accessor");
        altered = _event(2);
        altered.grantRef = keccak256("consent-general-research");
        vm.assertFalse(anchors.verifyAccessEvent(custodian, 0, altered, proof), "other grant");
        altered = _event(2);
        altered.accessedAt += 1;
        vm.assertFalse(anchors.verifyAccessEvent(custodian, 0, altered, proof), "other time");
    }

    function test_verifyAccessEvent_refusesAnyEventNotInTheBatch(
        IAccessLogAnchors.AccessEvent memory candidate,
        uint256 proofSeed
    ) public {
        bytes32[] memory leaves = _leaves(custodian, 0, 5);
        _publish(custodian, 0, MerkleTestTree.root(leaves), 0, 5);
        bytes32 candidateLeaf = _leaf(custodian, candidate);
        for (uint256 i = 0; i < leaves.length; i++) {
            vm.assume(candidateLeaf != leaves[i]);
        }

        bytes32[] memory proof = MerkleTestTree.proof(leaves, proofSeed % leaves.length);
        vm.assertFalse(anchors.verifyAccessEvent(custodian, 0, candidate, proof), "a leaf not in the tree is refused");
    }

    // --- views ---------------------------------------------------------------------------------------------------

    function test_accessEventLeaf_isTheDoubleHashedDomainTaggedEncoding() public view {
        IAccessLogAnchors.AccessEvent memory accessEvent = _event(7);
        vm.assertEq(anchors.accessEventLeaf(custodian, accessEvent), _leaf(custodian, accessEvent), "leaf");
        vm.assertTrue(
            anchors.accessEventLeaf(custodian, accessEvent) != anchors.accessEventLeaf(otherCustodian, accessEvent),
            "the custodian is part of the leaf"
        );
    }

    function test_batchOf_returnsZerosForAnUnknownBatch() public view {
        IAccessLogAnchors.Batch memory batch = anchors.batchOf(custodian, 0);
        vm.assertEq(batch.root, bytes32(0), "root");
        vm.assertEq(batch.firstSequence, 0, "firstSequence");
        vm.assertEq(batch.lastSequence, 0, "lastSequence");
        vm.assertEq(batch.anchoredAt, 0, "anchoredAt");
    }

    function test_batchCountOf_isZeroForACustodianWithoutBatches() public view {
        vm.assertEq(anchors.batchCountOf(custodian), 0, "batchCount");
    }

    function test_nextSequenceOf_isZeroForACustodianWithoutBatches() public view {
        vm.assertEq(anchors.nextSequenceOf(custodian), 0, "nextSequence");
    }

    function test_supportsInterface_reportsAnchorsAccessControlAndErc165() public view {
        vm.assertTrue(anchors.supportsInterface(type(IAccessLogAnchors).interfaceId), "IAccessLogAnchors");
        vm.assertTrue(anchors.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(anchors.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(anchors.supportsInterface(0xffffffff), "0xffffffff is never supported");
    }
}
