// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IOfferRegistry} from "../src/IOfferRegistry.sol";
import {OfferRegistry} from "../src/OfferRegistry.sol";
import {vm} from "./Vm.sol";

/// @dev Drives registrations by several custodians over a small id space, so ids collide often.
/// Never reverts: a duplicate must be refused with the first custodian named, and is checked in place.
contract OfferRegistryHandler {
    uint256 internal constant ID_SPACE = 16;

    OfferRegistry internal immutable registry;
    address[] internal custodians;

    bytes32[] public registeredIds;
    mapping(bytes32 offerId => address custodian) public firstCustodianOf;
    mapping(bytes32 offerId => bytes32 metadataHash) public metadataHashOf;
    mapping(address custodian => uint256 count) public registrationsBy;

    constructor(OfferRegistry registry_, address[] memory custodians_) {
        registry = registry_;
        custodians = custodians_;
    }

    function registerOffer(uint256 custodianSeed, uint256 idSeed, bytes32 metadataHash) external {
        address custodian = custodians[custodianSeed % custodians.length];
        bytes32 offerId = keccak256(abi.encode("offer", idSeed % ID_SPACE));
        if (metadataHash == bytes32(0)) metadataHash = keccak256(abi.encode("metadata", offerId));

        address firstCustodian = firstCustodianOf[offerId];
        vm.prank(custodian);
        try registry.registerOffer(offerId, metadataHash) {
            require(firstCustodian == address(0), "a taken offer id was registered again");
            registeredIds.push(offerId);
            firstCustodianOf[offerId] = custodian;
            metadataHashOf[offerId] = metadataHash;
            registrationsBy[custodian] += 1;
        } catch (bytes memory reason) {
            bytes memory expected =
                abi.encodeWithSelector(IOfferRegistry.OfferAlreadyRegistered.selector, offerId, firstCustodian);
            require(firstCustodian != address(0) && keccak256(reason) == keccak256(expected), "wrong refusal");
        }
    }

    function registeredCount() external view returns (uint256) {
        return registeredIds.length;
    }

    function custodianCount() external view returns (uint256) {
        return custodians.length;
    }

    function custodianAt(uint256 index) external view returns (address) {
        return custodians[index];
    }
}

contract OfferRegistryInvariantTest {
    OfferRegistry internal registry;
    OfferRegistryHandler internal handler;

    function setUp() public {
        address admin = vm.addr(1);
        registry = new OfferRegistry(admin);
        address[] memory custodians = new address[](3);
        for (uint256 i = 0; i < custodians.length; i++) {
            custodians[i] = vm.addr(10 + i);
            bytes32 custodianRole = registry.CUSTODIAN_ROLE();
            vm.prank(admin);
            registry.grantRole(custodianRole, custodians[i]);
        }
        handler = new OfferRegistryHandler(registry, custodians);
    }

    /// @dev Read by the invariant fuzzer: only the handler is called.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_offerOf_keepsFirstCustodianAndHash() public view {
        uint256 count = handler.registeredCount();
        for (uint256 i = 0; i < count; i++) {
            bytes32 offerId = handler.registeredIds(i);
            (address custodian, bytes32 metadataHash,) = registry.offerOf(offerId);
            vm.assertEq(custodian, handler.firstCustodianOf(offerId), "custodian");
            vm.assertEq(metadataHash, handler.metadataHashOf(offerId), "metadata hash");
        }
    }

    function invariant_registerOffer_offersPerCustodianSumToAllOffers() public view {
        uint256 count = handler.registeredCount();
        uint256 total = 0;
        for (uint256 c = 0; c < handler.custodianCount(); c++) {
            address custodian = handler.custodianAt(c);
            uint256 owned = 0;
            for (uint256 i = 0; i < count; i++) {
                (address registeredBy,,) = registry.offerOf(handler.registeredIds(i));
                if (registeredBy == custodian) owned += 1;
            }
            vm.assertEq(owned, handler.registrationsBy(custodian), "offers held by custodian");
            total += owned;
        }
        vm.assertEq(total, count, "every registered offer belongs to one custodian");
    }
}
