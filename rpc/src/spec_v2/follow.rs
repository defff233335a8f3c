//! The block tracker behind `chainHead_v1_follow`: from the node's best and finalized heads
//! to the spec's events, with no I/O of its own (the node is a [`ChainSource`]).
//!
//! The node announces heads, not blocks: a best head may skip blocks, move to a fork, or
//! move back to an older block (a BFT chain's notarized block abandoned), and the two
//! streams are not ordered with each other. The tracker keeps what it reported to the
//! client and restores the spec's guarantees:
//!
//! - every block is announced by `newBlock` after its parent (the missing ones are read
//!   with [`ChainSource::header`], walking parents down to a reported block);
//! - `bestBlockChanged` and `finalized` name only reported blocks;
//! - `finalized` lists every block from the previous finalized block (exclusive) to the new
//!   one in ascending order, and prunes every reported block that does not descend from it;
//! - the best block is never finalized-but-not-last nor pruned: if the finalization would
//!   leave it so, a `bestBlockChanged` first moves it onto the finalized chain.
//!
//! A news item about a block at or below the finalized height is old news and ignored; a
//! finalized block that does not descend from the reported finalized one, a header that
//! cannot be read, or [`PINNED_BLOCKS_MAX`] blocks pinned end the subscription ([`Stop`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use accord_primitives::{Header, H256};

use super::{lock, PINNED_BLOCKS_MAX};
use crate::api::RuntimeVersionInfo;

/// A block's runtime: its version, or why it could not be read.
pub(crate) type Runtime = Result<Arc<RuntimeVersionInfo>, String>;

/// What the tracker reads from the node.
pub(crate) trait ChainSource {
    /// A header by hash.
    fn header(&self, hash: H256) -> Option<Header>;
    /// The last finalized block.
    fn finalized_hash(&self) -> H256;
    /// The best block.
    fn best_hash(&self) -> H256;
    /// The runtime at a block.
    fn runtime(&self, hash: H256) -> Runtime;
}

/// One chain event of a follow subscription (operation events are not the tracker's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FollowEvent {
    /// The first event: the finalized block, and its runtime when following with it.
    Initialized {
        /// Finalized blocks, ascending (here: the last one).
        finalized: Vec<H256>,
        /// Its runtime (`None`: following without the runtime).
        runtime: Option<Runtime>,
    },
    /// A block whose parent is the finalized block or an earlier `NewBlock`.
    NewBlock {
        /// The block.
        hash: H256,
        /// Its parent.
        parent: H256,
        /// Its runtime if it differs from the parent's (`None`: unchanged, or following
        /// without the runtime).
        new_runtime: Option<Runtime>,
    },
    /// The best block changed.
    BestBlockChanged(H256),
    /// Blocks became final; others will never be.
    Finalized {
        /// Newly finalized blocks, ascending; the last is the new finalized block.
        finalized: Vec<H256>,
        /// Reported blocks that do not descend from it.
        pruned: Vec<H256>,
    },
}

/// Why a follow subscription ends with `stop`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Stop {
    /// A header the node announced or referred to cannot be read.
    #[error("the header of {0:?} cannot be found")]
    MissingHeader(H256),
    /// [`PINNED_BLOCKS_MAX`] blocks are pinned, or as many are tracked unfinalized.
    #[error("the limit of {PINNED_BLOCKS_MAX} pinned blocks is reached")]
    PinLimit,
    /// The node finalized a block off the reported finalized chain.
    #[error("the node finalized {0:?}, which does not descend from the reported finalized block")]
    FinalizedElsewhere(H256),
    /// The follower missed head announcements (it fell behind).
    #[error("the subscription fell behind the node's head announcements")]
    Lagged,
    /// The node stopped announcing heads.
    #[error("the node stopped announcing heads")]
    Closed,
}

/// Why an unpin was refused (nothing was unpinned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UnpinError {
    /// This block is not pinned.
    NotPinned(H256),
    /// This block was named twice.
    Duplicate(H256),
}

/// The blocks a follow subscription holds for its client, with their headers (which
/// `chainHead_v1_header` answers from, so a pruned fork's header stays readable).
#[derive(Default)]
pub(crate) struct Pins {
    blocks: Mutex<HashMap<H256, Header>>,
}

impl Pins {
    /// Pins a block; `false` if [`PINNED_BLOCKS_MAX`] are pinned.
    pub(crate) fn pin(&self, hash: H256, header: Header) -> bool {
        let mut blocks = lock(&self.blocks);
        if blocks.len() >= PINNED_BLOCKS_MAX && !blocks.contains_key(&hash) {
            return false;
        }
        blocks.insert(hash, header);
        true
    }

    /// The header of a pinned block.
    pub(crate) fn header(&self, hash: H256) -> Option<Header> {
        lock(&self.blocks).get(&hash).cloned()
    }

    /// Whether a block is pinned.
    pub(crate) fn contains(&self, hash: H256) -> bool {
        lock(&self.blocks).contains_key(&hash)
    }

    /// Unpins all of `hashes`, or none if one is not pinned or named twice.
    pub(crate) fn unpin(&self, hashes: &[H256]) -> Result<(), UnpinError> {
        let mut blocks = lock(&self.blocks);
        let mut seen = HashSet::with_capacity(hashes.len());
        for hash in hashes {
            if !seen.insert(*hash) {
                return Err(UnpinError::Duplicate(*hash));
            }
            if !blocks.contains_key(hash) {
                return Err(UnpinError::NotPinned(*hash));
            }
        }
        for hash in hashes {
            blocks.remove(hash);
        }
        Ok(())
    }

    /// How many blocks are pinned.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.blocks).len()
    }
}

/// A reported block that is not finalized.
struct Reported {
    parent: H256,
    number: u32,
    runtime: Option<Runtime>,
}

/// What one follow subscription reported: the finalized block, the reported blocks above
/// it (a tree rooted at it), and the best block.
pub(crate) struct Tracker {
    with_runtime: bool,
    pins: Arc<Pins>,
    finalized: H256,
    finalized_number: u32,
    finalized_runtime: Option<Runtime>,
    blocks: HashMap<H256, Reported>,
    best: H256,
}

impl Tracker {
    /// Starts following: `initialized` with the finalized block, the best chain above it,
    /// and `bestBlockChanged` (always sent, even when the best block is the finalized one).
    pub(crate) fn start(
        src: &dyn ChainSource,
        pins: Arc<Pins>,
        with_runtime: bool,
        events: &mut Vec<FollowEvent>,
    ) -> Result<Tracker, Stop> {
        let finalized = src.finalized_hash();
        let header = src.header(finalized).ok_or(Stop::MissingHeader(finalized))?;
        let finalized_number = header.number;
        if !pins.pin(finalized, header) {
            return Err(Stop::PinLimit);
        }
        let runtime = with_runtime.then(|| src.runtime(finalized));
        events.push(FollowEvent::Initialized { finalized: vec![finalized], runtime: runtime.clone() });
        let mut tracker = Tracker {
            with_runtime,
            pins,
            finalized,
            finalized_number,
            finalized_runtime: runtime,
            blocks: HashMap::new(),
            best: finalized,
        };
        let best = src.best_hash();
        if best != finalized {
            if let Some(header) = src.header(best) {
                tracker.on_best(src, header, events)?;
            }
        }
        if tracker.best == finalized {
            events.push(FollowEvent::BestBlockChanged(finalized));
        }
        Ok(tracker)
    }

    /// The node has a new best block.
    pub(crate) fn on_best(
        &mut self,
        src: &dyn ChainSource,
        header: Header,
        events: &mut Vec<FollowEvent>,
    ) -> Result<(), Stop> {
        let hash = header.hash();
        if hash == self.best {
            return Ok(());
        }
        let known = hash == self.finalized || self.blocks.contains_key(&hash);
        if !known {
            // Old news: the finalized chain has moved past it (or it is on a pruned fork).
            if header.number <= self.finalized_number || !self.report_chain(src, hash, header, events)? {
                return Ok(());
            }
        }
        self.best = hash;
        events.push(FollowEvent::BestBlockChanged(hash));
        Ok(())
    }

    /// The node finalized a block (and, implicitly, its ancestors).
    pub(crate) fn on_finalized(
        &mut self,
        src: &dyn ChainSource,
        header: Header,
        events: &mut Vec<FollowEvent>,
    ) -> Result<(), Stop> {
        let hash = header.hash();
        let number = header.number;
        if number <= self.finalized_number {
            let contradicts = number == self.finalized_number && hash != self.finalized;
            return if contradicts { Err(Stop::FinalizedElsewhere(hash)) } else { Ok(()) };
        }
        if !self.blocks.contains_key(&hash) && !self.report_chain(src, hash, header, events)? {
            return Err(Stop::FinalizedElsewhere(hash));
        }
        let finalized = self.path_to(hash);
        let descendants = self.descendants_of(hash);
        let on_path: HashSet<H256> = finalized.iter().copied().collect();
        let mut pruned: Vec<(u32, H256)> = self
            .blocks
            .iter()
            .filter(|(h, _)| !on_path.contains(h) && !descendants.contains(h))
            .map(|(h, b)| (b.number, *h))
            .collect();
        pruned.sort_unstable();
        if self.best != hash && !descendants.contains(&self.best) {
            let node_best = src.best_hash();
            self.best = if descendants.contains(&node_best) { node_best } else { hash };
            events.push(FollowEvent::BestBlockChanged(self.best));
        }
        self.finalized_runtime = self.blocks.get(&hash).and_then(|b| b.runtime.clone());
        self.blocks.retain(|h, _| descendants.contains(h));
        self.finalized = hash;
        self.finalized_number = number;
        events.push(FollowEvent::Finalized { finalized, pruned: pruned.into_iter().map(|(_, h)| h).collect() });
        Ok(())
    }

    /// Reports `header` (not yet reported, above the finalized height) after its unreported
    /// ancestors; `false` (nothing reported) if it does not descend from the finalized block.
    fn report_chain(
        &mut self,
        src: &dyn ChainSource,
        hash: H256,
        header: Header,
        events: &mut Vec<FollowEvent>,
    ) -> Result<bool, Stop> {
        let mut chain = vec![(hash, header)];
        loop {
            let top = &chain[chain.len() - 1].1;
            let parent = top.parent_hash;
            if parent == self.finalized || self.blocks.contains_key(&parent) {
                break;
            }
            if top.number <= self.finalized_number.saturating_add(1) {
                return Ok(false);
            }
            if chain.len() >= PINNED_BLOCKS_MAX {
                return Err(Stop::PinLimit);
            }
            let parent_header = src.header(parent).ok_or(Stop::MissingHeader(parent))?;
            chain.push((parent, parent_header));
        }
        for (hash, header) in chain.into_iter().rev() {
            self.report(src, hash, header, events)?;
        }
        Ok(true)
    }

    /// Reports one block whose parent is reported: pins it, reads its runtime if followed.
    fn report(
        &mut self,
        src: &dyn ChainSource,
        hash: H256,
        header: Header,
        events: &mut Vec<FollowEvent>,
    ) -> Result<(), Stop> {
        if self.blocks.len() >= PINNED_BLOCKS_MAX {
            return Err(Stop::PinLimit);
        }
        let (parent, number) = (header.parent_hash, header.number);
        if !self.pins.pin(hash, header) {
            return Err(Stop::PinLimit);
        }
        let runtime = self.with_runtime.then(|| src.runtime(hash));
        let parent_runtime = match self.blocks.get(&parent) {
            Some(b) => b.runtime.as_ref(),
            None => self.finalized_runtime.as_ref(),
        };
        let new_runtime = match (&runtime, parent_runtime) {
            (Some(mine), Some(theirs)) if mine == theirs => None,
            (mine, _) => mine.clone(),
        };
        events.push(FollowEvent::NewBlock { hash, parent, new_runtime });
        self.blocks.insert(hash, Reported { parent, number, runtime });
        Ok(())
    }

    /// The reported blocks from the finalized block (exclusive) to `hash`, ascending.
    fn path_to(&self, hash: H256) -> Vec<H256> {
        let mut path = Vec::new();
        let mut cursor = hash;
        while let Some(block) = self.blocks.get(&cursor) {
            path.push(cursor);
            cursor = block.parent;
        }
        path.reverse();
        path
    }

    /// The reported blocks that descend from `hash`.
    fn descendants_of(&self, hash: H256) -> HashSet<H256> {
        let mut by_number: Vec<(u32, H256, H256)> = self.blocks.iter().map(|(h, b)| (b.number, *h, b.parent)).collect();
        by_number.sort_unstable();
        let mut descendants = HashSet::new();
        for (_, block, parent) in by_number {
            if parent == hash || descendants.contains(&parent) {
                descendants.insert(block);
            }
        }
        descendants
    }

    /// Checks the tracker's invariants (tests): every reported block's parent is the
    /// finalized block or reported below it, and the best block is one of them.
    #[cfg(test)]
    fn assert_invariants(&self) {
        for (hash, block) in &self.blocks {
            match self.blocks.get(&block.parent) {
                Some(parent) => assert_eq!(parent.number + 1, block.number, "{hash:?}"),
                None => assert_eq!(block.parent, self.finalized, "{hash:?} hangs off an unreported block"),
            }
        }
        assert!(self.best == self.finalized || self.blocks.contains_key(&self.best), "best not reported");
    }
}

#[cfg(test)]
#[path = "follow_tests.rs"]
mod tests;
