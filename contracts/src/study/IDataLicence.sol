// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {ICredentialRegistry} from "./ICredentialRegistry.sol";
import {IEthicsBoard} from "./IEthicsBoard.sol";
import {IStudyEscrow} from "./IStudyEscrow.sol";

/// @title IDataLicence
/// @notice The licence to run a study's approved analyses: one ERC-1155 token per study, id `uint256(studyId)`,
/// minted once to the study's researcher after the board approved the study, the study was paid for and while
/// the researcher holds a live visa. It cannot be transferred or approved to anyone; it expires after the
/// study's licence duration; the board can revoke it (the token is burnt, the record kept). A licence is live
/// only while it is unexpired, unrevoked AND its researcher's visa is live: a withdrawn visa stops every
/// licence of that researcher at once.
interface IDataLicence {
    /// @notice The licence record, kept after revocation so the trail shows what was granted.
    /// @param researcher The holder, the study's researcher.
    /// @param mintedAt The timestamp of the block in which it was minted.
    /// @param expiresAt The first timestamp at which it is no longer live.
    /// @param revoked Whether the board revoked it.
    /// @param scopeHash The study's scope hash, as the board approved it.
    struct Licence {
        address researcher;
        uint64 mintedAt;
        uint64 expiresAt;
        bool revoked;
        bytes32 scopeHash;
    }

    /// @notice Emitted when a study's licence has been minted to its researcher.
    event LicenceMinted(bytes32 indexed studyId, address indexed researcher, bytes32 scopeHash, uint64 expiresAt);

    /// @notice Emitted when the board has revoked a licence.
    /// @param reasonHash The hash of the board's written reasons, kept off chain.
    event LicenceRevoked(
        bytes32 indexed studyId, address indexed researcher, address indexed revokedBy, bytes32 reasonHash
    );

    /// @notice The board has not approved the study (it is unknown, pending, rejected or expired).
    error StudyNotApproved(bytes32 studyId, IEthicsBoard.StudyStatus status);

    /// @notice The study's licence was minted already (and may since have been revoked).
    error LicenceAlreadyMinted(bytes32 studyId);

    /// @notice Only the study's researcher or an account with `MINTER_ROLE` mints its licence.
    error NotAllowedToMint(bytes32 studyId, address caller);

    /// @notice The researcher holds no live visa of the type a licence requires.
    error CredentialNotLive(address researcher, ICredentialRegistry.VisaType visaType);

    /// @notice The study's payment is not held in escrow.
    error PaymentMissing(bytes32 studyId, IStudyEscrow.PaymentState state);

    /// @notice No licence was minted for the study.
    error UnknownLicence(bytes32 studyId);

    /// @notice The licence was revoked already.
    error LicenceAlreadyRevoked(bytes32 studyId);

    /// @notice The reason hash is zero: every revocation states its reasons.
    error EmptyRevocationReason(bytes32 studyId);

    /// @notice Licences stay with their researcher: every transfer is refused.
    error LicenceNotTransferable(uint256 id);

    /// @notice Licences stay with their researcher: no operator may be approved.
    error LicenceApprovalsDisabled(address operator);

    /// @notice The role an account needs to mint a licence for a researcher (the app, after a card payment).
    function MINTER_ROLE() external view returns (bytes32);

    /// @notice The role an account needs to revoke licences: the ethics board's executor.
    function BOARD_ROLE() external view returns (bytes32);

    /// @notice The role that may pause minting in an emergency; only the admin unpauses.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The visa a researcher must hold, live, to get and use a licence.
    function REQUIRED_VISA() external view returns (ICredentialRegistry.VisaType);

    /// @notice The board whose approval a licence needs.
    function board() external view returns (IEthicsBoard);

    /// @notice The registry asked whether the researcher holds `REQUIRED_VISA`.
    function credentialRegistry() external view returns (ICredentialRegistry);

    /// @notice The escrow that must hold the study's payment, and releases it on mint.
    function escrow() external view returns (IStudyEscrow);

    /// @notice Mints the study's licence to its researcher and releases the study's payment from escrow.
    /// @dev Reverts with `EnforcedPause` while this contract or the escrow is paused, `StudyNotApproved`,
    /// `LicenceAlreadyMinted`, `NotAllowedToMint` (caller neither the researcher nor a `MINTER_ROLE` holder),
    /// `CredentialNotLive` or `PaymentMissing`.
    function mintLicence(bytes32 studyId) external;

    /// @notice Revokes the study's licence at once and burns its token. Works while paused.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `BOARD_ROLE`, `EmptyRevocationReason`,
    /// `UnknownLicence` or `LicenceAlreadyRevoked`.
    function revokeLicence(bytes32 studyId, bytes32 reasonHash) external;

    /// @notice Stops minting. The board's revocations and views keep working: a licence can always be withdrawn.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, or `EnforcedPause`.
    function pause() external;

    /// @notice Lets minting through again.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, or `ExpectedPause`.
    function unpause() external;

    /// @notice Whether the researcher holds a live licence for the study, with the scope and expiry granted.
    /// @return live True while the licence is the researcher's, unrevoked, unexpired, and the researcher's
    /// visa is live.
    /// @return scopeHash The study's scope hash; zero when the researcher never held this licence.
    /// @return expiresAt The licence's expiry; zero when the researcher never held this licence.
    function licenceOf(address researcher, bytes32 studyId)
        external
        view
        returns (bool live, bytes32 scopeHash, uint64 expiresAt);

    /// @notice Whether the study's licence is live for its researcher (as `licenceOf` reports it).
    function isLicenceLive(bytes32 studyId) external view returns (bool);

    /// @notice The study's licence record; all fields are zero when none was minted.
    function licenceRecordOf(bytes32 studyId) external view returns (Licence memory);
}
