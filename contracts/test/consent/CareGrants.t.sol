// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

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

    function setUp() public {
        vm.warp(START);
        grants = new CareGrants();
    }

    function _grant(address from, address provider, uint32 condition, uint64 expiresAt) internal {
        vm.prank(from);
        grants.grantCareAccess(provider, condition, expiresAt);
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
