// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {ConsentRegistry} from "../../src/consent/ConsentRegistry.sol";
import {Duo} from "../../src/consent/Duo.sol";
import {IConsentRegistry} from "../../src/consent/IConsentRegistry.sol";
import {vm} from "../Vm.sol";
import {ConsentSigning} from "./ConsentSigning.sol";

contract ConsentRegistryTest {
    using ConsentSigning for IConsentRegistry.SignedConsent;

    uint64 internal constant START = 1_750_000_000;
    uint64 internal constant YEAR = 365 days;
    uint64 internal constant MAX_EXPIRY = type(uint40).max;
    uint256 internal constant SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    uint32 internal constant CANCER = 4992;
    uint32 internal constant BREAST_CANCER = 7254;
    uint32 internal constant HEART_DISORDER = 5267;
    bytes32 internal constant OFFER = keccak256("offer-1");
    bytes32 internal constant OTHER_OFFER = keccak256("offer-2");

    uint256 internal constant PATIENT_KEY = 0xA11CE;
    uint256 internal constant OTHER_PATIENT_KEY = 0xB0B;

    ConsentRegistry internal registry;
    address internal admin = vm.addr(1);
    address internal relayer = vm.addr(2);
    address internal stranger = vm.addr(3);
    address internal patient = vm.addr(PATIENT_KEY);
    address internal otherPatient = vm.addr(OTHER_PATIENT_KEY);

    function setUp() public {
        vm.warp(START);
        registry = new ConsentRegistry(admin, relayer);
    }

    // ---------------------------------------------------------------- helpers

    function _grant(address who, uint16 purpose, uint32 disease, uint64 expiresAt) internal {
        vm.prank(who);
        registry.grantConsent(OFFER, purpose, disease, expiresAt);
    }

    function _revoke(address who, uint16 purpose, uint32 disease) internal {
        vm.prank(who);
        registry.revokeConsent(OFFER, purpose, disease);
    }

    function _signed(uint256 key, IConsentRegistry.SignedConsent memory item)
        internal
        view
        returns (IConsentRegistry.SignedConsent memory)
    {
        return ConsentSigning.signedBy(address(registry), key, item);
    }

    function _signedGrant(uint256 key, uint16 purpose, uint32 disease, uint32 nonce)
        internal
        view
        returns (IConsentRegistry.SignedConsent memory)
    {
        return _signed(key, ConsentSigning.grant(vm.addr(key), OFFER, purpose, disease, START + YEAR, nonce, START + 1 days));
    }

    function _signedRevocation(uint256 key, uint16 purpose, uint32 disease, uint32 nonce)
        internal
        view
        returns (IConsentRegistry.SignedConsent memory)
    {
        return _signed(key, ConsentSigning.revocation(vm.addr(key), OFFER, purpose, disease, nonce, START + 1 days));
    }

    function _submit(IConsentRegistry.SignedConsent memory item) internal returns (IConsentRegistry.RelayOutcome) {
        IConsentRegistry.SignedConsent[] memory items = new IConsentRegistry.SignedConsent[](1);
        items[0] = item;
        vm.prank(relayer);
        return registry.submitSignedConsents(items)[0];
    }

    function _assertOutcome(IConsentRegistry.RelayOutcome actual, IConsentRegistry.RelayOutcome expected) internal pure {
        vm.assertEq(uint256(actual), uint256(expected), "relay outcome");
    }

    function _permitted(address who, uint16 purpose, uint32 disease) internal view returns (bool) {
        return registry.isPermitted(who, OFFER, purpose, disease);
    }

    // ---------------------------------------------------------------- constructor and roles

    function test_constructor_grantsAdminPauserAndRelayerRoles() public view {
        vm.assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin), "admin");
        vm.assertTrue(registry.hasRole(registry.PAUSER_ROLE(), admin), "admin pauses");
        vm.assertTrue(registry.hasRole(registry.RELAYER_ROLE(), relayer), "relayer");
        vm.assertFalse(registry.hasRole(registry.RELAYER_ROLE(), admin), "admin does not relay");
        vm.assertEq(registry.RELAYER_ROLE(), keccak256("RELAYER_ROLE"), "RELAYER_ROLE");
        vm.assertEq(registry.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
    }

    function test_constructor_grantsNoRelayerRoleForZeroRelayer() public {
        ConsentRegistry withoutRelayer = new ConsentRegistry(admin, address(0));
        vm.assertFalse(withoutRelayer.hasRole(withoutRelayer.RELAYER_ROLE(), address(0)), "zero address");
    }

    // ---------------------------------------------------------------- grantConsent

    function test_grantConsent_storesExpiryAndBumpsNonce() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.HMB, 0), START + YEAR, "expiry");
        vm.assertEq(registry.nonceOf(patient, OFFER), 1, "nonce");
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "permitted");
    }

    function test_grantConsent_emitsConsentGranted() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.ConsentGranted(patient, OFFER, Duo.DS, CANCER, START + YEAR);
        _grant(patient, Duo.DS, CANCER, START + YEAR);
    }

    function test_grantConsent_replacesExpiryOfExistingConsent() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        _grant(patient, Duo.GRU, 0, START + 1 days);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.GRU, 0), START + 1 days, "shortened");
        vm.warp(START + 1 days);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "the shorter expiry holds");
    }

    function test_grantConsent_keepsDiseaseConsentsForSeveralDiseases() public {
        _grant(patient, Duo.DS, CANCER, START + YEAR);
        _grant(patient, Duo.DS, BREAST_CANCER, START + 2 * YEAR);
        _grant(patient, Duo.DS, HEART_DISORDER, START + 3 * YEAR);
        _grant(patient, Duo.DS, BREAST_CANCER, START + 4 * YEAR);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.DS, CANCER), START + YEAR, "cancer");
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.DS, BREAST_CANCER), START + 4 * YEAR, "breast");
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.DS, HEART_DISORDER), START + 3 * YEAR, "heart");

        _revoke(patient, Duo.DS, CANCER);
        _grant(patient, Duo.DS, HEART_DISORDER, START + 5 * YEAR);
        vm.assertFalse(_permitted(patient, Duo.DS, CANCER), "cancer revoked");
        vm.assertTrue(_permitted(patient, Duo.DS, BREAST_CANCER), "breast");
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.DS, HEART_DISORDER), START + 5 * YEAR, "heart");
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "DS never covers HMB");
    }

    function test_grantConsent_acceptsLatestExpiry() public {
        _grant(patient, Duo.POA, 0, MAX_EXPIRY);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.POA, 0), MAX_EXPIRY, "expiry");
    }

    function test_grantConsent_revertsWhenPaused() public {
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _grant(patient, Duo.HMB, 0, START + YEAR);
    }

    function test_grantConsent_revertsWhenScopeIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.EmptyScope.selector));
        vm.prank(patient);
        registry.grantConsent(bytes32(0), Duo.HMB, 0, START + YEAR);
    }

    function test_grantConsent_revertsWhenPurposeIsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, uint16(46), uint32(0)));
        _grant(patient, 46, 0, START + YEAR);
    }

    function test_grantConsent_revertsWhenDiseaseSpecificNamesNoDisease() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, Duo.DS, uint32(0)));
        _grant(patient, Duo.DS, 0, START + YEAR);
    }

    function test_grantConsent_revertsWhenGeneralPurposeNamesDisease() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, Duo.HMB, CANCER));
        _grant(patient, Duo.HMB, CANCER, START + YEAR);
    }

    function test_grantConsent_revertsWhenExpiryIsNow() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ExpiryNotInFuture.selector, START, START));
        _grant(patient, Duo.HMB, 0, START);
    }

    function test_grantConsent_revertsWhenExpiryIsPast() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ExpiryNotInFuture.selector, uint64(1), START));
        _grant(patient, Duo.HMB, 0, 1);
    }

    function test_grantConsent_revertsWhenExpiryIsBeyondLatest() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.ExpiryTooFar.selector, MAX_EXPIRY + 1, MAX_EXPIRY));
        _grant(patient, Duo.HMB, 0, MAX_EXPIRY + 1);
    }

    // ---------------------------------------------------------------- revokeConsent

    function test_revokeConsent_clearsPermissionAndBumpsNonce() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        _revoke(patient, Duo.HMB, 0);
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "HMB");
        vm.assertFalse(_permitted(patient, Duo.DS, CANCER), "DS through HMB");
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.HMB, 0), 0, "expiry cleared");
        vm.assertEq(registry.nonceOf(patient, OFFER), 2, "nonce");
    }

    function test_revokeConsent_emitsConsentRevoked() public {
        _grant(patient, Duo.DS, CANCER, START + YEAR);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.ConsentRevoked(patient, OFFER, Duo.DS, CANCER);
        _revoke(patient, Duo.DS, CANCER);
    }

    function test_revokeConsent_worksWhilePaused() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        vm.prank(admin);
        registry.pause();
        _revoke(patient, Duo.GRU, 0);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "revoked while paused");
    }

    function test_revokeConsent_revokesExpiredConsent() public {
        _grant(patient, Duo.POA, 0, START + 1 days);
        vm.warp(START + 2 days);
        _revoke(patient, Duo.POA, 0);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.POA, 0), 0, "cleared");
    }

    function test_revokeConsent_keepsOtherPurposes() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        _grant(patient, Duo.POA, 0, START + YEAR);
        _revoke(patient, Duo.GRU, 0);
        vm.assertTrue(_permitted(patient, Duo.POA, 0), "POA stays");
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "HMB was only through GRU");
    }

    function test_revokeConsent_revertsWhenNeverGranted() public {
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, patient, OFFER, Duo.HMB, uint32(0))
        );
        _revoke(patient, Duo.HMB, 0);
    }

    function test_revokeConsent_revertsWhenAlreadyRevoked() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        _revoke(patient, Duo.HMB, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, patient, OFFER, Duo.HMB, uint32(0))
        );
        _revoke(patient, Duo.HMB, 0);
    }

    function test_revokeConsent_revertsForDiseaseNotConsented() public {
        _grant(patient, Duo.DS, CANCER, START + YEAR);
        _grant(patient, Duo.DS, BREAST_CANCER, START + YEAR);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, patient, OFFER, Duo.DS, HEART_DISORDER)
        );
        _revoke(patient, Duo.DS, HEART_DISORDER);
    }

    function test_revokeConsent_revertsForAnotherPatientsConsent() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        vm.expectRevert(
            abi.encodeWithSelector(IConsentRegistry.ConsentNotFound.selector, otherPatient, OFFER, Duo.HMB, uint32(0))
        );
        _revoke(otherPatient, Duo.HMB, 0);
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "the patient's consent stands");
    }

    function test_revokeConsent_revertsWhenScopeIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.EmptyScope.selector));
        vm.prank(patient);
        registry.revokeConsent(bytes32(0), Duo.HMB, 0);
    }

    function test_revokeConsent_revertsWhenPurposeIsInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, Duo.POA, CANCER));
        _revoke(patient, Duo.POA, CANCER);
    }

    // ---------------------------------------------------------------- submitSignedConsents

    function test_submitSignedConsents_appliesSignedGrant() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.ConsentGranted(patient, OFFER, Duo.DS, CANCER, START + YEAR);
        _assertOutcome(_submit(_signedGrant(PATIENT_KEY, Duo.DS, CANCER, 0)), IConsentRegistry.RelayOutcome.Applied);
        vm.assertTrue(_permitted(patient, Duo.DS, CANCER), "permitted");
        vm.assertEq(registry.nonceOf(patient, OFFER), 1, "nonce");
    }

    function test_submitSignedConsents_appliesSignedRevocation() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.ConsentRevoked(patient, OFFER, Duo.HMB, 0);
        _assertOutcome(
            _submit(_signedRevocation(PATIENT_KEY, Duo.HMB, 0, 1)), IConsentRegistry.RelayOutcome.Applied
        );
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "revoked");
    }

    function test_submitSignedConsents_returnsOneOutcomePerItemAndAppliesTheGoodOnes() public {
        IConsentRegistry.SignedConsent[] memory items = new IConsentRegistry.SignedConsent[](4);
        items[0] = _signedGrant(PATIENT_KEY, Duo.HMB, 0, 0);
        items[1] = _signedGrant(PATIENT_KEY, Duo.POA, 0, 0); // the same nonce again: stale once item 0 applied
        items[2] = _signedGrant(OTHER_PATIENT_KEY, Duo.GRU, 0, 0);
        items[3] = _signedRevocation(OTHER_PATIENT_KEY, Duo.HMB, 0, 1); // nothing to revoke: refused
        vm.prank(relayer);
        IConsentRegistry.RelayOutcome[] memory outcomes = registry.submitSignedConsents(items);

        vm.assertEq(outcomes.length, 4, "one outcome per item");
        _assertOutcome(outcomes[0], IConsentRegistry.RelayOutcome.Applied);
        _assertOutcome(outcomes[1], IConsentRegistry.RelayOutcome.StaleNonce);
        _assertOutcome(outcomes[2], IConsentRegistry.RelayOutcome.Applied);
        _assertOutcome(outcomes[3], IConsentRegistry.RelayOutcome.Refused);
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "patient HMB");
        vm.assertFalse(_permitted(patient, Duo.POA, 0), "patient POA not applied");
        vm.assertTrue(_permitted(otherPatient, Duo.HMB, 0), "other patient still covered by GRU");
    }

    function test_submitSignedConsents_reportsDeadlinePassed() public {
        IConsentRegistry.SignedConsent memory item =
            _signed(PATIENT_KEY, ConsentSigning.grant(patient, OFFER, Duo.HMB, 0, START + YEAR, 0, START - 1));
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.SignedConsentRejected(0, patient, IConsentRegistry.RelayOutcome.DeadlinePassed, "");
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.DeadlinePassed);
        vm.assertEq(registry.nonceOf(patient, OFFER), 0, "nothing applied");
    }

    function test_submitSignedConsents_appliesItemAtItsDeadline() public {
        IConsentRegistry.SignedConsent memory item =
            _signed(PATIENT_KEY, ConsentSigning.grant(patient, OFFER, Duo.HMB, 0, START + YEAR, 0, START));
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.Applied);
    }

    function test_submitSignedConsents_reportsBadSignatureFromAnotherKey() public {
        IConsentRegistry.SignedConsent memory item =
            _signed(OTHER_PATIENT_KEY, ConsentSigning.grant(patient, OFFER, Duo.GRU, 0, START + YEAR, 0, START + 1));
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.SignedConsentRejected(0, patient, IConsentRegistry.RelayOutcome.BadSignature, "");
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.BadSignature);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "not granted");
        vm.assertFalse(_permitted(otherPatient, Duo.GRU, 0), "nor for the signer");
    }

    function test_submitSignedConsents_reportsBadSignatureForAlteredItem() public {
        IConsentRegistry.SignedConsent memory item = _signedGrant(PATIENT_KEY, Duo.HMB, 0, 0);
        item.expiresAt = MAX_EXPIRY;
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.BadSignature);
    }

    function test_submitSignedConsents_reportsBadSignatureForGrantSubmittedAsRevocation() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        IConsentRegistry.SignedConsent memory item = _signedGrant(PATIENT_KEY, Duo.HMB, 0, 1);
        item.expiresAt = 0;
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.BadSignature);
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "not revoked");
    }

    function test_submitSignedConsents_reportsBadSignatureForAnotherRegistry() public {
        ConsentRegistry other = new ConsentRegistry(admin, relayer);
        IConsentRegistry.SignedConsent memory item = ConsentSigning.signedBy(
            address(other), PATIENT_KEY, ConsentSigning.grant(patient, OFFER, Duo.HMB, 0, START + YEAR, 0, START + 1)
        );
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.BadSignature);
    }

    function test_submitSignedConsents_reportsBadSignatureForTamperedSignature() public {
        IConsentRegistry.SignedConsent memory item = _signedGrant(PATIENT_KEY, Duo.HMB, 0, 0);
        // One bit of s flipped: ecrecover still returns an address, just not the patient's.
        item.vs = bytes32(uint256(item.vs) ^ 1);
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.BadSignature);
        vm.assertEq(registry.nonceOf(patient, OFFER), 0, "nothing applied");
    }

    function test_submitSignedConsents_reportsBadSignatureForEmptySignatureAndZeroPatient() public {
        IConsentRegistry.SignedConsent memory item =
            ConsentSigning.grant(address(0), OFFER, Duo.HMB, 0, START + YEAR, 0, START + 1);
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.BadSignature);
    }

    function test_submitSignedConsents_reportsStaleNonceOnReplay() public {
        IConsentRegistry.SignedConsent memory item = _signedGrant(PATIENT_KEY, Duo.HMB, 0, 0);
        _submit(item);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.SignedConsentRejected(0, patient, IConsentRegistry.RelayOutcome.StaleNonce, "");
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.StaleNonce);
        vm.assertEq(registry.nonceOf(patient, OFFER), 1, "applied once");
    }

    function test_submitSignedConsents_reportsStaleNonceForNonceAhead() public {
        _assertOutcome(_submit(_signedGrant(PATIENT_KEY, Duo.HMB, 0, 1)), IConsentRegistry.RelayOutcome.StaleNonce);
    }

    function test_submitSignedConsents_reportsStaleNonceAfterDirectChange() public {
        IConsentRegistry.SignedConsent memory pending = _signedGrant(PATIENT_KEY, Duo.GRU, 0, 0);
        _grant(patient, Duo.POA, 0, START + YEAR);
        _assertOutcome(_submit(pending), IConsentRegistry.RelayOutcome.StaleNonce);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "voided by the direct change");
    }

    function test_submitSignedConsents_reportsRefusedWithTheDirectCallsError() public {
        IConsentRegistry.SignedConsent memory item =
            _signed(PATIENT_KEY, ConsentSigning.grant(patient, OFFER, Duo.DS, 0, START + YEAR, 0, START + 1));
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.SignedConsentRejected(
            0,
            patient,
            IConsentRegistry.RelayOutcome.Refused,
            abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, Duo.DS, uint32(0))
        );
        _assertOutcome(_submit(item), IConsentRegistry.RelayOutcome.Refused);
        vm.assertEq(registry.nonceOf(patient, OFFER), 0, "a refused item spends no nonce");
    }

    function test_submitSignedConsents_reportsRefusedForExpiryInThePast() public {
        IConsentRegistry.SignedConsent memory item =
            _signed(PATIENT_KEY, ConsentSigning.grant(patient, OFFER, Duo.HMB, 0, START, 0, START + 1));
        vm.expectEmit(true, true, true, true, address(registry));
        emit IConsentRegistry.SignedConsentRejected(
            0,
            patient,
            IConsentRegistry.RelayOutcome.Refused,
            abi.encodeWithSelector(IConsentRegistry.ExpiryNotInFuture.selector, START, START)
        );
        _submit(item);
    }

    function test_submitSignedConsents_reportsGrantsPausedButAppliesRevocations() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        vm.prank(admin);
        registry.pause();
        IConsentRegistry.SignedConsent[] memory items = new IConsentRegistry.SignedConsent[](2);
        items[0] = _signedGrant(OTHER_PATIENT_KEY, Duo.HMB, 0, 0);
        items[1] = _signedRevocation(PATIENT_KEY, Duo.HMB, 0, 1);
        vm.prank(relayer);
        IConsentRegistry.RelayOutcome[] memory outcomes = registry.submitSignedConsents(items);
        _assertOutcome(outcomes[0], IConsentRegistry.RelayOutcome.GrantsPaused);
        _assertOutcome(outcomes[1], IConsentRegistry.RelayOutcome.Applied);
        vm.assertFalse(_permitted(otherPatient, Duo.HMB, 0), "no grant while paused");
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "revoked while paused");
    }

    function test_submitSignedConsents_revertsWhenCallerLacksRelayerRole() public {
        IConsentRegistry.SignedConsent[] memory items = new IConsentRegistry.SignedConsent[](1);
        items[0] = _signedGrant(PATIENT_KEY, Duo.HMB, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, patient, registry.RELAYER_ROLE()
            )
        );
        vm.prank(patient);
        registry.submitSignedConsents(items);
    }

    // ---------------------------------------------------------------- pause and unpause

    function test_pause_stopsGrantsAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        registry.pause();
        vm.assertTrue(registry.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, registry.PAUSER_ROLE()
            )
        );
        vm.prank(stranger);
        registry.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        registry.pause();
    }

    function test_unpause_letsGrantsThroughAgain() public {
        vm.prank(admin);
        registry.pause();
        vm.prank(admin);
        registry.unpause();
        _grant(patient, Duo.HMB, 0, START + YEAR);
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "granted after unpause");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        bytes32 pauserRole = registry.PAUSER_ROLE();
        vm.prank(admin);
        registry.grantRole(pauserRole, stranger);
        vm.prank(stranger);
        registry.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        registry.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        registry.unpause();
    }

    // ---------------------------------------------------------------- isPermitted

    function test_isPermitted_gruCoversEveryPurpose() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        vm.assertTrue(_permitted(patient, Duo.GRU, 0), "GRU");
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "HMB");
        vm.assertTrue(_permitted(patient, Duo.DS, CANCER), "DS");
        vm.assertTrue(_permitted(patient, Duo.POA, 0), "POA");
    }

    function test_isPermitted_hmbCoversHmbAndEveryDisease() public {
        _grant(patient, Duo.HMB, 0, START + YEAR);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "GRU");
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "HMB");
        vm.assertTrue(_permitted(patient, Duo.DS, CANCER), "DS cancer");
        vm.assertTrue(_permitted(patient, Duo.DS, HEART_DISORDER), "DS heart");
        vm.assertFalse(_permitted(patient, Duo.POA, 0), "POA");
    }

    function test_isPermitted_dsCoversItsOwnDiseaseOnly() public {
        _grant(patient, Duo.DS, CANCER, START + YEAR);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "GRU");
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "HMB");
        vm.assertTrue(_permitted(patient, Duo.DS, CANCER), "DS cancer");
        vm.assertFalse(_permitted(patient, Duo.DS, BREAST_CANCER), "DS breast cancer: exact match only");
        vm.assertFalse(_permitted(patient, Duo.POA, 0), "POA");
    }

    function test_isPermitted_poaCoversPoaOnly() public {
        _grant(patient, Duo.POA, 0, START + YEAR);
        vm.assertFalse(_permitted(patient, Duo.GRU, 0), "GRU");
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "HMB");
        vm.assertFalse(_permitted(patient, Duo.DS, CANCER), "DS");
        vm.assertTrue(_permitted(patient, Duo.POA, 0), "POA");
    }

    function test_isPermitted_endsAtExpiry() public {
        _grant(patient, Duo.HMB, 0, START + 1 days);
        vm.warp(START + 1 days - 1);
        vm.assertTrue(_permitted(patient, Duo.HMB, 0), "a second before");
        vm.warp(START + 1 days);
        vm.assertFalse(_permitted(patient, Duo.HMB, 0), "at expiry");
        vm.assertFalse(_permitted(patient, Duo.DS, CANCER), "DS at expiry");
    }

    function test_isPermitted_keepsScopesAndPatientsApart() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        vm.assertFalse(registry.isPermitted(patient, OTHER_OFFER, Duo.GRU, 0), "other scope");
        vm.assertFalse(registry.isPermitted(patient, registry.custodianScope(admin), Duo.GRU, 0), "custodian scope");
        vm.assertFalse(_permitted(otherPatient, Duo.GRU, 0), "other patient");
    }

    function test_isPermitted_findsDiseaseConsentsOutsideTheSet() public {
        _grant(patient, Duo.DS, CANCER, START + YEAR);
        _grant(patient, Duo.DS, BREAST_CANCER, START + 1 days);
        vm.assertTrue(_permitted(patient, Duo.DS, BREAST_CANCER), "breast");
        vm.warp(START + 1 days);
        vm.assertFalse(_permitted(patient, Duo.DS, BREAST_CANCER), "breast expired");
        vm.assertTrue(_permitted(patient, Duo.DS, CANCER), "cancer");
    }

    function test_isPermitted_revertsWhenScopeIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.EmptyScope.selector));
        registry.isPermitted(patient, bytes32(0), Duo.HMB, 0);
    }

    function test_isPermitted_revertsWhenPurposeIsInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, uint16(43), uint32(0)));
        registry.isPermitted(patient, OFFER, 43, 0);
    }

    // ---------------------------------------------------------------- cohortPermitted

    function test_cohortPermitted_setsTheBitOfEachPermittedPatient() public {
        address[] memory cohort = new address[](300);
        for (uint256 i = 0; i < cohort.length; i++) {
            cohort[i] = vm.addr(1_000 + i);
            if (i % 3 == 0) _grant(cohort[i], Duo.HMB, 0, START + YEAR);
            if (i % 3 == 1) _grant(cohort[i], Duo.POA, 0, START + YEAR);
        }
        uint256[] memory bits = registry.cohortPermitted(cohort, OFFER, Duo.DS, CANCER);
        vm.assertEq(bits.length, 2, "two words for 300 patients");
        for (uint256 i = 0; i < cohort.length; i++) {
            bool set = (bits[i >> 8] >> (i & 255)) & 1 == 1;
            vm.assertTrue(set == (i % 3 == 0), "bit i is patient i");
        }
        vm.assertEq(bits[1] >> 44, 0, "no bits past the cohort");
    }

    function test_cohortPermitted_returnsNoWordsForEmptyCohort() public view {
        vm.assertEq(registry.cohortPermitted(new address[](0), OFFER, Duo.GRU, 0).length, 0, "empty");
    }

    function test_cohortPermitted_findsDiseaseConsentsOutsideTheSet() public {
        address[] memory cohort = new address[](3);
        (cohort[0], cohort[1], cohort[2]) = (patient, otherPatient, stranger);
        _grant(patient, Duo.DS, CANCER, START + YEAR);
        _grant(patient, Duo.DS, BREAST_CANCER, START + YEAR);
        _grant(otherPatient, Duo.DS, CANCER, START + YEAR);
        _grant(otherPatient, Duo.DS, HEART_DISORDER, START + YEAR);
        vm.assertEq(registry.cohortPermitted(cohort, OFFER, Duo.DS, BREAST_CANCER)[0], 1, "only patient 0");
        vm.assertEq(registry.cohortPermitted(cohort, OFFER, Duo.DS, CANCER)[0], 3, "patients 0 and 1");
        vm.assertEq(registry.cohortPermitted(cohort, OFFER, Duo.DS, HEART_DISORDER)[0], 2, "only patient 1");
    }

    function test_cohortPermitted_leavesOutExpiredAndRevokedConsents() public {
        address[] memory cohort = new address[](2);
        (cohort[0], cohort[1]) = (patient, otherPatient);
        _grant(patient, Duo.GRU, 0, START + 1 days);
        _grant(otherPatient, Duo.HMB, 0, START + YEAR);
        _revoke(otherPatient, Duo.HMB, 0);
        vm.assertEq(registry.cohortPermitted(cohort, OFFER, Duo.HMB, 0)[0], 1, "patient 0 only");
        vm.warp(START + 1 days);
        vm.assertEq(registry.cohortPermitted(cohort, OFFER, Duo.HMB, 0)[0], 0, "nobody");
    }

    function test_cohortPermitted_revertsWhenScopeIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.EmptyScope.selector));
        registry.cohortPermitted(new address[](1), bytes32(0), Duo.HMB, 0);
    }

    function test_cohortPermitted_revertsWhenPurposeIsInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, Duo.DS, uint32(0)));
        registry.cohortPermitted(new address[](1), OFFER, Duo.DS, 0);
    }

    // ---------------------------------------------------------------- consentExpiry, nonceOf, custodianScope

    function test_consentExpiry_readsExactlyThatConsent() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.GRU, 0), START + YEAR, "GRU");
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.HMB, 0), 0, "HMB is covered, not granted");
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.DS, CANCER), 0, "DS");
    }

    function test_consentExpiry_keepsExpiryOfLapsedConsent() public {
        _grant(patient, Duo.HMB, 0, START + 1 days);
        vm.warp(START + 2 days);
        vm.assertEq(registry.consentExpiry(patient, OFFER, Duo.HMB, 0), START + 1 days, "lapsed, not revoked");
    }

    function test_consentExpiry_revertsWhenScopeIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.EmptyScope.selector));
        registry.consentExpiry(patient, bytes32(0), Duo.HMB, 0);
    }

    function test_consentExpiry_revertsWhenPurposeIsInvalid() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.InvalidPurpose.selector, uint16(0), uint32(0)));
        registry.consentExpiry(patient, OFFER, 0, 0);
    }

    function test_nonceOf_countsChangesPerPatientAndScope() public {
        _grant(patient, Duo.GRU, 0, START + YEAR);
        _grant(patient, Duo.GRU, 0, START + 2 * YEAR);
        _revoke(patient, Duo.GRU, 0);
        vm.prank(patient);
        registry.grantConsent(OTHER_OFFER, Duo.HMB, 0, START + YEAR);
        vm.assertEq(registry.nonceOf(patient, OFFER), 3, "offer");
        vm.assertEq(registry.nonceOf(patient, OTHER_OFFER), 1, "other offer");
        vm.assertEq(registry.nonceOf(otherPatient, OFFER), 0, "other patient");
    }

    function test_custodianScope_leftPadsTheAddress() public view {
        vm.assertEq(registry.custodianScope(admin), bytes32(uint256(uint160(admin))), "padded");
    }

    function test_supportsInterface_reportsRegistryAccessControlAndErc165() public view {
        vm.assertTrue(registry.supportsInterface(type(IConsentRegistry).interfaceId), "IConsentRegistry");
        vm.assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(registry.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(registry.supportsInterface(0xffffffff), "0xffffffff");
    }

    function test_eip712Domain_namesTheRegistry() public view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            registry.eip712Domain();
        vm.assertEq(keccak256(bytes(name)), keccak256("Consentry ConsentRegistry"), "name");
        vm.assertEq(keccak256(bytes(version)), keccak256("1"), "version");
        vm.assertEq(chainId, block.chainid, "chain id");
        vm.assertEq(verifyingContract, address(registry), "verifying contract");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev The consent keys the fuzz tests use: GRU, HMB, POA and DS for three diseases.
    function _key(uint256 index) internal pure returns (uint16 purpose, uint32 disease) {
        index %= 6;
        if (index == 0) return (Duo.GRU, 0);
        if (index == 1) return (Duo.HMB, 0);
        if (index == 2) return (Duo.POA, 0);
        if (index == 3) return (Duo.DS, CANCER);
        if (index == 4) return (Duo.DS, BREAST_CANCER);
        return (Duo.DS, HEART_DISORDER);
    }

    /// @dev DUO's hierarchy, written out again from the model's expiries (indexed like `_key`).
    function _modelPermits(uint64[6] memory expiries, uint256 requestIndex) internal view returns (bool) {
        bool gru = block.timestamp < expiries[0];
        if (requestIndex == 0) return gru;
        if (requestIndex == 2) return gru || block.timestamp < expiries[2];
        bool hmb = gru || block.timestamp < expiries[1];
        if (requestIndex == 1) return hmb;
        return hmb || block.timestamp < expiries[requestIndex];
    }

    function _assertAgreesWithModel(address who, uint64[6] memory expiries) internal view {
        address[] memory cohort = new address[](1);
        cohort[0] = who;
        for (uint256 r = 0; r < 6; r++) {
            (uint16 purpose, uint32 disease) = _key(r);
            bool expected = _modelPermits(expiries, r);
            vm.assertTrue(_permitted(who, purpose, disease) == expected, "isPermitted agrees with the model");
            bool bit = registry.cohortPermitted(cohort, OFFER, purpose, disease)[0] == 1;
            vm.assertTrue(bit == expected, "cohortPermitted agrees with the model");
            vm.assertEq(registry.consentExpiry(who, OFFER, purpose, disease), expiries[r], "stored expiry");
        }
        vm.assertTrue(
            _permitted(who, Duo.DS, 1234) == _modelPermits(expiries, 1), "another disease only through GRU or HMB"
        );
    }

    function test_grantConsent_anySequenceOfGrantsAndRevocationsAgreesWithModel(uint256 seed) public {
        uint64[6] memory expiries;
        uint32 changes = 0;
        for (uint256 step = 0; step < 16; step++) {
            uint256 draw = uint256(keccak256(abi.encode(seed, step)));
            (uint16 purpose, uint32 disease) = _key(draw >> 8);
            uint256 keyIndex = (draw >> 8) % 6;
            uint256 action = draw % 5;
            if (action == 4) {
                vm.warp(block.timestamp + ((draw >> 32) % 3 days));
            } else if (action < 2) {
                uint64 expiresAt = uint64(block.timestamp + 1 + ((draw >> 64) % 4 days));
                if (action == 0) {
                    _grant(patient, purpose, disease, expiresAt);
                } else {
                    IConsentRegistry.SignedConsent memory item = ConsentSigning.grant(
                        patient, OFFER, purpose, disease, expiresAt, changes, uint64(block.timestamp)
                    );
                    _assertOutcome(_submit(_signed(PATIENT_KEY, item)), IConsentRegistry.RelayOutcome.Applied);
                }
                expiries[keyIndex] = expiresAt;
                changes++;
            } else if (expiries[keyIndex] != 0) {
                if (action == 2) {
                    _revoke(patient, purpose, disease);
                } else {
                    IConsentRegistry.SignedConsent memory item = ConsentSigning.revocation(
                        patient, OFFER, purpose, disease, changes, uint64(block.timestamp)
                    );
                    _assertOutcome(_submit(_signed(PATIENT_KEY, item)), IConsentRegistry.RelayOutcome.Applied);
                }
                expiries[keyIndex] = 0;
                changes++;
            }
            _assertAgreesWithModel(patient, expiries);
        }
        vm.assertEq(registry.nonceOf(patient, OFFER), changes, "one nonce per change");
    }

    function test_submitSignedConsents_refusesSignaturesFromAnyoneButThePatient(
        uint256 signerKey,
        uint256 keyIndex,
        uint64 expiresAt
    ) public {
        signerKey = 1 + (signerKey % (SECP256K1_ORDER - 1));
        vm.assume(signerKey != PATIENT_KEY);
        expiresAt = uint64(START + 1 + (expiresAt % (MAX_EXPIRY - START)));
        (uint16 purpose, uint32 disease) = _key(keyIndex);
        IConsentRegistry.SignedConsent memory item =
            ConsentSigning.grant(patient, OFFER, purpose, disease, expiresAt, 0, START);

        _assertOutcome(_submit(_signed(signerKey, item)), IConsentRegistry.RelayOutcome.BadSignature);
        vm.assertEq(registry.nonceOf(patient, OFFER), 0, "nothing applied");
        vm.assertFalse(_permitted(patient, purpose, disease), "not permitted");

        _assertOutcome(_submit(_signed(PATIENT_KEY, item)), IConsentRegistry.RelayOutcome.Applied);
        vm.assertTrue(_permitted(patient, purpose, disease), "the patient's own signature applies");
    }

    function test_cohortPermitted_agreesWithIsPermittedForAnyCohort(uint256 seed) public {
        address[] memory cohort = new address[](40);
        for (uint256 i = 0; i < cohort.length; i++) {
            cohort[i] = vm.addr(10_000 + (uint256(keccak256(abi.encode(seed, i))) % 60));
            uint256 draw = uint256(keccak256(abi.encode(seed, i, "grant")));
            (uint16 purpose, uint32 disease) = _key(draw);
            _grant(cohort[i], purpose, disease, uint64(block.timestamp + 1 + ((draw >> 8) % 3 days)));
        }
        vm.warp(block.timestamp + (seed % 3 days));
        for (uint256 r = 0; r < 6; r++) {
            (uint16 purpose, uint32 disease) = _key(r);
            uint256[] memory bits = registry.cohortPermitted(cohort, OFFER, purpose, disease);
            for (uint256 i = 0; i < cohort.length; i++) {
                bool bit = (bits[0] >> i) & 1 == 1;
                vm.assertTrue(bit == _permitted(cohort[i], purpose, disease), "cohort bit matches isPermitted");
            }
        }
    }
}
