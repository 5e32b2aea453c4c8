// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title IConsentRegistry
/// @notice Patients' research consents on Consentry: per scope and per purpose, with an expiry, revocable at any
/// time, given by the patient's own transaction or by an EIP-712 signature that a relayer submits in a batch, so
/// patients pay no gas. Workers check consents here at the moment they select a cohort.
///
/// Scope: what the consent covers. A dataset offer's id (as in `IOfferRegistry`), or a custodian's whole holding,
/// whose scope id is the custodian's address left-padded to 32 bytes (`custodianScope`). Offer ids are hashes, so
/// they never take that form. A study on an offer is covered by consent for the offer or for its custodian: ask
/// for both scopes.
///
/// Purpose: a GA4GH DUO term by number: GRU (42) general research use, HMB (6) health/medical/biomedical
/// research, DS (7) disease-specific research, which names its disease as a MONDO number (4992 for cancer), and
/// POA (11) population origins or ancestry research. A purpose other than DS names disease 0. Consents follow
/// DUO's hierarchy: GRU covers every purpose (DUO's GRU includes ancestry research); HMB covers HMB and DS for any
/// disease; DS covers DS for its own disease only (exact MONDO match: a caller that wants a broader disease to
/// count asks again with it); POA covers POA only. DUO's modifiers (NCU, NPU, IRB, ...) are not held here.
///
/// A consent is in force from its grant until its expiry (exclusive) or its revocation. Granting again replaces
/// the expiry. A patient has one nonce per scope, which every change to that scope bumps: a signed change must
/// name the current nonce, so it applies once, and any later change (direct or signed) voids it.
interface IConsentRegistry {
    /// @notice The outcome of one item of a relayed batch.
    enum RelayOutcome {
        /// The change was made.
        Applied,
        /// The signature's deadline had passed.
        DeadlinePassed,
        /// The signature is malformed or not the patient's.
        BadSignature,
        /// The item's nonce is not the patient's current nonce for the scope: replayed, voided or out of order.
        StaleNonce,
        /// The change itself is refused; the rejection's reason carries the error a direct call would revert with.
        Refused,
        /// New grants are paused; revocations still apply.
        GrantsPaused
    }

    /// @notice A patient's signed grant or revocation, as a relayer submits it.
    /// @dev A grant signs the EIP-712 struct `ConsentGrant(address patient,bytes32 scope,uint16 purpose,
    /// uint32 disease,uint64 expiresAt,uint32 nonce,uint64 deadline)`; an item with `expiresAt` 0 is a revocation
    /// and signs `ConsentRevocation(address patient,bytes32 scope,uint16 purpose,uint32 disease,uint32 nonce,
    /// uint64 deadline)`. The signature is in ERC-2098 short form (`r`, `vs`).
    struct SignedConsent {
        address patient;
        bytes32 scope;
        uint16 purpose;
        uint32 disease;
        uint64 expiresAt;
        uint32 nonce;
        uint64 deadline;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice Emitted when a patient has granted consent, or replaced the expiry of one.
    /// @param patient The patient.
    /// @param scope The offer id or custodian scope.
    /// @param purpose The DUO term number.
    /// @param disease The MONDO number for DS, otherwise 0.
    /// @param expiresAt The first second at which the consent no longer holds.
    event ConsentGranted(
        address indexed patient, bytes32 indexed scope, uint16 indexed purpose, uint32 disease, uint64 expiresAt
    );

    /// @notice Emitted when a patient has revoked a consent.
    /// @param patient The patient.
    /// @param scope The offer id or custodian scope.
    /// @param purpose The DUO term number.
    /// @param disease The MONDO number for DS, otherwise 0.
    event ConsentRevoked(address indexed patient, bytes32 indexed scope, uint16 indexed purpose, uint32 disease);

    /// @notice Emitted when an item of a relayed batch was not applied; the other items are unaffected.
    /// @param index The item's position in the batch.
    /// @param patient The patient the item names.
    /// @param outcome Why it was not applied.
    /// @param reason For `Refused`, the custom error a direct call would have reverted with; otherwise empty.
    event SignedConsentRejected(uint256 index, address indexed patient, RelayOutcome outcome, bytes reason);

    /// @notice The scope is zero, which is reserved for "no scope".
    error EmptyScope();

    /// @notice The purpose is not GRU, HMB, DS or POA, or DS names no disease, or another purpose names one.
    /// @param purpose The DUO term number given.
    /// @param disease The disease given.
    error InvalidPurpose(uint16 purpose, uint32 disease);

    /// @notice The expiry is not after the current block's timestamp.
    /// @param expiresAt The expiry given.
    /// @param now_ The current block's timestamp.
    error ExpiryNotInFuture(uint64 expiresAt, uint64 now_);

    /// @notice The expiry is beyond the latest one the registry can hold.
    /// @param expiresAt The expiry given.
    /// @param maxExpiry The latest expiry the registry holds (`type(uint40).max`).
    error ExpiryTooFar(uint64 expiresAt, uint64 maxExpiry);

    /// @notice There is no consent to revoke: never granted, or already revoked.
    /// @param patient The patient.
    /// @param scope The scope.
    /// @param purpose The DUO term number.
    /// @param disease The disease.
    error ConsentNotFound(address patient, bytes32 scope, uint16 purpose, uint32 disease);

    /// @notice The role an account needs to submit signed batches, granted by the admin.
    function RELAYER_ROLE() external view returns (bytes32);

    /// @notice The role an account needs to pause new grants in an emergency; unpausing needs the admin.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice Grants the caller's consent for `purpose` on `scope` until `expiresAt`, or replaces its expiry.
    /// @dev Reverts with `EnforcedPause` while paused, `EmptyScope`, `InvalidPurpose`, `ExpiryNotInFuture` or
    /// `ExpiryTooFar`. Bumps the caller's nonce for the scope, voiding any signed change not yet submitted.
    /// @param scope The offer id or custodian scope, non-zero.
    /// @param purpose The DUO term number: 42, 6, 7 or 11.
    /// @param disease The MONDO number for DS, otherwise 0.
    /// @param expiresAt The first second at which the consent no longer holds; after now, at most `type(uint40).max`.
    function grantConsent(bytes32 scope, uint16 purpose, uint32 disease, uint64 expiresAt) external;

    /// @notice Revokes the caller's consent for `purpose` on `scope`, at once. Works while paused.
    /// @dev Reverts with `EmptyScope`, `InvalidPurpose`, or `ConsentNotFound` when there is nothing to revoke (an
    /// expired consent can still be revoked). Bumps the caller's nonce for the scope.
    /// @param scope The offer id or custodian scope.
    /// @param purpose The DUO term number.
    /// @param disease The MONDO number for DS, otherwise 0.
    function revokeConsent(bytes32 scope, uint16 purpose, uint32 disease) external;

    /// @notice Applies a batch of patients' signed grants and revocations, in order. An item with a passed
    /// deadline, a bad signature, a stale nonce, refused content, or a grant while paused is skipped, reported in
    /// the result and by `SignedConsentRejected`, and does not affect the other items.
    /// @dev Reverts only with `AccessControlUnauthorizedAccount` when the caller lacks `RELAYER_ROLE`.
    /// @param items The signed changes.
    /// @return outcomes One outcome per item, in order.
    function submitSignedConsents(SignedConsent[] calldata items) external returns (RelayOutcome[] memory outcomes);

    /// @notice Stops new grants, direct and signed. Revocations and views keep working.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets grants through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice Whether the patient's consents on `scope` permit a request for `purpose` now: some covering consent
    /// (by DUO's hierarchy) is granted, not revoked and not expired.
    /// @dev Reverts with `EmptyScope` or `InvalidPurpose`.
    /// @param patient The patient.
    /// @param scope The offer id or custodian scope.
    /// @param purpose The request's DUO term number.
    /// @param disease The request's MONDO number for DS, otherwise 0.
    function isPermitted(address patient, bytes32 scope, uint16 purpose, uint32 disease)
        external
        view
        returns (bool);

    /// @notice `isPermitted` for a whole cohort at once, for a worker selecting the patients it may use.
    /// @dev Reverts with `EmptyScope` or `InvalidPurpose`. Reads one storage slot per patient (two for a DS request
    /// when the patient holds DS consents for several diseases on the scope): about 2,800 gas per patient with its
    /// calldata, so 10,000 patients fit a 30M-gas call and 5,000 fit the 2^24 cap of Osaka-era nodes.
    /// @param patients The cohort.
    /// @param scope The offer id or custodian scope.
    /// @param purpose The request's DUO term number.
    /// @param disease The request's MONDO number for DS, otherwise 0.
    /// @return permitted A bitmap: bit `i % 256` of word `i / 256` is set when `patients[i]` is permitted.
    function cohortPermitted(address[] calldata patients, bytes32 scope, uint16 purpose, uint32 disease)
        external
        view
        returns (uint256[] memory permitted);

    /// @notice The expiry of exactly this consent, without the hierarchy; 0 when never granted or revoked. An
    /// expiry in the past means the consent has lapsed.
    /// @dev Reverts with `EmptyScope` or `InvalidPurpose`.
    /// @param patient The patient.
    /// @param scope The offer id or custodian scope.
    /// @param purpose The DUO term number.
    /// @param disease The MONDO number for DS, otherwise 0.
    function consentExpiry(address patient, bytes32 scope, uint16 purpose, uint32 disease)
        external
        view
        returns (uint64);

    /// @notice The nonce the patient's next signed change on `scope` must name.
    /// @param patient The patient.
    /// @param scope The offer id or custodian scope.
    function nonceOf(address patient, bytes32 scope) external view returns (uint32);

    /// @notice The scope id of a custodian's whole holding: its address, left-padded to 32 bytes.
    /// @param custodian The custodian.
    function custodianScope(address custodian) external pure returns (bytes32);
}
