// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessLogAnchors} from "../../src/ledger/AccessLogAnchors.sol";
import {IAccessLogAnchors} from "../../src/ledger/IAccessLogAnchors.sol";
import {vm} from "../Vm.sol";

/// @dev Publishes batches of random sizes for two custodians, and tries batches out of order or with gaps.
/// Never reverts: a refusal must be the one expected, and any batch the contract accepts is recorded.
contract AccessLogAnchorsHandler {
    AccessLogAnchors internal immutable anchors;
    address[] internal custodians;

    mapping(address custodian => uint256 count) public eventsAnchoredBy;
    mapping(address custodian => uint256 count) public batchesAnchoredBy;

    constructor(AccessLogAnchors anchors_, address[] memory custodians_) {
        anchors = anchors_;
        custodians = custodians_;
    }

    function publishBatch(uint256 custodianSeed, uint256 leafCountSeed, bytes32 root) external {
        address custodian = custodians[custodianSeed % custodians.length];
        uint32 leafCount = uint32(1 + leafCountSeed % 64);
        if (root == bytes32(0)) root = keccak256(abi.encode(custodian, leafCountSeed));
        _publish(custodian, anchors.batchCountOf(custodian), root, anchors.nextSequenceOf(custodian), leafCount, "");
    }

    function publishBatchOutOfOrder(uint256 custodianSeed, uint256 offsetSeed) external {
        address custodian = custodians[custodianSeed % custodians.length];
        uint64 expected = anchors.batchCountOf(custodian);
        uint64 offset = uint64(1 + offsetSeed % 3);
        uint64 batchId = offsetSeed % 2 == 0 || expected < offset ? expected + offset : expected - offset;
        _publish(
            custodian,
            batchId,
            keccak256("root"),
            anchors.nextSequenceOf(custodian),
            1,
            abi.encodeWithSelector(IAccessLogAnchors.BatchOutOfOrder.selector, custodian, expected, batchId)
        );
    }

    function publishBatchWithGap(uint256 custodianSeed, uint256 shiftSeed) external {
        address custodian = custodians[custodianSeed % custodians.length];
        uint64 expected = anchors.nextSequenceOf(custodian);
        uint64 shift = uint64(1 + shiftSeed % 5);
        uint64 firstSequence = shiftSeed % 2 == 0 || expected < shift ? expected + shift : expected - shift;
        _publish(
            custodian,
            anchors.batchCountOf(custodian),
            keccak256("root"),
            firstSequence,
            1,
            abi.encodeWithSelector(IAccessLogAnchors.SequenceGap.selector, custodian, expected, firstSequence)
        );
    }

    /// @dev An empty `refusal` means the batch must be accepted.
    function _publish(
        address custodian,
        uint64 batchId,
        bytes32 root,
        uint64 firstSequence,
        uint32 leafCount,
        bytes memory refusal
    ) internal {
        vm.prank(custodian);
        try anchors.publishBatch(batchId, root, firstSequence, leafCount) {
            eventsAnchoredBy[custodian] += leafCount;
            batchesAnchoredBy[custodian] += 1;
        } catch (bytes memory reason) {
            require(refusal.length > 0 && keccak256(reason) == keccak256(refusal), "refused for the wrong reason");
        }
    }

    function custodianCount() external view returns (uint256) {
        return custodians.length;
    }

    function custodianAt(uint256 i) external view returns (address) {
        return custodians[i];
    }
}

contract AccessLogAnchorsInvariantTest {
    AccessLogAnchors internal anchors;
    AccessLogAnchorsHandler internal handler;

    function setUp() public {
        address admin = vm.addr(1);
        anchors = new AccessLogAnchors(admin, IAccessLogAnchors(address(0)));
        address[] memory custodians = new address[](2);
        for (uint256 i = 0; i < custodians.length; i++) {
            custodians[i] = vm.addr(10 + i);
            bytes32 custodianRole = anchors.CUSTODIAN_ROLE();
            vm.prank(admin);
            anchors.grantRole(custodianRole, custodians[i]);
        }
        handler = new AccessLogAnchorsHandler(anchors, custodians);
    }

    /// @dev Read by the invariant fuzzer: only the handler is called.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_publishBatch_batchesCoverEachLogFromZeroWithoutGaps() public view {
        for (uint256 c = 0; c < handler.custodianCount(); c++) {
            address custodian = handler.custodianAt(c);
            uint64 batchCount = anchors.batchCountOf(custodian);
            vm.assertEq(batchCount, handler.batchesAnchoredBy(custodian), "batch count");

            uint64 expectedFirst = 0;
            for (uint64 b = 0; b < batchCount; b++) {
                IAccessLogAnchors.Batch memory batch = anchors.batchOf(custodian, b);
                vm.assertEq(batch.firstSequence, expectedFirst, "each batch starts right after the previous one");
                vm.assertTrue(batch.lastSequence >= batch.firstSequence, "a batch holds at least one event");
                expectedFirst = batch.lastSequence + 1;
            }
            vm.assertEq(anchors.nextSequenceOf(custodian), expectedFirst, "next sequence follows the last batch");
            vm.assertEq(expectedFirst, handler.eventsAnchoredBy(custodian), "every anchored event is counted once");
        }
    }
}
