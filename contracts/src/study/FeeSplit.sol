// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title FeeSplit
/// @notice Splits a study's price between the payout pool (the patients' share) and the custodian's fee.
library FeeSplit {
    /// @notice Basis points in a whole.
    uint16 internal constant BPS = 10_000;

    /// @notice The custodian's fee is `amount * feeBps / BPS`, rounded down, so rounding favours the patients;
    /// the pool gets the rest, and the two always add up to `amount`.
    /// @param feeBps At most `BPS`.
    function split(uint128 amount, uint16 feeBps) internal pure returns (uint128 poolShare, uint128 fee) {
        // amount < 2**128 and feeBps <= 10_000 < 2**14, so the product fits a uint256 and the quotient is at
        // most amount, which fits a uint128; poolShare = amount - fee cannot underflow.
        unchecked {
            fee = uint128((uint256(amount) * feeBps) / BPS);
            poolShare = amount - fee;
        }
    }
}
