//! The executive: builds and imports blocks, and validates transactions for the pool.
//!
//! ```text
//! BlockExecution::initialize(parent state, parent hash, number, digest)
//!                      System.initialize -> :code rewritten if another runtime wrote it
//!                      -> on_initialize hooks
//!   -> apply(xt) ...   check (signature, gate, class, charge) -> precharge + nonce
//!                      -> dispatch in a layer -> settle the fee (fees::settle) -> route outcome
//!                      -> ExtrinsicSuccess/Failed
//!   -> finalize()      timestamp check -> on_finalize hooks -> System.Events -> roots -> Header
//! execute_block(parent state, block) = the same, then the header's roots must match.
//! validate_transaction(best state, xt, best hash) = the checks only, on a throwaway Ext.
//! ```
//!
//! A failed dispatch (or one whose fee cannot be paid) keeps the nonce increment and pays
//! the attempt fee (compute and network), and nothing else; a transaction that fails its
//! checks changes nothing.

use codec::{Decode, Encode};

use accord_pallet_alliances as alliances;
use accord_pallet_balances as balances;
use accord_pallet_evm as evm;
use accord_pallet_governance as governance;
use accord_pallet_metering as metering;
use accord_pallet_oplog as oplog;
use accord_pallet_organizations as organizations;
use accord_pallet_records as records;
use accord_pallet_releases as releases;
use accord_pallet_subchain_status as subchain_status;
use accord_pallet_sudo as sudo;
use accord_pallet_system as system;
use accord_pallet_timestamp as timestamp;
use accord_pallet_validators as validators;
use accord_primitives::extrinsic::{signing_payload, Implicit, Signature};
use accord_primitives::trie::{ordered_trie_root, StateVersion};
use accord_primitives::{
    AccountId32, Balance, Block, BlockNumber, Digest, Era, Header, MultiAddress, MultiSignature, UncheckedExtrinsic,
    H256,
};
use accord_support::dispatch::db_weight;
use accord_support::{
    Changes, DispatchClass, DispatchInfo, DispatchResult, Ext, Hooks, Origin, Phase, ResourceUsage, StateRead, Weight,
};

use crate::call::RuntimeCall;
use crate::limits::{
    block_base_weight, BLOCK_LENGTH_MAX, BLOCK_WEIGHT_MAX, EXTRINSIC_BASE_WEIGHT, EXTRINSIC_LENGTH_MAX,
    NORMAL_BLOCK_LENGTH_MAX, NORMAL_BLOCK_WEIGHT_MAX,
};
use crate::validity::{
    InvalidTransaction, TransactionValidity, TransactionValidityError, UnknownTransaction, ValidTransaction,
};
use crate::version::{SPEC_VERSION, TRANSACTION_VERSION};
use crate::{code, fees, PALLETS};

/// What applying one extrinsic did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// The dispatch result (an error was rolled back).
    pub result: DispatchResult,
    /// Weight, class and fee mode.
    pub info: DispatchInfo,
    /// The resources used, for fee models and metrics.
    pub usage: ResourceUsage,
    /// The fee charged (including the tip).
    pub fee: Balance,
}

/// Why a block cannot be built or imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// An extrinsic's bytes do not decode.
    #[error("extrinsic {index} is malformed: {reason}")]
    MalformedExtrinsic {
        /// Its index in the block.
        index: u32,
        /// Why.
        reason: String,
    },
    /// An extrinsic is invalid at its position.
    #[error("extrinsic {index} is invalid: {error}")]
    InvalidExtrinsic {
        /// Its index in the block.
        index: u32,
        /// Why.
        error: TransactionValidityError,
    },
    /// The block has no timestamp inherent.
    #[error("block has no timestamp inherent")]
    MissingTimestamp,
    /// The header's state root differs from the computed one.
    #[error("state root mismatch: header has {expected:?}, execution gives {computed:?}")]
    StateRootMismatch {
        /// In the header.
        expected: H256,
        /// Computed.
        computed: H256,
    },
    /// The header's extrinsics root differs from the computed one.
    #[error("extrinsics root mismatch: header has {expected:?}, computed {computed:?}")]
    ExtrinsicsRootMismatch {
        /// In the header.
        expected: H256,
        /// Computed.
        computed: H256,
    },
}

/// A block that was built, with the state changes it makes to its parent's state.
pub struct BuiltBlock {
    /// The block (header with roots, extrinsics as applied).
    pub block: Block,
    /// The changes to the parent state.
    pub changes: Changes,
}

/// A transaction that passed its checks.
struct Checked {
    origin: Origin,
    call: RuntimeCall,
    info: DispatchInfo,
    len: u32,
    /// What the payer must hold (the pool's priority is based on it).
    fee: Balance,
    /// A signed transaction's charge.
    charge: Option<metering::Charge>,
    signer: Option<(AccountId32, u32, Era)>,
}

/// Whether nonces ahead of the account's are acceptable (the pool) or not (a block).
#[derive(Clone, Copy, PartialEq, Eq)]
enum NonceMode {
    Exact,
    AllowFuture,
}

/// Whether the checks of an extrinsic verify its signature.
///
/// `Verified` is for the node's own block builder and pool re-validation: transactions that
/// the pool took only after [`validate_transaction`] verified their signature against this
/// chain and runtime version. A signature binds the genesis hash, the runtime's spec and
/// transaction versions and the era's birth hash, none of which changes along one chain
/// without a runtime upgrade; expiry is the pool's `valid_till`. Blocks from elsewhere have
/// every signature verified: the node hands them out with `VerifyWith` and verifies them in
/// batches while the block executes, accepting it only if all pass
/// ([`execute_block_with`]), or `Verify` checks each.
///
/// `VerifyWith` hands each signature check (the signature, the payload as signed, the
/// signer) to the caller: the node's pool sends sr25519 signatures to its batch verifier.
/// Everything else, the payload and the expired-era diagnosis included, stays the runtime's.
#[derive(Clone, Copy)]
pub enum Signatures<'v> {
    /// Verify every signature.
    Verify,
    /// The signatures were verified when the transactions entered the pool.
    Verified,
    /// Verify every signature with this function.
    VerifyWith(&'v dyn Fn(&MultiSignature, &[u8], &AccountId32) -> bool),
}

impl std::fmt::Debug for Signatures<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signatures::Verify => "Verify",
            Signatures::Verified => "Verified",
            Signatures::VerifyWith(_) => "VerifyWith(..)",
        })
    }
}

/// Runs the runtime's `on_initialize` hooks in pallet order.
fn on_initialize(ext: &mut Ext<'_>, n: BlockNumber) -> Weight {
    system::Pallet::on_initialize(ext, n)
        .saturating_add(timestamp::Pallet::on_initialize(ext, n))
        .saturating_add(balances::Pallet::on_initialize(ext, n))
        .saturating_add(sudo::Pallet::on_initialize(ext, n))
        .saturating_add(oplog::Pallet::on_initialize(ext, n))
        .saturating_add(records::Pallet::on_initialize(ext, n))
        .saturating_add(validators::Pallet::on_initialize(ext, n))
        .saturating_add(organizations::Pallet::on_initialize(ext, n))
        .saturating_add(alliances::Pallet::on_initialize(ext, n))
        .saturating_add(releases::Pallet::on_initialize(ext, n))
        .saturating_add(metering::Pallet::on_initialize(ext, n))
        .saturating_add(subchain_status::Pallet::on_initialize(ext, n))
        // Governance's hook dispatches passed calls as root: it needs the runtime's dispatcher.
        .saturating_add(governance::on_initialize::<RuntimeCall>(ext, n, |ext, call| call.dispatch(ext, Origin::Root)))
}

/// Runs the runtime's `on_finalize` hooks in pallet order.
fn on_finalize(ext: &mut Ext<'_>, n: BlockNumber) {
    system::Pallet::on_finalize(ext, n);
    timestamp::Pallet::on_finalize(ext, n);
    balances::Pallet::on_finalize(ext, n);
    sudo::Pallet::on_finalize(ext, n);
    oplog::Pallet::on_finalize(ext, n);
    records::Pallet::on_finalize(ext, n);
    validators::Pallet::on_finalize(ext, n);
    organizations::Pallet::on_finalize(ext, n);
    alliances::Pallet::on_finalize(ext, n);
    releases::Pallet::on_finalize(ext, n);
    // Last: the block's fee income goes to the platform account.
    metering::Pallet::on_finalize(ext, n);
}

fn decode_call(xt: &UncheckedExtrinsic) -> Result<RuntimeCall, TransactionValidityError> {
    RuntimeCall::decode_all(xt.call()).ok_or(InvalidTransaction::Call.into())
}

/// The implicit data a signer signed, as this chain sees it at block `n`. Fails with
/// `AncientBirthBlock` when the era's birth block hash is not kept.
fn implicit_at(ext: &Ext<'_>, era: Era, n: BlockNumber) -> Result<Implicit, TransactionValidityError> {
    let genesis_hash = system::block_hash(ext, 0).ok_or(InvalidTransaction::IndeterminateImplicit)?;
    let birth = era.birth(n as u64);
    let era_birth_hash = if era.is_immortal() {
        genesis_hash
    } else {
        let birth = BlockNumber::try_from(birth).map_err(|_| InvalidTransaction::AncientBirthBlock)?;
        system::block_hash(ext, birth).ok_or(InvalidTransaction::AncientBirthBlock)?
    };
    Ok(Implicit { spec_version: SPEC_VERSION, transaction_version: TRANSACTION_VERSION, genesis_hash, era_birth_hash })
}

/// Verifies the signature with `verify`; on failure, tells an expired mortal transaction
/// (one that verifies against the previous period's birth block) from a bad signature.
fn verify_signature(
    ext: &Ext<'_>,
    call: &[u8],
    sig: &Signature,
    who: &AccountId32,
    n: BlockNumber,
    verify: &dyn Fn(&MultiSignature, &[u8], &AccountId32) -> bool,
) -> Result<(), TransactionValidityError> {
    let implicit = implicit_at(ext, sig.extra.era, n)?;
    if verify(&sig.signature, &signing_payload(call, &sig.extra, &implicit), who) {
        return Ok(());
    }
    if let Era::Mortal(period, _) = sig.extra.era {
        let birth = sig.extra.era.birth(n as u64);
        if let Some(previous) = birth.checked_sub(period).and_then(|b| BlockNumber::try_from(b).ok()) {
            if let Some(hash) = system::block_hash(ext, previous) {
                let old = Implicit { era_birth_hash: hash, ..implicit };
                if verify(&sig.signature, &signing_payload(call, &sig.extra, &old), who) {
                    return Err(InvalidTransaction::AncientBirthBlock.into());
                }
            }
        }
    }
    Err(InvalidTransaction::BadProof.into())
}

/// Every check of an extrinsic at block `n`, in Substrate's order, changing nothing.
fn check(
    ext: &Ext<'_>,
    xt: &UncheckedExtrinsic,
    n: BlockNumber,
    mode: NonceMode,
    signatures: Signatures<'_>,
) -> Result<Checked, TransactionValidityError> {
    let len = xt.encoded().len() as u32;
    if len > EXTRINSIC_LENGTH_MAX {
        return Err(InvalidTransaction::ExhaustsResources.into());
    }
    let call = decode_call(xt)?;
    let info = DispatchInfo { weight: call.weight(), class: call.class(), pays_fee: call.pays() };
    let Some(sig) = &xt.signature else {
        if let RuntimeCall::Evm(evm::Call::transact { transaction }) = &call {
            // Self-contained: the Ethereum transaction carries its signature.
            let checked = evm::ethereum::check_transaction(ext, transaction).map_err(ethereum_refusal)?;
            let nonce = u32::try_from(checked.nonce()).map_err(|_| InvalidTransaction::Future)?;
            return check_sender(ext, call, info, len, (checked.account, nonce, Era::Immortal, 0), mode);
        }
        if !call.is_inherent() {
            return Err(UnknownTransaction::NoUnsignedValidator.into());
        }
        if let RuntimeCall::Releases(releases::Call::signal_support { signal, signature }) = &call {
            releases::verify_signal(ext, signal, signature).map_err(|_| InvalidTransaction::BadProof)?;
        }
        return Ok(Checked { origin: Origin::None, call, info, len, fee: 0, charge: None, signer: None });
    };
    let who = match &sig.address {
        MultiAddress::Id(who) => *who,
        _ => return Err(UnknownTransaction::CannotLookup.into()),
    };
    if who == AccountId32([0; 32]) {
        return Err(InvalidTransaction::BadSigner.into());
    }
    // Inherents are unsigned; an Ethereum transaction is signed by itself.
    if call.is_inherent() || matches!(call, RuntimeCall::Evm(evm::Call::transact { .. })) {
        return Err(InvalidTransaction::Call.into());
    }
    match signatures {
        Signatures::Verify => verify_signature(ext, xt.call(), sig, &who, n, &|s, m, w| s.verify(m, w))?,
        Signatures::VerifyWith(verify) => verify_signature(ext, xt.call(), sig, &who, n, verify)?,
        Signatures::Verified => {}
    }
    check_sender(ext, call, info, len, (who, sig.extra.nonce, sig.extra.era, sig.extra.tip), mode)
}

/// Why an Ethereum transaction is refused, as a validity error.
fn ethereum_refusal(refusal: evm::ethereum::Refusal) -> TransactionValidityError {
    use crate::validity::custom;
    let code = match refusal {
        evm::ethereum::Refusal::Malformed(_) => custom::ETHEREUM_MALFORMED,
        evm::ethereum::Refusal::WrongChainId { .. } => custom::ETHEREUM_WRONG_CHAIN,
        evm::ethereum::Refusal::GasLimitTooHigh => custom::ETHEREUM_GAS_LIMIT,
    };
    InvalidTransaction::Custom(code).into()
}

/// The checks of a transaction's sender, after its signature: the membership gate, the
/// traffic class, the nonce, the resources, the fee. `signer` is (account, nonce, era, tip).
fn check_sender(
    ext: &Ext<'_>,
    call: RuntimeCall,
    info: DispatchInfo,
    len: u32,
    signer: (AccountId32, u32, Era, Balance),
    mode: NonceMode,
) -> Result<Checked, TransactionValidityError> {
    let (who, nonce, era, tip) = signer;
    // The membership gate: after the signature (so a refusal names the real sender), before
    // anything that depends on the account's state. The sudo key always passes: root must
    // stay reachable even if its account's organization was suspended, left, or removed it.
    if !organizations::may_transact(ext, &who) && sudo::KEY.get(ext) != Some(who) {
        return Err(InvalidTransaction::Custom(crate::validity::custom::NOT_A_MEMBER).into());
    }
    // A traffic class: only on a release target's call, a test class only from the cohort.
    if let RuntimeCall::Releases(releases::Call::as_class { class, call: inner }) = call.paid_call() {
        let Some((target, _)) = releases::RoutedCall::routed(&**inner, ext) else {
            return Err(InvalidTransaction::Custom(crate::validity::custom::NOT_ROUTED).into());
        };
        if releases::check_class(ext, &who, target, *class).is_err() {
            return Err(InvalidTransaction::Custom(crate::validity::custom::NOT_IN_COHORT).into());
        }
    }
    let account_nonce = system::account_nonce(ext, &who);
    if nonce < account_nonce {
        return Err(InvalidTransaction::Stale.into());
    }
    if nonce > account_nonce && mode == NonceMode::Exact {
        return Err(InvalidTransaction::Future.into());
    }
    if info.weight.any_gt(NORMAL_BLOCK_WEIGHT_MAX) || len > NORMAL_BLOCK_LENGTH_MAX {
        return Err(InvalidTransaction::ExhaustsResources.into());
    }
    let charge = fees::charge_of(ext, &call, &who, info.weight, len, tip);
    let fee = charge.required(ext);
    if charge.payer != who {
        // Another payer: it approved the sender, with an allowance that covers the fee.
        let approval = metering::APPROVALS.get(ext, &charge.payer, &who);
        if approval.is_none_or(|a| a.allowance.is_some_and(|left| left < fee)) {
            return Err(InvalidTransaction::Custom(crate::validity::custom::PAYER_NOT_APPROVED).into());
        }
    }
    if !balances::can_pay_fee(ext, &charge.payer, fee) {
        if matches!(charge.mode, metering::ChargingMode::Admission(_)) {
            return Err(InvalidTransaction::Custom(crate::validity::custom::BELOW_ADMISSION_THRESHOLD).into());
        }
        return Err(InvalidTransaction::Payment.into());
    }
    Ok(Checked {
        origin: Origin::Signed(who),
        call,
        info,
        len,
        fee,
        charge: Some(charge),
        signer: Some((who, nonce, era)),
    })
}

/// The sender and nonce of a self-contained transaction the pool validated (an
/// `Evm.transact`): the first tag it provides, which [`validate_transaction`] makes
/// `(sender, nonce)` for every transaction it admits.
pub fn self_contained_sender(validity: &ValidTransaction) -> Option<(AccountId32, u32)> {
    let tag = validity.provides.first()?;
    <(AccountId32, u32)>::decode(&mut &tag[..]).ok()
}

/// Validates a transaction for the pool against the state of the best block `best_hash`:
/// its checks as if it went into the next block, its priority, tags and longevity.
pub fn validate_transaction(
    best_state: &dyn StateRead,
    xt: &UncheckedExtrinsic,
    best_hash: H256,
) -> TransactionValidity {
    validate_transaction_with(best_state, xt, best_hash, Signatures::Verify)
}

/// [`validate_transaction`], verifying the signature or not (the pool's re-validation of a
/// transaction it already verified, see [`Signatures`]).
pub fn validate_transaction_with(
    best_state: &dyn StateRead,
    xt: &UncheckedExtrinsic,
    best_hash: H256,
    signatures: Signatures<'_>,
) -> TransactionValidity {
    let mut ext = Ext::new(best_state, PALLETS);
    let n = system::block_number(&ext) + 1;
    // As Substrate: validation runs in the context of the next block, whose parent is known.
    system::initialize(&mut ext, n, best_hash);
    let len = xt.encoded().len() as u32;
    if let Ok(call) = decode_call(xt) {
        if call.class() == DispatchClass::Mandatory && xt.signature.is_none() {
            return Err(InvalidTransaction::MandatoryValidation.into());
        }
    }
    let checked = check(&ext, xt, n, NonceMode::AllowFuture, signatures)?;
    let (who, nonce, era) = checked.signer.ok_or(UnknownTransaction::NoUnsignedValidator)?;
    // An exact admission threshold: the fee of a dry run of the dispatch, storage included.
    if let Some(charge) =
        checked.charge.filter(|c| c.mode == metering::ChargingMode::Admission(metering::Threshold::Exact))
    {
        let exact = fees::quote(best_state, xt, best_hash).map_or(checked.fee, |q| q.total);
        if !balances::can_pay_fee(&ext, &charge.payer, exact) {
            return Err(InvalidTransaction::Custom(crate::validity::custom::BELOW_ADMISSION_THRESHOLD).into());
        }
    }
    let account_nonce = system::account_nonce(&ext, &who);
    let requires = if nonce > account_nonce { vec![(who, nonce - 1).encode()] } else { vec![] };
    let longevity = era.death(n as u64).saturating_sub(n as u64);
    Ok(ValidTransaction {
        priority: fees::priority(len, checked.fee),
        requires,
        provides: vec![(who, nonce).encode()],
        longevity,
        propagate: true,
    })
}

/// A block in execution: initialized on its parent's state, extrinsics applied one by one,
/// then finalized into a header. The node's block builder and importer both drive it.
pub struct BlockExecution<'a> {
    ext: Ext<'a>,
    parent_hash: H256,
    number: BlockNumber,
    digest: Digest,
    extrinsics: Vec<Vec<u8>>,
    weight: Weight,
    normal_weight: Weight,
    length: u32,
    normal_length: u32,
    signed_seen: bool,
}

impl<'a> BlockExecution<'a> {
    /// Starts block `number` on `parent_state` (the state after block `number - 1`, whose
    /// hash is `parent_hash`): sets the system values and runs `on_initialize` hooks.
    pub fn initialize(parent_state: &'a dyn StateRead, parent_hash: H256, number: BlockNumber, digest: Digest) -> Self {
        let mut ext = Ext::new(parent_state, PALLETS);
        ext.set_phase(Phase::Initialization);
        system::initialize(&mut ext, number, parent_hash);
        // The running runtime's identity: written when the chain began under another one.
        let code_write = if code::update(&mut ext) { db_weight::WRITE } else { Weight::ZERO };
        let weight = block_base_weight().saturating_add(code_write).saturating_add(on_initialize(&mut ext, number));
        BlockExecution {
            ext,
            parent_hash,
            number,
            digest,
            extrinsics: Vec::new(),
            weight,
            normal_weight: Weight::ZERO,
            length: 0,
            normal_length: 0,
            signed_seen: false,
        }
    }

    /// The externalities (for reading the pending state).
    pub fn ext(&self) -> &Ext<'a> {
        &self.ext
    }

    /// The block number being built.
    pub fn number(&self) -> BlockNumber {
        self.number
    }

    /// How many extrinsics were applied.
    pub fn extrinsic_count(&self) -> u32 {
        self.extrinsics.len() as u32
    }

    /// Applies an extrinsic. `Err` means it cannot go into this block (and nothing changed);
    /// `Ok` means it was included, its dispatch succeeding or failing (see
    /// [`ApplyOutcome::result`]).
    pub fn apply(&mut self, xt: &UncheckedExtrinsic) -> Result<ApplyOutcome, TransactionValidityError> {
        self.apply_with(xt, Signatures::Verify)
    }

    /// [`apply`](Self::apply), verifying the signature or not: the block builder applies pool
    /// transactions, whose signatures the pool verified, with [`Signatures::Verified`].
    pub fn apply_with(
        &mut self,
        xt: &UncheckedExtrinsic,
        signatures: Signatures<'_>,
    ) -> Result<ApplyOutcome, TransactionValidityError> {
        let checked = check(&self.ext, xt, self.number, NonceMode::Exact, signatures)?;
        let mandatory = checked.info.class == DispatchClass::Mandatory;
        if mandatory && self.signed_seen {
            // Inherents come first.
            return Err(InvalidTransaction::Call.into());
        }
        self.check_block_limits(&checked)?;
        let index = self.extrinsics.len() as u32;
        self.ext.set_phase(Phase::ApplyExtrinsic(index));
        if let (Some((who, _, _)), Some(charge)) = (&checked.signer, &checked.charge) {
            if !metering::withdraw(&mut self.ext, charge, charge.precharge()) {
                return Err(InvalidTransaction::Payment.into());
            }
            system::inc_account_nonce(&mut self.ext, who);
        }
        // A call of a release target: routed on the state before it, its outcome counted
        // after its layer closed (so a failure counts too).
        let routed = checked.call.route(&self.ext);
        let _stale = (self.ext.take_weight_refund(), self.ext.take_failure_report());
        let (result, storage, fee, refund) =
            self.dispatch_in_layer(checked.call, checked.origin, checked.charge.as_ref());
        // A contract call that reverted is a dispatch that succeeded, and a failure of the
        // version that served it.
        let failed = result.is_err() | self.ext.take_failure_report();
        if let Some(routed) = &routed {
            releases::note_outcome(&mut self.ext, routed, !failed);
        }
        if mandatory && result.is_err() {
            // A failed inherent invalidates the block; `check` guarantees nothing was
            // written outside the rolled-back layer for unsigned extrinsics.
            return Err(InvalidTransaction::BadMandatory.into());
        }
        // Charged, reported and counted in the block as the weight it used.
        let info = DispatchInfo { weight: checked.info.weight.saturating_sub(refund), ..checked.info };
        let event = match result {
            Ok(()) => system::Event::ExtrinsicSuccess { dispatch_info: info },
            Err(dispatch_error) => system::Event::ExtrinsicFailed { dispatch_error, dispatch_info: info },
        };
        system::deposit_event(&mut self.ext, event);
        self.account_for(&info, checked.len);
        self.signed_seen |= checked.signer.is_some();
        self.extrinsics.push(xt.encoded().to_vec());
        let usage = ResourceUsage { weight: info.weight, storage, encoded_len: checked.len };
        Ok(ApplyOutcome { result, info, usage, fee })
    }

    fn check_block_limits(&self, checked: &Checked) -> Result<(), TransactionValidityError> {
        let xt_weight = checked.info.weight.saturating_add(EXTRINSIC_BASE_WEIGHT);
        let weight = self.weight.saturating_add(xt_weight);
        let length = self.length.saturating_add(checked.len);
        let exhausted = if checked.info.class == DispatchClass::Mandatory {
            // Mandatory extrinsics are limited only by the absolute maximum.
            weight.any_gt(BLOCK_WEIGHT_MAX) || length > BLOCK_LENGTH_MAX
        } else {
            self.normal_weight.saturating_add(xt_weight).any_gt(NORMAL_BLOCK_WEIGHT_MAX)
                || self.normal_length.saturating_add(checked.len) > NORMAL_BLOCK_LENGTH_MAX
                || weight.any_gt(BLOCK_WEIGHT_MAX)
                || length > BLOCK_LENGTH_MAX
        };
        if exhausted {
            return Err(InvalidTransaction::ExhaustsResources.into());
        }
        Ok(())
    }

    /// Dispatches in a layer; a signed transaction's fee is settled before the layer
    /// closes (see [`fees::settle`]). Returns the result, the storage delta, the fee and the
    /// weight the dispatch declared and did not use.
    fn dispatch_in_layer(
        &mut self,
        call: RuntimeCall,
        origin: Origin,
        charge: Option<&metering::Charge>,
    ) -> (DispatchResult, accord_support::StorageDelta, Balance, Weight) {
        if let Err(e) = self.ext.start_layer() {
            return (Err(e), Default::default(), 0, Weight::ZERO);
        }
        let result = call.dispatch(&mut self.ext, origin);
        if let Some(charge) = charge {
            let settled = fees::settle(&mut self.ext, charge, result);
            return (settled.result, settled.storage, settled.fee, settled.refund);
        }
        let refund = self.ext.take_weight_refund();
        let delta = self.ext.top_layer_delta();
        let closed = if result.is_ok() { self.ext.commit_layer() } else { self.ext.rollback_layer() };
        debug_assert!(closed.is_ok(), "the layer opened above is open");
        match result {
            Ok(()) => (Ok(()), delta, 0, refund),
            Err(e) => (Err(e), Default::default(), 0, refund),
        }
    }

    fn account_for(&mut self, info: &DispatchInfo, len: u32) {
        let xt_weight = info.weight.saturating_add(EXTRINSIC_BASE_WEIGHT);
        self.weight = self.weight.saturating_add(xt_weight);
        self.length = self.length.saturating_add(len);
        if info.class != DispatchClass::Mandatory {
            self.normal_weight = self.normal_weight.saturating_add(xt_weight);
            self.normal_length = self.normal_length.saturating_add(len);
        }
    }

    /// Ends the block: requires the timestamp inherent, runs `on_finalize` hooks, writes
    /// the block's events and totals, and computes the roots.
    pub fn finalize(mut self) -> Result<BuiltBlock, BlockError> {
        if !timestamp::did_update(&self.ext) {
            return Err(BlockError::MissingTimestamp);
        }
        let ext = &mut self.ext;
        ext.set_phase(Phase::Finalization);
        on_finalize(ext, self.number);
        system::EXTRINSIC_COUNT.put(ext, &(self.extrinsics.len() as u32));
        system::BLOCK_WEIGHT.put(ext, &self.weight);
        system::ALL_EXTRINSICS_LEN.put(ext, &self.length);
        system::finalize(ext);
        let extrinsics_root = ordered_trie_root(&self.extrinsics, StateVersion::V0);
        let state_root = ext.storage_root();
        let header = Header {
            parent_hash: self.parent_hash,
            number: self.number,
            state_root,
            extrinsics_root,
            digest: self.digest,
        };
        Ok(BuiltBlock { block: Block { header, extrinsics: self.extrinsics }, changes: self.ext.into_changes() })
    }
}

/// Executes `block` on its parent's state and checks its roots; returns the state changes.
pub fn execute_block(parent_state: &dyn StateRead, block: &Block) -> Result<Changes, BlockError> {
    execute_block_with(parent_state, block, Signatures::Verify)
}

/// [`execute_block`], checking signatures as `signatures` says. With
/// [`Signatures::VerifyWith`] a node can take the signatures and verify them together (in
/// batches, on other cores); the block is valid only if they all are, and executing it
/// again with [`Signatures::Verify`] names the first bad one.
pub fn execute_block_with(
    parent_state: &dyn StateRead,
    block: &Block,
    signatures: Signatures<'_>,
) -> Result<Changes, BlockError> {
    let header = &block.header;
    let mut exec = BlockExecution::initialize(parent_state, header.parent_hash, header.number, header.digest.clone());
    for (i, bytes) in block.extrinsics.iter().enumerate() {
        let index = i as u32;
        let xt = UncheckedExtrinsic::decode_with_limit(bytes, EXTRINSIC_LENGTH_MAX)
            .map_err(|e| BlockError::MalformedExtrinsic { index, reason: e.to_string() })?;
        exec.apply_with(&xt, signatures).map_err(|error| BlockError::InvalidExtrinsic { index, error })?;
    }
    let built = exec.finalize()?;
    if built.block.header.extrinsics_root != header.extrinsics_root {
        return Err(BlockError::ExtrinsicsRootMismatch {
            expected: header.extrinsics_root,
            computed: built.block.header.extrinsics_root,
        });
    }
    if built.block.header.state_root != header.state_root {
        return Err(BlockError::StateRootMismatch {
            expected: header.state_root,
            computed: built.block.header.state_root,
        });
    }
    Ok(built.changes)
}

/// `xt` applied as the first extrinsic of a block built on `parent_state` (the state of
/// block `parent_number`, hash `parent_hash`), as `system_dryRun` answers: SCALE of
/// `Result<Result<(), DispatchError>, TransactionValidityError>`. Nothing is kept.
pub fn dry_run(
    parent_state: &dyn StateRead,
    parent_hash: H256,
    parent_number: BlockNumber,
    xt: &UncheckedExtrinsic,
) -> Vec<u8> {
    let mut exec = BlockExecution::initialize(parent_state, parent_hash, parent_number + 1, Digest::default());
    exec.apply(xt).map(|outcome| outcome.result).encode()
}

/// The timestamp inherent for a block at `now_ms`.
pub fn timestamp_inherent(now_ms: u64) -> UncheckedExtrinsic {
    let call = RuntimeCall::Timestamp(timestamp::Call::set { now: now_ms });
    UncheckedExtrinsic::new_unsigned(&call.encode())
}
