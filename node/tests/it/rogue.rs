//! A misbehaving peer: it holds a key the validators know (so the authenticated handshake
//! succeeds), connects to them over real sockets and sends what an honest node never
//! would. It runs Commonware's p2p in the test process, on a thread of its own.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use commonware_codec::DecodeExt as _;
use commonware_cryptography::{ed25519, ChaCha20Poly1305};
use commonware_p2p::authenticated::lookup;
use commonware_p2p::Receiver as _;
use commonware_p2p::{Address, AddressableManager as _, AddressableTrackedPeers, Recipients, Sender as _};
use commonware_runtime::{Clock as _, Quota, Runner as _, Spawner as _, Supervisor as _};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};
use commonware_utils::ordered::Map;
use commonware_utils::{NZUsize, NZU32};

/// What the rogue sends once connected.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Misdeed {
    /// Bytes that are no vote, on the votes channel of the given epochs (the channel is
    /// split by epoch).
    MalformedVotes { epochs: [u64; 2] },
    /// One message larger than any node accepts, on the blocks channel.
    Oversized { bytes: usize },
}

/// What the rogue saw.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Validators connected before the misdeed.
    pub(crate) before: usize,
    /// The fewest validators connected in the seconds after it.
    pub(crate) after: usize,
}

/// Connects as `key` (listening on `listen`) to `validators` (and accepts the other known
/// `peers`, which dial every known key) and, once connected to all validators, commits
/// `misdeed`; watches for `watch` how many validators stay connected.
pub(crate) fn misbehave(
    key: [u8; 32],
    listen: SocketAddr,
    validators: Vec<([u8; 32], SocketAddr)>,
    peers: Vec<([u8; 32], SocketAddr)>,
    namespace: Vec<u8>,
    misdeed: Misdeed,
    watch: Duration,
) -> Outcome {
    std::thread::spawn(move || {
        let runtime = commonware_runtime::tokio::Config::new().with_worker_threads(1).with_catch_panics(false);
        let storage = tempfile::tempdir().unwrap();
        let runtime = runtime.with_storage_directory(storage.path());
        commonware_runtime::tokio::Runner::new(runtime).start(|context| async move {
            let signer = ed25519::PrivateKey::decode(commonware_codec::Copying(&key[..])).unwrap();
            let upgrader = Cups::<_, ChaCha20Poly1305>::new(
                Sake {
                    signer: signer.clone(),
                    synchrony_bound: Duration::from_secs(5),
                    max_handshake_age: Duration::from_secs(10),
                    version: sake::Version::V1,
                },
                cups::Version::V1,
            );
            // Room for the oversized message on our side.
            let mut config =
                lookup::Config::recommended(upgrader, &namespace, listen, NZUsize!(16), 16 << 20, NZUsize!(64));
            config.allow_private_ips = true;
            // Every node on this machine dials us from one address.
            config.allowed_handshake_rate_per_ip = Quota::per_second(NZU32!(100));
            config.dial_frequency = Duration::from_millis(200);
            let (mut network, mut oracle) = lookup::Network::new(context.child("network"), config);
            let entries = |list: &[([u8; 32], SocketAddr)]| -> Vec<(ed25519::PublicKey, Address)> {
                list.iter()
                    .map(|(k, a)| (ed25519::PublicKey::try_from(&k[..]).unwrap(), Address::Symmetric(*a)))
                    .collect()
            };
            let validator_keys: Vec<ed25519::PublicKey> = entries(&validators).into_iter().map(|(k, _)| k).collect();
            let count = validator_keys.len();
            let book = AddressableTrackedPeers::new(
                Map::try_from(entries(&validators)).unwrap(),
                Map::try_from(entries(&peers)).unwrap(),
            );
            let _ = oracle.track(0, book);
            // Every channel the nodes use (a message on an unknown channel ends the
            // connection), with what arrives drained.
            let quota = Quota::per_second(NZU32!(1000));
            let mut senders = Vec::new();
            for channel in 0..6 {
                let (sender, mut receiver) = network.register(channel, quota);
                senders.push(sender);
                context.child("drain").spawn(move |_| async move { while receiver.recv().await.is_ok() {} });
            }
            network.start();
            let (mut votes, mut blocks, mut txs) = (senders[0].clone(), senders[4].clone(), senders[5].clone());

            // A probe: an empty transaction batch, which an honest node may send too. It
            // reaches the peers we are connected to.
            let empty_batch = vec![0u8];
            let mut connected = || {
                let reached = txs.send(Recipients::All, empty_batch.clone(), false);
                reached.iter().filter(|k| validator_keys.contains(k)).count()
            };
            let start = Instant::now();
            let mut before = connected();
            while before < count {
                assert!(start.elapsed() < Duration::from_secs(60), "the rogue reached {before} of {count} validators");
                context.sleep(Duration::from_millis(100)).await;
                before = connected();
            }
            match misdeed {
                Misdeed::MalformedVotes { epochs } => {
                    for epoch in epochs {
                        // The epoch sub-channel (varint), then bytes that are no vote.
                        let mut message =
                            commonware_codec::Encode::encode(&commonware_codec::varint::UInt(epoch)).to_vec();
                        message.extend_from_slice(&[0xff; 64]);
                        votes.send(Recipients::All, message, false);
                    }
                }
                Misdeed::Oversized { bytes } => {
                    blocks.send(Recipients::All, vec![0u8; bytes], false);
                }
            }
            let mut after = count;
            let watching = Instant::now();
            while watching.elapsed() < watch {
                context.sleep(Duration::from_millis(50)).await;
                after = after.min(connected());
            }
            Outcome { before, after }
        })
    })
    .join()
    .expect("the rogue's thread")
}
