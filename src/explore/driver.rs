//! The explorer's one contact with the engine: every call into
//! [`crate::oracle`] and the implementations under test is in this module,
//! so that a change of the engine's interface is adapted here alone.
//!
//! A state is an engine between two steps: both references, every
//! implementation, every judge and D-4's ties. Expanding a state replays
//! its path once into a per-worker base engine, then for each operation of
//! the alphabet forks the base into a scratch engine
//! ([`Engine::copy_from`], which reuses buffers) and steps that one
//! operation; a lineup with a side that cannot be copied (an external
//! process) replays the path for each child instead. Refused operations
//! are transitions like any other: the child is merged with its parent
//! only when every side's key says nothing changed.

use serde::{Deserialize, Serialize};

use crate::corpus::case::Expected;
use crate::models::external::{External, ImplSpec};
use crate::models::faults::Faults;
use crate::models::implementation::Implementation;
use crate::oracle::checks::Breach;
use crate::oracle::engine::Engine;
use crate::oracle::failure::Failure;
use crate::oracle::lineup::{Lineup, PatchedImpl};
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
    /// The lockstep engine: every check it makes (D-1..D-4, INV-1..4).
    Lockstep {
        /// The implementation in the patched seat.
        subject: Subject,
    },
    /// The canary: the first INV-1 breach of the legacy seat.
    Canary,
}

/// What a transition broke.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The engine reported a failure (the most specific of the step).
    Failure {
        /// The failure (boxed: it is much larger than the other variant).
        failure: Box<Failure>,
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

/// An external implementation for the patched seat: how to start it and
/// how long to wait for each answer.
#[derive(Debug, Clone)]
pub struct ExternalSeat {
    /// Its name and command (`--impl NAME=COMMAND`).
    pub spec: ImplSpec,
    /// The per-answer time limit.
    pub timeout: std::time::Duration,
}

/// A worker's reusable machinery: the parent's engine and the child's.
pub struct Worker {
    base: Engine,
    scratch: Engine,
    /// Whether `scratch` can be forked from `base` (every side copies).
    forkable: bool,
    /// Key buffers, reused.
    pub(crate) words: Vec<u64>,
    pub(crate) best: Vec<u64>,
}

impl Worker {
    /// Replays `prefix` into the base engine: the parent state.
    pub fn enter(&mut self, world: &World, prefix: &[&Op]) {
        self.base.reset(world);
        for op in prefix {
            self.base.step(op);
        }
    }

    /// The child of the parent state by `op`: forked from the base engine
    /// (or, for a lineup that cannot fork, replayed from the root).
    pub fn child(&mut self, world: &World, prefix: &[&Op], op: &Op) -> &mut Engine {
        if !(self.forkable && self.scratch.copy_from(&self.base)) {
            self.scratch.reset(world);
            for earlier in prefix {
                self.scratch.step(earlier);
            }
        }
        self.scratch.step(op);
        &mut self.scratch
    }

    /// The engine the last [`Worker::child`] left.
    pub fn scratch(&mut self) -> &mut Engine {
        &mut self.scratch
    }
}

/// Runs operations through the engine for the explorer.
#[derive(Debug, Clone)]
pub struct Driver {
    world: World,
    checks: Checks,
    faults: Faults,
    external: Option<ExternalSeat>,
}

impl Driver {
    /// A driver over the world `config` describes, with the built-in
    /// lineup `checks` names and no fault.
    pub fn new(config: WorldConfig, checks: Checks) -> Driver {
        Driver { world: World::from_config(&config), checks, faults: Faults::NONE, external: None }
    }

    /// The same driver with `faults` planted in its lineup.
    pub fn with_faults(mut self, faults: Faults) -> Driver {
        self.faults = faults;
        self
    }

    /// The same driver with `external` in the patched seat.
    pub fn with_external(mut self, external: Option<ExternalSeat>) -> Driver {
        self.external = external;
        self
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The lineup's name for the patched seat.
    pub fn subject_name(&self) -> String {
        match (&self.external, self.checks) {
            (Some(e), _) => e.spec.name.clone(),
            (None, Checks::Lockstep { subject: Subject::LegacyAsPatched }) => "legacy".to_string(),
            (None, _) => "patched".to_string(),
        }
    }

    fn lineup(&self) -> Lineup {
        let patched = match self.checks {
            Checks::Lockstep { subject: Subject::LegacyAsPatched } => PatchedImpl::Legacy,
            Checks::Lockstep { subject: Subject::Patched } | Checks::Canary => PatchedImpl::Patched,
        };
        Lineup { patched, faults: self.faults }
    }

    /// A fresh engine of this driver's lineup; an external implementation
    /// is started here (one process per engine).
    pub fn engine(&self) -> Result<Engine, String> {
        let lineup = self.lineup();
        match &self.external {
            None => Ok(lineup.engine()),
            Some(seat) => {
                let ext = External::start(seat.spec.clone(), seat.timeout).map_err(|e| e.to_string())?;
                if ext.era() != Era::Patched {
                    return Err(format!(
                        "implementation {} announces the {} era; explore seats it as patched",
                        ext.name(),
                        ext.era()
                    ));
                }
                Ok(lineup.engine_with(Box::new(ext)))
            }
        }
    }

    /// A worker for expansions (one per thread).
    pub fn worker(&self) -> Result<Worker, String> {
        let mut base = self.engine()?;
        let mut scratch = self.engine()?;
        base.reset(&self.world);
        scratch.reset(&self.world);
        let forkable = scratch.copy_from(&base);
        scratch.reset(&self.world);
        Ok(Worker { base, scratch, forkable, words: Vec::with_capacity(512), best: Vec::with_capacity(512) })
    }

    /// Whether this lineup's states are forked rather than replayed.
    pub fn forks(&self) -> Result<bool, String> {
        Ok(self.worker()?.forkable)
    }

    /// What the last step of `engine` (step `step`, from 0) broke.
    pub fn finding(&self, engine: &Engine, step: usize) -> Option<Finding> {
        match self.checks {
            Checks::Lockstep { .. } => {
                engine.failures().first().cloned().map(|failure| Finding::Failure { failure: Box::new(failure) })
            }
            Checks::Canary => engine.legacy_breaches().first().map(|b| Finding::LegacyBreach { step, breach: *b }),
        }
    }

    /// The verdict a case file of `run` expects, as `minimize` computes it:
    /// with the lineup the search used.
    pub fn expected(&self, run: &Run) -> Result<Expected, String> {
        Ok(Expected::of(&self.engine()?.trace(run)))
    }
}
