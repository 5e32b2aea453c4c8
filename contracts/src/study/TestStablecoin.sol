// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestStablecoin
/// @notice A dollar stablecoin for local chains and tests (6 decimals, like USDC); the admin mints at will.
/// It stands in for a real stablecoin on a deployed chain and carries no value.
contract TestStablecoin is ERC20, AccessControl {
    /// @param admin The account that mints and may grant and revoke roles.
    constructor(address admin) ERC20("Consentry Test Dollar", "ctUSD") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Mints `amount` (in units of 10**-6 dollars) to `to`.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`.
    function mint(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _mint(to, amount);
    }

    /// @notice Six, like the dollar stablecoins it stands in for.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
