// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.10;

import "../IData.sol";

/// @title A registry whose entries the chain can delete, back up and recover.
/// @notice Each entry (amount, holder) takes two slots of the `entries` mapping. The chain
/// finds them by the entry's id through `accordDataSlots`; whoever writes an entry may name a
/// deleter for it, declared through the Data precompile.
contract Registry is IAccordData {
    struct Entry {
        uint256 amount;
        bytes32 holder;
    }

    /// @dev Slot 0: the storage layout `accordDataSlots` computes from.
    mapping(bytes32 => Entry) public entries;

    /// @notice Writes entry `id`; a non-zero `deleter` (a 32-byte account) may delete it.
    function put(bytes32 id, uint256 amount, bytes32 holder, bytes32 deleter) external {
        require(amount != 0, "Registry: an entry holds an amount");
        entries[id] = Entry(amount, holder);
        if (deleter != bytes32(0)) {
            DATA.setDeleter(abi.encodePacked(id), deleter, true);
        }
    }

    /// @notice Deletes entry `id` by the contract's own logic (its deleters' rights end).
    function remove(bytes32 id) external {
        delete entries[id];
    }

    /// @inheritdoc IAccordData
    function accordDataSlots(bytes calldata key) external pure returns (bytes32[] memory slots) {
        require(key.length == 32, "Registry: a key is an entry id of 32 bytes");
        bytes32 base = keccak256(abi.encode(abi.decode(key, (bytes32)), uint256(0)));
        slots = new bytes32[](2);
        slots[0] = base;
        slots[1] = bytes32(uint256(base) + 1);
    }
}
