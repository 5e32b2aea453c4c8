// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {Compensation} from "../../src/ledger/Compensation.sol";
import {ICompensation} from "../../src/ledger/ICompensation.sol";
import {vm} from "../Vm.sol";
import {MerkleTestTree} from "./MerkleTestTree.sol";

contract CompensationTest {
    Compensation internal compensation;

    address internal admin = vm.addr(1);
    address internal publisher = vm.addr(2);
    address internal fund = vm.addr(3);
    address internal stranger = vm.addr(4);
    address[4] internal patients = [vm.addr(11), vm.addr(12), vm.addr(13), vm.addr(14)];

    bytes32 internal constant STUDY = keccak256("study-1");
    bytes32 internal constant OTHER_STUDY = keccak256("study-2");
    bytes32 internal constant OFFER = keccak256("offer-1");
    uint256[4] internal amounts = [uint256(400), 300, 200, 100];
    uint128 internal constant POOL = 1_000;

    function setUp() public {
        compensation = new Compensation(admin, fund);
        bytes32 publisherRole = compensation.PAYOUT_PUBLISHER_ROLE();
        vm.prank(admin);
        compensation.grantRole(publisherRole, publisher);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    /// @dev Written out here rather than calling the contract, so a change to the leaf encoding fails the tests.
    function _leaf(bytes32 studyId, bytes32 offerId, uint256 index, address patient, uint256 amount)
        internal
        pure
        returns (bytes32)
    {
        bytes32 domain = keccak256("consentry.payout.v1");
        return keccak256(bytes.concat(keccak256(abi.encode(domain, studyId, offerId, index, patient, amount))));
    }

    /// @dev The four patients' payouts of `studyId`, at indexes 0 to 3.
    function _leaves(bytes32 studyId) internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](4);
        for (uint256 i = 0; i < 4; i++) {
            leaves[i] = _leaf(studyId, OFFER, i, patients[i], amounts[i]);
        }
    }

    function _publish(bytes32 studyId, bytes32[] memory leaves, uint128 pool) internal {
        bytes32 root = MerkleTestTree.root(leaves);
        vm.prank(publisher);
        compensation.publishPayouts(studyId, root, pool);
    }

    function _claim(bytes32 studyId, uint256 index) internal {
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(studyId), index);
        vm.prank(patients[index]);
        compensation.claim(studyId, OFFER, index, amounts[index], proof);
    }

    function _donate(bytes32 studyId, uint256 index) internal {
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(studyId), index);
        vm.prank(patients[index]);
        compensation.donate(studyId, OFFER, index, amounts[index], proof);
    }

    function _pause() internal {
        vm.prank(admin);
        compensation.pause();
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _invalidProof(bytes32 studyId, address patient, uint256 index) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ICompensation.InvalidPayoutProof.selector, studyId, patient, index);
    }

    // --- constructor and constants -------------------------------------------------------------------------------

    function test_constructor_grantsAdminAndPauserRolesToAdminOnly() public view {
        vm.assertTrue(compensation.hasRole(compensation.DEFAULT_ADMIN_ROLE(), admin), "admin holds DEFAULT_ADMIN_ROLE");
        vm.assertTrue(compensation.hasRole(compensation.PAUSER_ROLE(), admin), "admin holds PAUSER_ROLE");
        vm.assertFalse(compensation.hasRole(compensation.PAYOUT_PUBLISHER_ROLE(), admin), "admin is not a publisher");
        vm.assertFalse(compensation.hasRole(compensation.DEFAULT_ADMIN_ROLE(), address(this)), "deployer is not admin");
    }

    function test_constructor_revertsWhenResearchFundIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(ICompensation.EmptyResearchFund.selector));
        new Compensation(admin, address(0));
    }

    function test_constants_areTheDocumentedHashes() public view {
        vm.assertEq(compensation.PAYOUT_PUBLISHER_ROLE(), keccak256("PAYOUT_PUBLISHER_ROLE"), "PAYOUT_PUBLISHER_ROLE");
        vm.assertEq(compensation.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "PAUSER_ROLE");
        vm.assertEq(compensation.PAYOUT_LEAF_DOMAIN(), keccak256("consentry.payout.v1"), "PAYOUT_LEAF_DOMAIN");
    }

    function test_researchFund_isTheAccountGivenToTheConstructor() public view {
        vm.assertEq(compensation.researchFund(), fund, "researchFund");
    }

    function test_grantRole_revertsWhenCallerIsNotAdmin() public {
        bytes32 publisherRole = compensation.PAYOUT_PUBLISHER_ROLE();
        vm.expectRevert(_unauthorized(publisher, compensation.DEFAULT_ADMIN_ROLE()));
        vm.prank(publisher);
        compensation.grantRole(publisherRole, stranger);
    }

    function test_uri_isEmptyBecauseCreditsCarryNoOffChainMetadata() public view {
        vm.assertEq(keccak256(bytes(compensation.uri(uint256(STUDY)))), keccak256(""), "uri");
    }

    // --- publishPayouts ------------------------------------------------------------------------------------------

    function test_publishPayouts_storesRootAndPoolWithNothingPaidOut() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        (bytes32 root, uint128 pool, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(root, MerkleTestTree.root(_leaves(STUDY)), "root");
        vm.assertEq(pool, POOL, "pool");
        vm.assertEq(paidOut, 0, "paidOut");
    }

    function test_publishPayouts_emitsPayoutsPublished() public {
        bytes32 root = MerkleTestTree.root(_leaves(STUDY));
        vm.expectEmit(true, true, true, true, address(compensation));
        emit ICompensation.PayoutsPublished(STUDY, root, POOL);
        vm.prank(publisher);
        compensation.publishPayouts(STUDY, root, POOL);
    }

    function test_publishPayouts_revertsWhenCallerIsNotPublisher() public {
        vm.expectRevert(_unauthorized(stranger, compensation.PAYOUT_PUBLISHER_ROLE()));
        vm.prank(stranger);
        compensation.publishPayouts(STUDY, keccak256("root"), POOL);
    }

    function test_publishPayouts_revertsWhenCallerIsOnlyAdmin() public {
        vm.expectRevert(_unauthorized(admin, compensation.PAYOUT_PUBLISHER_ROLE()));
        vm.prank(admin);
        compensation.publishPayouts(STUDY, keccak256("root"), POOL);
    }

    function test_publishPayouts_revertsWhenPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(publisher);
        compensation.publishPayouts(STUDY, keccak256("root"), POOL);
    }

    function test_publishPayouts_revertsWhenStudyIdIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(ICompensation.EmptyStudyId.selector));
        vm.prank(publisher);
        compensation.publishPayouts(bytes32(0), keccak256("root"), POOL);
    }

    function test_publishPayouts_revertsWhenRootIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(ICompensation.EmptyPayoutRoot.selector, STUDY));
        vm.prank(publisher);
        compensation.publishPayouts(STUDY, bytes32(0), POOL);
    }

    function test_publishPayouts_revertsWhenPoolIsEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(ICompensation.EmptyPool.selector, STUDY));
        vm.prank(publisher);
        compensation.publishPayouts(STUDY, keccak256("root"), 0);
    }

    function test_publishPayouts_revertsWhenTheStudyIsPublishedAgainAndKeepsTheFirst() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32 firstRoot = MerkleTestTree.root(_leaves(STUDY));
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PayoutsAlreadyPublished.selector, STUDY, firstRoot));
        vm.prank(publisher);
        compensation.publishPayouts(STUDY, keccak256("a bigger tree"), POOL * 2);

        (bytes32 root, uint128 pool,) = compensation.payoutsOf(STUDY);
        vm.assertEq(root, firstRoot, "first root kept");
        vm.assertEq(pool, POOL, "first pool kept");
    }

    // --- claim ---------------------------------------------------------------------------------------------------

    function test_claim_mintsTheStudysCreditsToThePatient() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 1);

        vm.assertEq(compensation.balanceOf(patients[1], uint256(STUDY)), 300, "patient's credits");
        vm.assertEq(compensation.balanceOf(fund, uint256(STUDY)), 0, "fund's credits");
        vm.assertTrue(compensation.isSettled(STUDY, 1), "settled");
        vm.assertFalse(compensation.isSettled(STUDY, 0), "others unsettled");
        (,, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(paidOut, 300, "paidOut");
    }

    function test_claim_emitsPayoutClaimedThenTransferSingle() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 2);

        vm.expectEmit(true, true, true, true, address(compensation));
        emit ICompensation.PayoutClaimed(STUDY, patients[2], OFFER, 2, 200);
        vm.expectEmit(true, true, true, true, address(compensation));
        emit IERC1155.TransferSingle(patients[2], address(0), patients[2], uint256(STUDY), 200);
        vm.prank(patients[2]);
        compensation.claim(STUDY, OFFER, 2, 200, proof);
    }

    function test_claim_paysEveryPayoutOfAPoolThatCoversThemAll() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        for (uint256 i = 0; i < 4; i++) {
            _claim(STUDY, i);
            vm.assertEq(compensation.balanceOf(patients[i], uint256(STUDY)), amounts[i], "credits");
        }
        (, uint128 pool, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(paidOut, pool, "the pool is paid out exactly");
    }

    function test_claim_revertsWhenPaused() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _claim(STUDY, 0);
    }

    function test_claim_revertsWhenTheStudyHasNoPayouts() public {
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PayoutsNotPublished.selector, STUDY));
        _claim(STUDY, 0);
    }

    function test_claim_revertsWhenTheCallerIsNotThePayoutsPatient() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 0);
        vm.expectRevert(_invalidProof(STUDY, stranger, 0));
        vm.prank(stranger);
        compensation.claim(STUDY, OFFER, 0, amounts[0], proof);
    }

    function test_claim_revertsWhenTheAmountIsInflated() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 3);
        vm.expectRevert(_invalidProof(STUDY, patients[3], 3));
        vm.prank(patients[3]);
        compensation.claim(STUDY, OFFER, 3, 101, proof);
    }

    function test_claim_revertsWhenTheIndexIsChanged() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 3);
        vm.expectRevert(_invalidProof(STUDY, patients[3], 4));
        vm.prank(patients[3]);
        compensation.claim(STUDY, OFFER, 4, amounts[3], proof);
    }

    function test_claim_revertsWhenTheOfferIsChanged() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 3);
        vm.expectRevert(_invalidProof(STUDY, patients[3], 3));
        vm.prank(patients[3]);
        compensation.claim(STUDY, keccak256("offer-2"), 3, amounts[3], proof);
    }

    function test_claim_revertsWhenAProofOfAnotherStudyIsUsed() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _publish(OTHER_STUDY, _leaves(OTHER_STUDY), POOL);
        bytes32[] memory proofInStudy = MerkleTestTree.proof(_leaves(STUDY), 0);
        vm.expectRevert(_invalidProof(OTHER_STUDY, patients[0], 0));
        vm.prank(patients[0]);
        compensation.claim(OTHER_STUDY, OFFER, 0, amounts[0], proofInStudy);
    }

    function test_claim_revertsWhenThePatientClaimsTwice() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PayoutAlreadySettled.selector, STUDY, 0));
        _claim(STUDY, 0);
        vm.assertEq(compensation.balanceOf(patients[0], uint256(STUDY)), amounts[0], "paid once");
    }

    function test_claim_revertsAfterThePatientDonated() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _donate(STUDY, 0);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PayoutAlreadySettled.selector, STUDY, 0));
        _claim(STUDY, 0);
    }

    function test_claim_revertsWhenThePayoutExceedsWhatIsLeftOfThePool() public {
        // The payouts add up to 1,000 but the pool holds 700: first come, first paid, never beyond the pool.
        _publish(STUDY, _leaves(STUDY), 700);
        _claim(STUDY, 0);
        _claim(STUDY, 2);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PoolExceeded.selector, STUDY, 300, 100));
        _claim(STUDY, 1);
        _claim(STUDY, 3);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PoolExceeded.selector, STUDY, 300, 0));
        _claim(STUDY, 1);

        (, uint128 pool, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(paidOut, 700, "paidOut");
        vm.assertTrue(paidOut <= pool, "never beyond the pool");
        vm.assertFalse(compensation.isSettled(STUDY, 1), "the refused payout stays unsettled");
    }

    function test_claim_refusesAnyPayoutNotInTheTree(bytes32 offerId, uint256 index, uint256 amount) public {
        bytes32[] memory leaves = _leaves(STUDY);
        _publish(STUDY, leaves, POOL);
        uint256 proofIndex = index % 4;
        vm.assume(_leaf(STUDY, offerId, index, patients[proofIndex], amount) != leaves[proofIndex]);

        bytes32[] memory proof = MerkleTestTree.proof(leaves, proofIndex);
        vm.expectRevert(_invalidProof(STUDY, patients[proofIndex], index));
        vm.prank(patients[proofIndex]);
        compensation.claim(STUDY, offerId, index, amount, proof);
    }

    function test_claim_neverPaysAProofOfOneStudyInAnother(bytes32 studyA, bytes32 studyB, uint256 index) public {
        vm.assume(studyA != bytes32(0) && studyB != bytes32(0) && studyA != studyB);
        index = index % 4;
        // Study B is published under study A's very root: only the study id in the leaf tells them apart. The
        // leaves come from the contract itself, so this checks behaviour whatever the encoding.
        bytes32[] memory leavesA = new bytes32[](4);
        for (uint256 i = 0; i < 4; i++) {
            leavesA[i] = compensation.payoutLeaf(studyA, OFFER, i, patients[i], amounts[i]);
        }
        _publish(studyA, leavesA, POOL);
        _publish(studyB, leavesA, POOL);
        bytes32[] memory proof = MerkleTestTree.proof(leavesA, index);

        vm.expectRevert(_invalidProof(studyB, patients[index], index));
        vm.prank(patients[index]);
        compensation.claim(studyB, OFFER, index, amounts[index], proof);

        vm.prank(patients[index]);
        compensation.claim(studyA, OFFER, index, amounts[index], proof);
        vm.assertEq(compensation.balanceOf(patients[index], uint256(studyB)), 0, "nothing paid in study B");
        vm.assertFalse(compensation.isSettled(studyB, index), "study B untouched");
    }

    // --- donate --------------------------------------------------------------------------------------------------

    function test_donate_mintsTheStudysCreditsToTheResearchFund() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _donate(STUDY, 0);

        vm.assertEq(compensation.balanceOf(fund, uint256(STUDY)), 400, "fund's credits");
        vm.assertEq(compensation.balanceOf(patients[0], uint256(STUDY)), 0, "patient's credits");
        vm.assertTrue(compensation.isSettled(STUDY, 0), "settled");
        (,, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(paidOut, 400, "donations count against the pool");
    }

    function test_donate_emitsPayoutDonatedThenTransferSingle() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 3);

        vm.expectEmit(true, true, true, true, address(compensation));
        emit ICompensation.PayoutDonated(STUDY, patients[3], OFFER, 3, 100);
        vm.expectEmit(true, true, true, true, address(compensation));
        emit IERC1155.TransferSingle(patients[3], address(0), fund, uint256(STUDY), 100);
        vm.prank(patients[3]);
        compensation.donate(STUDY, OFFER, 3, 100, proof);
    }

    function test_donate_revertsWhenPaused() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _donate(STUDY, 0);
    }

    function test_donate_revertsWhenTheStudyHasNoPayouts() public {
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PayoutsNotPublished.selector, STUDY));
        _donate(STUDY, 0);
    }

    function test_donate_revertsWhenTheCallerIsNotThePayoutsPatient() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        bytes32[] memory proof = MerkleTestTree.proof(_leaves(STUDY), 1);
        vm.expectRevert(_invalidProof(STUDY, stranger, 1));
        vm.prank(stranger);
        compensation.donate(STUDY, OFFER, 1, amounts[1], proof);
    }

    function test_donate_revertsAfterThePatientClaimed() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 1);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PayoutAlreadySettled.selector, STUDY, 1));
        _donate(STUDY, 1);
    }

    function test_donate_revertsWhenThePayoutExceedsWhatIsLeftOfThePool() public {
        _publish(STUDY, _leaves(STUDY), 500);
        _donate(STUDY, 0);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.PoolExceeded.selector, STUDY, 300, 100));
        _donate(STUDY, 1);
    }

    // --- redeem --------------------------------------------------------------------------------------------------

    function test_redeem_burnsTheHoldersCreditsAndEmitsCreditsRedeemed() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);

        vm.expectEmit(true, true, true, true, address(compensation));
        emit IERC1155.TransferSingle(patients[0], patients[0], address(0), uint256(STUDY), 150);
        vm.expectEmit(true, true, true, true, address(compensation));
        emit ICompensation.CreditsRedeemed(STUDY, patients[0], 150);
        vm.prank(patients[0]);
        compensation.redeem(STUDY, 150);

        vm.assertEq(compensation.balanceOf(patients[0], uint256(STUDY)), 250, "credits left");
        (,, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(paidOut, 400, "redemption does not reopen the pool");
        vm.assertTrue(compensation.isSettled(STUDY, 0), "redemption does not reopen the payout");
    }

    function test_redeem_revertsWhenPaused() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(patients[0]);
        compensation.redeem(STUDY, 1);
    }

    function test_redeem_revertsWhenTheHolderHasTooFewCredits() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC1155Errors.ERC1155InsufficientBalance.selector, patients[0], 400, 401, uint256(STUDY)
            )
        );
        vm.prank(patients[0]);
        compensation.redeem(STUDY, 401);
    }

    // --- transfers -----------------------------------------------------------------------------------------------

    function test_safeTransferFrom_revertsBecauseCreditsAreNotTransferable() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.CreditsNotTransferable.selector, patients[0], stranger));
        vm.prank(patients[0]);
        compensation.safeTransferFrom(patients[0], stranger, uint256(STUDY), 1, "");
    }

    function test_safeBatchTransferFrom_revertsBecauseCreditsAreNotTransferable() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        uint256[] memory ids = new uint256[](1);
        ids[0] = uint256(STUDY);
        uint256[] memory values = new uint256[](1);
        values[0] = 1;
        vm.expectRevert(abi.encodeWithSelector(ICompensation.CreditsNotTransferable.selector, patients[0], fund));
        vm.prank(patients[0]);
        compensation.safeBatchTransferFrom(patients[0], fund, ids, values, "");
    }

    function test_safeTransferFrom_revertsEvenForAnApprovedOperator() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        vm.prank(patients[0]);
        compensation.setApprovalForAll(stranger, true);
        vm.expectRevert(abi.encodeWithSelector(ICompensation.CreditsNotTransferable.selector, patients[0], stranger));
        vm.prank(stranger);
        compensation.safeTransferFrom(patients[0], stranger, uint256(STUDY), 1, "");
    }

    function test_safeTransferFrom_revertsWhenCallerIsNeitherHolderNorApproved() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _claim(STUDY, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IERC1155Errors.ERC1155MissingApprovalForAll.selector, stranger, patients[0])
        );
        vm.prank(stranger);
        compensation.safeTransferFrom(patients[0], stranger, uint256(STUDY), 1, "");
    }

    // --- pause and unpause ---------------------------------------------------------------------------------------

    function test_pause_emitsPaused() public {
        vm.expectEmit(true, true, true, true, address(compensation));
        emit Pausable.Paused(admin);
        _pause();
        vm.assertTrue(compensation.paused(), "paused");
    }

    function test_pause_revertsWhenCallerIsNotPauser() public {
        vm.expectRevert(_unauthorized(publisher, compensation.PAUSER_ROLE()));
        vm.prank(publisher);
        compensation.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _pause();
    }

    function test_unpause_resumesClaimsAndEmitsUnpaused() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _pause();
        vm.expectEmit(true, true, true, true, address(compensation));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        compensation.unpause();

        _claim(STUDY, 0);
        vm.assertTrue(compensation.isSettled(STUDY, 0), "claimed after unpause");
    }

    function test_unpause_revertsWhenCallerIsNotAdmin() public {
        _pause();
        vm.expectRevert(_unauthorized(stranger, compensation.DEFAULT_ADMIN_ROLE()));
        vm.prank(stranger);
        compensation.unpause();
    }

    function test_unpause_revertsWhenCallerIsOnlyPauser() public {
        address pauser = vm.addr(0xA5E);
        bytes32 pauserRole = compensation.PAUSER_ROLE();
        vm.prank(admin);
        compensation.grantRole(pauserRole, pauser);
        vm.prank(pauser);
        compensation.pause();
        vm.expectRevert(_unauthorized(pauser, compensation.DEFAULT_ADMIN_ROLE()));
        vm.prank(pauser);
        compensation.unpause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(admin);
        compensation.unpause();
    }

    // --- views ---------------------------------------------------------------------------------------------------

    function test_payoutsOf_returnsZerosForAStudyWithoutPayouts() public view {
        (bytes32 root, uint128 pool, uint128 paidOut) = compensation.payoutsOf(STUDY);
        vm.assertEq(root, bytes32(0), "root");
        vm.assertEq(pool, 0, "pool");
        vm.assertEq(paidOut, 0, "paidOut");
    }

    function test_isSettled_isFalseUntilClaimedAndOnlyInThatStudy() public {
        _publish(STUDY, _leaves(STUDY), POOL);
        _publish(OTHER_STUDY, _leaves(OTHER_STUDY), POOL);
        vm.assertFalse(compensation.isSettled(STUDY, 2), "before");
        _claim(STUDY, 2);
        vm.assertTrue(compensation.isSettled(STUDY, 2), "after");
        vm.assertFalse(compensation.isSettled(OTHER_STUDY, 2), "the other study's payout");
    }

    function test_payoutLeaf_isTheDoubleHashedDomainTaggedEncoding() public view {
        vm.assertEq(
            compensation.payoutLeaf(STUDY, OFFER, 2, patients[2], 200),
            _leaf(STUDY, OFFER, 2, patients[2], 200),
            "leaf"
        );
    }

    function test_supportsInterface_reportsCompensationErc1155AccessControlAndErc165() public view {
        vm.assertTrue(compensation.supportsInterface(type(ICompensation).interfaceId), "ICompensation");
        vm.assertTrue(compensation.supportsInterface(type(IERC1155).interfaceId), "IERC1155");
        vm.assertTrue(compensation.supportsInterface(type(IERC1155MetadataURI).interfaceId), "IERC1155MetadataURI");
        vm.assertTrue(compensation.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(compensation.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(compensation.supportsInterface(0xffffffff), "0xffffffff is never supported");
    }
}
