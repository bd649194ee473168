//! The explorer's one contact with the engine: every call into
//! [`crate::oracle`] and the models under test is in this module, so that a
//! change of the engine's interface is adapted here alone.
//!
//! The engine's models are not `Clone`, so a state is re-created by
//! replaying the operations that reached it (at most the depth bound) and
//! then stepping one more operation. The references, which are `Clone`, are
//! replayed once per state and cloned per child to compute keys.

use serde::{Deserialize, Serialize};

use crate::corpus::case::Expected;
use crate::models::implementation::Model;
use crate::models::reference::Reference;
use crate::models::server::LegacyServer;
use crate::oracle::canary::first_legacy_breach;
use crate::oracle::checks::Breach;
use crate::oracle::engine::{self, ByEra, Divergence, Lockstep};
use crate::oracle::failure::Failure;
use crate::world::{Era, Op, Run, World, WorldConfig};

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
    /// The lockstep engine: D-1..D-4 and INV-1..3 on both eras.
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

/// The result of stepping one operation after a replayed prefix.
#[derive(Debug, Clone)]
pub struct Probe {
    /// What the step broke, if anything.
    pub finding: Option<Finding>,
    /// Whether the step was a loophole step (D-4's history).
    pub loophole: bool,
}

fn legacy_everywhere(world: &World, _era: Era) -> Box<dyn Model> {
    Box::new(LegacyServer::new(world))
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

    fn factory(subject: Subject) -> fn(&World, Era) -> Box<dyn Model> {
        match subject {
            Subject::Patched => engine::default_models,
            Subject::LegacyAsPatched => legacy_everywhere,
        }
    }

    /// Both eras' references after `ops`.
    pub fn references<'a>(&self, ops: impl IntoIterator<Item = &'a Op>) -> ByEra<Reference> {
        let mut refs = ByEra {
            legacy: Reference::new(&self.world, Era::Legacy),
            patched: Reference::new(&self.world, Era::Patched),
        };
        for op in ops {
            Self::advance(&mut refs, op);
        }
        refs
    }

    /// Steps both references by `op`.
    pub fn advance(refs: &mut ByEra<Reference>, op: &Op) {
        let _ = refs.legacy.apply(op);
        let _ = refs.patched.apply(op);
    }

    /// Replays `prefix` (which passed every check) and steps `op`, checking it.
    pub fn probe(&self, prefix: &[&Op], op: &Op) -> Probe {
        match self.checks {
            Checks::Lockstep { subject } => {
                let mut lockstep = Lockstep::new(&self.world, &Self::factory(subject));
                for earlier in prefix {
                    lockstep.step(earlier);
                }
                let step = lockstep.step(op);
                Probe {
                    finding: step.failures.first().cloned().map(|failure| Finding::Failure { failure }),
                    loophole: step.divergence == Some(Divergence::Loophole),
                }
            }
            Checks::Canary => {
                let ops: Vec<Op> = prefix.iter().map(|o| (*o).clone()).chain(std::iter::once(op.clone())).collect();
                let run = Run { world: self.config, ops };
                let finding = first_legacy_breach(&run).map(|(step, breach)| Finding::LegacyBreach { step, breach });
                Probe { finding, loophole: false }
            }
        }
    }

    /// The verdict a case file of `run` expects, as `minimize` computes it:
    /// with the implementation in the patched seat that the search used.
    pub fn expected(&self, run: &Run) -> Expected {
        let subject = match self.checks {
            Checks::Lockstep { subject } => subject,
            Checks::Canary => Subject::Patched,
        };
        Expected::of(&engine::run_with(run, &Self::factory(subject)))
    }
}
