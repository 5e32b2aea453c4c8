// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICredentialRegistry} from "../../src/study/ICredentialRegistry.sol";
import {IDataLicence} from "../../src/study/IDataLicence.sol";
import {IEthicsBoard} from "../../src/study/IEthicsBoard.sol";
import {IStudyEscrow} from "../../src/study/IStudyEscrow.sol";
import {vm} from "../Vm.sol";
import {StudyFixture} from "./StudyFixture.sol";

contract DataLicenceTest is StudyFixture {
    uint256 internal constant TOKEN_ID = uint256(STUDY_ID);
    uint64 internal constant LICENCE_EXPIRY = T0 + 90 * DAY;
    ICredentialRegistry.VisaType internal constant STATUS = ICredentialRegistry.VisaType.ResearcherStatus;

    function _live() internal view returns (bool live) {
        (live,,) = licence.licenceOf(researcher, STUDY_ID);
    }

    function _expectMintRevert(bytes memory reason) internal {
        vm.expectRevert(reason);
        vm.prank(researcher);
        licence.mintLicence(STUDY_ID);
    }

    // mintLicence

    function test_mintLicence_mintsOneTokenToTheResearcherAndReleasesThePayment() public {
        _license(STUDY_ID);

        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 1, "one licence token");
        IDataLicence.Licence memory record = licence.licenceRecordOf(STUDY_ID);
        vm.assertEq(record.researcher, researcher, "researcher");
        vm.assertEq(record.mintedAt, T0, "mintedAt");
        vm.assertEq(record.expiresAt, LICENCE_EXPIRY, "expiresAt = mint + licence duration");
        vm.assertFalse(record.revoked, "revoked");
        vm.assertEq(record.scopeHash, SCOPE_HASH, "scopeHash");
        vm.assertEq(
            uint256(escrow.paymentOf(STUDY_ID).state), uint256(IStudyEscrow.PaymentState.Released), "released"
        );
        vm.assertTrue(stablecoin.balanceOf(payoutPool) > 0, "pool paid");
    }

    function test_mintLicence_emitsLicenceMintedAndTransferSingle() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(licence));
        emit IDataLicence.LicenceMinted(STUDY_ID, researcher, SCOPE_HASH, LICENCE_EXPIRY);
        vm.expectEmit(true, true, true, true, address(licence));
        emit IERC1155.TransferSingle(researcher, address(0), researcher, TOKEN_ID, 1);
        vm.prank(researcher);
        licence.mintLicence(STUDY_ID);
    }

    function test_mintLicence_byAMinterAfterACardPayment() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        vm.prank(operator);
        escrow.recordCardPayment(STUDY_ID, keccak256("card-ref"));
        vm.prank(operator);
        licence.mintLicence(STUDY_ID);
        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 1, "minted to the researcher, not the minter");
        vm.assertEq(licence.balanceOf(operator, TOKEN_ID), 0, "minter holds nothing");
    }

    function test_mintLicence_revertsWhenTheStudyIsUnknown() public {
        _expectMintRevert(
            abi.encodeWithSelector(IDataLicence.StudyNotApproved.selector, STUDY_ID, IEthicsBoard.StudyStatus.None)
        );
    }

    function test_mintLicence_revertsWhileTheStudyIsPending() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _vote(member1, STUDY_ID, true);
        _expectMintRevert(
            abi.encodeWithSelector(IDataLicence.StudyNotApproved.selector, STUDY_ID, IEthicsBoard.StudyStatus.Pending)
        );
    }

    function test_mintLicence_revertsWhenTheStudyIsRejected() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        _reject(STUDY_ID);
        _expectMintRevert(
            abi.encodeWithSelector(
                IDataLicence.StudyNotApproved.selector, STUDY_ID, IEthicsBoard.StudyStatus.Rejected
            )
        );
    }

    function test_mintLicence_revertsWhenTheStudyExpiredUndecided() public {
        _submit(STUDY_ID);
        _pay(STUDY_ID);
        vm.warp(T0 + 14 * DAY + 1);
        _expectMintRevert(
            abi.encodeWithSelector(IDataLicence.StudyNotApproved.selector, STUDY_ID, IEthicsBoard.StudyStatus.Expired)
        );
    }

    function test_mintLicence_revertsWhenAlreadyMinted() public {
        _license(STUDY_ID);
        _expectMintRevert(abi.encodeWithSelector(IDataLicence.LicenceAlreadyMinted.selector, STUDY_ID));
    }

    function test_mintLicence_revertsAfterRevocationSoARevokedLicenceNeverReturns() public {
        _license(STUDY_ID);
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);
        _expectMintRevert(abi.encodeWithSelector(IDataLicence.LicenceAlreadyMinted.selector, STUDY_ID));
    }

    function test_mintLicence_revertsWhenCallerIsNeitherResearcherNorMinter() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.NotAllowedToMint.selector, STUDY_ID, stranger));
        vm.prank(stranger);
        licence.mintLicence(STUDY_ID);
    }

    function test_mintLicence_revertsWhenTheResearchersVisaIsNotLive() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.prank(issuer);
        credentials.revokeCredential(researcher, STATUS);
        _expectMintRevert(abi.encodeWithSelector(IDataLicence.CredentialNotLive.selector, researcher, STATUS));
    }

    function test_mintLicence_revertsWhenNothingWasPaid() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _expectMintRevert(
            abi.encodeWithSelector(IDataLicence.PaymentMissing.selector, STUDY_ID, IStudyEscrow.PaymentState.None)
        );
    }

    // revokeLicence

    function test_revokeLicence_burnsTheTokenKeepsTheRecordAndEmits() public {
        _license(STUDY_ID);
        vm.expectEmit(true, true, true, true, address(licence));
        emit IERC1155.TransferSingle(boardExecutor, researcher, address(0), TOKEN_ID, 1);
        vm.expectEmit(true, true, true, true, address(licence));
        emit IDataLicence.LicenceRevoked(STUDY_ID, researcher, boardExecutor, REASON);
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);

        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 0, "burnt");
        vm.assertTrue(licence.licenceRecordOf(STUDY_ID).revoked, "record says revoked");
        vm.assertFalse(_live(), "not live");
        vm.assertFalse(licence.isLicenceLive(STUDY_ID), "isLicenceLive");
    }

    function test_revokeLicence_revertsWhenCallerIsNotTheBoard() public {
        _license(STUDY_ID);
        bytes32 boardRole = licence.BOARD_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, member1, boardRole)
        );
        vm.prank(member1);
        licence.revokeLicence(STUDY_ID, REASON);
    }

    function test_revokeLicence_revertsWhenReasonIsEmpty() public {
        _license(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.EmptyRevocationReason.selector, STUDY_ID));
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, bytes32(0));
    }

    function test_revokeLicence_revertsWhenNoLicenceWasMinted() public {
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.UnknownLicence.selector, STUDY_ID));
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);
    }

    function test_revokeLicence_revertsWhenAlreadyRevoked() public {
        _license(STUDY_ID);
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.LicenceAlreadyRevoked.selector, STUDY_ID));
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);
    }

    // transfers and approvals

    function test_safeTransferFrom_revertsForTheHolder() public {
        _license(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.LicenceNotTransferable.selector, TOKEN_ID));
        vm.prank(researcher);
        licence.safeTransferFrom(researcher, otherResearcher, TOKEN_ID, 1, "");
        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 1, "still the researcher's");
    }

    function test_safeTransferFrom_revertsForAnyCallerAndArguments(
        address caller,
        address to,
        uint256 id,
        uint256 value,
        bytes memory data
    ) public {
        _license(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.LicenceNotTransferable.selector, id));
        vm.prank(caller);
        licence.safeTransferFrom(researcher, to, id, value, data);
        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 1, "still the researcher's");
        vm.assertEq(
            to == researcher ? 0 : licence.balanceOf(to, TOKEN_ID), 0, "nobody else holds it"
        );
    }

    function test_safeBatchTransferFrom_revertsNamingTheFirstId() public {
        _license(STUDY_ID);
        uint256[] memory ids = new uint256[](2);
        ids[0] = TOKEN_ID;
        ids[1] = 7;
        uint256[] memory values = new uint256[](2);
        values[0] = 1;
        values[1] = 1;
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.LicenceNotTransferable.selector, TOKEN_ID));
        vm.prank(researcher);
        licence.safeBatchTransferFrom(researcher, otherResearcher, ids, values, "");
    }

    function test_safeBatchTransferFrom_revertsForAnEmptyBatchNamingIdZero() public {
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.LicenceNotTransferable.selector, uint256(0)));
        vm.prank(researcher);
        licence.safeBatchTransferFrom(researcher, otherResearcher, new uint256[](0), new uint256[](0), "");
    }

    function test_safeBatchTransferFrom_revertsForAnyCallerAndArguments(
        address caller,
        address to,
        uint256[] memory ids,
        uint256[] memory values
    ) public {
        _license(STUDY_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IDataLicence.LicenceNotTransferable.selector, ids.length == 0 ? 0 : ids[0])
        );
        vm.prank(caller);
        licence.safeBatchTransferFrom(researcher, to, ids, values, "");
        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 1, "still the researcher's");
    }

    function test_setApprovalForAll_revertsForAnyOperator(address operatorToApprove, bool approved) public {
        _license(STUDY_ID);
        vm.expectRevert(abi.encodeWithSelector(IDataLicence.LicenceApprovalsDisabled.selector, operatorToApprove));
        vm.prank(researcher);
        licence.setApprovalForAll(operatorToApprove, approved);
        vm.assertFalse(licence.isApprovedForAll(researcher, operatorToApprove), "no approval recorded");
    }

    // licenceOf and isLicenceLive

    function test_licenceOf_reportsALiveLicenceWithItsScopeAndExpiry() public {
        _license(STUDY_ID);
        (bool live, bytes32 scopeHash, uint64 expiresAt) = licence.licenceOf(researcher, STUDY_ID);
        vm.assertTrue(live, "live");
        vm.assertEq(scopeHash, SCOPE_HASH, "scopeHash");
        vm.assertEq(expiresAt, LICENCE_EXPIRY, "expiresAt");
        vm.assertTrue(licence.isLicenceLive(STUDY_ID), "isLicenceLive");
    }

    function test_licenceOf_stopsBeingLiveAtTheExpirySecond() public {
        _license(STUDY_ID);
        vm.warp(LICENCE_EXPIRY - 1);
        vm.assertTrue(_live(), "live one second before expiry");
        vm.warp(LICENCE_EXPIRY);
        vm.assertFalse(_live(), "expired at expiresAt");
        vm.assertFalse(licence.isLicenceLive(STUDY_ID), "isLicenceLive");
        (, bytes32 scopeHash, uint64 expiresAt) = licence.licenceOf(researcher, STUDY_ID);
        vm.assertEq(scopeHash, SCOPE_HASH, "expired licence still shows its scope");
        vm.assertEq(expiresAt, LICENCE_EXPIRY, "and its expiry");
    }

    /// @dev Any moment from minting until well after both the licence (90 days) and the visa (365 days) end.
    function test_licenceOf_isLiveExactlyBeforeExpiryAtAnyTime(uint256 secondsAfterMint) public {
        _license(STUDY_ID);
        uint64 at = T0 + uint64(secondsAfterMint % (400 * DAY));
        vm.warp(at);
        bool visaLive = at < T0 + 365 * DAY;
        vm.assertEq(_live() ? 1 : 0, at < LICENCE_EXPIRY && visaLive ? 1 : 0, "live iff unexpired");
        vm.assertEq(licence.isLicenceLive(STUDY_ID) ? 1 : 0, _live() ? 1 : 0, "isLicenceLive agrees");
    }

    function test_licenceOf_stopsBeingLiveWhenTheVisaExpires() public {
        _issueVisa(researcher, T0 + 30 * DAY);
        _license(STUDY_ID);
        vm.warp(T0 + 30 * DAY);
        vm.assertFalse(_live(), "visa expired before the licence");
        vm.assertFalse(licence.isLicenceLive(STUDY_ID), "isLicenceLive");
    }

    function test_licenceOf_stopsBeingLiveWhenTheVisaIsRevokedAndResumesOnRenewal() public {
        _license(STUDY_ID);
        vm.prank(admin);
        credentials.revokeCredential(researcher, STATUS);
        vm.assertFalse(_live(), "visa revoked");
        _issueVisa(researcher, T0 + 365 * DAY);
        vm.assertTrue(_live(), "visa renewed within the licence's term");
    }

    function test_licenceOf_reportsNothingForAnotherResearcher() public {
        _license(STUDY_ID);
        (bool live, bytes32 scopeHash, uint64 expiresAt) = licence.licenceOf(otherResearcher, STUDY_ID);
        vm.assertFalse(live, "not theirs");
        vm.assertEq(scopeHash, bytes32(0), "no scope");
        vm.assertEq(expiresAt, 0, "no expiry");
        (live,,) = licence.licenceOf(address(0), keccak256("never-minted"));
        vm.assertFalse(live, "nothing minted");
    }

    function test_licenceRecordOf_returnsZerosWhenNoneWasMinted() public view {
        IDataLicence.Licence memory record = licence.licenceRecordOf(STUDY_ID);
        vm.assertEq(record.researcher, address(0), "researcher");
        vm.assertEq(record.expiresAt, 0, "expiresAt");
        vm.assertFalse(licence.isLicenceLive(STUDY_ID), "isLicenceLive");
    }

    function test_constructor_wiresBoardRegistryEscrowAndVisa() public view {
        vm.assertEq(address(licence.board()), address(board), "board");
        vm.assertEq(address(licence.credentialRegistry()), address(credentials), "credentialRegistry");
        vm.assertEq(address(licence.escrow()), address(escrow), "escrow");
        vm.assertEq(uint256(licence.REQUIRED_VISA()), uint256(STATUS), "REQUIRED_VISA");
        vm.assertTrue(licence.hasRole(bytes32(0), admin), "admin");
    }

    function test_supportsInterface_reportsLicenceErc1155AndAccessControl() public view {
        vm.assertTrue(licence.supportsInterface(type(IDataLicence).interfaceId), "IDataLicence");
        vm.assertTrue(licence.supportsInterface(type(IERC1155).interfaceId), "IERC1155");
        vm.assertTrue(licence.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertFalse(licence.supportsInterface(0xffffffff), "0xffffffff");
    }

    // while paused

    function test_mintLicence_revertsWhenPaused() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.prank(admin);
        licence.pause();
        _expectMintRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));

        vm.prank(admin);
        licence.unpause();
        vm.prank(researcher);
        licence.mintLicence(STUDY_ID);
        vm.assertTrue(_live(), "minted after unpause");
    }

    function test_mintLicence_revertsWhenTheEscrowIsPaused() public {
        _submit(STUDY_ID);
        _approve(STUDY_ID);
        _pay(STUDY_ID);
        vm.prank(admin);
        escrow.pause();
        _expectMintRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.assertEq(licence.licenceRecordOf(STUDY_ID).researcher, address(0), "nothing minted");
    }

    function test_revokeLicence_worksWhilePaused() public {
        _license(STUDY_ID);
        vm.prank(admin);
        licence.pause();
        vm.expectEmit(true, true, true, true, address(licence));
        emit IDataLicence.LicenceRevoked(STUDY_ID, researcher, boardExecutor, REASON);
        vm.prank(boardExecutor);
        licence.revokeLicence(STUDY_ID, REASON);
        vm.assertEq(licence.balanceOf(researcher, TOKEN_ID), 0, "burnt while paused");
        vm.assertFalse(licence.isLicenceLive(STUDY_ID), "not live");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_constructor_grantsPauserRoleToAdminOnly() public view {
        vm.assertTrue(licence.hasRole(licence.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(licence.hasRole(licence.PAUSER_ROLE(), address(this)), "deployer does not pause");
        vm.assertEq(licence.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertFalse(licence.paused(), "starts unpaused");
    }

    function test_pause_stopsMintingAndEmitsPaused() public {
        vm.expectEmit(true, true, true, true, address(licence));
        emit Pausable.Paused(admin);
        vm.prank(admin);
        licence.pause();
        vm.assertTrue(licence.paused(), "paused");
    }

    function test_pause_revertsWhenCallerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, boardExecutor, licence.PAUSER_ROLE()
            )
        );
        vm.prank(boardExecutor);
        licence.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(admin);
        licence.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(admin);
        licence.pause();
    }

    function test_unpause_emitsUnpaused() public {
        vm.prank(admin);
        licence.pause();
        vm.expectEmit(true, true, true, true, address(licence));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        licence.unpause();
        vm.assertFalse(licence.paused(), "unpaused");
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        bytes32 pauserRole = licence.PAUSER_ROLE();
        vm.prank(admin);
        licence.grantRole(pauserRole, stranger);
        vm.prank(stranger);
        licence.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        vm.prank(stranger);
        licence.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        licence.unpause();
    }
}
