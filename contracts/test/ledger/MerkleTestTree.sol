// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @notice Builds small Merkle trees inside Solidity tests, with the layout of OpenZeppelin's StandardMerkleTree
/// (and core/merkle.ts) minus the leaf sorting: leaf i sits at node `2n - 2 - i`, node k has children 2k+1 and 2k+2.
library MerkleTestTree {
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        return _nodes(leaves)[0];
    }

    function proof(bytes32[] memory leaves, uint256 leafIndex) internal pure returns (bytes32[] memory siblings) {
        bytes32[] memory nodes = _nodes(leaves);
        uint256 node = nodes.length - 1 - leafIndex;
        uint256 depth = 0;
        for (uint256 k = node; k > 0; k = (k - 1) / 2) depth++;
        siblings = new bytes32[](depth);
        for (uint256 d = 0; d < depth; d++) {
            siblings[d] = nodes[node % 2 == 1 ? node + 1 : node - 1];
            node = (node - 1) / 2;
        }
    }

    function _nodes(bytes32[] memory leaves) private pure returns (bytes32[] memory nodes) {
        require(leaves.length > 0, "a tree needs a leaf");
        nodes = new bytes32[](2 * leaves.length - 1);
        for (uint256 i = 0; i < leaves.length; i++) {
            nodes[nodes.length - 1 - i] = leaves[i];
        }
        for (uint256 k = nodes.length - leaves.length; k > 0; k--) {
            nodes[k - 1] = Hashes.commutativeKeccak256(nodes[2 * k - 1], nodes[2 * k]);
        }
    }
}
