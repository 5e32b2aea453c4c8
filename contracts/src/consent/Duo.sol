// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

/// @title Duo
/// @notice The GA4GH Data Use Ontology (DUO) purposes a Consentry consent can name, as the numbers of their DUO
/// terms (`DUO:0000042` is 42), and the rule that checks a purpose is well formed.
/// @dev Only the four primary research purposes are consented to on chain. A disease-specific purpose names its
/// disease as a MONDO number (`MONDO:0004992`, cancer, is 4992); every other purpose names none (0).
library Duo {
    /// @notice DUO:0000042 general research use: any research purpose.
    uint16 internal constant GRU = 42;
    /// @notice DUO:0000006 health, medical or biomedical research.
    uint16 internal constant HMB = 6;
    /// @notice DUO:0000007 disease-specific research, for one disease.
    uint16 internal constant DS = 7;
    /// @notice DUO:0000011 population origins or ancestry research only.
    uint16 internal constant POA = 11;

    /// @notice Whether `purpose` is one of the four primary purposes and names a disease exactly when it is DS.
    function isWellFormed(uint16 purpose, uint32 disease) internal pure returns (bool) {
        if (purpose == DS) return disease != 0;
        return disease == 0 && (purpose == GRU || purpose == HMB || purpose == POA);
    }
}
