// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.10;

/// @title Two versions of one business contract, released side by side behind an alias.
/// @notice Each version counts bumps per id. Both declare the same storage (the count
/// mapping first): whichever version serves a call, it runs against the alias's storage, so
/// the counts are one data set. The data id of a call is its first argument (the target's
/// rule `Argument { index: 0 }`).
contract TallyV1 {
    mapping(bytes32 => uint256) public count;

    event Bumped(bytes32 indexed id, uint256 count, uint16 version);

    /// @notice Adds 1 to the count of `id`.
    function bump(bytes32 id) external {
        count[id] += 1;
        emit Bumped(id, count[id], version());
    }

    /// @notice The version's number.
    function version() public pure returns (uint16) {
        return 1;
    }
}

/// @notice Version 2 adds 10 per bump and refuses odd ids: a version that fails too often in
/// gray, for the automatic rollback.
contract TallyV2 {
    mapping(bytes32 => uint256) public count;

    event Bumped(bytes32 indexed id, uint256 count, uint16 version);

    /// @notice Adds 10 to the count of `id`; reverts for an odd `id`.
    function bump(bytes32 id) external {
        require(uint256(id) % 2 == 0, "TallyV2: odd ids are refused");
        count[id] += 10;
        emit Bumped(id, count[id], version());
    }

    /// @notice The version's number.
    function version() public pure returns (uint16) {
        return 2;
    }
}
