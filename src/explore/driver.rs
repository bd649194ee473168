//! The explorer's one contact with the engine: every call into
//! [`crate::oracle`] and the implementations under test is in this module,
//! so that a change of the engine's interface is adapted here alone.
//!
//! The engine's implementations are not `Clone`, so a state is re-created
//! by resetting a per-worker [`Engine`] (which keeps its allocations),
//! replaying the operations that reached the state (at most the depth
//! bound) and stepping one more operation. The references, which are
//! `Clone`, are replayed once per state and cloned per child to compute
//! keys.

use serde::{Deserialize, Serialize};

use crate::corpus::case::Expected;
use crate::models::implementation::{Implementation, Seated};
use crate::models::reference::Reference;
use crate::models::server::LegacyServer;
use crate::oracle::canary::Canary;
use crate::oracle::checks::Breach;
use crate::oracle::engine::{ByEra, Engine};
use crate::oracle::failure::Failure;
use crate::world::response::Slot;
use crate::world::{Era, Op, Response, Run, UserId, World, WorldConfig};

/// Which implementation sits in the patched seat of the lockstep engine.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The patched server: the real system under test.
    #[default]
    Patched,
    /// The legacy server posing as patched: known broken, to show that the
    /// explorer finds failures (like `--patched-impl legacy` elsewhere).
    LegacyAsPatched,
}

/// What every transition is checked against.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq)]
#[serde(tag = "checks", rename_all = "snake_case")]
pub enum Checks {
    /// The lockstep engine: every check it makes (D-1..D-4, INV-1..4).
    Lockstep {
        /// The implementation in the patched seat.
        subject: Subject,
    },
    /// The canary: the legacy model against INV-1 alone.
    Canary,
}

/// What a transition broke.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The engine reported a failure (the most specific of the step).
    Failure {
        /// The failure.
        failure: Failure,
    },
    /// The canary's finding: the legacy model let a viewer learn a hidden
    /// number (INV-1).
    LegacyBreach {
        /// Step of the breach, from 0.
        step: usize,
        /// Who learned what.
        breach: Breach,
    },
}

/// Pairs of users tied by loophole steps (SPEC D-4), as a bit set over
/// unordered pairs: the one piece of the engine's history that the
/// references do not hold and later checks consult.
pub type Ties = u32;

/// The bit of the unordered pair `{a, b}` of distinct users (at most 8
/// users: 28 pairs).
pub fn tie_bit(a: UserId, b: UserId) -> Ties {
    let (lo, hi) = (a.0.min(b.0), a.0.max(b.0));
    1 << (hi * (hi - 1) / 2 + lo)
}

/// A worker's reusable machinery: one engine (or canary) kept across
/// probes, reset for each.
pub struct Worker {
    engine: Option<Engine>,
    canary: Canary,
    ops: Vec<Op>,
}

/// Runs operations through the engine for the explorer.
#[derive(Debug, Clone)]
pub struct Driver {
    config: WorldConfig,
    world: World,
    checks: Checks,
}

impl Driver {
    /// A driver over the world `config` describes.
    pub fn new(config: WorldConfig, checks: Checks) -> Driver {
        Driver { config, world: World::from_config(&config), checks }
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    fn engine(subject: Subject) -> Engine {
        match subject {
            Subject::Patched => Engine::standard(),
            Subject::LegacyAsPatched => Engine::new(
                Engine::standard_references(),
                vec![
                    Box::new(LegacyServer::default()),
                    Box::new(Seated::new("patched", Era::Patched, LegacyServer::default())),
                ],
            ),
        }
    }

    /// A worker for probes (one per thread or task).
    pub fn worker(&self) -> Worker {
        let engine = match self.checks {
            Checks::Lockstep { subject } => Some(Self::engine(subject)),
            Checks::Canary => None,
        };
        Worker { engine, canary: Canary::default(), ops: Vec::new() }
    }

    /// Both eras' references after `ops`, and the pairs those operations tied.
    pub fn references<'a>(&self, ops: impl IntoIterator<Item = &'a Op>) -> (ByEra<Reference>, Ties) {
        let mut refs = ByEra { legacy: Reference::new(Era::Legacy), patched: Reference::new(Era::Patched) };
        let _ = refs.legacy.reset(&self.world);
        let _ = refs.patched.reset(&self.world);
        let mut ties = 0;
        for op in ops {
            ties |= Self::advance(&mut refs, op);
        }
        (refs, ties)
    }

    /// Steps both references by `op`; returns the pairs the step ties: a
    /// viewer and a user that legacy matched (import or resolve) and
    /// patched did not. When the step passes every check the models
    /// answered as the references did, so these are exactly the pairs the
    /// engine's D-4 ties.
    pub fn advance(refs: &mut ByEra<Reference>, op: &Op) -> Ties {
        Self::advance_checked(refs, op).0
    }

    /// [`Driver::advance`], also saying whether both references refused
    /// the operation (an error outcome in both eras): a refused operation
    /// changes nothing (SPEC "Operations"), so the state is the same.
    pub fn advance_checked(refs: &mut ByEra<Reference>, op: &Op) -> (Ties, bool) {
        let mut legacy_slot = Slot::default();
        let mut patched_slot = Slot::default();
        let _ = refs.legacy.apply(op, &mut legacy_slot);
        let _ = refs.patched.apply(op, &mut patched_slot);
        let (legacy, patched) = (legacy_slot.outcome(), patched_slot.outcome());
        let viewer = op.actor();
        let refused = legacy.is_err() && patched.is_err();
        let ties = match (legacy, patched) {
            (Ok(Response::Imported { matched: l, .. }), Ok(Response::Imported { matched: p, .. })) => {
                l.iter().filter(|m| m.user != viewer && !p.contains(m)).fold(0, |acc, m| acc | tie_bit(viewer, m.user))
            }
            (Ok(Response::Resolved { user }), Err(_)) if *user != viewer => tie_bit(viewer, *user),
            _ => 0,
        };
        (ties, refused)
    }

    /// Replays `prefix` (which passed every check) and steps `op`; what the
    /// step broke, if anything.
    pub fn probe(&self, worker: &mut Worker, prefix: &[&Op], op: &Op) -> Option<Finding> {
        match (&mut worker.engine, self.checks) {
            (Some(engine), Checks::Lockstep { .. }) => {
                engine.reset(&self.world);
                for earlier in prefix {
                    engine.step(earlier);
                }
                engine.step(op);
                engine.failures().first().cloned().map(|failure| Finding::Failure { failure })
            }
            _ => {
                worker.ops.clear();
                worker.ops.extend(prefix.iter().map(|o| (*o).clone()));
                worker.ops.push(op.clone());
                let run = Run { world: self.config, ops: std::mem::take(&mut worker.ops) };
                let found = worker.canary.breaches(&run, 1).into_iter().next();
                worker.ops = run.ops;
                found.map(|(step, breach)| Finding::LegacyBreach { step, breach })
            }
        }
    }

    /// The verdict a case file of `run` expects, as `minimize` computes it:
    /// with the implementation in the patched seat that the search used
    /// (the standard lineup for the canary).
    pub fn expected(&self, run: &Run) -> Expected {
        let subject = match self.checks {
            Checks::Lockstep { subject } => subject,
            Checks::Canary => Subject::Patched,
        };
        Expected::of(&Self::engine(subject).trace(run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_bits_are_distinct_per_unordered_pair() {
        let mut seen = Vec::new();
        for a in 0..8 {
            for b in 0..a {
                let bit = tie_bit(UserId(a), UserId(b));
                assert_eq!(bit, tie_bit(UserId(b), UserId(a)));
                assert!(!seen.contains(&bit));
                seen.push(bit);
            }
        }
        assert_eq!(seen.len(), 28);
    }
}
