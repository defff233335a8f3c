//! The tracker against a chain held in a map: gaps, forks, the best moving back, pruning.

use std::collections::HashMap;
use std::sync::Arc;

use accord_primitives::{Digest, Header, H256};

use super::*;
use crate::api::RuntimeVersionInfo;

/// A chain of headers; `spec` gives a block's spec version (default 1).
#[derive(Default)]
struct Chain {
    headers: HashMap<H256, Header>,
    spec: HashMap<H256, u32>,
    finalized: H256,
    best: H256,
}

impl Chain {
    fn new() -> (Chain, H256) {
        let mut chain = Chain::default();
        let genesis = chain.add(H256::ZERO, 0, 0);
        chain.finalized = genesis;
        chain.best = genesis;
        (chain, genesis)
    }

    /// Adds a child of `parent`; `salt` tells siblings apart.
    fn add(&mut self, parent: H256, number: u32, salt: u8) -> H256 {
        let header = Header {
            parent_hash: parent,
            number,
            state_root: H256([salt; 32]),
            extrinsics_root: H256::ZERO,
            digest: Digest::default(),
        };
        let hash = header.hash();
        self.headers.insert(hash, header);
        hash
    }

    fn child(&mut self, parent: H256, salt: u8) -> H256 {
        let number = self.headers[&parent].number + 1;
        self.add(parent, number, salt)
    }

    fn header_of(&self, hash: H256) -> Header {
        self.headers[&hash].clone()
    }
}

impl ChainSource for Chain {
    fn header(&self, hash: H256) -> Option<Header> {
        self.headers.get(&hash).cloned()
    }
    fn finalized_hash(&self) -> H256 {
        self.finalized
    }
    fn best_hash(&self) -> H256 {
        self.best
    }
    fn runtime(&self, hash: H256) -> Runtime {
        let spec_version = self.spec.get(&hash).copied().unwrap_or(1);
        Ok(Arc::new(RuntimeVersionInfo {
            spec_name: "accord".into(),
            impl_name: "accord-node".into(),
            authoring_version: 1,
            spec_version,
            impl_version: 1,
            apis: vec![([1; 8], 1)],
            transaction_version: 1,
            system_version: 1,
        }))
    }
}

fn new_block(hash: H256, parent: H256) -> FollowEvent {
    FollowEvent::NewBlock { hash, parent, new_runtime: None }
}

fn start(chain: &Chain) -> (Tracker, Vec<FollowEvent>) {
    let mut events = Vec::new();
    let tracker = Tracker::start(chain, Arc::new(Pins::default()), false, &mut events).unwrap();
    tracker.assert_invariants();
    (tracker, events)
}

fn best(t: &mut Tracker, chain: &Chain, hash: H256) -> Vec<FollowEvent> {
    let mut events = Vec::new();
    t.on_best(chain, chain.header_of(hash), &mut events).unwrap();
    t.assert_invariants();
    events
}

fn finalize(t: &mut Tracker, chain: &Chain, hash: H256) -> Vec<FollowEvent> {
    let mut events = Vec::new();
    t.on_finalized(chain, chain.header_of(hash), &mut events).unwrap();
    t.assert_invariants();
    events
}

#[test]
fn start_reports_the_best_chain_above_the_finalized_block() {
    let (mut chain, g) = Chain::new();
    let a1 = chain.child(g, 1);
    let a2 = chain.child(a1, 1);
    chain.best = a2;
    let (_, events) = start(&chain);
    assert_eq!(
        events,
        vec![
            FollowEvent::Initialized { finalized: vec![g], runtime: None },
            new_block(a1, g),
            new_block(a2, a1),
            FollowEvent::BestBlockChanged(a2),
        ]
    );
}

#[test]
fn gaps_are_filled_and_the_best_moves_back_without_new_blocks() {
    let (mut chain, g) = Chain::new();
    let (mut t, _) = start(&chain);
    let a1 = chain.child(g, 1);
    let a2 = chain.child(a1, 1);
    let a3 = chain.child(a2, 1);
    assert_eq!(
        best(&mut t, &chain, a3),
        vec![new_block(a1, g), new_block(a2, a1), new_block(a3, a2), FollowEvent::BestBlockChanged(a3)]
    );
    // A notarized block abandoned: the best moves back to a reported block.
    assert_eq!(best(&mut t, &chain, a2), vec![FollowEvent::BestBlockChanged(a2)]);
    let b3 = chain.child(a2, 2);
    assert_eq!(best(&mut t, &chain, b3), vec![new_block(b3, a2), FollowEvent::BestBlockChanged(b3)]);
    assert!(best(&mut t, &chain, b3).is_empty(), "the same best twice is one event");
}

#[test]
fn finalization_lists_every_block_and_prunes_forks_and_their_descendants() {
    let (mut chain, g) = Chain::new();
    let (mut t, _) = start(&chain);
    let a1 = chain.child(g, 1);
    let a2 = chain.child(a1, 1);
    let b1 = chain.child(g, 2);
    let b2 = chain.child(b1, 2);
    let c2 = chain.child(a1, 3);
    let a3 = chain.child(a2, 1);
    for hash in [a2, b2, c2, a3] {
        best(&mut t, &chain, hash);
    }
    chain.best = a3;
    // The best (a3) stays: it descends from a2. Pruned blocks come by height, then hash.
    let mut height_two = [b2, c2];
    height_two.sort();
    let pruned = vec![b1, height_two[0], height_two[1]];
    assert_eq!(finalize(&mut t, &chain, a2), vec![FollowEvent::Finalized { finalized: vec![a1, a2], pruned }]);
    // Old news about the pruned fork changes nothing.
    assert!(best(&mut t, &chain, b2).is_empty());
    assert!(finalize(&mut t, &chain, a1).is_empty());
}

#[test]
fn a_best_block_left_off_the_finalized_chain_moves_first() {
    let (mut chain, g) = Chain::new();
    let (mut t, _) = start(&chain);
    let a1 = chain.child(g, 1);
    let a2 = chain.child(a1, 1);
    let b1 = chain.child(g, 2);
    best(&mut t, &chain, a2);
    best(&mut t, &chain, b1);
    chain.best = a2;
    assert_eq!(
        finalize(&mut t, &chain, a1),
        vec![FollowEvent::BestBlockChanged(a2), FollowEvent::Finalized { finalized: vec![a1], pruned: vec![b1] },]
    );
    // Finalizing the best block itself needs no move.
    assert_eq!(finalize(&mut t, &chain, a2), vec![FollowEvent::Finalized { finalized: vec![a2], pruned: vec![] }]);
}

#[test]
fn an_unannounced_finalized_block_is_reported_first() {
    let (mut chain, g) = Chain::new();
    let (mut t, _) = start(&chain);
    let a1 = chain.child(g, 1);
    let a2 = chain.child(a1, 1);
    chain.best = a2;
    assert_eq!(
        finalize(&mut t, &chain, a2),
        vec![
            new_block(a1, g),
            new_block(a2, a1),
            FollowEvent::BestBlockChanged(a2),
            FollowEvent::Finalized { finalized: vec![a1, a2], pruned: vec![] },
        ]
    );
}

#[test]
fn finality_elsewhere_or_a_missing_header_stops() {
    let (mut chain, g) = Chain::new();
    let (mut t, _) = start(&chain);
    let a1 = chain.child(g, 1);
    let b1 = chain.child(g, 2);
    finalize(&mut t, &chain, a1);
    let mut events = Vec::new();
    assert_eq!(t.on_finalized(&chain, chain.header_of(b1), &mut events), Err(Stop::FinalizedElsewhere(b1)));
    let orphan = Header {
        parent_hash: H256([9; 32]),
        number: 5,
        state_root: H256::ZERO,
        extrinsics_root: H256::ZERO,
        digest: Digest::default(),
    };
    assert_eq!(t.on_best(&chain, orphan, &mut events), Err(Stop::MissingHeader(H256([9; 32]))));
}

#[test]
fn new_runtime_is_reported_only_when_it_changes() {
    let (mut chain, g) = Chain::new();
    let mut events = Vec::new();
    let mut t = Tracker::start(&chain, Arc::new(Pins::default()), true, &mut events).unwrap();
    let a1 = chain.child(g, 1);
    let a2 = chain.child(a1, 1);
    chain.spec.insert(a1, 2);
    chain.spec.insert(a2, 2);
    let events = best(&mut t, &chain, a2);
    let FollowEvent::NewBlock { new_runtime: Some(Ok(v)), .. } = &events[0] else { panic!("{events:?}") };
    assert_eq!(v.spec_version, 2);
    assert_eq!(events[1], new_block(a2, a1));
}

#[test]
fn the_pin_limit_stops_and_unpinning_is_all_or_nothing() {
    let (mut chain, g) = Chain::new();
    let pins = Arc::new(Pins::default());
    let mut events = Vec::new();
    let mut t = Tracker::start(&chain, pins.clone(), false, &mut events).unwrap();
    let mut parent = g;
    for _ in 1..PINNED_BLOCKS_MAX {
        parent = chain.child(parent, 1);
        t.on_best(&chain, chain.header_of(parent), &mut events).unwrap();
    }
    assert_eq!(pins.len(), PINNED_BLOCKS_MAX);
    let next = chain.child(parent, 1);
    assert_eq!(t.on_best(&chain, chain.header_of(next), &mut events), Err(Stop::PinLimit));
    assert_eq!(pins.unpin(&[g, H256([7; 32])]), Err(UnpinError::NotPinned(H256([7; 32]))));
    assert_eq!(pins.unpin(&[g, g]), Err(UnpinError::Duplicate(g)));
    assert!(pins.contains(g), "a refused unpin unpins nothing");
    assert_eq!(pins.unpin(&[g, parent]), Ok(()));
    assert_eq!(pins.len(), PINNED_BLOCKS_MAX - 2);
}
