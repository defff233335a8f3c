//! Origins, dispatch errors, weights and dispatch info, in the exact SCALE shapes of
//! `sp_runtime` and `frame_support` so that clients decode them with their built-in types.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::build::{Fields, Variants};
use scale_info::{Path, Type, TypeInfo};

use accord_primitives::AccountId32;

/// Who dispatches a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The chain's governance (the sudo key on a dev chain).
    Root,
    /// A signed transaction's sender.
    Signed(AccountId32),
    /// An unsigned extrinsic (inherents).
    None,
}

impl Origin {
    /// The signer, or `BadOrigin`.
    pub fn ensure_signed(&self) -> Result<AccountId32, DispatchError> {
        match self {
            Origin::Signed(who) => Ok(*who),
            _ => Err(DispatchError::BadOrigin),
        }
    }

    /// `Ok` for root, else `BadOrigin`.
    pub fn ensure_root(&self) -> Result<(), DispatchError> {
        match self {
            Origin::Root => Ok(()),
            _ => Err(DispatchError::BadOrigin),
        }
    }

    /// `Ok` for none (inherents), else `BadOrigin`.
    pub fn ensure_none(&self) -> Result<(), DispatchError> {
        match self {
            Origin::None => Ok(()),
            _ => Err(DispatchError::BadOrigin),
        }
    }
}

/// The account an address names; only `MultiAddress::Id` is supported (others:
/// `CannotLookup`, as FRAME's account lookup).
pub fn lookup(address: &accord_primitives::MultiAddress) -> Result<AccountId32, DispatchError> {
    match address {
        accord_primitives::MultiAddress::Id(id) => Ok(*id),
        _ => Err(DispatchError::CannotLookup),
    }
}

/// A pallet's error: which pallet and which variant, in `sp_runtime::ModuleError` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub struct ModuleError {
    /// The pallet's index in the runtime.
    pub index: u8,
    /// The error variant's index in the first byte; the rest zero.
    pub error: [u8; 4],
}

/// Token (balance) errors, as `sp_runtime::TokenError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
#[allow(missing_docs)]
pub enum TokenError {
    FundsUnavailable,
    OnlyProvider,
    BelowMinimum,
    CannotCreate,
    UnknownAsset,
    Frozen,
    Unsupported,
    CannotCreateHold,
    NotExpendable,
    Blocked,
}

/// Arithmetic errors, as `sp_arithmetic::ArithmeticError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
#[allow(missing_docs)]
pub enum ArithmeticError {
    Underflow,
    Overflow,
    DivisionByZero,
}

/// Transactional layer errors, as `sp_runtime::TransactionalError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
#[allow(missing_docs)]
pub enum TransactionalError {
    LimitReached,
    NoLayer,
}

/// Trie errors, as `sp_runtime::proving_trie::TrieError` (never produced here; kept for the
/// exact shape of [`DispatchError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
#[allow(missing_docs)]
pub enum TrieError {
    InvalidStateRoot,
    IncompleteDatabase,
    ValueAtIncompleteKey,
    DecoderError,
    InvalidHash,
    DuplicateKey,
    ExtraneousNode,
    ExtraneousValue,
    ExtraneousHashReference,
    InvalidChildReference,
    ValueMismatch,
    IncompleteProof,
    RootMismatch,
    DecodeError,
}

/// Why a dispatch failed, as `sp_runtime::DispatchError` (variant indices 0..=14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub enum DispatchError {
    /// Some other error; the message is not encoded.
    Other(#[codec(skip)] &'static str),
    /// An address could not be looked up.
    CannotLookup,
    /// The origin is not allowed to make this call.
    BadOrigin,
    /// A pallet's own error.
    Module(ModuleError),
    /// The account still has consumers.
    ConsumerRemaining,
    /// The account has no providers.
    NoProviders,
    /// Too many consumers.
    TooManyConsumers,
    /// A token error.
    Token(TokenError),
    /// An arithmetic error.
    Arithmetic(ArithmeticError),
    /// A transactional layer error.
    Transactional(TransactionalError),
    /// Resources exhausted.
    Exhausted,
    /// State is corrupt.
    Corruption,
    /// Something is unavailable.
    Unavailable,
    /// Root origin is not allowed.
    RootNotAllowed,
    /// A trie error.
    Trie(TrieError),
}

/// The result of a dispatch.
pub type DispatchResult = Result<(), DispatchError>;

/// A pallet's error enum: knows its pallet and its variant index.
pub trait PalletError: Copy + std::fmt::Debug {
    /// The pallet's name as in the runtime (`"Balances"`).
    const PALLET: &'static str;
    /// The variant's index in the error enum.
    fn index(self) -> u8;
}

fn unit_enum(path: &'static [&'static str], names: &'static [&'static str]) -> Type {
    let mut variants = Variants::new();
    for (i, name) in names.iter().enumerate() {
        variants = variants.variant(*name, |v| v.index(i as u8));
    }
    Type::builder().path(Path::from_segments_unchecked(path.iter().copied())).variant(variants)
}

impl TypeInfo for TokenError {
    type Identity = Self;
    fn type_info() -> Type {
        unit_enum(
            &["sp_runtime", "TokenError"],
            &[
                "FundsUnavailable",
                "OnlyProvider",
                "BelowMinimum",
                "CannotCreate",
                "UnknownAsset",
                "Frozen",
                "Unsupported",
                "CannotCreateHold",
                "NotExpendable",
                "Blocked",
            ],
        )
    }
}

impl TypeInfo for ArithmeticError {
    type Identity = Self;
    fn type_info() -> Type {
        unit_enum(&["sp_arithmetic", "ArithmeticError"], &["Underflow", "Overflow", "DivisionByZero"])
    }
}

impl TypeInfo for TransactionalError {
    type Identity = Self;
    fn type_info() -> Type {
        unit_enum(&["sp_runtime", "TransactionalError"], &["LimitReached", "NoLayer"])
    }
}

impl TypeInfo for TrieError {
    type Identity = Self;
    fn type_info() -> Type {
        unit_enum(
            &["sp_runtime", "proving_trie", "TrieError"],
            &[
                "InvalidStateRoot",
                "IncompleteDatabase",
                "ValueAtIncompleteKey",
                "DecoderError",
                "InvalidHash",
                "DuplicateKey",
                "ExtraneousNode",
                "ExtraneousValue",
                "ExtraneousHashReference",
                "InvalidChildReference",
                "ValueMismatch",
                "IncompleteProof",
                "RootMismatch",
                "DecodeError",
            ],
        )
    }
}

impl TypeInfo for ModuleError {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder().path(Path::from_segments_unchecked(["sp_runtime", "ModuleError"])).composite(
            Fields::named()
                .field(|f| f.ty::<u8>().name("index").type_name("u8"))
                .field(|f| f.ty::<[u8; 4]>().name("error").type_name("[u8; MAX_MODULE_ERROR_ENCODED_SIZE]")),
        )
    }
}

impl TypeInfo for DispatchError {
    type Identity = Self;
    fn type_info() -> Type {
        fn with<T: TypeInfo + 'static>(name: &'static str, index: u8, v: Variants) -> Variants {
            v.variant(name, |b| b.index(index).fields(Fields::unnamed().field(|f| f.ty::<T>())))
        }
        let mut v = Variants::new()
            .variant("Other", |b| b.index(0))
            .variant("CannotLookup", |b| b.index(1))
            .variant("BadOrigin", |b| b.index(2));
        v = with::<ModuleError>("Module", 3, v);
        v = v
            .variant("ConsumerRemaining", |b| b.index(4))
            .variant("NoProviders", |b| b.index(5))
            .variant("TooManyConsumers", |b| b.index(6));
        v = with::<TokenError>("Token", 7, v);
        v = with::<ArithmeticError>("Arithmetic", 8, v);
        v = with::<TransactionalError>("Transactional", 9, v);
        v = v
            .variant("Exhausted", |b| b.index(10))
            .variant("Corruption", |b| b.index(11))
            .variant("Unavailable", |b| b.index(12))
            .variant("RootNotAllowed", |b| b.index(13));
        v = with::<TrieError>("Trie", 14, v);
        Type::builder().path(Path::from_segments_unchecked(["sp_runtime", "DispatchError"])).variant(v)
    }
}

/// Execution cost: `ref_time` in picoseconds of reference hardware, `proof_size` in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, MaxEncodedLen)]
pub struct Weight {
    /// Computation time, picoseconds.
    #[codec(compact)]
    pub ref_time: u64,
    /// Proof size, bytes.
    #[codec(compact)]
    pub proof_size: u64,
}

impl Weight {
    /// No cost.
    pub const ZERO: Weight = Weight { ref_time: 0, proof_size: 0 };

    /// A weight of `ref_time` picoseconds and no proof size.
    pub const fn from_ref_time(ref_time: u64) -> Weight {
        Weight { ref_time, proof_size: 0 }
    }

    /// Component-wise saturating addition.
    pub const fn saturating_add(self, other: Weight) -> Weight {
        Weight {
            ref_time: self.ref_time.saturating_add(other.ref_time),
            proof_size: self.proof_size.saturating_add(other.proof_size),
        }
    }

    /// Component-wise saturating subtraction.
    pub const fn saturating_sub(self, other: Weight) -> Weight {
        Weight {
            ref_time: self.ref_time.saturating_sub(other.ref_time),
            proof_size: self.proof_size.saturating_sub(other.proof_size),
        }
    }

    /// Component-wise saturating multiplication by a scalar.
    pub const fn saturating_mul(self, n: u64) -> Weight {
        Weight { ref_time: self.ref_time.saturating_mul(n), proof_size: self.proof_size.saturating_mul(n) }
    }

    /// Whether any component exceeds `limit`'s.
    pub fn any_gt(self, limit: Weight) -> bool {
        self.ref_time > limit.ref_time || self.proof_size > limit.proof_size
    }
}

impl TypeInfo for Weight {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder().path(Path::from_segments_unchecked(["sp_weights", "weight_v2", "Weight"])).composite(
            Fields::named()
                .field(|f| f.compact::<u64>().name("ref_time").type_name("u64"))
                .field(|f| f.compact::<u64>().name("proof_size").type_name("u64")),
        )
    }
}

/// The cost of storage access, for weight functions: measured and generated by the weights
/// harness (`cargo bench -p accord-node --bench weights -- --write`).
pub mod db_weight;

/// The class of a dispatch, as `frame_support::dispatch::DispatchClass`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub enum DispatchClass {
    /// Ordinary transactions.
    #[default]
    Normal,
    /// Operational (governance) transactions.
    Operational,
    /// Inherents: always included.
    Mandatory,
}

/// Whether the sender pays a fee, as `frame_support::dispatch::Pays`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub enum Pays {
    /// Pays.
    #[default]
    Yes,
    /// Free.
    No,
}

/// The weight, class and fee mode of a dispatch, as `frame_support::dispatch::DispatchInfo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub struct DispatchInfo {
    /// The weight.
    pub weight: Weight,
    /// The class.
    pub class: DispatchClass,
    /// Whether a fee is paid.
    pub pays_fee: Pays,
}

impl TypeInfo for DispatchClass {
    type Identity = Self;
    fn type_info() -> Type {
        unit_enum(&["frame_support", "dispatch", "DispatchClass"], &["Normal", "Operational", "Mandatory"])
    }
}

impl TypeInfo for Pays {
    type Identity = Self;
    fn type_info() -> Type {
        unit_enum(&["frame_support", "dispatch", "Pays"], &["Yes", "No"])
    }
}

impl TypeInfo for DispatchInfo {
    type Identity = Self;
    fn type_info() -> Type {
        Type::builder().path(Path::from_segments_unchecked(["frame_support", "dispatch", "DispatchInfo"])).composite(
            Fields::named()
                .field(|f| f.ty::<Weight>().name("weight").type_name("Weight"))
                .field(|f| f.ty::<DispatchClass>().name("class").type_name("DispatchClass"))
                .field(|f| f.ty::<Pays>().name("pays_fee").type_name("Pays")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_error_shapes() {
        let module = DispatchError::Module(ModuleError { index: 5, error: [2, 0, 0, 0] });
        assert_eq!(module.encode(), vec![3, 5, 2, 0, 0, 0]);
        assert_eq!(DispatchError::Other("ignored").encode(), vec![0]);
        assert_eq!(DispatchError::BadOrigin.encode(), vec![2]);
        assert_eq!(DispatchError::Token(TokenError::FundsUnavailable).encode(), vec![7, 0]);
        assert_eq!(DispatchError::Arithmetic(ArithmeticError::Overflow).encode(), vec![8, 1]);
        assert_eq!(DispatchError::Trie(TrieError::DecodeError).encode(), vec![14, 13]);
        assert_eq!(DispatchError::decode(&mut &[3u8, 5, 2, 0, 0, 0][..]).unwrap(), module);
    }

    #[test]
    fn weight_is_two_compacts() {
        let w = Weight { ref_time: 1, proof_size: 64 };
        assert_eq!(w.encode(), vec![4, 1, 1]);
        assert!(w.any_gt(Weight { ref_time: 2, proof_size: 63 }));
        assert!(!w.any_gt(Weight { ref_time: 1, proof_size: 64 }));
    }

    #[test]
    fn origins() {
        let a = AccountId32([1; 32]);
        assert_eq!(Origin::Signed(a).ensure_signed(), Ok(a));
        assert_eq!(Origin::Root.ensure_signed(), Err(DispatchError::BadOrigin));
        assert_eq!(Origin::Root.ensure_root(), Ok(()));
        assert_eq!(Origin::None.ensure_root(), Err(DispatchError::BadOrigin));
        assert_eq!(Origin::None.ensure_none(), Ok(()));
    }
}
