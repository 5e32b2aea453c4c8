// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title ICareGrants
/// @notice Patients' grants to care providers: a provider may read a patient's full history for one condition
/// (and nothing unrelated) until the grant's expiry or its revocation by the patient. The condition is a MONDO
/// number, as for disease-specific consents (`MONDO:0005267`, heart disorder, is 5267); mapping the codes of
/// FHIR resources to it happens off chain.
interface ICareGrants {
    /// @notice Emitted when a patient has granted a provider access for a condition, or replaced its expiry.
    /// @param patient The patient.
    /// @param provider The care provider.
    /// @param condition The condition's MONDO number.
    /// @param expiresAt The first second at which the grant no longer holds.
    event CareAccessGranted(
        address indexed patient, address indexed provider, uint32 indexed condition, uint64 expiresAt
    );

    /// @notice Emitted when a patient has revoked a provider's access for a condition.
    /// @param patient The patient.
    /// @param provider The care provider.
    /// @param condition The condition's MONDO number.
    event CareAccessRevoked(address indexed patient, address indexed provider, uint32 indexed condition);

    /// @notice The provider is the zero address or the patient themself.
    /// @param provider The provider given.
    error InvalidProvider(address provider);

    /// @notice The condition is zero, which names no condition.
    error EmptyCondition();

    /// @notice The expiry is not after the current block's timestamp.
    /// @param expiresAt The expiry given.
    /// @param now_ The current block's timestamp.
    error ExpiryNotInFuture(uint64 expiresAt, uint64 now_);

    /// @notice There is no grant to revoke: never made, or already revoked.
    /// @param patient The patient.
    /// @param provider The provider.
    /// @param condition The condition.
    error CareGrantNotFound(address patient, address provider, uint32 condition);

    /// @notice The role that may pause new grants in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Grants `provider` access to the caller's records for `condition` until `expiresAt`, or replaces the
    /// expiry of an existing grant.
    /// @dev Reverts with `EnforcedPause` while paused, `InvalidProvider`, `EmptyCondition` or `ExpiryNotInFuture`.
    /// @param provider The care provider, neither zero nor the caller.
    /// @param condition The condition's MONDO number, non-zero.
    /// @param expiresAt The first second at which the grant no longer holds, after now.
    function grantCareAccess(address provider, uint32 condition, uint64 expiresAt) external;

    /// @notice Revokes `provider`'s access to the caller's records for `condition`, at once. Works while paused.
    /// @dev Reverts with `CareGrantNotFound` when there is nothing to revoke (an expired grant can still be revoked).
    /// @param provider The care provider.
    /// @param condition The condition's MONDO number.
    function revokeCareAccess(address provider, uint32 condition) external;

    /// @notice Stops new grants and changes of expiry. Revocations and views keep working: a patient can always
    /// take access back.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets grants through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice Whether `provider` may read `patient`'s records for `condition` now: granted, not revoked, not expired.
    /// @param patient The patient.
    /// @param provider The care provider.
    /// @param condition The condition's MONDO number.
    function hasCareAccess(address patient, address provider, uint32 condition) external view returns (bool);

    /// @notice The expiry of the grant; 0 when never made or revoked.
    /// @param patient The patient.
    /// @param provider The care provider.
    /// @param condition The condition's MONDO number.
    function careAccessExpiry(address patient, address provider, uint32 condition) external view returns (uint64);
}
