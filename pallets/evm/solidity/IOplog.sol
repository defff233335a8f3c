// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.10;

/// @title The operation log precompile of an Accord chain.
/// @notice A contract appends an entry to the chain's operation log (`Oplog`) for each change
/// of its business data; business systems sync their databases from the log (accord-offchain).
/// The entry is written atomically with the calling transaction: if the transaction, or the
/// frame that appended, reverts, the entry is gone with it. The entry's origin is the calling
/// contract's address, so a data id is scoped to the contract that wrote it; its operator is
/// the account that signed the transaction.
/// @dev Call it with CALL from a contract (STATICCALL, DELEGATECALL, CALLCODE, value, or a
/// transaction calling it directly revert with a reason). Gas: 20,000 plus 16 per byte of the
/// three byte strings. Limits: a data id of at most 128 bytes, states of at most 4096 bytes.
interface IOplog {
    /// @notice What an operation did: 0 create, 1 update, 2 delete, 3 query.
    /// @return index The entry's global index in the operation log.
    function append(bytes calldata dataId, bytes calldata sourceState, bytes calldata resultState, uint8 opType)
        external
        returns (uint64 index);

    /// @notice An entry for a business-defined operation `code`.
    /// @return index The entry's global index in the operation log.
    function appendCustom(bytes calldata dataId, bytes calldata sourceState, bytes calldata resultState, uint16 code)
        external
        returns (uint64 index);

    /// @notice The log the precompile emits for each entry (in the transaction's receipt).
    /// `opType` is 4 for a custom operation, whose code is `code`.
    event Appended(
        address indexed origin, uint8 opType, uint16 code, bytes dataId, bytes sourceState, bytes resultState
    );
}

/// @dev The precompile's address.
IOplog constant OPLOG = IOplog(0x0000000000000000000000000000000000000800);
