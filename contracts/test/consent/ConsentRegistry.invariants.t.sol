// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.30;

import {ConsentRegistry} from "../../src/consent/ConsentRegistry.sol";
import {Duo} from "../../src/consent/Duo.sol";
import {IConsentRegistry} from "../../src/consent/IConsentRegistry.sol";
import {vm} from "../Vm.sol";
import {ConsentSigning} from "./ConsentSigning.sol";

/// @dev Drives a few patients' grants and revocations on one scope, directly and through the relayer, plus replays,
/// forgeries and the passing of time, and keeps a ghost model of every consent's expiry (0 once revoked).
/// Never reverts: each outcome is checked in place, and a wrong one fails the run.
contract ConsentRegistryHandler {
    uint256 internal constant ACTORS = 4;
    uint256 internal constant KEYS = 6;
    bytes32 internal constant SCOPE = keccak256("offer-1");

    ConsentRegistry internal immutable registry;
    address internal immutable relayer;

    mapping(address patient => mapping(uint256 key => uint64 expiresAt)) public ghostExpiry;
    uint256 public changes;

    IConsentRegistry.SignedConsent internal lastApplied;
    bool internal hasLastApplied;

    constructor(ConsentRegistry registry_, address relayer_) {
        registry = registry_;
        relayer = relayer_;
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    function keyCount() external pure returns (uint256) {
        return KEYS;
    }

    function actorAt(uint256 index) public pure returns (address) {
        return vm.addr(_privateKey(index));
    }

    /// @notice The consent keys: GRU, HMB, POA, and DS for three diseases (three, so some leave the set).
    function keyAt(uint256 index) public pure returns (uint16 purpose, uint32 disease) {
        if (index == 0) return (Duo.GRU, 0);
        if (index == 1) return (Duo.HMB, 0);
        if (index == 2) return (Duo.POA, 0);
        if (index == 3) return (Duo.DS, 4992);
        if (index == 4) return (Duo.DS, 7254);
        return (Duo.DS, 5267);
    }

    function grant(uint256 actorSeed, uint256 keySeed, uint256 lifetime, bool signed) external {
        uint256 actorIndex = actorSeed % ACTORS;
        address patient = actorAt(actorIndex);
        uint256 key = keySeed % KEYS;
        (uint16 purpose, uint32 disease) = keyAt(key);
        uint64 expiresAt = uint64(block.timestamp + 1 + (lifetime % 4 days));

        if (signed) {
            IConsentRegistry.SignedConsent memory item = ConsentSigning.grant(
                patient, SCOPE, purpose, disease, expiresAt, registry.nonceOf(patient, SCOPE), _deadline()
            );
            _submitExpecting(ConsentSigning.signedBy(address(registry), _privateKey(actorIndex), item), true);
        } else {
            vm.prank(patient);
            registry.grantConsent(SCOPE, purpose, disease, expiresAt);
        }
        ghostExpiry[patient][key] = expiresAt;
        changes += 1;
    }

    function revoke(uint256 actorSeed, uint256 keySeed, bool signed) external {
        uint256 actorIndex = actorSeed % ACTORS;
        address patient = actorAt(actorIndex);
        uint256 key = keySeed % KEYS;
        (uint16 purpose, uint32 disease) = keyAt(key);
        bool held = ghostExpiry[patient][key] != 0;

        if (signed) {
            IConsentRegistry.SignedConsent memory item = ConsentSigning.signedBy(
                address(registry),
                _privateKey(actorIndex),
                ConsentSigning.revocation(patient, SCOPE, purpose, disease, registry.nonceOf(patient, SCOPE), _deadline())
            );
            _submitExpecting(item, held);
        } else {
            vm.prank(patient);
            try registry.revokeConsent(SCOPE, purpose, disease) {
                require(held, "revoked a consent the model does not hold");
            } catch (bytes memory reason) {
                bytes memory expected = abi.encodeWithSelector(
                    IConsentRegistry.ConsentNotFound.selector, patient, SCOPE, purpose, disease
                );
                require(!held && keccak256(reason) == keccak256(expected), "wrong refusal of a revocation");
            }
        }
        if (held) {
            ghostExpiry[patient][key] = 0;
            changes += 1;
        }
    }

    /// @notice Submits the last applied signed change again: its nonce is spent (or, late enough, its deadline).
    function replay() external {
        if (!hasLastApplied) return;
        IConsentRegistry.RelayOutcome expected = block.timestamp > lastApplied.deadline
            ? IConsentRegistry.RelayOutcome.DeadlinePassed
            : IConsentRegistry.RelayOutcome.StaleNonce;
        require(_submit(lastApplied) == expected, "a replay was not refused");
    }

    /// @notice One actor signs a grant in another's name: the registry must refuse it.
    function forge(uint256 forgerSeed, uint256 victimSeed, uint256 keySeed) external {
        uint256 forger = forgerSeed % ACTORS;
        uint256 victim = victimSeed % ACTORS;
        if (forger == victim) victim = (victim + 1) % ACTORS;
        address patient = actorAt(victim);
        (uint16 purpose, uint32 disease) = keyAt(keySeed % KEYS);
        IConsentRegistry.SignedConsent memory item = ConsentSigning.grant(
            patient,
            SCOPE,
            purpose,
            disease,
            uint64(block.timestamp + 1 days),
            registry.nonceOf(patient, SCOPE),
            uint64(block.timestamp)
        );
        item = ConsentSigning.signedBy(address(registry), _privateKey(forger), item);
        require(_submit(item) == IConsentRegistry.RelayOutcome.BadSignature, "a forged signature was not refused");
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 3 days));
    }

    function _submitExpecting(IConsentRegistry.SignedConsent memory item, bool applies) internal {
        IConsentRegistry.RelayOutcome outcome = _submit(item);
        if (applies) {
            require(outcome == IConsentRegistry.RelayOutcome.Applied, "a good signed change was not applied");
            lastApplied = item;
            hasLastApplied = true;
        } else {
            require(outcome == IConsentRegistry.RelayOutcome.Refused, "a signed change with nothing to do applied");
        }
    }

    function _submit(IConsentRegistry.SignedConsent memory item) internal returns (IConsentRegistry.RelayOutcome) {
        IConsentRegistry.SignedConsent[] memory items = new IConsentRegistry.SignedConsent[](1);
        items[0] = item;
        vm.prank(relayer);
        return registry.submitSignedConsents(items)[0];
    }

    /// @dev Far enough ahead that a replay usually meets the spent nonce rather than the deadline.
    function _deadline() internal view returns (uint64) {
        return uint64(block.timestamp + 30 days);
    }

    function _privateKey(uint256 index) internal pure returns (uint256) {
        return 0xC0FFEE + index;
    }
}

contract ConsentRegistryInvariantTest {
    bytes32 internal constant SCOPE = keccak256("offer-1");

    ConsentRegistry internal registry;
    ConsentRegistryHandler internal handler;

    function setUp() public {
        vm.warp(1_750_000_000);
        address relayer = vm.addr(2);
        registry = new ConsentRegistry(vm.addr(1), relayer);
        handler = new ConsentRegistryHandler(registry, relayer);
    }

    /// @dev Read by the invariant fuzzer: only the handler is called.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev Whether the ghost model holds a live consent for `key`.
    function _live(address patient, uint256 key) internal view returns (bool) {
        return block.timestamp < handler.ghostExpiry(patient, key);
    }

    /// @dev Whether some live consent in the ghost model covers a request for `key`, by DUO's hierarchy.
    function _covered(address patient, uint256 key) internal view returns (bool) {
        if (_live(patient, 0)) return true;
        if (key == 0) return false;
        if (key == 2) return _live(patient, 2);
        return _live(patient, 1) || (key > 2 && _live(patient, key));
    }

    function invariant_isPermitted_neverForRevokedOrExpiredConsent() public view {
        for (uint256 a = 0; a < handler.actorCount(); a++) {
            address patient = handler.actorAt(a);
            for (uint256 k = 0; k < handler.keyCount(); k++) {
                if (_covered(patient, k)) continue;
                (uint16 purpose, uint32 disease) = handler.keyAt(k);
                vm.assertFalse(
                    registry.isPermitted(patient, SCOPE, purpose, disease), "revoked or expired reads as permitted"
                );
            }
        }
    }

    function invariant_isPermitted_agreesWithGhostModelForAllActors() public view {
        for (uint256 a = 0; a < handler.actorCount(); a++) {
            address patient = handler.actorAt(a);
            for (uint256 k = 0; k < handler.keyCount(); k++) {
                (uint16 purpose, uint32 disease) = handler.keyAt(k);
                vm.assertTrue(
                    registry.isPermitted(patient, SCOPE, purpose, disease) == _covered(patient, k), "isPermitted"
                );
                vm.assertEq(
                    registry.consentExpiry(patient, SCOPE, purpose, disease),
                    handler.ghostExpiry(patient, k),
                    "stored expiry"
                );
            }
        }
    }

    function invariant_cohortPermitted_agreesWithGhostModelOverAllActors() public view {
        uint256 actors = handler.actorCount();
        address[] memory cohort = new address[](actors);
        for (uint256 a = 0; a < actors; a++) {
            cohort[a] = handler.actorAt(a);
        }
        for (uint256 k = 0; k < handler.keyCount(); k++) {
            (uint16 purpose, uint32 disease) = handler.keyAt(k);
            uint256 bits = registry.cohortPermitted(cohort, SCOPE, purpose, disease)[0];
            for (uint256 a = 0; a < actors; a++) {
                vm.assertTrue((bits >> a) & 1 == 1 == _covered(cohort[a], k), "cohort bit");
            }
        }
    }

    function invariant_nonceOf_sumsToAppliedChangesOverAllActors() public view {
        uint256 total = 0;
        for (uint256 a = 0; a < handler.actorCount(); a++) {
            total += registry.nonceOf(handler.actorAt(a), SCOPE);
        }
        vm.assertEq(total, handler.changes(), "every applied change, and only those, spent one nonce");
    }
}
