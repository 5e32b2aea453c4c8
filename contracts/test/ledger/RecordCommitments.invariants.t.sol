// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IRecordCommitments} from "../../src/ledger/IRecordCommitments.sol";
import {RecordCommitments} from "../../src/ledger/RecordCommitments.sol";
import {vm} from "../Vm.sol";

/// @dev Publishes batches of random sizes for two custodians, and tries batches out of order, empty or rootless.
/// Never reverts: a refusal must be the one expected, and any batch the contract accepts is recorded.
contract RecordCommitmentsHandler {
    RecordCommitments internal immutable commitments;
    address[] internal custodians;

    mapping(address custodian => uint256 count) public recordsCommittedBy;
    mapping(address custodian => uint256 count) public batchesCommittedBy;
    mapping(address custodian => mapping(uint256 batchId => bytes32 root)) public rootPublishedBy;

    constructor(RecordCommitments commitments_, address[] memory custodians_) {
        commitments = commitments_;
        custodians = custodians_;
    }

    function publishBatch(uint256 custodianSeed, uint256 leafCountSeed, bytes32 root) external {
        address custodian = custodians[custodianSeed % custodians.length];
        uint32 leafCount = uint32(1 + leafCountSeed % 5_000);
        if (root == bytes32(0)) root = keccak256(abi.encode(custodian, leafCountSeed));
        _publish(custodian, commitments.batchCountOf(custodian), root, leafCount, "");
    }

    function publishBatchOutOfOrder(uint256 custodianSeed, uint256 offsetSeed) external {
        address custodian = custodians[custodianSeed % custodians.length];
        uint64 expected = commitments.batchCountOf(custodian);
        uint64 offset = uint64(1 + offsetSeed % 3);
        uint64 batchId = offsetSeed % 2 == 0 || expected < offset ? expected + offset : expected - offset;
        _publish(
            custodian,
            batchId,
            keccak256("root"),
            1,
            abi.encodeWithSelector(IRecordCommitments.BatchOutOfOrder.selector, custodian, expected, batchId)
        );
    }

    function publishEmptyBatch(uint256 custodianSeed, bool withoutRoot) external {
        address custodian = custodians[custodianSeed % custodians.length];
        uint64 batchId = commitments.batchCountOf(custodian);
        if (withoutRoot) {
            _publish(
                custodian,
                batchId,
                bytes32(0),
                1,
                abi.encodeWithSelector(IRecordCommitments.EmptyBatchRoot.selector, custodian, batchId)
            );
        } else {
            _publish(
                custodian,
                batchId,
                keccak256("root"),
                0,
                abi.encodeWithSelector(IRecordCommitments.EmptyBatch.selector, custodian, batchId)
            );
        }
    }

    /// @dev An empty `refusal` means the batch must be accepted.
    function _publish(address custodian, uint64 batchId, bytes32 root, uint32 leafCount, bytes memory refusal)
        internal
    {
        vm.prank(custodian);
        try commitments.publishBatch(batchId, root, leafCount) {
            require(refusal.length == 0, "accepted a batch it must refuse");
            recordsCommittedBy[custodian] += leafCount;
            batchesCommittedBy[custodian] += 1;
            rootPublishedBy[custodian][batchId] = root;
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

contract RecordCommitmentsInvariantTest {
    RecordCommitments internal commitments;
    RecordCommitmentsHandler internal handler;

    function setUp() public {
        address admin = vm.addr(1);
        commitments = new RecordCommitments(admin);
        address[] memory custodians = new address[](2);
        for (uint256 i = 0; i < custodians.length; i++) {
            custodians[i] = vm.addr(10 + i);
            bytes32 custodianRole = commitments.CUSTODIAN_ROLE();
            vm.prank(admin);
            commitments.grantRole(custodianRole, custodians[i]);
        }
        handler = new RecordCommitmentsHandler(commitments, custodians);
    }

    /// @dev Read by the invariant fuzzer: only the handler is called.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_publishBatch_batchesOfEachCustodianAreGapFreeAndCountsConserved() public view {
        for (uint256 c = 0; c < handler.custodianCount(); c++) {
            address custodian = handler.custodianAt(c);
            uint64 batchCount = commitments.batchCountOf(custodian);
            vm.assertEq(batchCount, handler.batchesCommittedBy(custodian), "every accepted batch is counted once");

            uint256 records = 0;
            for (uint64 b = 0; b < batchCount; b++) {
                IRecordCommitments.Batch memory batch = commitments.batchOf(custodian, b);
                vm.assertTrue(batch.root != bytes32(0), "no batch below the count is missing");
                vm.assertEq(batch.root, handler.rootPublishedBy(custodian, b), "each batch keeps the root it got");
                vm.assertTrue(batch.leafCount > 0, "a batch holds at least one record");
                records += batch.leafCount;
            }
            vm.assertEq(commitments.batchOf(custodian, batchCount).root, bytes32(0), "nothing past the count");
            vm.assertEq(records, handler.recordsCommittedBy(custodian), "every committed record is counted once");
        }
    }
}
