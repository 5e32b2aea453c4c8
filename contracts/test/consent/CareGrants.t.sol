// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {CareGrants} from "../../src/consent/CareGrants.sol";
import {ICareGrants} from "../../src/consent/ICareGrants.sol";
import {vm} from "../Vm.sol";

contract CareGrantsTest {
    uint64 internal constant START = 1_750_000_000;
    uint32 internal constant HEART_DISORDER = 5267;
    uint32 internal constant MENTAL_DISORDER = 4994;

    CareGrants internal grants;
    address internal patient = vm.addr(1);
    address internal otherPatient = vm.addr(2);
    address internal cardiologist = vm.addr(3);
    address internal otherProvider = vm.addr(4);
    address internal admin = vm.addr(5);

    function setUp() public {
        vm.warp(START);
        grants = new CareGrants(admin);
    }

    function _pause() internal {
        vm.prank(admin);
        grants.pause();
    }

    function _grant(address from, address provider, uint32 condition, uint64 expiresAt) internal {
        vm.prank(from);
        grants.grantCareAccess(provider, condition, expiresAt);
    }

    function test_constructor_grantsAdminAndPauserRolesToAdminOnly() public view {
        vm.assertTrue(grants.hasRole(grants.DEFAULT_ADMIN_ROLE(), admin), "admin holds DEFAULT_ADMIN_ROLE");
        vm.assertTrue(grants.hasRole(grants.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(grants.hasRole(grants.DEFAULT_ADMIN_ROLE(), address(this)), "deployer is not admin");
        vm.assertFalse(grants.hasRole(grants.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(grants.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(grants.paused(), "starts unpaused");
    }

    function test_supportsInterface_reportsCareGrantsAccessControlAndErc165() public view {
        vm.assertTrue(grants.supportsInterface(type(ICareGrants).interfaceId), "ICareGrants");
        vm.assertTrue(grants.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(grants.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(grants.supportsInterface(0xffffffff), "0xffffffff is never supported");
    }

    function test_grantCareAccess_givesTheProviderThatConditionOnly() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
        vm.assertTrue(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "heart");
        vm.assertFalse(grants.hasCareAccess(patient, cardiologist, MENTAL_DISORDER), "nothing unrelated");
        vm.assertFalse(grants.hasCareAccess(patient, otherProvider, HEART_DISORDER), "no other provider");
        vm.assertFalse(grants.hasCareAccess(otherPatient, cardiologist, HEART_DISORDER), "no other patient");
        vm.assertEq(grants.careAccessExpiry(patient, cardiologist, HEART_DISORDER), START + 30 days, "expiry");
    }

    function test_grantCareAccess_emitsCareAccessGranted() public {
        vm.expectEmit(true, true, true, true, address(grants));
        emit ICareGrants.CareAccessGranted(patient, cardiologist, HEART_DISORDER, START + 30 days);
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
    }

    function test_grantCareAccess_replacesTheExpiry() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
        _grant(patient, cardiologist, HEART_DISORDER, START + 1 days);
        vm.assertEq(grants.careAccessExpiry(patient, cardiologist, HEART_DISORDER), START + 1 days, "shortened");
    }

    function test_grantCareAccess_revertsForZeroProvider() public {
        vm.expectRevert(abi.encodeWithSelector(ICareGrants.InvalidProvider.selector, address(0)));
        _grant(patient, address(0), HEART_DISORDER, START + 1 days);
    }

    function test_grantCareAccess_revertsForThePatientThemself() public {
        vm.expectRevert(abi.encodeWithSelector(ICareGrants.InvalidProvider.selector, patient));
        _grant(patient, patient, HEART_DISORDER, START + 1 days);
    }

    function test_grantCareAccess_revertsForEmptyCondition() public {
        vm.expectRevert(abi.encodeWithSelector(ICareGrants.EmptyCondition.selector));
        _grant(patient, cardiologist, 0, START + 1 days);
    }

    function test_grantCareAccess_revertsWhenExpiryIsNow() public {
        vm.expectRevert(abi.encodeWithSelector(ICareGrants.ExpiryNotInFuture.selector, START, START));
        _grant(patient, cardiologist, HEART_DISORDER, START);
    }

    function test_grantCareAccess_revertsWhenPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);

        vm.prank(admin);
        grants.unpause();
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
        vm.assertTrue(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "granted after unpause");
    }

    function test_revokeCareAccess_worksWhilePaused() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
        _pause();
        vm.expectEmit(true, true, true, true, address(grants));
        emit ICareGrants.CareAccessRevoked(patient, cardiologist, HEART_DISORDER);
        vm.prank(patient);
        grants.revokeCareAccess(cardiologist, HEART_DISORDER);
        vm.assertFalse(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "revoked while paused");
        vm.assertEq(grants.careAccessExpiry(patient, cardiologist, HEART_DISORDER), 0, "cleared");
    }

    function test_revokeCareAccess_endsAccessAtOnce() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
        vm.expectEmit(true, true, true, true, address(grants));
        emit ICareGrants.CareAccessRevoked(patient, cardiologist, HEART_DISORDER);
        vm.prank(patient);
        grants.revokeCareAccess(cardiologist, HEART_DISORDER);
        vm.assertFalse(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "revoked");
        vm.assertEq(grants.careAccessExpiry(patient, cardiologist, HEART_DISORDER), 0, "cleared");
    }

    function test_revokeCareAccess_revokesAnExpiredGrant() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 1 days);
        vm.warp(START + 2 days);
        vm.prank(patient);
        grants.revokeCareAccess(cardiologist, HEART_DISORDER);
        vm.assertEq(grants.careAccessExpiry(patient, cardiologist, HEART_DISORDER), 0, "cleared");
    }

    function test_revokeCareAccess_revertsWhenNothingWasGranted() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICareGrants.CareGrantNotFound.selector, patient, cardiologist, HEART_DISORDER)
        );
        vm.prank(patient);
        grants.revokeCareAccess(cardiologist, HEART_DISORDER);
    }

    function test_revokeCareAccess_revertsForAnotherPatientsGrant() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(ICareGrants.CareGrantNotFound.selector, otherPatient, cardiologist, HEART_DISORDER)
        );
        vm.prank(otherPatient);
        grants.revokeCareAccess(cardiologist, HEART_DISORDER);
        vm.assertTrue(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "the patient's grant stands");
    }

    function test_hasCareAccess_endsAtExpiry() public {
        _grant(patient, cardiologist, HEART_DISORDER, START + 1 days);
        vm.warp(START + 1 days - 1);
        vm.assertTrue(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "a second before");
        vm.warp(START + 1 days);
        vm.assertFalse(grants.hasCareAccess(patient, cardiologist, HEART_DISORDER), "at expiry");
    }

    function test_careAccessExpiry_isZeroWithoutGrant() public view {
        vm.assertEq(grants.careAccessExpiry(patient, cardiologist, HEART_DISORDER), 0, "none");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_pause_stopsGrantsAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(grants));
        emit Pausable.Paused(admin);
        _pause();
        vm.assertTrue(grants.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, patient, grants.PAUSER_ROLE())
        );
        vm.prank(patient);
        grants.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _pause();
    }

    function test_unpause_emitsUnpaused() public {
        _pause();
        vm.expectEmit(true, true, true, true, address(grants));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        grants.unpause();
        vm.assertFalse(grants.paused(), "unpaused");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        bytes32 pauserRole = grants.PAUSER_ROLE();
        vm.prank(admin);
        grants.grantRole(pauserRole, otherProvider);
        vm.prank(otherProvider);
        grants.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, otherProvider, bytes32(0))
        );
        vm.prank(otherProvider);
        grants.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        grants.unpause();
    }

    function test_grantCareAccess_anyGrantHoldsUntilItsExpiryOrRevocation(
        address provider,
        uint32 condition,
        uint64 lifetime,
        uint64 elapsed,
        bool revoke
    ) public {
        vm.assume(provider != address(0) && provider != patient && condition != 0);
        uint64 expiresAt = START + 1 + (lifetime % 3650 days);
        _grant(patient, provider, condition, expiresAt);
        if (revoke) {
            vm.prank(patient);
            grants.revokeCareAccess(provider, condition);
        }
        vm.warp(START + (elapsed % 4000 days));
        bool expected = !revoke && block.timestamp < expiresAt;
        vm.assertTrue(grants.hasCareAccess(patient, provider, condition) == expected, "access follows the model");
    }
}
