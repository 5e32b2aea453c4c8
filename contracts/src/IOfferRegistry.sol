// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title IOfferRegistry
/// @notice Public record of the data offers that custodians publish on Consentry. An offer is registered
/// once, by one custodian, and binds its id to the hash of its off-chain metadata, so researchers can check
/// that the offer they are shown is the one the custodian committed to.
interface IOfferRegistry {
    /// @notice Emitted when a custodian has registered an offer.
    /// @param offerId The offer's id.
    /// @param custodian The custodian that registered the offer.
    /// @param metadataHash The hash of the offer's off-chain metadata.
    event OfferRegistered(bytes32 indexed offerId, address indexed custodian, bytes32 metadataHash);

    /// @notice The offer id is already taken.
    /// @param offerId The offer's id.
    /// @param custodian The custodian that registered the offer first.
    error OfferAlreadyRegistered(bytes32 offerId, address custodian);

    /// @notice The offer id is zero, which is reserved for "no offer".
    error EmptyOfferId();

    /// @notice The metadata hash is zero, so the offer would commit to nothing.
    /// @param offerId The offer's id.
    error EmptyMetadataHash(bytes32 offerId);

    /// @notice The role an account needs to register offers, granted by the admin.
    function CUSTODIAN_ROLE() external view returns (bytes32);

    /// @notice The role that may pause registration in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Registers an offer on behalf of the calling custodian.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` when the caller lacks `CUSTODIAN_ROLE`, `EnforcedPause`
    /// while paused, `EmptyOfferId`, `EmptyMetadataHash`, or `OfferAlreadyRegistered` when the id is taken.
    /// @param offerId The offer's id, non-zero and not yet registered.
    /// @param metadataHash The hash of the offer's off-chain metadata, non-zero.
    function registerOffer(bytes32 offerId, bytes32 metadataHash) external;

    /// @notice Stops new registrations. Registered offers stay readable.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets registrations through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice Returns a registered offer; all fields are zero when the offer is unknown.
    /// @param offerId The offer's id.
    /// @return custodian The custodian that registered the offer.
    /// @return metadataHash The hash of the offer's off-chain metadata.
    /// @return registeredAt The timestamp of the block in which the offer was registered.
    function offerOf(bytes32 offerId)
        external
        view
        returns (address custodian, bytes32 metadataHash, uint64 registeredAt);
}
