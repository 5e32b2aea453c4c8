// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IOfferRegistry} from "./IOfferRegistry.sol";

/// @title OfferRegistry
/// @notice Custodians register data offers; the admin decides who is a custodian.
contract OfferRegistry is IOfferRegistry, AccessControl, Pausable {
    /// @inheritdoc IOfferRegistry
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");

    /// @inheritdoc IOfferRegistry
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    struct Offer {
        address custodian;
        uint64 registeredAt;
        bytes32 metadataHash;
    }

    mapping(bytes32 offerId => Offer offer) private _offers;

    /// @param admin The account that may grant and revoke roles, custodians included; it may also pause.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @inheritdoc IOfferRegistry
    function registerOffer(bytes32 offerId, bytes32 metadataHash) external onlyRole(CUSTODIAN_ROLE) whenNotPaused {
        _register(offerId, _msgSender(), metadataHash);
    }

    /// @inheritdoc IOfferRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IOfferRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IOfferRegistry
    function offerOf(bytes32 offerId)
        external
        view
        returns (address custodian, bytes32 metadataHash, uint64 registeredAt)
    {
        Offer storage offer = _offers[offerId];
        return (offer.custodian, offer.metadataHash, offer.registeredAt);
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IOfferRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where offers are written: an offer is set once and never changes afterwards.
    function _register(bytes32 offerId, address custodian, bytes32 metadataHash) internal {
        if (offerId == bytes32(0)) revert EmptyOfferId();
        if (metadataHash == bytes32(0)) revert EmptyMetadataHash(offerId);
        address firstCustodian = _offers[offerId].custodian;
        if (firstCustodian != address(0)) revert OfferAlreadyRegistered(offerId, firstCustodian);

        // A uint64 of seconds lasts far beyond any block timestamp this contract will see.
        _offers[offerId] =
            Offer({custodian: custodian, registeredAt: uint64(block.timestamp), metadataHash: metadataHash});
        emit OfferRegistered(offerId, custodian, metadataHash);
    }
}
