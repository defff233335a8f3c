// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.10;

/// @title What an Accord chain says about the versions of a contract target.
/// @notice A contract target (the `Releases` pallet) is an alias address that users call and
/// versions that are deployed contracts. The alias holds an EIP-7702 delegation designator
/// (`0xef0100 ++ version`): the version's code runs at the alias's address, against the
/// alias's storage, with `msg.sender` the alias's caller. A release routes code, not data.
/// @dev Storage layout rule, as for any upgradeable proxy: every version must keep the slots
/// of the versions before it (append new state variables, never reorder or retype them), and
/// initialise state through the alias (an initializer), never in a constructor, whose writes
/// land in the version's own storage.
interface IReleases {
    /// @notice Logged by the chain, from `RELEASES_LOG` (no code there), in the receipt of each
    /// successful transaction that calls an alias: the version that served it.
    /// @param alias The alias called.
    /// @param release The live release that routed it (0: none, the current version).
    /// @param version The version's number (1 for the target's first).
    /// @param code The deployed contract whose code ran.
    event VersionServed(address indexed alias, uint32 release, uint16 version, address code);
}

/// @dev The address the chain logs `VersionServed` from.
address constant RELEASES_LOG = 0x0000000000000000000000000000000000000801;
