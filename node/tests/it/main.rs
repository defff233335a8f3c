//! Integration tests of the node: real `accord-node` processes on free ports with temporary
//! base paths, driven over real sockets.

mod bad_input;
mod best_chain;
mod crash;
mod gate;
mod genesis;
mod harness;
mod network;
mod oplog;
mod pipeline;
mod rogue;
mod rpc;
mod subxt_e2e;
