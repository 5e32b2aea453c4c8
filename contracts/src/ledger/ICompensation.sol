// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title ICompensation
/// @notice Pays patients for the use of their records as ERC-1155 compensation credits, one token id per study
/// (`uint256(studyId)`). For each study a publisher posts, once, the Merkle root of the patients' payouts and the
/// study's pool; each patient then either claims their share as credits or donates it, as credits, to the research
/// fund. What is paid out of a study never exceeds its pool, and each payout is settled at most once. Credits
/// cannot be transferred; their holder redeems them with the operator, who pays from the study's payment.
/// @dev Leaves are `keccak256(bytes.concat(keccak256(abi.encode(PAYOUT_LEAF_DOMAIN, studyId, offerId, index,
/// patient, amount))))`, inner pairs are hashed sorted (OpenZeppelin `MerkleProof`), and core/merkle.ts builds the
/// same trees. `index` is the payout's position in the study's payout list and keys its settled bit.
interface ICompensation {
    /// @notice Emitted when a study's payouts have been published.
    /// @param studyId The study.
    /// @param root The Merkle root of the study's payouts.
    /// @param pool The most that may be paid out of the study, in credits.
    event PayoutsPublished(bytes32 indexed studyId, bytes32 root, uint128 pool);

    /// @notice Emitted when a patient has claimed their payout as credits.
    /// @param studyId The study.
    /// @param patient The patient's pseudonymous address, who received the credits.
    /// @param offerId The offer through which the patient's record was used.
    /// @param index The payout's position in the study's payout list.
    /// @param amount The credits paid.
    event PayoutClaimed(
        bytes32 indexed studyId, address indexed patient, bytes32 offerId, uint256 index, uint256 amount
    );

    /// @notice Emitted when a patient has donated their payout to the research fund.
    /// @param studyId The study.
    /// @param patient The patient's pseudonymous address.
    /// @param offerId The offer through which the patient's record was used.
    /// @param index The payout's position in the study's payout list.
    /// @param amount The credits paid to the research fund.
    event PayoutDonated(
        bytes32 indexed studyId, address indexed patient, bytes32 offerId, uint256 index, uint256 amount
    );

    /// @notice Emitted when a holder has redeemed credits, for the operator to pay out off chain.
    /// @param studyId The study whose credits were redeemed.
    /// @param holder The account whose credits were burnt.
    /// @param amount The credits burnt.
    event CreditsRedeemed(bytes32 indexed studyId, address indexed holder, uint256 amount);

    /// @notice The research fund is the zero address, so donations could never be paid.
    error EmptyResearchFund();

    /// @notice The study id is zero, which is reserved for "no study".
    error EmptyStudyId();

    /// @notice The payout root is zero, so no payout could ever be proved.
    /// @param studyId The study.
    error EmptyPayoutRoot(bytes32 studyId);

    /// @notice The pool is zero, so nothing could ever be paid.
    /// @param studyId The study.
    error EmptyPool(bytes32 studyId);

    /// @notice The study's payouts are already published; they are published once and never replaced.
    /// @param studyId The study.
    /// @param root The root published first.
    error PayoutsAlreadyPublished(bytes32 studyId, bytes32 root);

    /// @notice No payouts are published for the study.
    /// @param studyId The study.
    error PayoutsNotPublished(bytes32 studyId);

    /// @notice The proof does not show this payout, to this patient, in the study's published payouts.
    /// @param studyId The study.
    /// @param patient The account that asked to be paid.
    /// @param index The payout's position given.
    error InvalidPayoutProof(bytes32 studyId, address patient, uint256 index);

    /// @notice The payout was already claimed or donated.
    /// @param studyId The study.
    /// @param index The payout's position.
    error PayoutAlreadySettled(bytes32 studyId, uint256 index);

    /// @notice Paying this payout would take more out of the study than its pool.
    /// @param studyId The study.
    /// @param amount The payout's amount.
    /// @param remaining What is left of the pool.
    error PoolExceeded(bytes32 studyId, uint256 amount, uint256 remaining);

    /// @notice Credits only move by claim, donation or redemption, never from one holder to another.
    /// @param from The holder.
    /// @param to The would-be recipient.
    error CreditsNotTransferable(address from, address to);

    /// @notice The role an account needs to publish payouts, granted by the admin.
    function PAYOUT_PUBLISHER_ROLE() external view returns (bytes32);

    /// @notice The role that may pause publishing, claims, donations and redemptions in an emergency; unpausing
    /// needs the admin.
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The domain tag that makes a payout leaf different from any other leaf of the project.
    function PAYOUT_LEAF_DOMAIN() external view returns (bytes32);

    /// @notice The account donated payouts are paid to, fixed at deployment.
    function researchFund() external view returns (address);

    /// @notice Publishes a study's payouts, once. Costs the same gas whatever the number of patients.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAYOUT_PUBLISHER_ROLE`, `EnforcedPause` while
    /// paused, `EmptyStudyId`, `EmptyPayoutRoot`, `EmptyPool` or `PayoutsAlreadyPublished`.
    /// @param studyId The study, non-zero.
    /// @param root The Merkle root of the study's payouts, non-zero.
    /// @param pool The most that may be paid out of the study, non-zero.
    function publishPayouts(bytes32 studyId, bytes32 root, uint128 pool) external;

    /// @notice Claims the caller's payout as credits of the study's token id.
    /// @dev Reverts with `EnforcedPause` while paused, `PayoutsNotPublished`, `InvalidPayoutProof` (also when the
    /// caller is not the payout's patient), `PayoutAlreadySettled` or `PoolExceeded`.
    /// @param studyId The study.
    /// @param offerId The offer through which the caller's record was used.
    /// @param index The payout's position in the study's payout list.
    /// @param amount The payout's amount.
    /// @param proof The sibling hashes from the payout's leaf up to the study's root.
    function claim(bytes32 studyId, bytes32 offerId, uint256 index, uint256 amount, bytes32[] calldata proof)
        external;

    /// @notice Donates the caller's payout to the research fund, as credits of the study's token id.
    /// @dev Reverts as `claim` does.
    /// @param studyId The study.
    /// @param offerId The offer through which the caller's record was used.
    /// @param index The payout's position in the study's payout list.
    /// @param amount The payout's amount.
    /// @param proof The sibling hashes from the payout's leaf up to the study's root.
    function donate(bytes32 studyId, bytes32 offerId, uint256 index, uint256 amount, bytes32[] calldata proof)
        external;

    /// @notice Burns the caller's credits of a study so that the operator pays them out.
    /// @dev Reverts with `EnforcedPause` while paused or `ERC1155InsufficientBalance`.
    /// @param studyId The study whose credits are redeemed.
    /// @param amount The credits to redeem.
    function redeem(bytes32 studyId, uint256 amount) external;

    /// @notice Pauses publishing, claims, donations and redemptions. Reads stay available.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `PAUSER_ROLE`, `EnforcedPause` when paused.
    function pause() external;

    /// @notice Resumes publishing, claims, donations and redemptions. Only the admin may, as on every contract.
    /// @dev Reverts with `AccessControlUnauthorizedAccount` without `DEFAULT_ADMIN_ROLE`, `ExpectedPause` when not
    /// paused.
    function unpause() external;

    /// @notice A study's published payouts; all zero when none are published.
    /// @return root The Merkle root of the study's payouts.
    /// @return pool The most that may be paid out of the study.
    /// @return paidOut What has been claimed and donated so far; never more than `pool`.
    function payoutsOf(bytes32 studyId) external view returns (bytes32 root, uint128 pool, uint128 paidOut);

    /// @notice Whether the payout at `index` of the study was claimed or donated.
    function isSettled(bytes32 studyId, uint256 index) external view returns (bool);

    /// @notice The leaf a payout has in its study's payout tree.
    function payoutLeaf(bytes32 studyId, bytes32 offerId, uint256 index, address patient, uint256 amount)
        external
        pure
        returns (bytes32);
}
