// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {Duo} from "./Duo.sol";

/// @notice Everything one patient has consented to for one scope, packed in one storage slot, so that a grant
/// writes one slot and a cohort check reads one slot per patient.
/// @dev Layout, least significant bit first (expiries are unix seconds, 0 when there is no consent):
///   [  0,  40) GRU expiry       [ 40,  80) HMB expiry       [ 80, 120) POA expiry
///   [120, 160) expiry of the set's own DS consent             [160, 192) its disease (MONDO number, 0 when none)
///   [192, 224) nonce: bumped by every change, so a signed change applies at most once
///   [224, 256) how many further DS consents, for other diseases, are held outside the set
type ConsentSet is uint256;

/// @notice A research request as `ConsentSetLib.permits` evaluates it: the disease asked about in bits [0, 32),
/// bit 32 set for DS, and from bit 40 the shift of the one other general consent that covers it (HMB or POA).
type Request is uint256;

using ConsentSetLib for ConsentSet global;

/// @title ConsentSetLib
/// @notice Reads, writes and evaluates a `ConsentSet`.
library ConsentSetLib {
    /// @notice The latest expiry a set can hold (year 36812).
    uint64 internal constant MAX_EXPIRY = type(uint40).max;

    uint256 private constant EXPIRY_MASK = 0xffffffffff;
    uint256 private constant WORD32_MASK = 0xffffffff;
    uint256 private constant HMB_SHIFT = 40;
    uint256 private constant POA_SHIFT = 80;
    uint256 private constant DS_SHIFT = 120;
    uint256 private constant DS_DISEASE_SHIFT = 160;
    uint256 private constant NONCE_SHIFT = 192;
    uint256 private constant EXTRA_DISEASES_SHIFT = 224;

    uint256 private constant REQUEST_DS = 0x100000000;
    uint256 private constant REQUEST_SHIFT_SHIFT = 40;

    /// @notice The expiry of the set's consent for `purpose`; for DS, that of the set's own DS consent.
    function expiryOf(ConsentSet set, uint16 purpose) internal pure returns (uint64) {
        return uint64((ConsentSet.unwrap(set) >> _shiftOf(purpose)) & EXPIRY_MASK);
    }

    /// @notice The set with its consent for GRU, HMB or POA expiring at `expiresAt` (0 removes it).
    /// @dev `expiresAt` must not exceed `MAX_EXPIRY`: the caller checks it.
    function withExpiry(ConsentSet set, uint16 purpose, uint64 expiresAt) internal pure returns (ConsentSet) {
        uint256 shift = _shiftOf(purpose);
        return ConsentSet.wrap((ConsentSet.unwrap(set) & ~(EXPIRY_MASK << shift)) | (uint256(expiresAt) << shift));
    }

    /// @notice The disease of the set's own DS consent, 0 when it has none.
    function dsDisease(ConsentSet set) internal pure returns (uint32) {
        return uint32(ConsentSet.unwrap(set) >> DS_DISEASE_SHIFT);
    }

    /// @notice The set with its own DS consent for `disease` expiring at `expiresAt`; (0, 0) removes it.
    function withDsConsent(ConsentSet set, uint32 disease, uint64 expiresAt) internal pure returns (ConsentSet) {
        uint256 cleared = ConsentSet.unwrap(set) & ~((EXPIRY_MASK << DS_SHIFT) | (WORD32_MASK << DS_DISEASE_SHIFT));
        return ConsentSet.wrap(
            cleared | (uint256(expiresAt) << DS_SHIFT) | (uint256(disease) << DS_DISEASE_SHIFT)
        );
    }

    /// @notice The number of changes made to the set so far, which the next signed change must name.
    function nonce(ConsentSet set) internal pure returns (uint32) {
        return uint32(ConsentSet.unwrap(set) >> NONCE_SHIFT);
    }

    /// @notice The set with its nonce bumped.
    /// @dev Checked: wrapping to 0 would make old signed changes valid again. Reaching it takes 2^32 changes by
    /// the patient, and then only that patient's set for that scope stops accepting changes.
    function withNextNonce(ConsentSet set) internal pure returns (ConsentSet) {
        uint32 next = set.nonce() + 1;
        return ConsentSet.wrap(
            (ConsentSet.unwrap(set) & ~(WORD32_MASK << NONCE_SHIFT)) | (uint256(next) << NONCE_SHIFT)
        );
    }

    /// @notice How many DS consents, besides the set's own, the patient holds for this scope.
    function extraDiseases(ConsentSet set) internal pure returns (uint32) {
        return uint32(ConsentSet.unwrap(set) >> EXTRA_DISEASES_SHIFT);
    }

    /// @notice The set with its count of further DS consents replaced.
    /// @dev A count of distinct non-zero uint32 diseases is below 2^32, so it always fits.
    function withExtraDiseases(ConsentSet set, uint32 count) internal pure returns (ConsentSet) {
        return ConsentSet.wrap(
            (ConsentSet.unwrap(set) & ~(WORD32_MASK << EXTRA_DISEASES_SHIFT)) | (uint256(count) << EXTRA_DISEASES_SHIFT)
        );
    }

    /// @notice A request for `purpose` (and `disease`, for DS) in the form `permits` evaluates, following DUO's
    /// hierarchy: GRU covers every purpose; HMB covers HMB and DS for any disease; DS covers DS for its own disease
    /// only; POA covers POA only. So a GRU consent always counts, at most one other general consent may (HMB for
    /// HMB and DS, POA for POA), and for DS the set's own DS consent if its disease matches.
    /// @dev Computed once per request, so a cohort check decides each patient with a few shifts and compares.
    /// The purpose must be well formed (`Duo.isWellFormed`).
    function requestFor(uint16 purpose, uint32 disease) internal pure returns (Request) {
        if (purpose == Duo.HMB) return Request.wrap(HMB_SHIFT << REQUEST_SHIFT_SHIFT);
        if (purpose == Duo.POA) return Request.wrap(POA_SHIFT << REQUEST_SHIFT_SHIFT);
        if (purpose == Duo.DS) return Request.wrap((HMB_SHIFT << REQUEST_SHIFT_SHIFT) | REQUEST_DS | disease);
        // GRU: the "other" consent is GRU itself.
        return Request.wrap(0);
    }

    /// @notice Whether the set permits `request` at time `now_`: some covering consent expires after `now_`.
    /// @return permitted Whether the set alone permits the request.
    /// @return checkExtraDiseases True when the set cannot tell: the request is DS for a disease other than the
    /// set's own, and the patient holds further DS consents outside the set.
    function permits(ConsentSet set, Request request, uint256 now_)
        internal
        pure
        returns (bool permitted, bool checkExtraDiseases)
    {
        uint256 packed = ConsentSet.unwrap(set);
        uint256 wanted = Request.unwrap(request);
        if (now_ < (packed & EXPIRY_MASK)) return (true, false);
        if (now_ < ((packed >> (wanted >> REQUEST_SHIFT_SHIFT)) & EXPIRY_MASK)) return (true, false);
        if (wanted & REQUEST_DS == 0) return (false, false);
        if (uint32(packed >> DS_DISEASE_SHIFT) == uint32(wanted)) {
            return (now_ < ((packed >> DS_SHIFT) & EXPIRY_MASK), false);
        }
        return (false, packed >> EXTRA_DISEASES_SHIFT != 0);
    }

    /// @notice `permits` for each of `patients` against their sets in `sets`, at time `now_`.
    /// @dev The same decisions as `permits`, written out in assembly: a worker's whole cohort, thousands of
    /// patients, must fit one call's gas, and after the one cold storage read each patient cannot afford Solidity's
    /// per-element checks and calls. An address word with dirty upper bits only finds an empty set.
    /// @return permitted Bit `i % 256` of word `i / 256` is set when the set of `patients[i]` permits the request.
    /// @return undecided The same bitmap, for patients whose further DS consents must be checked instead.
    function permitsEach(
        mapping(address patient => ConsentSet set) storage sets,
        address[] calldata patients,
        Request request,
        uint256 now_
    ) internal view returns (uint256[] memory permitted, uint256[] memory undecided) {
        uint256 words = (patients.length + 255) >> 8;
        permitted = new uint256[](words);
        undecided = new uint256[](words);
        assembly ("memory-safe") {
            mstore(0x20, sets.slot)
            for { let i := 0 } lt(i, patients.length) { i := add(i, 1) } {
                mstore(0x00, calldataload(add(patients.offset, shl(5, i))))
                let packed := sload(keccak256(0x00, 0x40))
                // GRU, then the other general consent the request names (HMB or POA; GRU again for GRU).
                let ok := lt(now_, and(packed, EXPIRY_MASK))
                if iszero(ok) { ok := lt(now_, and(shr(shr(REQUEST_SHIFT_SHIFT, request), packed), EXPIRY_MASK)) }
                // DS: the set's own DS consent when its disease matches; otherwise the ones outside the set.
                if iszero(ok) {
                    if and(request, REQUEST_DS) {
                        switch eq(and(shr(DS_DISEASE_SHIFT, packed), WORD32_MASK), and(request, WORD32_MASK))
                        case 1 { ok := lt(now_, and(shr(DS_SHIFT, packed), EXPIRY_MASK)) }
                        default {
                            if shr(EXTRA_DISEASES_SHIFT, packed) {
                                let at := add(undecided, add(0x20, shl(5, shr(8, i))))
                                mstore(at, or(mload(at), shl(and(i, 255), 1)))
                            }
                        }
                    }
                }
                if ok {
                    let at := add(permitted, add(0x20, shl(5, shr(8, i))))
                    mstore(at, or(mload(at), shl(and(i, 255), 1)))
                }
            }
        }
    }

    function _shiftOf(uint16 purpose) private pure returns (uint256) {
        if (purpose == Duo.GRU) return 0;
        if (purpose == Duo.HMB) return HMB_SHIFT;
        if (purpose == Duo.POA) return POA_SHIFT;
        return DS_SHIFT;
    }
}
