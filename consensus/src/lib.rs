//! # accord-consensus
//!
//! Byzantine fault tolerant finality for Accord: several validators, run by different
//! organizations, agree on one chain. The protocol is Commonware's **simplex** with ed25519
//! certificates; blocks travel through Commonware's **marshal** (full-block broadcast from
//! the proposer, backfill of missing blocks and certificates from peers, finalized blocks
//! delivered in height order) over **authenticated p2p** between known peers.
//!
//! ```text
//!         node (accord-node: RocksDB, pool, RPC)
//!            ▲ Chain::{propose, verify, notarized, finalized, gossiped}
//!            │ (called on the engine runtime's blocking pool)
//! ┌──────────┴──────────────────────── consensus thread (own tokio runtime) ─┐
//! │ simplex ──▶ marshal::Inline ──▶ Application          Finalizer ──▶ commit │
//! │    │ votes/certs        │ blocks, backfill               ▲ in order       │
//! │    ▼                    ▼                                │                │
//! │ p2p (lookup: ed25519 peers, per-channel rate limits, message size limit)  │
//! └──────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The validator set may change at epoch boundaries, from on-chain state: each epoch runs
//! its own simplex engine (see [`epochs`]).
//!
//! Commonware's tokio runner builds its own runtime, so the engine runs on a thread of its
//! own, behind bounded channels; the node's runtime serves the RPC. Only finalized blocks
//! reach the node's storage; a block consensus is still deciding lives in the node's
//! memory (see `node/src/bft.rs`).
//!
//! ## Pinned release and upgrades
//!
//! Every `commonware-*` crate is pinned to `=2026.10.0` in the workspace manifest; their
//! APIs change between releases. To upgrade: bump all of them together, then follow the
//! compiler through `engine.rs` (the p2p config), `wiring.rs` (broadcast, resolver, marshal
//! and simplex configs), `epochs.rs` (the certificate `Provider`, the p2p muxer, metadata)
//! and `application.rs` (the `Application` trait), and run the simulation and the
//! multi-node tests.
//! Steps needed so far: none (first release used).

pub mod application;
pub mod block;
pub mod certificate;
pub mod chain;
pub mod engine;
pub mod epochs;
pub mod gossip;
pub mod metrics;
pub mod wiring;

#[cfg(test)]
mod sim;

pub use block::{Block, Digest};
pub use certificate::{verify as verify_certificate, CertificateError, Certified};
pub use chain::Chain;
pub use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
pub use engine::{Engine, EngineConfig, EngineError, Timing};
pub use epochs::VALIDATORS_MAX;
pub use metrics::{ConsensusMetrics, ConsensusStatus};
