// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICareGrants} from "./ICareGrants.sol";

/// @title CareGrants
/// @notice Patients grant and revoke care providers' access per condition. Nobody else can change a grant; the
/// admin's roles only pause new grants.
contract CareGrants is ICareGrants, AccessControl, Pausable {
    /// @inheritdoc ICareGrants
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    mapping(address patient => mapping(address provider => mapping(uint32 condition => uint64 expiresAt))) private
        _expiries;

    /// @param admin Holds DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @inheritdoc ICareGrants
    function grantCareAccess(address provider, uint32 condition, uint64 expiresAt) external whenNotPaused {
        _grant(_msgSender(), provider, condition, expiresAt);
    }

    /// @inheritdoc ICareGrants
    function revokeCareAccess(address provider, uint32 condition) external {
        _revoke(_msgSender(), provider, condition);
    }

    /// @inheritdoc ICareGrants
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ICareGrants
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc ICareGrants
    function hasCareAccess(address patient, address provider, uint32 condition) external view returns (bool) {
        return block.timestamp < _expiries[patient][provider][condition];
    }

    /// @inheritdoc ICareGrants
    function careAccessExpiry(address patient, address provider, uint32 condition) external view returns (uint64) {
        return _expiries[patient][provider][condition];
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ICareGrants).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where grants are made or extended.
    function _grant(address patient, address provider, uint32 condition, uint64 expiresAt) internal {
        if (provider == address(0) || provider == patient) revert InvalidProvider(provider);
        if (condition == 0) revert EmptyCondition();
        if (expiresAt <= block.timestamp) revert ExpiryNotInFuture(expiresAt, uint64(block.timestamp));

        _expiries[patient][provider][condition] = expiresAt;
        emit CareAccessGranted(patient, provider, condition, expiresAt);
    }

    /// @dev The one place where grants end early.
    function _revoke(address patient, address provider, uint32 condition) internal {
        if (_expiries[patient][provider][condition] == 0) revert CareGrantNotFound(patient, provider, condition);

        delete _expiries[patient][provider][condition];
        emit CareAccessRevoked(patient, provider, condition);
    }
}
