// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IConsentRegistry} from "../../src/consent/IConsentRegistry.sol";
import {vm} from "../Vm.sol";

/// @notice Signs consent changes the way a patient's wallet does: EIP-712 over the registry's domain, written out
/// here independently of the contract, so a wrong typehash or field order in the contract fails the tests.
library ConsentSigning {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant GRANT_TYPEHASH = keccak256(
        "ConsentGrant(address patient,bytes32 scope,uint16 purpose,uint32 disease,uint64 expiresAt,uint32 nonce,uint64 deadline)"
    );
    bytes32 internal constant REVOCATION_TYPEHASH = keccak256(
        "ConsentRevocation(address patient,bytes32 scope,uint16 purpose,uint32 disease,uint32 nonce,uint64 deadline)"
    );

    function digestOf(address registry, IConsentRegistry.SignedConsent memory item) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256("Consentry ConsentRegistry"),
                keccak256("1"),
                block.chainid,
                registry
            )
        );
        bytes32 structHash = item.expiresAt != 0
            ? keccak256(
                abi.encode(
                    GRANT_TYPEHASH,
                    item.patient,
                    item.scope,
                    item.purpose,
                    item.disease,
                    item.expiresAt,
                    item.nonce,
                    item.deadline
                )
            )
            : keccak256(
                abi.encode(
                    REVOCATION_TYPEHASH, item.patient, item.scope, item.purpose, item.disease, item.nonce, item.deadline
                )
            );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    /// @notice The item signed by `signerKey`, in ERC-2098 short form.
    function signedBy(address registry, uint256 signerKey, IConsentRegistry.SignedConsent memory item)
        internal
        view
        returns (IConsentRegistry.SignedConsent memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digestOf(registry, item));
        item.r = r;
        item.vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
        return item;
    }

    /// @notice An unsigned grant; sign it with `signedBy`.
    function grant(
        address patient,
        bytes32 scope,
        uint16 purpose,
        uint32 disease,
        uint64 expiresAt,
        uint32 nonce,
        uint64 deadline
    ) internal pure returns (IConsentRegistry.SignedConsent memory item) {
        item.patient = patient;
        item.scope = scope;
        item.purpose = purpose;
        item.disease = disease;
        item.expiresAt = expiresAt;
        item.nonce = nonce;
        item.deadline = deadline;
    }

    /// @notice An unsigned revocation (`expiresAt` 0); sign it with `signedBy`.
    function revocation(address patient, bytes32 scope, uint16 purpose, uint32 disease, uint32 nonce, uint64 deadline)
        internal
        pure
        returns (IConsentRegistry.SignedConsent memory item)
    {
        return grant(patient, scope, purpose, disease, 0, nonce, deadline);
    }
}
