// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.10;

/// @title The Data precompile of an Accord chain: a contract declares who may delete its data.
/// @notice A contract's business data can be deleted through the chain's `Metering` pallet
/// (`deleteData`, `recoverData`): permanently, or into a backup store for some days, by the
/// contract's creator or a deleter declared for that piece of data. A piece of data is named by
/// a serial number (`key`) that the contract maps to its storage slots (`IAccordData`). A
/// deleter's right ends with the data: when the data is deleted, or when the contract's own
/// code zeroes one of its slots.
/// @dev Call it with CALL from a contract (not from a transaction, not with STATICCALL or
/// DELEGATECALL, no value). The declaration applies with the transaction, after its writes: the
/// data must then exist (one of its slots non-zero) and `accordDataSlots(key)` must answer, or
/// the whole transaction reverts with the reason. Gas: 150,000 (it covers that read-only call).
interface IData {
    /// @notice Declares (or revokes, `allowed` false) `deleter`, a native 32-byte account (an
    /// Ethereum address A is the account A ++ 0xEE x 12), as a deleter of this contract's data
    /// `key` (1 to 128 bytes). The right's owner is the contract's creator.
    /// @return declared Always true (the call reverts otherwise).
    function setDeleter(bytes calldata key, bytes32 deleter, bool allowed) external returns (bool declared);

    /// @notice The log of a declaration (in the transaction's receipt).
    event DeleterDeclared(address indexed declarer, bytes key, bytes32 deleter, bool allowed);
}

/// @notice What a contract implements so that its data can be deleted by serial number.
interface IAccordData {
    /// @notice The storage slots of the data `key` names (1 to 32 distinct slots). Called
    /// read-only by the chain, from the zero address, with at most 100,000 gas.
    function accordDataSlots(bytes calldata key) external view returns (bytes32[] memory slots);
}

IData constant DATA = IData(0x0000000000000000000000000000000000000802);
