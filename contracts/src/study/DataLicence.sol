// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICredentialRegistry} from "./ICredentialRegistry.sol";
import {IDataLicence} from "./IDataLicence.sol";
import {IEthicsBoard} from "./IEthicsBoard.sol";
import {IStudyEscrow} from "./IStudyEscrow.sol";

/// @title DataLicence
/// @notice Non-transferable, expiring ERC-1155 study licences. Tokens only ever move by mint (to the study's
/// researcher) and by the board's revocation (a burn): the public transfer and approval functions always revert.
contract DataLicence is IDataLicence, ERC1155, AccessControl, Pausable {
    /// @inheritdoc IDataLicence
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @inheritdoc IDataLicence
    bytes32 public constant BOARD_ROLE = keccak256("BOARD_ROLE");
    /// @inheritdoc IDataLicence
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IDataLicence
    ICredentialRegistry.VisaType public constant REQUIRED_VISA = ICredentialRegistry.VisaType.ResearcherStatus;

    /// @inheritdoc IDataLicence
    IEthicsBoard public immutable board;
    /// @inheritdoc IDataLicence
    ICredentialRegistry public immutable credentialRegistry;
    /// @inheritdoc IDataLicence
    IStudyEscrow public immutable escrow;

    mapping(bytes32 studyId => Licence licence) private _licences;

    /// @param admin The account that may grant and revoke roles (`MINTER_ROLE`, `BOARD_ROLE`); it may also pause.
    /// @param board_ The board whose approval a licence needs.
    /// @param credentialRegistry_ The registry asked whether the researcher holds `REQUIRED_VISA`.
    /// @param escrow_ The escrow that holds the study's payment; it must grant this contract `LICENCE_ROLE`.
    constructor(address admin, IEthicsBoard board_, ICredentialRegistry credentialRegistry_, IStudyEscrow escrow_)
        ERC1155("")
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        board = board_;
        credentialRegistry = credentialRegistry_;
        escrow = escrow_;
    }

    /// @inheritdoc IDataLicence
    function mintLicence(bytes32 studyId) external whenNotPaused {
        IEthicsBoard.StudyRequest memory request = board.requestOf(studyId);
        if (request.status != IEthicsBoard.StudyStatus.Approved) revert StudyNotApproved(studyId, request.status);
        if (_licences[studyId].researcher != address(0)) revert LicenceAlreadyMinted(studyId);
        address caller = _msgSender();
        if (caller != request.researcher && !hasRole(MINTER_ROLE, caller)) revert NotAllowedToMint(studyId, caller);
        if (!credentialRegistry.hasLiveCredential(request.researcher, REQUIRED_VISA)) {
            revert CredentialNotLive(request.researcher, REQUIRED_VISA);
        }
        IStudyEscrow.PaymentState paymentState = escrow.paymentOf(studyId).state;
        if (paymentState != IStudyEscrow.PaymentState.Held) revert PaymentMissing(studyId, paymentState);

        // A uint64 of seconds lasts far beyond any block timestamp plus licence duration this contract will see.
        uint64 expiresAt = uint64(block.timestamp) + request.licenceDuration;
        _licences[studyId] = Licence({
            researcher: request.researcher,
            mintedAt: uint64(block.timestamp),
            expiresAt: expiresAt,
            revoked: false,
            scopeHash: request.scopeHash
        });
        emit LicenceMinted(studyId, request.researcher, request.scopeHash, expiresAt);
        // Interactions last: the escrow (trusted, set at deployment) pays out, then the researcher's wallet, if
        // it is a contract, is asked to accept the token; the licence is recorded already, so a call back into
        // `mintLicence` is refused as `LicenceAlreadyMinted`.
        escrow.release(studyId);
        _mint(request.researcher, uint256(studyId), 1, "");
    }

    /// @inheritdoc IDataLicence
    function revokeLicence(bytes32 studyId, bytes32 reasonHash) external onlyRole(BOARD_ROLE) {
        if (reasonHash == bytes32(0)) revert EmptyRevocationReason(studyId);
        Licence storage licence = _licences[studyId];
        address researcher = licence.researcher;
        if (researcher == address(0)) revert UnknownLicence(studyId);
        if (licence.revoked) revert LicenceAlreadyRevoked(studyId);

        licence.revoked = true;
        _burn(researcher, uint256(studyId), 1);
        emit LicenceRevoked(studyId, researcher, _msgSender(), reasonHash);
    }

    /// @inheritdoc IDataLicence
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IDataLicence
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @notice Always reverts: a licence stays with its researcher.
    function safeTransferFrom(address, address, uint256 id, uint256, bytes memory) public pure override {
        revert LicenceNotTransferable(id);
    }

    /// @notice Always reverts: a licence stays with its researcher. Names the first id (zero for an empty batch).
    function safeBatchTransferFrom(address, address, uint256[] memory ids, uint256[] memory, bytes memory)
        public
        pure
        override
    {
        revert LicenceNotTransferable(ids.length == 0 ? 0 : ids[0]);
    }

    /// @notice Always reverts: no operator may move a licence.
    function setApprovalForAll(address operator, bool) public pure override {
        revert LicenceApprovalsDisabled(operator);
    }

    /// @inheritdoc IDataLicence
    function licenceOf(address researcher, bytes32 studyId)
        external
        view
        returns (bool live, bytes32 scopeHash, uint64 expiresAt)
    {
        Licence storage licence = _licences[studyId];
        if (researcher == address(0) || licence.researcher != researcher) return (false, bytes32(0), 0);
        return (_isLive(licence), licence.scopeHash, licence.expiresAt);
    }

    /// @inheritdoc IDataLicence
    function isLicenceLive(bytes32 studyId) external view returns (bool) {
        Licence storage licence = _licences[studyId];
        return licence.researcher != address(0) && _isLive(licence);
    }

    /// @inheritdoc IDataLicence
    function licenceRecordOf(bytes32 studyId) external view returns (Licence memory) {
        return _licences[studyId];
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return interfaceId == type(IDataLicence).interfaceId || super.supportsInterface(interfaceId);
    }

    function _isLive(Licence storage licence) private view returns (bool) {
        return !licence.revoked && block.timestamp < licence.expiresAt
            && credentialRegistry.hasLiveCredential(licence.researcher, REQUIRED_VISA);
    }
}
