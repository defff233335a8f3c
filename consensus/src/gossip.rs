//! Transaction gossip: a node sends the transactions submitted to it to every peer, in
//! batches, and hands the ones peers send to its pool (which validates them like any
//! submission).

use std::sync::Arc;
use std::time::Duration;

use commonware_cryptography::ed25519;
use commonware_p2p::{Blocker, Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Spawner};
use futures::channel::mpsc;
use futures::{FutureExt as _, StreamExt as _};

use crate::application::blocking;
use crate::chain::Chain;
use crate::metrics::ConsensusMetrics;

/// A gossip message: a SCALE list of at most [`GOSSIP_BATCH_MAX`] encoded transactions,
/// nothing after it. The count is checked before the list is read.
fn decode_batch(mut bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let count = <codec::Compact<u32> as codec::Decode>::decode(&mut bytes).ok()?.0 as usize;
    if count > GOSSIP_BATCH_MAX {
        return None;
    }
    let mut batch = Vec::with_capacity(count);
    for _ in 0..count {
        batch.push(<Vec<u8> as codec::Decode>::decode(&mut bytes).ok()?);
    }
    bytes.is_empty().then_some(batch)
}

/// The most transactions one gossip message carries.
pub const GOSSIP_BATCH_MAX: usize = 512;

/// How long the gossip waits after a transaction for more to send with it (at most one
/// message per linger: 50 a second, under the transaction channel's 64 per peer).
pub const GOSSIP_LINGER: Duration = Duration::from_millis(20);

/// The most bytes of transactions one gossip message carries.
pub const GOSSIP_BATCH_BYTES: usize = 1024 * 1024;

/// Sends the node's queued transactions to every peer, in batches (one message per batch:
/// the channel's rate limit counts messages), and hands those peers send to the node's pool,
/// which validates them like any submission. A peer whose message does not decode, or
/// holds more than a batch, is blocked.
pub(crate) async fn gossip_loop<E, S, R, B>(
    context: E,
    (mut sender, mut receiver): (S, R),
    mut outgoing: mpsc::Receiver<Vec<u8>>,
    chain: Arc<dyn Chain>,
    metrics: Arc<ConsensusMetrics>,
    mut blocker: B,
) where
    E: Spawner + Clock,
    B: Blocker<PublicKey = ed25519::PublicKey>,
    S: Sender<PublicKey = ed25519::PublicKey>,
    R: Receiver<PublicKey = ed25519::PublicKey>,
{
    loop {
        futures::select_biased! {
            xt = outgoing.next() => {
                let Some(xt) = xt else { return };
                // Linger for more: one message per GOSSIP_LINGER at most stays under the
                // channel's per-peer rate, which would otherwise drop messages.
                context.sleep(GOSSIP_LINGER).await;
                let mut bytes = xt.len();
                let mut batch = vec![xt];
                while batch.len() < GOSSIP_BATCH_MAX && bytes < GOSSIP_BATCH_BYTES {
                    match outgoing.try_recv() {
                        Ok(xt) => {
                            bytes += xt.len();
                            batch.push(xt);
                        }
                        _ => break,
                    }
                }
                metrics.on_gossip_out(batch.len() as u64);
                let _ = sender.send(Recipients::All, codec::Encode::encode(&batch), false);
            },
            message = receiver.recv().fuse() => {
                let Ok((peer, bytes)) = message else { return };
                let batch = match decode_batch(bytes.as_ref()) {
                    Some(batch) => batch,
                    None => {
                        commonware_p2p::block!(blocker, peer, "malformed transaction gossip");
                        continue;
                    }
                };
                metrics.on_gossip_in(batch.len() as u64);
                let chain = chain.clone();
                let _ = blocking(context.child("pool"), move || {
                    for xt in batch {
                        chain.gossiped(xt);
                    }
                })
                .await;
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Encode as _;

    #[test]
    fn batches_decode_only_when_well_formed_and_bounded() {
        let batch = vec![vec![1u8, 2, 3], vec![], vec![9; 300]];
        assert_eq!(decode_batch(&batch.encode()), Some(batch.clone()));
        let mut trailing = batch.encode();
        trailing.push(0);
        assert_eq!(decode_batch(&trailing), None, "trailing bytes");
        let encoded = batch.encode();
        assert_eq!(decode_batch(&encoded[..encoded.len() - 1]), None, "truncated");
        let too_many = vec![Vec::<u8>::new(); GOSSIP_BATCH_MAX + 1];
        assert_eq!(decode_batch(&too_many.encode()), None, "more than a batch");
        // A count claiming four billion items is refused before anything is allocated.
        assert_eq!(decode_batch(&codec::Compact(u32::MAX).encode()), None);
    }

    #[test]
    fn fuzz_decoder() {
        // Deterministic pseudo-random inputs, mutations of a valid batch among them: any
        // answer but a panic.
        let valid = vec![vec![7u8; 40], vec![1, 2]].encode();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                let len = (next() % 64) as usize;
                (0..len).map(|_| next() as u8).collect()
            } else {
                let mut bytes = valid.clone();
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
                bytes.truncate((next() as usize) % (bytes.len() + 1));
                bytes
            };
            let _ = decode_batch(&bytes);
        }
    }
}
