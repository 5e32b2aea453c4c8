// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title ICredentialRegistry
/// @notice Passport-style attestations about researchers, after GA4GH Passport visas. A custodian or the ethics
/// board (an account with `ISSUER_ROLE`) vouches that a researcher holds a visa, commits to the visa's content
/// by hash (the visa itself stays off chain), and sets when the attestation expires. The board, the licence and
/// anyone else then ask one question: does this researcher hold a live visa of this type right now?
interface ICredentialRegistry {
    /// @notice The GA4GH visa types Consentry relies on.
    enum VisaType {
        /// @dev The researcher is a bona fide researcher (GA4GH "ResearcherStatus").
        ResearcherStatus,
        /// @dev The researcher's institution and role (GA4GH "AffiliationAndRole").
        AffiliationAndRole
    }

    /// @notice One attestation; there is at most one per researcher and visa type, the latest issued.
    /// @param issuer The account that issued it; it, or an admin, may revoke it.
    /// @param issuedAt The timestamp of the block in which it was issued.
    /// @param expiresAt The first timestamp at which it no longer counts.
    /// @param revoked Whether it was revoked before it expired.
    /// @param valueHash The hash of the visa's off-chain value (e.g. the signed visa JWT).
    struct Credential {
        address issuer;
        uint64 issuedAt;
        uint64 expiresAt;
        bool revoked;
        bytes32 valueHash;
    }

    /// @notice Emitted when an issuer has issued (or renewed) a researcher's visa.
    event CredentialIssued(
        address indexed researcher,
        VisaType indexed visaType,
        address indexed issuer,
        bytes32 valueHash,
        uint64 expiresAt
    );

    /// @notice Emitted when a researcher's visa has been revoked.
    /// @param revokedBy The issuer or admin that revoked it.
    event CredentialRevoked(address indexed researcher, VisaType indexed visaType, address indexed revokedBy);

    /// @notice The researcher is the zero address.
    error InvalidResearcher(address researcher);

    /// @notice The value hash is zero, so the attestation would commit to nothing.
    error EmptyValueHash(address researcher, VisaType visaType);

    /// @notice The expiry is not after the current block's timestamp.
    error ExpiryNotInFuture(uint64 expiresAt, uint64 blockTime);

    /// @notice No visa of this type was ever issued to the researcher.
    error UnknownCredential(address researcher, VisaType visaType);

    /// @notice The visa was already revoked.
    error CredentialAlreadyRevoked(address researcher, VisaType visaType);

    /// @notice The caller is neither the visa's issuer nor an admin.
    error NotCredentialIssuer(address researcher, VisaType visaType, address caller);

    /// @notice The role an account needs to issue visas: custodians and the board, granted by the admin.
    function ISSUER_ROLE() external view returns (bytes32);

    /// @notice The role that may pause issuing in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Issues a visa to a researcher, replacing any earlier one of the same type (a renewal).
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `ISSUER_ROLE`, `EnforcedPause` while paused,
    /// `InvalidResearcher`, `EmptyValueHash` or `ExpiryNotInFuture`.
    /// @param researcher The researcher's account, non-zero.
    /// @param visaType The visa's type.
    /// @param valueHash The hash of the visa's off-chain value, non-zero.
    /// @param expiresAt The first timestamp at which the visa no longer counts, after the current block's.
    function issueCredential(address researcher, VisaType visaType, bytes32 valueHash, uint64 expiresAt) external;

    /// @notice Revokes a researcher's visa at once. Works while paused.
    /// @dev Reverts with `UnknownCredential`, `CredentialAlreadyRevoked`, or `NotCredentialIssuer` when the
    /// caller neither issued this visa nor holds `DEFAULT_ADMIN_ROLE`.
    function revokeCredential(address researcher, VisaType visaType) external;

    /// @notice Stops issuing and renewing visas. Revocations and views keep working: a visa can always be withdrawn.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets issuing through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice Whether the researcher holds a visa of this type that was issued, is not revoked and has not expired.
    function hasLiveCredential(address researcher, VisaType visaType) external view returns (bool);

    /// @notice The researcher's latest visa of this type; all fields are zero when none was issued.
    function credentialOf(address researcher, VisaType visaType) external view returns (Credential memory);
}
