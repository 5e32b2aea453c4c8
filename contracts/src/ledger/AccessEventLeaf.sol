// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessLogAnchors} from "./IAccessLogAnchors.sol";

/// @title AccessEventLeaf
/// @notice The leaf of one access event in a custodian's batch tree; core/merkle.ts `accessEventLeaf` mirrors it.
library AccessEventLeaf {
    /// @dev Sets access-event leaves apart from payout leaves and from any other tree the project may anchor.
    bytes32 internal constant DOMAIN = keccak256("consentry.access-event.v1");

    /// @dev Hashed twice, as OpenZeppelin's StandardMerkleTree does: the outer hash has a 32-byte preimage, while an
    /// inner node has a 64-byte one, so an inner node can never be passed off as a leaf (second preimage).
    function hash(address custodian, IAccessLogAnchors.AccessEvent calldata accessEvent)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        DOMAIN,
                        custodian,
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
}
