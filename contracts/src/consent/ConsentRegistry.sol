// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {ConsentSet, ConsentSetLib} from "./ConsentSet.sol";
import {Duo} from "./Duo.sol";
import {IConsentRegistry} from "./IConsentRegistry.sol";

/// @title ConsentRegistry
/// @notice Patients grant and revoke research consents, directly or through a relayer; workers read them.
contract ConsentRegistry is IConsentRegistry, AccessControl, Pausable, EIP712 {
    /// @inheritdoc IConsentRegistry
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");

    /// @inheritdoc IConsentRegistry
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    bytes32 private constant CONSENT_GRANT_TYPEHASH = keccak256(
        "ConsentGrant(address patient,bytes32 scope,uint16 purpose,uint32 disease,uint64 expiresAt,uint32 nonce,uint64 deadline)"
    );

    bytes32 private constant CONSENT_REVOCATION_TYPEHASH = keccak256(
        "ConsentRevocation(address patient,bytes32 scope,uint16 purpose,uint32 disease,uint32 nonce,uint64 deadline)"
    );

    /// @dev Keyed scope first, so a cohort check over one scope hashes once per patient.
    mapping(bytes32 scope => mapping(address patient => ConsentSet set)) private _consentSets;

    /// @dev DS consents that do not fit in the patient's set (it holds one disease); their count is in the set.
    mapping(bytes32 scope => mapping(address patient => mapping(uint32 disease => uint64 expiresAt))) private
        _extraDiseaseConsents;

    /// @param admin Holds DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param relayer Holds RELAYER_ROLE; none when zero.
    constructor(address admin, address relayer) EIP712("Consentry ConsentRegistry", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        if (relayer != address(0)) _grantRole(RELAYER_ROLE, relayer);
    }

    /// @inheritdoc IConsentRegistry
    function grantConsent(bytes32 scope, uint16 purpose, uint32 disease, uint64 expiresAt) external whenNotPaused {
        _revertIfRefused(_grant(_msgSender(), scope, purpose, disease, expiresAt));
    }

    /// @inheritdoc IConsentRegistry
    function revokeConsent(bytes32 scope, uint16 purpose, uint32 disease) external {
        _revertIfRefused(_revoke(_msgSender(), scope, purpose, disease));
    }

    /// @inheritdoc IConsentRegistry
    function submitSignedConsents(SignedConsent[] calldata items)
        external
        onlyRole(RELAYER_ROLE)
        returns (RelayOutcome[] memory outcomes)
    {
        outcomes = new RelayOutcome[](items.length);
        bool grantsPaused = paused();
        bytes32 domainSeparator = _domainSeparatorV4();
        for (uint256 i = 0; i < items.length; ++i) {
            SignedConsent calldata item = items[i];
            (RelayOutcome outcome, bytes memory reason) = _applySigned(item, domainSeparator, grantsPaused);
            outcomes[i] = outcome;
            if (outcome != RelayOutcome.Applied) emit SignedConsentRejected(i, item.patient, outcome, reason);
        }
    }

    /// @inheritdoc IConsentRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IConsentRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IConsentRegistry
    function isPermitted(address patient, bytes32 scope, uint16 purpose, uint32 disease)
        external
        view
        returns (bool)
    {
        _revertIfRefused(_checkKey(scope, purpose, disease));
        (bool permitted, bool checkExtraDiseases) =
            _consentSets[scope][patient].permits(ConsentSetLib.requestFor(purpose, disease), block.timestamp);
        if (!checkExtraDiseases) return permitted;
        return block.timestamp < _extraDiseaseConsents[scope][patient][disease];
    }

    /// @inheritdoc IConsentRegistry
    function cohortPermitted(address[] calldata patients, bytes32 scope, uint16 purpose, uint32 disease)
        external
        view
        returns (uint256[] memory permitted)
    {
        _revertIfRefused(_checkKey(scope, purpose, disease));
        uint256[] memory undecided;
        (permitted, undecided) = ConsentSetLib.permitsEach(
            _consentSets[scope], patients, ConsentSetLib.requestFor(purpose, disease), block.timestamp
        );
        // Only patients with DS consents for several diseases on this scope land here.
        for (uint256 w = 0; w < undecided.length; ++w) {
            uint256 word = undecided[w];
            for (uint256 b = 0; word != 0; ++b) {
                if (word & (1 << b) == 0) continue;
                word &= ~(1 << b);
                address patient = patients[(w << 8) | b];
                if (block.timestamp < _extraDiseaseConsents[scope][patient][disease]) permitted[w] |= 1 << b;
            }
        }
    }

    /// @inheritdoc IConsentRegistry
    function consentExpiry(address patient, bytes32 scope, uint16 purpose, uint32 disease)
        external
        view
        returns (uint64)
    {
        _revertIfRefused(_checkKey(scope, purpose, disease));
        ConsentSet set = _consentSets[scope][patient];
        if (purpose != Duo.DS || set.dsDisease() == disease) return set.expiryOf(purpose);
        return _extraDiseaseConsents[scope][patient][disease];
    }

    /// @inheritdoc IConsentRegistry
    function nonceOf(address patient, bytes32 scope) external view returns (uint32) {
        return _consentSets[scope][patient].nonce();
    }

    /// @inheritdoc IConsentRegistry
    function custodianScope(address custodian) external pure returns (bytes32) {
        return bytes32(uint256(uint160(custodian)));
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IConsentRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where consents are granted. Refuses, without touching state, by returning the custom
    /// error to revert with (empty when the grant was made), so a batch can skip the item and go on.
    function _grant(address patient, bytes32 scope, uint16 purpose, uint32 disease, uint64 expiresAt)
        internal
        returns (bytes memory refusal)
    {
        refusal = _checkKey(scope, purpose, disease);
        if (refusal.length != 0) return refusal;
        if (expiresAt <= block.timestamp) {
            return abi.encodeWithSelector(ExpiryNotInFuture.selector, expiresAt, uint64(block.timestamp));
        }
        if (expiresAt > ConsentSetLib.MAX_EXPIRY) {
            return abi.encodeWithSelector(ExpiryTooFar.selector, expiresAt, ConsentSetLib.MAX_EXPIRY);
        }

        mapping(address patient => ConsentSet set) storage sets = _consentSets[scope];
        ConsentSet set = sets[patient];
        if (purpose != Duo.DS) {
            set = set.withExpiry(purpose, expiresAt);
        } else if (set.dsDisease() == disease) {
            set = set.withDsConsent(disease, expiresAt);
        } else if (set.extraDiseases() != 0 && _extraDiseaseConsents[scope][patient][disease] != 0) {
            _extraDiseaseConsents[scope][patient][disease] = expiresAt;
        } else if (set.dsDisease() == 0) {
            set = set.withDsConsent(disease, expiresAt);
        } else {
            // The set already holds a DS consent for another disease, so each disease stays in exactly one place.
            _extraDiseaseConsents[scope][patient][disease] = expiresAt;
            set = set.withExtraDiseases(set.extraDiseases() + 1);
        }
        sets[patient] = set.withNextNonce();
        emit ConsentGranted(patient, scope, purpose, disease, expiresAt);
    }

    /// @dev The one place where consents are revoked; refuses like `_grant`.
    function _revoke(address patient, bytes32 scope, uint16 purpose, uint32 disease)
        internal
        returns (bytes memory refusal)
    {
        refusal = _checkKey(scope, purpose, disease);
        if (refusal.length != 0) return refusal;

        mapping(address patient => ConsentSet set) storage sets = _consentSets[scope];
        ConsentSet set = sets[patient];
        if (purpose != Duo.DS) {
            if (set.expiryOf(purpose) == 0) return _notFound(patient, scope, purpose, disease);
            set = set.withExpiry(purpose, 0);
        } else if (set.dsDisease() == disease) {
            set = set.withDsConsent(0, 0);
        } else if (set.extraDiseases() != 0 && _extraDiseaseConsents[scope][patient][disease] != 0) {
            delete _extraDiseaseConsents[scope][patient][disease];
            set = set.withExtraDiseases(set.extraDiseases() - 1);
        } else {
            return _notFound(patient, scope, purpose, disease);
        }
        sets[patient] = set.withNextNonce();
        emit ConsentRevoked(patient, scope, purpose, disease);
    }

    /// @dev Checks one relayed item (deadline, then signature, then nonce) and applies it through `_grant` or
    /// `_revoke`, whose refusals come back as the item's outcome instead of reverting the batch.
    function _applySigned(SignedConsent calldata item, bytes32 domainSeparator, bool grantsPaused)
        private
        returns (RelayOutcome outcome, bytes memory reason)
    {
        if (block.timestamp > item.deadline) return (RelayOutcome.DeadlinePassed, reason);
        // Each field is read from calldata once: every read is validated again, for every item of the batch.
        uint64 expiresAt = item.expiresAt;
        bool isGrant = expiresAt != 0;
        if (isGrant && grantsPaused) return (RelayOutcome.GrantsPaused, reason);

        address patient = item.patient;
        address signer = _signerOf(item, domainSeparator, isGrant);
        if (signer == address(0) || signer != patient) return (RelayOutcome.BadSignature, reason);
        bytes32 scope = item.scope;
        if (item.nonce != _consentSets[scope][patient].nonce()) return (RelayOutcome.StaleNonce, reason);

        reason = isGrant
            ? _grant(patient, scope, item.purpose, item.disease, expiresAt)
            : _revoke(patient, scope, item.purpose, item.disease);
        outcome = reason.length == 0 ? RelayOutcome.Applied : RelayOutcome.Refused;
    }

    /// @dev The address that signed the item's EIP-712 message, or zero when the signature is invalid or has s in
    /// the upper half (as OpenZeppelin's ECDSA refuses it; replays are stopped by the nonce, not by this). Hashes
    /// straight from calldata: a relayed batch pays for every step here once per item, and Solidity's
    /// `abi.encode` would re-validate and copy each field.
    function _signerOf(SignedConsent calldata item, bytes32 domainSeparator, bool isGrant)
        private
        view
        returns (address signer)
    {
        bytes32 typehash = isGrant ? CONSENT_GRANT_TYPEHASH : CONSENT_REVOCATION_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            // The item's first seven words are the signed struct's fields in the struct's order; a revocation
            // signs all of them but `expiresAt` (the fifth).
            mstore(ptr, typehash)
            let structHash := 0
            switch isGrant
            case 0 {
                calldatacopy(add(ptr, 0x20), item, 0x80)
                calldatacopy(add(ptr, 0xa0), add(item, 0xa0), 0x40)
                structHash := keccak256(ptr, 0xe0)
            }
            default {
                calldatacopy(add(ptr, 0x20), item, 0xe0)
                structHash := keccak256(ptr, 0x100)
            }
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domainSeparator)
            mstore(add(ptr, 0x22), structHash)
            let digest := keccak256(ptr, 0x42)

            let vs := calldataload(add(item, 0x100))
            let s := and(vs, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            mstore(ptr, digest)
            mstore(add(ptr, 0x20), add(shr(255, vs), 27))
            mstore(add(ptr, 0x40), calldataload(add(item, 0xe0)))
            mstore(add(ptr, 0x60), s)
            // ecrecover (precompile 1) returns nothing for an invalid signature, so the output word stays zero.
            mstore(0x00, 0)
            if iszero(gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)) {
                pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
            }
            signer := mload(0x00)
        }
    }

    /// @dev The refusal for a key no consent can have, empty when the key is well formed.
    function _checkKey(bytes32 scope, uint16 purpose, uint32 disease) private pure returns (bytes memory refusal) {
        if (scope == bytes32(0)) return abi.encodeWithSelector(EmptyScope.selector);
        if (!Duo.isWellFormed(purpose, disease)) {
            return abi.encodeWithSelector(InvalidPurpose.selector, purpose, disease);
        }
    }

    function _notFound(address patient, bytes32 scope, uint16 purpose, uint32 disease)
        private
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(ConsentNotFound.selector, patient, scope, purpose, disease);
    }

    function _revertIfRefused(bytes memory refusal) private pure {
        if (refusal.length != 0) LowLevelCall.bubbleRevert(refusal);
    }
}
