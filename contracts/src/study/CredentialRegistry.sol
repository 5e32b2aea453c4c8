// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICredentialRegistry} from "./ICredentialRegistry.sol";

/// @title CredentialRegistry
/// @notice Issuers attest researchers' GA4GH visas; the admin decides who is an issuer.
contract CredentialRegistry is ICredentialRegistry, AccessControl, Pausable {
    /// @inheritdoc ICredentialRegistry
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    /// @inheritdoc ICredentialRegistry
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    mapping(address researcher => mapping(VisaType visaType => Credential credential)) private _credentials;

    /// @param admin The account that may grant and revoke roles and revoke any visa; it may also pause.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @inheritdoc ICredentialRegistry
    function issueCredential(address researcher, VisaType visaType, bytes32 valueHash, uint64 expiresAt)
        external
        onlyRole(ISSUER_ROLE)
        whenNotPaused
    {
        _issue(researcher, visaType, _msgSender(), valueHash, expiresAt);
    }

    /// @inheritdoc ICredentialRegistry
    function revokeCredential(address researcher, VisaType visaType) external {
        _revoke(researcher, visaType, _msgSender());
    }

    /// @inheritdoc ICredentialRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ICredentialRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc ICredentialRegistry
    function hasLiveCredential(address researcher, VisaType visaType) external view returns (bool) {
        Credential storage credential = _credentials[researcher][visaType];
        return credential.issuer != address(0) && !credential.revoked && block.timestamp < credential.expiresAt;
    }

    /// @inheritdoc ICredentialRegistry
    function credentialOf(address researcher, VisaType visaType) external view returns (Credential memory) {
        return _credentials[researcher][visaType];
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ICredentialRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev Writes a visa, replacing the previous one of its type: a renewal restarts it un-revoked.
    function _issue(address researcher, VisaType visaType, address issuer, bytes32 valueHash, uint64 expiresAt)
        private
    {
        if (researcher == address(0)) revert InvalidResearcher(researcher);
        if (valueHash == bytes32(0)) revert EmptyValueHash(researcher, visaType);
        // A uint64 of seconds lasts far beyond any block timestamp this contract will see.
        uint64 blockTime = uint64(block.timestamp);
        if (expiresAt <= blockTime) revert ExpiryNotInFuture(expiresAt, blockTime);

        _credentials[researcher][visaType] = Credential({
            issuer: issuer, issuedAt: blockTime, expiresAt: expiresAt, revoked: false, valueHash: valueHash
        });
        emit CredentialIssued(researcher, visaType, issuer, valueHash, expiresAt);
    }

    /// @dev Marks a visa revoked; it keeps its issuer and hash so the trail shows what was withdrawn.
    function _revoke(address researcher, VisaType visaType, address caller) private {
        Credential storage credential = _credentials[researcher][visaType];
        address issuer = credential.issuer;
        if (issuer == address(0)) revert UnknownCredential(researcher, visaType);
        if (credential.revoked) revert CredentialAlreadyRevoked(researcher, visaType);
        if (issuer != caller && !hasRole(DEFAULT_ADMIN_ROLE, caller)) {
            revert NotCredentialIssuer(researcher, visaType, caller);
        }

        credential.revoked = true;
        emit CredentialRevoked(researcher, visaType, caller);
    }
}
