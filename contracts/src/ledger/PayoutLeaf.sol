// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title PayoutLeaf
/// @notice The leaf of one patient's payout in a study's payout tree; core/merkle.ts `payoutLeaf` mirrors it.
library PayoutLeaf {
    /// @dev Sets payout leaves apart from access-event leaves and from any other tree the project may anchor.
    bytes32 internal constant DOMAIN = keccak256("consentry.payout.v1");

    /// @dev The study id is in the leaf, so a proof from one study's tree never matches another study's root; the
    /// index is in it, so one leaf has exactly one settled bit. Hashed twice against second preimages, as in
    /// OpenZeppelin's StandardMerkleTree.
    function hash(bytes32 studyId, bytes32 offerId, uint256 index, address patient, uint256 amount)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(DOMAIN, studyId, offerId, index, patient, amount))));
    }
}
