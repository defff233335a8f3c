//! What consensus needs from the node: the engine-neutral chain operations, implemented by
//! the node over its client, pool and storage.
//!
//! The engine calls these from its blocking pool (they execute blocks and write to disk),
//! never from its async tasks. All of them must be safe to call concurrently.

use accord_primitives::H256;

use crate::block::Block;

/// The node side of consensus.
pub trait Chain: Send + Sync + 'static {
    /// The genesis block (height 0), the root every validator starts from.
    fn genesis(&self) -> Block;

    /// Builds a block on `parent` from the transaction pool. `parent` is finalized or was
    /// verified by [`Chain::verify`] (or built by this method) and is still held in memory.
    /// `None` if no block can be built there (its state is gone: it was abandoned).
    fn propose(&self, parent: &Block) -> Option<Block>;

    /// Executes `block` on the state of `parent` (its parent, finalized or held in memory)
    /// and checks its roots. A valid block is held in memory until it is finalized or
    /// abandoned. `Some(false)` only if the block can never be valid; `None` if it cannot
    /// be decided here yet (the parent's state is not available).
    fn verify(&self, parent: &Block, block: &Block) -> Option<bool>;

    /// Consensus notarized the block `hash` (clients see it as `inBlock`). `false` if the
    /// node does not hold it (it did not verify it: a full node, or a validator that missed
    /// the proposal); the engine then fetches it and calls [`Chain::follow`].
    fn notarized(&self, hash: H256) -> bool;

    /// A notarized block the node did not verify: execute and hold it like a verified one
    /// if its parent's state is here, and announce it as notarized.
    fn follow(&self, block: &Block);

    /// `block` is final: commit it as the next block of the stored chain, with its
    /// finalization `certificate` (encoded, see [`crate::certificate`]) when one names it.
    /// Blocks come in height order, at least once: a block already committed is
    /// acknowledged again without a change. An error stops consensus (storage failed).
    fn finalized(&self, block: &Block, certificate: Option<Vec<u8>>) -> Result<(), String>;

    /// The timestamp (ms since the Unix epoch) `block` carries; a proposal on it waits
    /// until its timestamp plus the block time.
    fn timestamp_ms(&self, block: &Block) -> u64;

    /// A transaction a peer gossiped (its encoding as submitted): validate it and add it
    /// to the pool like a local submission. Garbage is dropped.
    fn gossiped(&self, extrinsic: Vec<u8>);

    /// The validators (ed25519 public keys) the state of the committed block `block` names
    /// for the next epoch (`Validators.Validators`); `None` if it names none (the set stays).
    /// Called for the last block of each epoch, right after its commit. An error (the state
    /// cannot be read) stops consensus: guessing would let nodes disagree on the set.
    fn validators_after(&self, block: &Block) -> Result<Option<Vec<[u8; 32]>>, String>;
}
