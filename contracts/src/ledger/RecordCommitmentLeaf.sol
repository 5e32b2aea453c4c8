// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IRecordCommitments} from "./IRecordCommitments.sol";

/// @title RecordCommitmentLeaf
/// @notice The leaf of one stored record in a custodian's batch tree; core/merkle.ts `recordCommitmentLeaf`
/// mirrors it.
library RecordCommitmentLeaf {
    /// @dev Sets record-commitment leaves apart from access-event and payout leaves.
    bytes32 internal constant DOMAIN = keccak256("consentry.record-commitment.v1");

    /// @dev Hashed twice, as OpenZeppelin's StandardMerkleTree does: the outer hash has a 32-byte preimage, while an
    /// inner node has a 64-byte one, so an inner node can never be passed off as a leaf (second preimage).
    function hash(address custodian, IRecordCommitments.RecordCommitment calldata record)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                keccak256(abi.encode(DOMAIN, custodian, record.recordId, record.patientRef, record.commitment))
            )
        );
    }
}
