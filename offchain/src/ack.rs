//! On-chain registration and acknowledgement: the consumer registers under its name and
//! periodically tells the chain which index it processed, with signed `Oplog` calls, so that
//! entries every registered consumer processed are pruned.
//!
//! A submitted call may still fail on chain (the pool only checks the signature and the
//! fee), and the node does not say so to the submitter. So the acknowledger never trusts a
//! submission: every step it reads what the chain holds under its name at the finalized
//! head, and [`decide`] (pure, unit-tested) compares that with what it submitted:
//!
//! ```text
//! chain holds            pending call          → problem                      action
//! another owner          any                   → NameTaken                    wait (backoff)
//! nothing                register, young       →                              wait
//! nothing                register, old         → RegistrationNotApplied       register again
//! nothing                none, was ours before → Unregistered                 wait (backoff)
//! nothing                none                  →                              register at the cursor
//! ours, ack < pending    acknowledge, young    →                              wait
//! ours, ack < pending    acknowledge, old      → AckNotApplied                acknowledge again
//! ours, ack < processed  none                  →                              acknowledge
//! ```
//!
//! A problem is logged (`warn!` with the reason), counted in the metrics
//! (`accord_oplog_consumer_{registration,ack}_failures_total`,
//! `accord_oplog_consumer_last_error{kind}`) and retried with exponential backoff
//! ([`backoff`]); `accord_oplog_consumer_registered` is 1 only while the chain holds the name
//! for this consumer's key. A consumer whose name is taken keeps processing into its
//! database, but pruning does not wait for it: it may fall behind the pruned range.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use jsonrpsee::http_client::HttpClient;
use tracing::{info, warn};

use accord_pallet_oplog as oplog;
use accord_primitives::crypto::Sr25519Pair;
use accord_primitives::{AccountId32, Pair};
use accord_runtime::RuntimeCall;
use accord_support::BoundedVec;

use crate::config::ConsumerConfig;
use crate::metrics::Metrics;
use crate::rpc::{finalized, storage, submit_signed};

/// How long a submitted call may take to show in the finalized state before it counts as
/// failed (a transaction waits in the pool, then for finality).
pub const CONFIRM_WITHIN: Duration = Duration::from_secs(30);
/// The longest wait between two attempts after failures.
pub const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// What the chain holds under the consumer's name, seen by this consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// No consumer has the name.
    Free,
    /// This consumer's key owns it; the chain has every entry below `acknowledged`.
    Ours {
        /// The chain's acknowledgement.
        acknowledged: u64,
    },
    /// Another account owns it.
    Taken {
        /// That account.
        owner: AccountId32,
    },
}

impl Standing {
    /// The standing of `me` given the chain's `Oplog.Consumers` entry for the name.
    pub fn of(on_chain: Option<&oplog::Consumer>, me: &AccountId32) -> Standing {
        match on_chain {
            None => Standing::Free,
            Some(c) if c.owner == *me => Standing::Ours { acknowledged: c.acknowledged },
            Some(c) => Standing::Taken { owner: c.owner },
        }
    }
}

/// A call submitted and not yet seen in the finalized state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// `register_consumer(name, start)`.
    Register {
        /// Its start index.
        start: u64,
    },
    /// `acknowledge(name, up_to)`.
    Acknowledge {
        /// Its index.
        up_to: u64,
    },
}

/// Why the consumer could not register or acknowledge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// Another account registered the name.
    #[error("the consumer name is registered by another account ({owner}): this consumer cannot acknowledge, and pruning does not wait for it; choose another name, or have its owner or governance unregister it")]
    NameTaken {
        /// That account.
        owner: AccountId32,
    },
    /// The chain no longer holds this consumer (its owner key or governance unregistered it).
    #[error("the consumer was unregistered on chain (by its owner's key or governance): not registering it again; restart the consumer to register it at its cursor")]
    Unregistered,
    /// A registration did not reach the finalized state in time.
    #[error("the registration starting at index {start} is not on chain after {within_s}s (it failed on chain, e.g. the chain's or the organization's consumer slots are full, or the start was pruned)")]
    RegistrationNotApplied {
        /// Its start index.
        start: u64,
        /// How long it had.
        within_s: u64,
    },
    /// An acknowledgement did not reach the finalized state in time.
    #[error("the acknowledgement up to index {up_to} is not on chain after {within_s}s (the chain has {on_chain}): it failed on chain or was never included")]
    AckNotApplied {
        /// Its index.
        up_to: u64,
        /// The chain's acknowledgement.
        on_chain: u64,
        /// How long it had.
        within_s: u64,
    },
    /// The node refused the transaction or could not be reached.
    #[error("submitting failed: {0}")]
    SubmitFailed(String),
    /// The chain's state could not be read.
    #[error("reading the consumer's registration failed: {0}")]
    ReadFailed(String),
}

impl Problem {
    /// A short stable name, the `kind` label of `accord_oplog_consumer_last_error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::NameTaken { .. } => "name_taken",
            Problem::Unregistered => "unregistered",
            Problem::RegistrationNotApplied { .. } => "registration_not_applied",
            Problem::AckNotApplied { .. } => "ack_not_applied",
            Problem::SubmitFailed(_) => "submit_failed",
            Problem::ReadFailed(_) => "read_failed",
        }
    }

    /// Whether it keeps the consumer from registering (else from acknowledging).
    pub fn is_registration(&self) -> bool {
        matches!(self, Problem::NameTaken { .. } | Problem::Unregistered | Problem::RegistrationNotApplied { .. })
    }
}

/// What to submit next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing now.
    Wait,
    /// Nothing now: the call submitted last is young and not in the finalized state yet.
    Confirming,
    /// `register_consumer(name, start)`.
    Register {
        /// The first index not processed.
        start: u64,
    },
    /// `acknowledge(name, up_to)`.
    Acknowledge {
        /// The first index not processed.
        up_to: u64,
    },
}

/// One step's decision from what the chain holds (`standing`), what was submitted and is not
/// yet seen (`pending`, with its age), whether the chain held the name for this consumer
/// before (`was_ours`), and the consumer's cursor (`processed`). See the module docs' table.
pub fn decide(
    standing: &Standing,
    pending: Option<(Pending, Duration)>,
    was_ours: bool,
    processed: u64,
    confirm_within: Duration,
) -> (Option<Problem>, Action) {
    let within_s = confirm_within.as_secs();
    let overdue = |age: Duration| age >= confirm_within;
    match (standing, pending) {
        (Standing::Taken { owner }, _) => (Some(Problem::NameTaken { owner: *owner }), Action::Wait),
        (Standing::Free, Some((Pending::Register { start }, age))) => match overdue(age) {
            false => (None, Action::Confirming),
            true => (Some(Problem::RegistrationNotApplied { start, within_s }), Action::Register { start: processed }),
        },
        (Standing::Free, _) if was_ours => (Some(Problem::Unregistered), Action::Wait),
        (Standing::Free, _) => (None, Action::Register { start: processed }),
        (Standing::Ours { acknowledged }, Some((Pending::Acknowledge { up_to }, age))) if *acknowledged < up_to => {
            match overdue(age) {
                false => (None, Action::Confirming),
                true => (
                    Some(Problem::AckNotApplied { up_to, on_chain: *acknowledged, within_s }),
                    Action::Acknowledge { up_to: processed.max(up_to) },
                ),
            }
        }
        (Standing::Ours { acknowledged }, _) if processed > *acknowledged => {
            (None, Action::Acknowledge { up_to: processed })
        }
        (Standing::Ours { .. }, _) => (None, Action::Wait),
    }
}

/// The wait before the next attempt after `failures` failures in a row: `interval` when
/// none, then doubling from `interval`, at most [`BACKOFF_MAX`] (never below `interval`).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let doubled = interval.saturating_mul(1u32 << (failures - 1).min(16));
    doubled.min(BACKOFF_MAX).max(interval)
}

/// Registers, acknowledges and checks the consumer's standing on chain; one [`step`] per
/// due time.
///
/// [`step`]: Acknowledger::step
pub struct Acknowledger {
    name: oplog::ConsumerName,
    pair: Pair,
    interval: Duration,
    /// How long a submitted call may take to show in the finalized state.
    pub confirm_within: Duration,
    pending: Option<(Pending, Instant)>,
    was_ours: bool,
    failures: u32,
    last_problem: Option<Problem>,
}

impl Acknowledger {
    /// The acknowledger of `config` (already checked).
    pub fn new(config: &ConsumerConfig) -> Result<Acknowledger, String> {
        let name = BoundedVec::try_from_vec(config.name.as_bytes().to_vec()).map_err(|_| "consumer name too long")?;
        let pair = Pair::Sr25519(Sr25519Pair::from_uri(&config.signing_key).map_err(|e| e.to_string())?);
        Ok(Acknowledger {
            name,
            pair,
            interval: Duration::from_millis(config.ack_interval_ms),
            confirm_within: CONFIRM_WITHIN,
            pending: None,
            was_ours: false,
            failures: 0,
            last_problem: None,
        })
    }

    /// What the chain holds under the name at the finalized head.
    async fn standing(&self, client: &HttpClient) -> Result<Standing, String> {
        let at = finalized(client).await?;
        let on_chain: Option<oplog::Consumer> = storage(client, &oplog::CONSUMERS.key(&self.name), at).await?;
        Ok(Standing::of(on_chain.as_ref(), &self.pair.account()))
    }

    /// Reads the standing, decides, submits at most one call, updates `metrics` and logs a
    /// problem; returns how long to wait before the next step.
    pub async fn step(&mut self, client: &HttpClient, processed: u64, metrics: &Metrics) -> Duration {
        let problem = match self.standing(client).await {
            Err(e) => Some(Problem::ReadFailed(e)),
            Ok(standing) => self.act(client, &standing, processed, metrics).await,
        };
        match problem {
            None => {
                if self.last_problem.take().is_some() {
                    info!("oplog consumer {:?}: registration and acknowledgement work again", self.name_text());
                }
                self.failures = 0;
            }
            Some(problem) => {
                self.failures = self.failures.saturating_add(1);
                let counter =
                    if problem.is_registration() { &metrics.registration_failures } else { &metrics.ack_failures };
                counter.fetch_add(1, Ordering::SeqCst);
                metrics.set_last_error(problem.kind());
                let retry = backoff(self.interval, self.failures);
                warn!("oplog consumer {:?}: {problem} (retrying in {}s)", self.name_text(), retry.as_secs());
                self.last_problem = Some(problem);
            }
        }
        backoff(self.interval, self.failures)
    }

    async fn act(
        &mut self,
        client: &HttpClient,
        standing: &Standing,
        processed: u64,
        metrics: &Metrics,
    ) -> Option<Problem> {
        let ours = matches!(standing, Standing::Ours { .. });
        metrics.registered.store(ours as u64, Ordering::SeqCst);
        if let Standing::Ours { acknowledged } = standing {
            metrics.acknowledged.store(*acknowledged, Ordering::SeqCst);
            if !self.was_ours {
                info!("oplog consumer {:?} is registered on chain (acknowledged {acknowledged})", self.name_text());
            }
            self.was_ours = true;
        }
        let pending = self.pending.map(|(p, at)| (p, at.elapsed()));
        let (problem, action) = decide(standing, pending, self.was_ours, processed, self.confirm_within);
        if action == Action::Confirming {
            return problem;
        }
        // The pending call is confirmed, moot or overdue: done with either way.
        self.pending = None;
        let (call, submitted) = match action {
            Action::Wait | Action::Confirming => return problem,
            Action::Register { start } => (
                oplog::Call::register_consumer { name: self.name.clone(), start_index: start },
                Pending::Register { start },
            ),
            Action::Acknowledge { up_to } => {
                (oplog::Call::acknowledge { name: self.name.clone(), up_to }, Pending::Acknowledge { up_to })
            }
        };
        match submit_signed(client, &self.pair, &RuntimeCall::Oplog(call)).await {
            Ok(_) => {
                self.pending = Some((submitted, Instant::now()));
                problem
            }
            // The earlier problem (if any) is what the operator needs first; the submit
            // failure is retried with it.
            Err(e) => problem.or(Some(Problem::SubmitFailed(e))),
        }
    }

    fn name_text(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WITHIN: Duration = Duration::from_secs(30);
    const YOUNG: Duration = Duration::from_secs(1);
    const OLD: Duration = Duration::from_secs(31);

    fn me() -> AccountId32 {
        AccountId32([1; 32])
    }

    #[test]
    fn standing_tells_ours_from_taken() {
        let mut c = oplog::Consumer { owner: me(), acknowledged: 5, group: oplog::ConsumerGroup::Org(1) };
        assert_eq!(Standing::of(None, &me()), Standing::Free);
        assert_eq!(Standing::of(Some(&c), &me()), Standing::Ours { acknowledged: 5 });
        c.owner = AccountId32([2; 32]);
        assert_eq!(Standing::of(Some(&c), &me()), Standing::Taken { owner: AccountId32([2; 32]) });
    }

    /// A name registered by another account is a problem every step, and nothing is
    /// submitted for it (today's consumer submitted and then acknowledged in vain).
    #[test]
    fn a_taken_name_is_reported_and_never_acknowledged() {
        let taken = Standing::Taken { owner: AccountId32([2; 32]) };
        for pending in
            [None, Some((Pending::Register { start: 0 }, OLD)), Some((Pending::Acknowledge { up_to: 3 }, YOUNG))]
        {
            let (problem, action) = decide(&taken, pending, false, 10, WITHIN);
            assert_eq!(problem, Some(Problem::NameTaken { owner: AccountId32([2; 32]) }));
            assert_eq!(action, Action::Wait);
        }
        let text = Problem::NameTaken { owner: AccountId32([2; 32]) }.to_string();
        assert!(text.contains("another account") && text.contains("choose another name"), "{text}");
    }

    #[test]
    fn registration_is_submitted_confirmed_or_retried() {
        assert_eq!(decide(&Standing::Free, None, false, 7, WITHIN), (None, Action::Register { start: 7 }));
        let young = Some((Pending::Register { start: 7 }, YOUNG));
        assert_eq!(decide(&Standing::Free, young, false, 9, WITHIN), (None, Action::Confirming), "give it time");
        let old = Some((Pending::Register { start: 7 }, OLD));
        let (problem, action) = decide(&Standing::Free, old, false, 9, WITHIN);
        assert_eq!(problem, Some(Problem::RegistrationNotApplied { start: 7, within_s: 30 }));
        assert_eq!(action, Action::Register { start: 9 });
        // Registered: the pending registration is confirmed; what was processed since is
        // acknowledged.
        let ours = Standing::Ours { acknowledged: 7 };
        assert_eq!(decide(&ours, old, true, 9, WITHIN), (None, Action::Acknowledge { up_to: 9 }));
        assert_eq!(decide(&ours, None, true, 7, WITHIN), (None, Action::Wait));
    }

    /// Gone after it was ours: someone with the right removed it; it is reported, not undone.
    #[test]
    fn an_unregistered_consumer_is_reported_not_registered_again() {
        assert_eq!(decide(&Standing::Free, None, true, 7, WITHIN), (Some(Problem::Unregistered), Action::Wait));
        let pending_ack = Some((Pending::Acknowledge { up_to: 5 }, YOUNG));
        assert_eq!(decide(&Standing::Free, pending_ack, true, 7, WITHIN), (Some(Problem::Unregistered), Action::Wait));
    }

    #[test]
    fn an_acknowledgement_that_does_not_land_is_reported_and_retried() {
        let ours = Standing::Ours { acknowledged: 3 };
        let young = Some((Pending::Acknowledge { up_to: 8 }, YOUNG));
        assert_eq!(decide(&ours, young, true, 9, WITHIN), (None, Action::Confirming));
        let old = Some((Pending::Acknowledge { up_to: 8 }, OLD));
        let (problem, action) = decide(&ours, old, true, 9, WITHIN);
        assert_eq!(problem, Some(Problem::AckNotApplied { up_to: 8, on_chain: 3, within_s: 30 }));
        assert_eq!(action, Action::Acknowledge { up_to: 9 });
        assert!(!problem.unwrap().is_registration());
        // Landed: nothing more to say until more is processed.
        let landed = Standing::Ours { acknowledged: 8 };
        assert_eq!(decide(&landed, old, true, 8, WITHIN), (None, Action::Wait));
    }

    #[test]
    fn every_problem_kind_is_a_metrics_label() {
        let problems = [
            Problem::NameTaken { owner: me() },
            Problem::Unregistered,
            Problem::RegistrationNotApplied { start: 0, within_s: 0 },
            Problem::AckNotApplied { up_to: 0, on_chain: 0, within_s: 0 },
            Problem::SubmitFailed(String::new()),
            Problem::ReadFailed(String::new()),
        ];
        for p in problems {
            assert!(crate::metrics::ERROR_KINDS[1..].contains(&p.kind()), "{}", p.kind());
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        let s = Duration::from_secs(10);
        assert_eq!(backoff(s, 0), s);
        assert_eq!(backoff(s, 1), s);
        assert_eq!(backoff(s, 2), 2 * s);
        assert_eq!(backoff(s, 4), 8 * s);
        assert_eq!(backoff(s, 6), BACKOFF_MAX);
        assert_eq!(backoff(s, u32::MAX), BACKOFF_MAX);
        assert_eq!(backoff(Duration::from_secs(600), 3), Duration::from_secs(600), "never below the interval");
    }
}
