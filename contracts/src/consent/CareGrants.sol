// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Context} from "@openzeppelin/contracts/utils/Context.sol";

import {ICareGrants} from "./ICareGrants.sol";

/// @title CareGrants
/// @notice Patients grant and revoke care providers' access per condition. Nobody else can change a grant.
contract CareGrants is ICareGrants, Context {
    mapping(address patient => mapping(address provider => mapping(uint32 condition => uint64 expiresAt))) private
        _expiries;

    /// @inheritdoc ICareGrants
    function grantCareAccess(address provider, uint32 condition, uint64 expiresAt) external {
        _grant(_msgSender(), provider, condition, expiresAt);
    }

    /// @inheritdoc ICareGrants
    function revokeCareAccess(address provider, uint32 condition) external {
        _revoke(_msgSender(), provider, condition);
    }

    /// @inheritdoc ICareGrants
    function hasCareAccess(address patient, address provider, uint32 condition) external view returns (bool) {
        return block.timestamp < _expiries[patient][provider][condition];
    }

    /// @inheritdoc ICareGrants
    function careAccessExpiry(address patient, address provider, uint32 condition) external view returns (uint64) {
        return _expiries[patient][provider][condition];
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
