// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {CredentialRegistry} from "../../src/study/CredentialRegistry.sol";
import {ICredentialRegistry} from "../../src/study/ICredentialRegistry.sol";
import {vm} from "../Vm.sol";

contract CredentialRegistryTest {
    uint64 internal constant T0 = 1_750_000_000;
    uint64 internal constant EXPIRES_AT = T0 + 365 days;
    bytes32 internal constant VISA_HASH = keccak256("visa-1");
    ICredentialRegistry.VisaType internal constant STATUS = ICredentialRegistry.VisaType.ResearcherStatus;
    ICredentialRegistry.VisaType internal constant AFFILIATION = ICredentialRegistry.VisaType.AffiliationAndRole;

    CredentialRegistry internal registry;
    address internal admin = vm.addr(1);
    address internal issuer = vm.addr(2);
    address internal otherIssuer = vm.addr(3);
    address internal researcher = vm.addr(4);
    address internal stranger = vm.addr(5);
    bytes32 internal issuerRole;

    function setUp() public {
        vm.warp(T0);
        registry = new CredentialRegistry(admin);
        issuerRole = registry.ISSUER_ROLE();
        vm.prank(admin);
        registry.grantRole(issuerRole, issuer);
        vm.prank(admin);
        registry.grantRole(issuerRole, otherIssuer);
    }

    function _issue() internal {
        vm.prank(issuer);
        registry.issueCredential(researcher, STATUS, VISA_HASH, EXPIRES_AT);
    }

    function test_constructor_grantsDefaultAdminRoleToAdminOnly() public view {
        vm.assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin), "admin");
        vm.assertFalse(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), address(this)), "deployer is not admin");
        vm.assertEq(issuerRole, keccak256("ISSUER_ROLE"), "ISSUER_ROLE");
    }

    function test_issueCredential_storesTheVisaAndMakesItLive() public {
        _issue();
        ICredentialRegistry.Credential memory credential = registry.credentialOf(researcher, STATUS);
        vm.assertEq(credential.issuer, issuer, "issuer");
        vm.assertEq(credential.issuedAt, T0, "issuedAt");
        vm.assertEq(credential.expiresAt, EXPIRES_AT, "expiresAt");
        vm.assertFalse(credential.revoked, "revoked");
        vm.assertEq(credential.valueHash, VISA_HASH, "valueHash");
        vm.assertTrue(registry.hasLiveCredential(researcher, STATUS), "live");
    }

    function test_issueCredential_emitsCredentialIssued() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit ICredentialRegistry.CredentialIssued(researcher, STATUS, issuer, VISA_HASH, EXPIRES_AT);
        _issue();
    }

    function test_issueCredential_renewsARevokedVisaUnderTheNewIssuer() public {
        _issue();
        vm.prank(issuer);
        registry.revokeCredential(researcher, STATUS);

        vm.prank(otherIssuer);
        registry.issueCredential(researcher, STATUS, keccak256("visa-2"), EXPIRES_AT + 1);
        ICredentialRegistry.Credential memory credential = registry.credentialOf(researcher, STATUS);
        vm.assertEq(credential.issuer, otherIssuer, "issuer");
        vm.assertFalse(credential.revoked, "revoked");
        vm.assertEq(credential.valueHash, keccak256("visa-2"), "valueHash");
        vm.assertTrue(registry.hasLiveCredential(researcher, STATUS), "live again");
    }

    function test_issueCredential_revertsWhenCallerIsNotIssuer() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, issuerRole)
        );
        vm.prank(admin);
        registry.issueCredential(researcher, STATUS, VISA_HASH, EXPIRES_AT);
    }

    function test_issueCredential_revertsWhenResearcherIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(ICredentialRegistry.InvalidResearcher.selector, address(0)));
        vm.prank(issuer);
        registry.issueCredential(address(0), STATUS, VISA_HASH, EXPIRES_AT);
    }

    function test_issueCredential_revertsWhenValueHashIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(ICredentialRegistry.EmptyValueHash.selector, researcher, AFFILIATION));
        vm.prank(issuer);
        registry.issueCredential(researcher, AFFILIATION, bytes32(0), EXPIRES_AT);
    }

    function test_issueCredential_revertsWhenExpiryIsNotAfterNow() public {
        vm.expectRevert(abi.encodeWithSelector(ICredentialRegistry.ExpiryNotInFuture.selector, T0, T0));
        vm.prank(issuer);
        registry.issueCredential(researcher, STATUS, VISA_HASH, T0);
    }

    function test_revokeCredential_byItsIssuerEndsLivenessAndEmits() public {
        _issue();
        vm.expectEmit(true, true, true, true, address(registry));
        emit ICredentialRegistry.CredentialRevoked(researcher, STATUS, issuer);
        vm.prank(issuer);
        registry.revokeCredential(researcher, STATUS);

        vm.assertFalse(registry.hasLiveCredential(researcher, STATUS), "not live");
        ICredentialRegistry.Credential memory credential = registry.credentialOf(researcher, STATUS);
        vm.assertTrue(credential.revoked, "revoked");
        vm.assertEq(credential.valueHash, VISA_HASH, "the record keeps what was revoked");
    }

    function test_revokeCredential_byAdminEndsLiveness() public {
        _issue();
        vm.prank(admin);
        registry.revokeCredential(researcher, STATUS);
        vm.assertFalse(registry.hasLiveCredential(researcher, STATUS), "not live");
    }

    function test_revokeCredential_revertsWhenNoVisaWasIssued() public {
        vm.expectRevert(abi.encodeWithSelector(ICredentialRegistry.UnknownCredential.selector, researcher, STATUS));
        vm.prank(admin);
        registry.revokeCredential(researcher, STATUS);
    }

    function test_revokeCredential_revertsWhenAlreadyRevoked() public {
        _issue();
        vm.prank(issuer);
        registry.revokeCredential(researcher, STATUS);
        vm.expectRevert(
            abi.encodeWithSelector(ICredentialRegistry.CredentialAlreadyRevoked.selector, researcher, STATUS)
        );
        vm.prank(admin);
        registry.revokeCredential(researcher, STATUS);
    }

    function test_revokeCredential_revertsWhenCallerIsAnotherIssuer() public {
        _issue();
        vm.expectRevert(
            abi.encodeWithSelector(
                ICredentialRegistry.NotCredentialIssuer.selector, researcher, STATUS, otherIssuer
            )
        );
        vm.prank(otherIssuer);
        registry.revokeCredential(researcher, STATUS);
        vm.assertTrue(registry.hasLiveCredential(researcher, STATUS), "still live");
    }

    function test_hasLiveCredential_isLiveUntilTheSecondBeforeExpiry() public {
        _issue();
        vm.warp(EXPIRES_AT - 1);
        vm.assertTrue(registry.hasLiveCredential(researcher, STATUS), "live one second before");
        vm.warp(EXPIRES_AT);
        vm.assertFalse(registry.hasLiveCredential(researcher, STATUS), "expired at expiresAt");
    }

    function test_hasLiveCredential_keepsVisaTypesApart() public {
        _issue();
        vm.assertFalse(registry.hasLiveCredential(researcher, AFFILIATION), "other visa type");
        vm.assertFalse(registry.hasLiveCredential(stranger, STATUS), "someone else");
    }

    function test_hasLiveCredential_matchesExpiryForAnyTime(uint64 at) public {
        _issue();
        vm.warp(at);
        vm.assertEq(
            registry.hasLiveCredential(researcher, STATUS) ? 1 : 0, at < EXPIRES_AT ? 1 : 0, "live iff before expiry"
        );
    }

    function test_credentialOf_returnsZerosWhenNoneWasIssued() public view {
        ICredentialRegistry.Credential memory credential = registry.credentialOf(researcher, STATUS);
        vm.assertEq(credential.issuer, address(0), "issuer");
        vm.assertEq(credential.expiresAt, 0, "expiresAt");
        vm.assertEq(credential.valueHash, bytes32(0), "valueHash");
        vm.assertFalse(registry.hasLiveCredential(researcher, STATUS), "not live");
    }

    function test_supportsInterface_reportsCredentialRegistryAndAccessControl() public view {
        vm.assertTrue(registry.supportsInterface(type(ICredentialRegistry).interfaceId), "ICredentialRegistry");
        vm.assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertFalse(registry.supportsInterface(0xffffffff), "0xffffffff");
    }

    function test_issueCredential_revertsWhenPaused() public {
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _issue();

        vm.prank(admin);
        registry.unpause();
        _issue();
        vm.assertTrue(registry.hasLiveCredential(researcher, STATUS), "issued after unpause");
    }

    function test_revokeCredential_worksWhilePaused() public {
        _issue();
        vm.prank(admin);
        registry.pause();
        vm.expectEmit(true, true, true, true, address(registry));
        emit ICredentialRegistry.CredentialRevoked(researcher, STATUS, issuer);
        vm.prank(issuer);
        registry.revokeCredential(researcher, STATUS);
        vm.assertFalse(registry.hasLiveCredential(researcher, STATUS), "revoked while paused");
        vm.assertTrue(registry.credentialOf(researcher, STATUS).revoked, "the record shows the revocation");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_constructor_grantsPauserRoleToAdminOnly() public view {
        vm.assertTrue(registry.hasRole(registry.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(registry.hasRole(registry.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(registry.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(registry.paused(), "starts unpaused");
    }

    function test_pause_stopsIssuingAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        registry.pause();
        vm.assertTrue(registry.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, issuer, registry.PAUSER_ROLE()
            )
        );
        vm.prank(issuer);
        registry.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        registry.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        registry.pause();
    }

    function test_unpause_emitsUnpaused() public {
        vm.prank(admin);
        registry.pause();
        vm.expectEmit(true, true, true, true, address(registry));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        registry.unpause();
        vm.assertFalse(registry.paused(), "unpaused");
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
}
