//! The lockstep runner: one run through the reference (both eras), the
//! legacy model and the patched model, step by step, checking D-1..D-4 and
//! INV-1..3 after every step (SPEC "The differential oracle").
//!
//! D-4 is checked two ways. First, by counterfactual: a *shadow* patched
//! model runs the same operations except that every valid `AddedByPhone`
//! setting is replaced by Everybody. SPEC S15 makes the eras differ only in
//! honouring that setting, so the shadow must answer exactly as legacy does;
//! any difference is a divergence with another cause. Second, by history:
//! the first step at which legacy and patched answer differently must be the
//! loophole itself (an import or resolve where legacy shows a link that
//! patched withholds because the owner's `AddedByPhone` refuses the viewer);
//! later differences are its consequences (contacts that exist only in
//! legacy change `is_contact`, `AddContact` and contact-based rules).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::models::implementation::{Model, ModelFactory};
use crate::models::reference::Reference;
use crate::models::server::{LegacyServer, PatchedServer};
use crate::oracle::checks::{existence_oracle, wrong_number, Breach, Knowledge};
use crate::oracle::failure::Failure;
use crate::world::privacy::{self, PrivacyKey};
use crate::world::response::{links_shown, Link, Outcome};
use crate::world::Era;
use crate::world::{Op, Run, World};

/// A value per era.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct ByEra<T> {
    /// The legacy side.
    pub legacy: T,
    /// The patched side.
    pub patched: T,
}

/// How a step where legacy and patched answered differently is explained.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Divergence {
    /// The loophole itself: legacy matched a number whose owner's
    /// `AddedByPhone` refuses the viewer; patched did not.
    Loophole,
    /// A consequence of an earlier loophole match (contacts that only
    /// legacy created).
    LoopholeConsequence,
}

/// One step of a trace.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct StepTrace {
    /// Position in the run, from 0.
    pub index: usize,
    /// The operation.
    pub op: Op,
    /// What the reference of each era answered.
    pub reference: ByEra<Outcome>,
    /// What each model under test answered.
    pub model: ByEra<Outcome>,
    /// Links about other users each model taught the actor at this step (S17).
    pub learned: ByEra<Vec<Link>>,
    /// Links the legacy model taught against INV-1: the loophole finding.
    pub legacy_breaches: Vec<Breach>,
    /// Why legacy and patched differ here, when they do and it is allowed.
    pub divergence: Option<Divergence>,
    /// Every rule broken at this step, most specific first.
    pub failures: Vec<Failure>,
}

/// The outcome class of a run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// No rule of D-1..D-4 broke. Legacy may still have leaked: that is
    /// the expected, reported finding.
    Pass {
        /// Steps run.
        steps: usize,
        /// INV-1 breaches by the legacy model (the loophole), counted.
        legacy_breaches: usize,
        /// Steps where the loophole itself made the eras differ.
        loophole_steps: usize,
    },
    /// A rule broke; the run stopped at that step.
    Fail {
        /// The most specific failure of the failing step.
        failure: Failure,
    },
}

/// A whole run's record: every step and the verdict.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The steps run (up to and including a failing one).
    pub steps: Vec<StepTrace>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The default models under test.
pub fn default_models(world: &World, era: Era) -> Box<dyn Model> {
    match era {
        Era::Legacy => Box::new(LegacyServer::new(world)),
        Era::Patched => Box::new(PatchedServer::new(world)),
    }
}

/// Runs `run` through the default models and checks it.
pub fn run(run: &Run) -> Trace {
    run_with(run, &default_models)
}

/// Runs `run` through models built by `factory` and checks it.
pub fn run_with(run: &Run, factory: &ModelFactory) -> Trace {
    let world = World::from_config(&run.world);
    let mut lockstep = Lockstep::new(&world, factory);
    let mut steps = Vec::with_capacity(run.ops.len());
    for op in &run.ops {
        let step = lockstep.step(op);
        let failed = step.failures.first().cloned();
        steps.push(step);
        if let Some(failure) = failed {
            return Trace { steps, verdict: Verdict::Fail { failure } };
        }
    }
    let verdict = Verdict::Pass {
        steps: steps.len(),
        legacy_breaches: lockstep.legacy_breaches,
        loophole_steps: lockstep.loophole_steps,
    };
    Trace { steps, verdict }
}

/// The state of a run in progress: four worlds in lockstep plus what each
/// model's viewers have learned.
pub struct Lockstep {
    world: World,
    reference: ByEra<Reference>,
    models: ByEra<Box<dyn Model>>,
    shadow: Box<dyn Model>,
    knowledge: ByEra<Knowledge>,
    next_index: usize,
    legacy_breaches: usize,
    loophole_steps: usize,
}

/// The operation the shadow runs: a valid `AddedByPhone` setting becomes
/// Everybody; anything else is unchanged.
fn without_find_restriction(op: &Op) -> Cow<'_, Op> {
    match op {
        Op::SetPrivacy { user, key: PrivacyKey::AddedByPhone, rules }
            if privacy::validate(PrivacyKey::AddedByPhone, rules).is_ok() =>
        {
            Cow::Owned(Op::SetPrivacy { user: *user, key: PrivacyKey::AddedByPhone, rules: privacy::everybody() })
        }
        other => Cow::Borrowed(other),
    }
}

impl Lockstep {
    /// A fresh run over `world`, with models built by `factory`.
    pub fn new(world: &World, factory: &ModelFactory) -> Lockstep {
        Lockstep {
            world: world.clone(),
            reference: ByEra {
                legacy: Reference::new(world, Era::Legacy),
                patched: Reference::new(world, Era::Patched),
            },
            models: ByEra { legacy: factory(world, Era::Legacy), patched: factory(world, Era::Patched) },
            shadow: factory(world, Era::Patched),
            knowledge: ByEra::default(),
            next_index: 0,
            legacy_breaches: 0,
            loophole_steps: 0,
        }
    }

    /// Executes one operation on every side and checks every rule.
    pub fn step(&mut self, op: &Op) -> StepTrace {
        let index = self.next_index;
        self.next_index += 1;
        let reference = ByEra { legacy: self.reference.legacy.apply(op), patched: self.reference.patched.apply(op) };
        let model = ByEra { legacy: self.models.legacy.apply(op), patched: self.models.patched.apply(op) };
        let shadow = self.shadow.apply(&without_find_restriction(op));

        let viewer = op.actor();
        let learn_p = self.knowledge.patched.observe(&self.reference.patched, op, &model.patched);
        let learn_l = self.knowledge.legacy.observe(&self.reference.legacy, op, &model.legacy);
        self.legacy_breaches += learn_l.breaches.len();

        let mut failures = Vec::new();
        // D-3 / INV-2.
        if let Some(link) = wrong_number(&self.world, op, &model.patched) {
            let true_phone = self.world.phone_of(link.user);
            failures.push(Failure::WrongNumber {
                step: index,
                op: op.clone(),
                model: Era::Patched,
                viewer,
                link,
                true_phone,
            });
        }
        // D-1.
        if model.patched != reference.patched {
            failures.push(self.d1_failure(index, op, &reference.patched, &model.patched));
        }
        // D-3 / INV-1, INV-3.
        if let Some(b) = learn_p.breaches.first() {
            failures.push(Failure::PatchedBreach { step: index, op: op.clone(), viewer, link: b.link });
        }
        if let Some(why) = existence_oracle(&self.world, op, &model.patched) {
            failures.push(Failure::ExistenceOracle { step: index, op: op.clone(), why, actual: model.patched.clone() });
        }
        // D-2.
        if model.legacy != reference.legacy {
            failures.push(Failure::LegacyDisagrees {
                step: index,
                op: op.clone(),
                expected: reference.legacy.clone(),
                actual: model.legacy.clone(),
            });
        }
        // D-4.
        let (divergence, unexplained) = self.d4(op, &model, &shadow);
        if let Some(why) = unexplained {
            failures.push(Failure::UnexplainedDivergence {
                step: index,
                op: op.clone(),
                why,
                legacy: model.legacy.clone(),
                patched: model.patched.clone(),
            });
        }
        failures.sort_by_key(|f| f.kind());

        StepTrace {
            index,
            op: op.clone(),
            reference,
            learned: ByEra { legacy: learn_l.learned, patched: learn_p.learned },
            model,
            legacy_breaches: learn_l.breaches,
            divergence,
            failures,
        }
    }

    /// Classifies a D-1 difference: a leak, a hidden number, or another
    /// disagreement.
    fn d1_failure(&self, step: usize, op: &Op, expected: &Outcome, actual: &Outcome) -> Failure {
        let viewer = op.actor();
        let shown =
            |o: &Outcome| -> Vec<Link> { links_shown(op, o).into_iter().filter(|l| l.user != viewer).collect() };
        let (want, got) = (shown(expected), shown(actual));
        let (expected, actual, op) = (expected.clone(), actual.clone(), op.clone());
        if let Some(link) = got.iter().find(|l| !want.contains(l)).copied() {
            Failure::PatchedLeak { step, op, viewer, link, expected, actual }
        } else if let Some(link) = want.iter().find(|l| !got.contains(l)).copied() {
            Failure::PatchedHides { step, op, viewer, link, expected, actual }
        } else {
            Failure::PatchedDisagrees { step, op, expected, actual }
        }
    }

    /// D-4: explains a legacy/patched difference or says why it cannot be.
    fn d4(&mut self, op: &Op, model: &ByEra<Outcome>, shadow: &Outcome) -> (Option<Divergence>, Option<String>) {
        if *shadow != model.legacy {
            let why = format!(
                "with every \"find me\" setting at Everybody the patched model answers {}, not as legacy does",
                crate::world::response::OutcomeDisplay(shadow)
            );
            return (None, Some(why));
        }
        if model.legacy == model.patched {
            return (None, None);
        }
        let viewer = op.actor();
        let patched_links = links_shown(op, &model.patched);
        let direct = links_shown(op, &model.legacy).into_iter().any(|l| {
            l.user != viewer
                && op.supplies(l.phone)
                && !patched_links.contains(&l)
                && !self.reference.patched.allows(l.user, PrivacyKey::AddedByPhone, viewer)
        });
        if direct {
            self.loophole_steps += 1;
            (Some(Divergence::Loophole), None)
        } else if self.loophole_steps > 0 {
            (Some(Divergence::LoopholeConsequence), None)
        } else {
            let why = "legacy and patched differ before any loophole match could explain it".to_string();
            (None, Some(why))
        }
    }
}
