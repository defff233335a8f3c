//! # accord-offchain
//!
//! Off-chain workers: clients of a node's public JSON-RPC, like the business systems they
//! serve. The first is the operation-log consumer: it follows `oplog_getLogs` over
//! finalized blocks from its cursor, in order, and keeps a SQL database in sync — the data
//! and the cursor in one transaction, so a crash neither loses nor duplicates an entry — with
//! a continuity check per data id (see `pipeline.rs` and `sink.rs`). The second is the
//! provisioning driver (`provision/`): it starts and stops an organization's nodes for the
//! business chains of the registry and reports each task's outcome on chain. The third and
//! fourth watch a sub-chain for the main chain (`status/`): the status reporter reports its
//! status to the `SubchainStatus` pallet, the status verifier checks those reports against
//! another organization's node and disputes the wrong ones.

pub mod ack;
pub mod config;
pub mod entry;
pub mod metrics;
pub mod pipeline;
pub mod provision;
pub mod rpc;
pub mod sink;
pub mod status;

pub use config::Config;
pub use pipeline::{run, run_with_sink, ConsumerError, Progress};
