// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.10;

import "../IOplog.sol";

/// @title The operation log's worked example as a contract.
/// @notice Accounts with balances; every change of a balance appends an oplog entry whose
/// data id is the account's name and whose states are the balance before and after, as
/// 32-byte big-endian words (type update; opening an account: create). Business systems
/// follow the entries with accord-offchain (origin: this contract's address).
contract Ledger {
    mapping(bytes32 => uint256) public balanceOf;

    event Transfer(bytes32 indexed from, bytes32 indexed to, uint256 amount);

    /// @notice Opens account `name` with `amount`.
    function open(bytes32 name, uint256 amount) external {
        require(balanceOf[name] == 0, "Ledger: the account is open");
        balanceOf[name] = amount;
        OPLOG.append(abi.encodePacked(name), "", abi.encode(amount), 0);
    }

    /// @notice Moves `amount` from `from` to `to`; logs both balances.
    function transfer(bytes32 from, bytes32 to, uint256 amount) external {
        uint256 before = balanceOf[from];
        require(before >= amount, "Ledger: insufficient balance");
        balanceOf[from] = before - amount;
        OPLOG.append(abi.encodePacked(from), abi.encode(before), abi.encode(before - amount), 1);
        uint256 was = balanceOf[to];
        balanceOf[to] = was + amount;
        OPLOG.append(abi.encodePacked(to), abi.encode(was), abi.encode(was + amount), 1);
        emit Transfer(from, to, amount);
    }
}
