// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {TestStablecoin} from "../../src/study/TestStablecoin.sol";
import {vm} from "../Vm.sol";

contract TestStablecoinTest {
    TestStablecoin internal stablecoin;
    address internal admin = vm.addr(1);
    address internal holder = vm.addr(2);

    function setUp() public {
        stablecoin = new TestStablecoin(admin);
    }

    function test_decimals_isSixLikeTheDollarStablecoins() public view {
        vm.assertEq(stablecoin.decimals(), 6, "decimals");
        vm.assertEq(keccak256(bytes(stablecoin.symbol())), keccak256("ctUSD"), "symbol");
    }

    function test_mint_byAdminCreditsTheHolder() public {
        vm.prank(admin);
        stablecoin.mint(holder, 250e6);
        vm.assertEq(stablecoin.balanceOf(holder), 250e6, "balance");
        vm.assertEq(stablecoin.totalSupply(), 250e6, "totalSupply");
    }

    function test_mint_revertsWhenCallerIsNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, holder, bytes32(0))
        );
        vm.prank(holder);
        stablecoin.mint(holder, 1);
    }
}
