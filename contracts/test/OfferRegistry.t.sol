// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IOfferRegistry} from "../src/IOfferRegistry.sol";
import {OfferRegistry} from "../src/OfferRegistry.sol";
import {vm} from "./Vm.sol";

contract OfferRegistryTest {
    OfferRegistry internal registry;

    address internal admin = vm.addr(1);
    address internal custodian = vm.addr(2);
    address internal otherCustodian = vm.addr(3);
    address internal stranger = vm.addr(4);

    bytes32 internal constant OFFER_ID = keccak256("offer-1");
    bytes32 internal constant METADATA_HASH = keccak256("metadata-1");

    function setUp() public {
        registry = new OfferRegistry(admin);
        bytes32 custodianRole = registry.CUSTODIAN_ROLE();
        vm.prank(admin);
        registry.grantRole(custodianRole, custodian);
        vm.prank(admin);
        registry.grantRole(custodianRole, otherCustodian);
    }

    function _pause() internal {
        vm.prank(admin);
        registry.pause();
    }

    function test_constructor_grantsDefaultAdminRoleToAdmin() public view {
        vm.assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin), "admin holds DEFAULT_ADMIN_ROLE");
        vm.assertFalse(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), address(this)), "deployer is not admin");
    }

    function test_constructor_grantsPauserRoleToAdminOnly() public view {
        vm.assertTrue(registry.hasRole(registry.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(registry.hasRole(registry.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(registry.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(registry.paused(), "starts unpaused");
    }

    function test_grantRole_revertsWhenCallerIsNotAdmin() public {
        bytes32 custodianRole = registry.CUSTODIAN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, custodian, registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(custodian);
        registry.grantRole(custodianRole, stranger);
    }

    function test_registerOffer_storesCustodianHashAndTimestamp() public {
        vm.warp(1_750_000_000);
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);

        (address storedCustodian, bytes32 storedHash, uint64 registeredAt) = registry.offerOf(OFFER_ID);
        vm.assertEq(storedCustodian, custodian, "custodian");
        vm.assertEq(storedHash, METADATA_HASH, "metadata hash");
        vm.assertEq(registeredAt, 1_750_000_000, "registeredAt is the block timestamp");
    }

    function test_registerOffer_emitsOfferRegistered() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit IOfferRegistry.OfferRegistered(OFFER_ID, custodian, METADATA_HASH);
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);
    }

    function test_registerOffer_revertsWhenCallerIsNotCustodian() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, registry.CUSTODIAN_ROLE()
            )
        );
        vm.prank(stranger);
        registry.registerOffer(OFFER_ID, METADATA_HASH);
    }

    function test_registerOffer_revertsWhenCallerIsOnlyAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, admin, registry.CUSTODIAN_ROLE()
            )
        );
        vm.prank(admin);
        registry.registerOffer(OFFER_ID, METADATA_HASH);
    }

    function test_registerOffer_revertsAfterCustodianRoleIsRevoked() public {
        bytes32 custodianRole = registry.CUSTODIAN_ROLE();
        vm.prank(admin);
        registry.revokeRole(custodianRole, custodian);

        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, custodian, custodianRole)
        );
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);
    }

    function test_registerOffer_revertsWhenOfferIdIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IOfferRegistry.EmptyOfferId.selector));
        vm.prank(custodian);
        registry.registerOffer(bytes32(0), METADATA_HASH);
    }

    function test_registerOffer_revertsWhenMetadataHashIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IOfferRegistry.EmptyMetadataHash.selector, OFFER_ID));
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, bytes32(0));
    }

    function test_registerOffer_revertsWhenSameCustodianRegistersTwice() public {
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);

        vm.expectRevert(abi.encodeWithSelector(IOfferRegistry.OfferAlreadyRegistered.selector, OFFER_ID, custodian));
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, keccak256("metadata-2"));
    }

    function test_registerOffer_revertsWithFirstCustodianWhenAnotherCustodianTakesTheId() public {
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);

        vm.expectRevert(abi.encodeWithSelector(IOfferRegistry.OfferAlreadyRegistered.selector, OFFER_ID, custodian));
        vm.prank(otherCustodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);

        (address storedCustodian, bytes32 storedHash,) = registry.offerOf(OFFER_ID);
        vm.assertEq(storedCustodian, custodian, "first custodian keeps the offer");
        vm.assertEq(storedHash, METADATA_HASH, "first metadata hash is kept");
    }

    function test_registerOffer_roundTripsAnyNonZeroIdAndHash(bytes32 offerId, bytes32 metadataHash, uint64 at)
        public
    {
        vm.assume(offerId != bytes32(0) && metadataHash != bytes32(0));
        vm.warp(at);
        vm.prank(custodian);
        registry.registerOffer(offerId, metadataHash);

        (address storedCustodian, bytes32 storedHash, uint64 registeredAt) = registry.offerOf(offerId);
        vm.assertEq(storedCustodian, custodian, "custodian");
        vm.assertEq(storedHash, metadataHash, "metadata hash");
        vm.assertEq(registeredAt, at, "registeredAt");
    }

    function test_registerOffer_refusesAnyNonCustodian(address caller, bytes32 offerId, bytes32 metadataHash) public {
        vm.assume(caller != custodian && caller != otherCustodian);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, registry.CUSTODIAN_ROLE()
            )
        );
        vm.prank(caller);
        registry.registerOffer(offerId, metadataHash);

        (address storedCustodian,,) = registry.offerOf(offerId);
        vm.assertEq(storedCustodian, address(0), "nothing was registered");
    }

    function test_registerOffer_revertsWhenPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);

        vm.prank(admin);
        registry.unpause();
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);
        (address storedCustodian,,) = registry.offerOf(OFFER_ID);
        vm.assertEq(storedCustodian, custodian, "registered after unpause");
    }

    function test_offerOf_worksWhilePaused() public {
        vm.prank(custodian);
        registry.registerOffer(OFFER_ID, METADATA_HASH);
        _pause();
        (address storedCustodian, bytes32 storedHash,) = registry.offerOf(OFFER_ID);
        vm.assertEq(storedCustodian, custodian, "custodian");
        vm.assertEq(storedHash, METADATA_HASH, "metadata hash");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_pause_stopsRegistrationAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit Pausable.Paused(admin);
        _pause();
        vm.assertTrue(registry.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, custodian, registry.PAUSER_ROLE()
            )
        );
        vm.prank(custodian);
        registry.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _pause();
    }

    function test_unpause_emitsUnpaused() public {
        _pause();
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

    function test_offerOf_returnsZerosForUnknownOffer() public view {
        (address storedCustodian, bytes32 storedHash, uint64 registeredAt) = registry.offerOf(OFFER_ID);
        vm.assertEq(storedCustodian, address(0), "custodian");
        vm.assertEq(storedHash, bytes32(0), "metadata hash");
        vm.assertEq(registeredAt, 0, "registeredAt");
    }

    function test_supportsInterface_reportsOfferRegistryAccessControlAndErc165() public view {
        vm.assertTrue(registry.supportsInterface(type(IOfferRegistry).interfaceId), "IOfferRegistry");
        vm.assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(registry.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(registry.supportsInterface(0xffffffff), "0xffffffff is never supported");
    }
}
