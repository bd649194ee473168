//! The lockstep engine: one run through a reference per era and any number
//! of named implementations, step by step, with every check of SPEC's
//! differential oracle after every step (D-1..D-4, INV-1..4; see
//! `docs/SPEC.md`).
//!
//! Running and judging are separate. [`Engine::step`] runs one operation on
//! every side, then the checks consume the answers and the judge's books,
//! and the step's findings stay in the engine until the next step. The fuzz
//! path ([`Engine::verdict`]) keeps nothing else; a full [`Trace`] is built
//! only when replaying or minimising ([`Engine::trace`]). Implementations
//! are reset, not rebuilt, between runs, and write their answers into
//! outcome slots the engine keeps, so a warm engine allocates almost
//! nothing per run beyond what decoding did.
//!
//! D-4 is checked as SPEC words it, with the judge's books of the patched
//! implementation: a difference is a direct loophole step, or concerns a
//! pair tied by an earlier one, or fails. The first design also ran a
//! *shadow* patched model with every "find me" setting at Everybody; with
//! the precise D-4 it is redundant (any difference it could see is one the
//! pair check fails), so it is gone from the hot path.

use serde::{Deserialize, Serialize};

use crate::models::implementation::{Implementation, TransportError};
use crate::oracle::checks::{self, Breach, Difference, Explained, Tied};
use crate::oracle::failure::{reference_rule, Detail, Failure};
use crate::oracle::fields;
use crate::oracle::judge::Judge;
use crate::world::response::Slot;
use crate::world::{Era, Link, Op, Outcome, Run, SpecId, World};

/// A value per era.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq, Default)]
pub struct ByEra<T> {
    /// The legacy side.
    pub legacy: T,
    /// The patched side.
    pub patched: T,
}

impl<T: Clone> Clone for ByEra<T> {
    fn clone(&self) -> Self {
        ByEra { legacy: self.legacy.clone(), patched: self.patched.clone() }
    }

    /// Side by side, so that each side can reuse its own buffers.
    fn clone_from(&mut self, source: &Self) {
        self.legacy.clone_from(&source.legacy);
        self.patched.clone_from(&source.patched);
    }
}

impl<T> ByEra<T> {
    /// The side of `era`.
    pub fn get(&self, era: Era) -> &T {
        match era {
            Era::Legacy => &self.legacy,
            Era::Patched => &self.patched,
        }
    }

    /// The side of `era`, mutably.
    pub fn get_mut(&mut self, era: Era) -> &mut T {
        match era {
            Era::Legacy => &mut self.legacy,
            Era::Patched => &mut self.patched,
        }
    }
}

/// How a step where legacy and patched answered differently is explained.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Divergence {
    /// The loophole itself: legacy matched a number whose owner's
    /// `AddedByPhone` refuses the viewer; patched did not.
    Loophole,
    /// A consequence of an earlier loophole match, for a tied pair.
    LoopholeConsequence,
}

/// What an implementation offers `explore` to tell its states apart.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StateKeyKind {
    /// An encoding of its whole state under user renaming: states merge
    /// exactly, symmetry may apply.
    Renamable,
    /// An opaque digest of its state: states merge exactly, no symmetry.
    Digest,
    /// Nothing: its states are never merged (every path is its own state).
    None,
}

/// What one implementation did at one step of a trace.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ImplStep {
    /// The implementation's name.
    pub name: String,
    /// The era whose rules it follows.
    pub era: Era,
    /// Whether it answered at all: false after a transport error (a crash,
    /// a hang, garbage), when `outcome` is not an answer of this step.
    pub answered: bool,
    /// What it answered.
    pub outcome: Outcome,
    /// Links about other users it taught the actor at this step (S17).
    pub learned: Vec<Link>,
    /// How its state after this step departs from its era's reference's,
    /// where both can say ([`Implementation::spec_state`]): the first
    /// cause of a bug that changes state before any answer shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::models::spec_state::StateDeparture>,
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
    /// What each implementation answered, in lineup order.
    pub implementations: Vec<ImplStep>,
    /// Links legacy implementations taught against INV-1: the loophole finding.
    pub legacy_breaches: Vec<Breach>,
    /// Why legacy and patched differ here, when they do and it is allowed.
    pub divergence: Option<Divergence>,
    /// Every rule broken at this step, most specific first.
    pub failures: Vec<Failure>,
}

impl StepTrace {
    /// What the implementation called `name` answered.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.implementations.iter().find(|i| i.name == name).map(|i| &i.outcome)
    }

    /// What the first implementation in `era`'s seat answered: the seat by
    /// its role, whatever name the implementation gives (an external
    /// implementation in the patched seat is not called "patched").
    pub fn seat_outcome(&self, era: Era) -> Option<&Outcome> {
        self.implementations.iter().find(|i| i.era == era).map(|i| &i.outcome)
    }

    /// What the implementation called `name` taught the actor.
    pub fn learned(&self, name: &str) -> &[Link] {
        self.implementations.iter().find(|i| i.name == name).map_or(&[], |i| &i.learned)
    }
}

/// Counts of the loophole finding over a run.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// INV-1 breaches by legacy implementations: events (a link learned
    /// against INV-1 counts once, at the step it is first learned).
    pub legacy_breaches: usize,
    /// Steps where the loophole itself made the eras differ.
    pub loophole_steps: usize,
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
        /// INV-1 breaches by the legacy implementation (the loophole).
        legacy_breaches: usize,
        /// Steps where the loophole itself made the eras differ.
        loophole_steps: usize,
    },
    /// A rule broke; the run stopped at that step.
    Fail {
        /// The most specific failure of the failing step.
        failure: Box<Failure>,
        /// The loophole finding up to and including that step: a failing
        /// verdict keeps what legacy leaked.
        legacy_breaches: usize,
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

/// One implementation in its seat, with the judge's books of its world.
struct Seat {
    imp: Box<dyn Implementation>,
    name: String,
    era: Era,
    slot: Slot,
    judge: Judge,
    /// D-4 pairs tied by loophole steps against the first legacy seat.
    tied: Tied,
    learned: Vec<Link>,
    breaches: Vec<Breach>,
    /// A reset that failed, reported at the run's first step.
    pending: Option<TransportError>,
    /// Whether it answered the current step.
    answered: bool,
}

/// The lockstep engine. Build it once with [`Engine::new`] (or
/// [`Engine::standard`]); it resets itself for every run.
pub struct Engine {
    world: World,
    references: ByEra<Box<dyn Implementation>>,
    reference_out: ByEra<Slot>,
    seats: Vec<Seat>,
    /// The first legacy seat: the one D-4 compares with, and the one whose
    /// leaks the loophole finding counts.
    first_legacy: Option<usize>,
    index: usize,
    tally: Tally,
    divergence: Option<Divergence>,
    failures: Vec<Failure>,
}

impl Engine {
    /// An engine for `references` (one per era) and the implementations
    /// under test, in lineup order. Each implementation is seated in the
    /// era it says it follows, under the name it gives.
    pub fn new(references: ByEra<Box<dyn Implementation>>, implementations: Vec<Box<dyn Implementation>>) -> Engine {
        let seats: Vec<Seat> = implementations
            .into_iter()
            .map(|imp| Seat {
                name: imp.name().to_string(),
                era: imp.era(),
                imp,
                slot: Slot::default(),
                judge: Judge::default(),
                tied: Tied::default(),
                learned: Vec::new(),
                breaches: Vec::new(),
                pending: None,
                answered: false,
            })
            .collect();
        Engine {
            world: World { phones: Vec::new(), groups: 0, unowned: Vec::new() },
            references,
            reference_out: ByEra::default(),
            first_legacy: seats.iter().position(|s: &Seat| s.era == Era::Legacy),
            seats,
            index: 0,
            tally: Tally::default(),
            divergence: None,
            failures: Vec::new(),
        }
    }

    /// The references of SPEC, one per era.
    pub fn standard_references() -> ByEra<Box<dyn Implementation>> {
        crate::oracle::lineup::Lineup::default().references()
    }

    /// The standard lineup: the references, the legacy server ("legacy")
    /// and the patched server ("patched"), without faults.
    pub fn standard() -> Engine {
        crate::oracle::lineup::Lineup::default().engine()
    }

    /// Starts a new run in `world` on every side. A transport error here is
    /// reported as the failure of the run's first step.
    pub fn reset(&mut self, world: &World) {
        self.world.clone_from(world);
        self.reset_sides();
    }

    /// Starts a new run in the world `config` describes, without building
    /// a new world: the fuzz path.
    pub fn reset_config(&mut self, config: &crate::world::WorldConfig) {
        self.world.set_config(config);
        self.reset_sides();
    }

    fn reset_sides(&mut self) {
        let world = &self.world;
        self.index = 0;
        self.tally = Tally::default();
        self.divergence = None;
        self.failures.clear();
        for era in [Era::Legacy, Era::Patched] {
            // The built-in references cannot fail to reset; a plugged-in one
            // that does fails at its first answer instead.
            let _ = self.references.get_mut(era).reset(world);
        }
        for seat in &mut self.seats {
            seat.judge.reset(world);
            seat.tied.clear();
            seat.learned.clear();
            seat.breaches.clear();
            seat.pending = seat.imp.reset(world).err();
        }
    }

    /// Runs `op` on every side and checks every rule. The step's findings
    /// are in [`Engine::failures`] until the next step.
    pub fn step(&mut self, op: &Op) {
        let index = self.index;
        self.index += 1;
        self.failures.clear();
        self.divergence = None;
        for era in [Era::Legacy, Era::Patched] {
            let slot = self.reference_out.get_mut(era);
            if let Err(error) = self.references.get_mut(era).apply(op, slot) {
                let name = self.references.get(era).name();
                push_failure(&mut self.failures, index, op, name, reference_rule(era), Detail::Transport { error });
            }
        }
        for seat in &mut self.seats {
            seat.learned.clear();
            seat.breaches.clear();
            let result = match seat.pending.take() {
                Some(error) => Err(error),
                None => seat.imp.apply(op, &mut seat.slot),
            };
            seat.answered = result.is_ok();
            if let Err(error) = result {
                let rule = reference_rule(seat.era);
                push_failure(&mut self.failures, index, op, &seat.name, rule, Detail::Transport { error });
            }
        }
        for seat in self.seats.iter_mut().filter(|s| s.answered) {
            judge_seat(index, op, seat, self.reference_out.get(seat.era).outcome(), &mut self.failures);
        }
        self.check_divergence(index, op);
        // The loophole finding is counted on the first legacy seat, the one
        // D-4 compares with: a second legacy implementation beside it (an
        // external one, say) must not count the same leaks twice.
        let counted = self.first_legacy;
        for (i, seat) in self.seats.iter_mut().enumerate() {
            if seat.answered {
                seat.judge.record(op, seat.slot.outcome());
            }
            if Some(i) == counted {
                self.tally.legacy_breaches += seat.breaches.len();
            }
        }
        if self.divergence == Some(Divergence::Loophole) {
            self.tally.loophole_steps += 1;
        }
        if self.failures.len() > 1 {
            self.failures.sort_by_key(|f| f.kind());
        }
    }

    /// D-4 between the first legacy seat and every patched seat.
    fn check_divergence(&mut self, index: usize, op: &Op) {
        let Some(l) = self.first_legacy else { return };
        if !self.seats[l].answered {
            return;
        }
        let (before, rest) = self.seats.split_at_mut(l);
        let (legacy, after) = rest.split_first_mut().expect("position l exists");
        for seat in before.iter_mut().chain(after.iter_mut()) {
            if seat.era != Era::Patched || !seat.answered {
                continue;
            }
            match checks::explain_divergence(
                op,
                legacy.slot.outcome(),
                seat.slot.outcome(),
                &seat.judge,
                &mut seat.tied,
                &seat.name,
            ) {
                Explained::Same => {}
                Explained::Loophole => self.divergence = Some(Divergence::Loophole),
                Explained::Consequence => {
                    if self.divergence.is_none() {
                        self.divergence = Some(Divergence::LoopholeConsequence);
                    }
                }
                Explained::Unexplained(why) => {
                    let (legacy, patched) = (legacy.slot.outcome().clone(), seat.slot.outcome().clone());
                    let detail = Detail::Divergence { why, legacy, patched };
                    push_failure(&mut self.failures, index, op, &seat.name, SpecId::D4, detail);
                }
            }
        }
    }

    /// Appends the encoding of everything this engine's future verdicts
    /// depend on, with users renamed by `perm`: both references, every
    /// implementation, every judge's books and D-4's tied pairs. False when
    /// a side has no such encoding ([`Implementation::state_words`]).
    /// `explore` keys its states on it.
    pub fn state_words(&self, perm: &[crate::world::UserId], out: &mut Vec<u64>) -> bool {
        for era in [Era::Legacy, Era::Patched] {
            if !self.references.get(era).state_words(perm, out) {
                return false;
            }
        }
        for seat in &self.seats {
            if !seat.imp.state_words(perm, out) || !seat.judge.state_words(perm, out) {
                return false;
            }
            out.push(seat.tied.renamed_bits(perm));
        }
        true
    }

    /// Appends the books' part of [`Engine::state_words`] alone (references,
    /// judges, ties under `perm`) and each implementation's opaque digest:
    /// the key of a lineup whose implementations cannot rename their state.
    /// `None` when a side has neither encoding nor digest; a side that
    /// fails to answer the digest request is a transport error.
    pub fn digest_words(&mut self, perm: &[crate::world::UserId], out: &mut Vec<u64>) -> Result<bool, TransportError> {
        for era in [Era::Legacy, Era::Patched] {
            if !self.references.get(era).state_words(perm, out) {
                return Ok(false);
            }
        }
        for seat in &mut self.seats {
            if !seat.judge.state_words(perm, out) {
                return Ok(false);
            }
            out.push(seat.tied.renamed_bits(perm));
            if !seat.imp.state_words(perm, out) {
                match seat.imp.digest()? {
                    Some(d) => out.extend_from_slice(&[d as u64, (d >> 64) as u64]),
                    None => return Ok(false),
                }
            }
        }
        Ok(true)
    }

    /// What each implementation offers `explore` to key its states: an
    /// encoding under renaming, an opaque digest, or nothing; in lineup
    /// order, with names.
    pub fn state_keys(&mut self) -> Vec<(String, StateKeyKind)> {
        let ident: Vec<crate::world::UserId> = self.world.users().collect();
        let mut scratch = Vec::new();
        self.seats
            .iter_mut()
            .map(|seat| {
                let kind = if seat.imp.state_words(&ident, &mut scratch) {
                    StateKeyKind::Renamable
                } else if matches!(seat.imp.digest(), Ok(Some(_))) {
                    StateKeyKind::Digest
                } else {
                    StateKeyKind::None
                };
                (seat.name.clone(), kind)
            })
            .collect()
    }

    /// Makes this engine's state a copy of `other`'s (the same lineup, one
    /// step boundary), reusing buffers; false if a side cannot be copied
    /// ([`Implementation::copy_state_from`]), and then this engine must be
    /// reset before it is used again. How `explore` forks a state instead
    /// of replaying its path.
    pub fn copy_from(&mut self, other: &Engine) -> bool {
        if self.seats.len() != other.seats.len() {
            return false;
        }
        self.world.clone_from(&other.world);
        self.index = other.index;
        self.tally = other.tally;
        self.divergence = None;
        self.failures.clear();
        for era in [Era::Legacy, Era::Patched] {
            if !self.references.get_mut(era).copy_state_from(other.references.get(era).as_ref()) {
                return false;
            }
        }
        for (seat, from) in self.seats.iter_mut().zip(&other.seats) {
            if !seat.imp.copy_state_from(from.imp.as_ref()) {
                return false;
            }
            seat.judge.clone_from(&from.judge);
            seat.tied.clone_from(&from.tied);
            seat.pending.clone_from(&from.pending);
        }
        true
    }

    /// The INV-1 breaches the first legacy seat committed at the last step
    /// (the loophole, as the canary looks for it).
    pub fn legacy_breaches(&self) -> &[Breach] {
        self.first_legacy.map_or(&[], |l| &self.seats[l].breaches)
    }

    /// A number that renaming users cannot change, for `user`, from the
    /// first seat's judge ([`Judge::user_signature`]); 0 with no seat.
    /// `explore` tries only the renamings that sort users by it.
    pub fn user_signature(&self, user: crate::world::UserId) -> u64 {
        self.seats.first().map_or(0, |s| s.judge.user_signature(user))
    }

    /// The failures of the last step, most specific first.
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// Runs `run` and returns its verdict alone: the fuzz path.
    pub fn verdict(&mut self, run: &Run) -> Verdict {
        self.reset_config(&run.world);
        for op in &run.ops {
            self.step(op);
            if let Some(failure) = self.failures.first() {
                return Verdict::Fail {
                    failure: Box::new(failure.clone()),
                    legacy_breaches: self.tally.legacy_breaches,
                };
            }
        }
        self.pass_verdict(run.ops.len())
    }

    /// Runs `run` on every side, both references and every implementation,
    /// with no check and no judge: the floor under [`Engine::verdict`]'s
    /// cost, which `benches/runner.rs` (`runner/implementations`) and
    /// `scripts/engine-budget.sh` measure beside it, so that what the
    /// oracle adds over the systems it runs is a difference of two figures.
    /// Nothing is judged; transport errors are ignored.
    pub fn answers_only(&mut self, run: &Run) {
        self.world.set_config(&run.world);
        for era in [Era::Legacy, Era::Patched] {
            let _ = self.references.get_mut(era).reset(&self.world);
        }
        for seat in &mut self.seats {
            let _ = seat.imp.reset(&self.world);
        }
        for op in &run.ops {
            for era in [Era::Legacy, Era::Patched] {
                let _ = self.references.get_mut(era).apply(op, self.reference_out.get_mut(era));
            }
            for seat in &mut self.seats {
                let _ = seat.imp.apply(op, &mut seat.slot);
            }
        }
    }

    fn pass_verdict(&self, steps: usize) -> Verdict {
        Verdict::Pass { steps, legacy_breaches: self.tally.legacy_breaches, loophole_steps: self.tally.loophole_steps }
    }

    /// Runs `run` in `world` (which may be larger than a fuzz world: the
    /// scale test) and records every step.
    pub fn trace_in(&mut self, world: &World, ops: &[Op]) -> Trace {
        self.reset(world);
        let mut steps = Vec::with_capacity(ops.len());
        for op in ops {
            self.step(op);
            steps.push(self.last_step(op));
            if let Some(failure) = self.failures.first() {
                let verdict =
                    Verdict::Fail { failure: Box::new(failure.clone()), legacy_breaches: self.tally.legacy_breaches };
                return Trace { steps, verdict };
            }
        }
        let verdict = self.pass_verdict(ops.len());
        Trace { steps, verdict }
    }

    /// Runs `run` and records every step: for replaying and minimising.
    pub fn trace(&mut self, run: &Run) -> Trace {
        self.trace_in(&World::from_config(&run.world), &run.ops)
    }

    /// The record of the step just run.
    fn last_step(&self, op: &Op) -> StepTrace {
        StepTrace {
            index: self.index - 1,
            op: op.clone(),
            reference: ByEra {
                legacy: self.reference_out.legacy.outcome().clone(),
                patched: self.reference_out.patched.outcome().clone(),
            },
            implementations: self
                .seats
                .iter()
                .map(|s| ImplStep {
                    name: s.name.clone(),
                    era: s.era,
                    answered: s.answered,
                    outcome: s.slot.outcome().clone(),
                    learned: s.learned.clone(),
                    state: s
                        .imp
                        .spec_state()
                        .zip(self.references.get(s.era).spec_state())
                        .and_then(|(imp, reference)| imp.departure_from(&reference)),
                })
                .collect(),
            legacy_breaches: self
                .seats
                .iter()
                .find(|s| s.era == Era::Legacy)
                .map_or(Vec::new(), |s| s.breaches.clone()),
            divergence: self.divergence,
            failures: self.failures.clone(),
        }
    }
}

/// Every per-implementation check of one step, with the judge's books as
/// they were before it: INV-2, D-1/D-2, INV-3, the preconditions, INV-4
/// (patched era), then INV-1 link by link (a breach fails a patched seat
/// and is counted for a legacy one).
fn judge_seat(index: usize, op: &Op, seat: &mut Seat, reference: &Outcome, failures: &mut Vec<Failure>) {
    let viewer = op.actor();
    let fail = |failures: &mut Vec<Failure>, rule: SpecId, detail: Detail| {
        push_failure(failures, index, op, &seat.name, rule, detail);
    };
    let out = seat.slot.outcome();
    let judge = &seat.judge;
    let start = failures.len();
    if out != reference {
        fail(failures, reference_rule(seat.era), differs(op, reference, out));
    }
    if let Some(why) = checks::existence_oracle(judge, op, out) {
        fail(failures, SpecId::Inv3, Detail::ExistenceOracle { why, actual: out.clone() });
    }
    if let Some(expected) = judge.precondition(op) {
        let agrees = match (&expected, out) {
            (Ok(()), Ok(_)) => true,
            (Err(want), Err(got)) => want == got,
            (Ok(()), Err(_)) | (Err(_), Ok(_)) => false,
        };
        if !agrees {
            fail(failures, op.spec_rule(), Detail::Precondition { expected, actual: out.clone() });
        }
    }
    if let Some(m) = fields::misread_field(judge, seat.era, op, out) {
        fail(failures, m.rule, Detail::Misanswer { field: m.field.to_string(), why: m.why, actual: out.clone() });
        if let Some(f) = failures.last_mut() {
            f.because = m.because;
        }
    }
    if seat.era == Era::Patched {
        if let Some((target, what)) = checks::over_blocking(judge, op, out) {
            fail(failures, SpecId::Inv4, Detail::OverBlocking { viewer, target, what });
        }
    }
    for f in failures[start..].iter_mut().filter(|f| f.because.is_empty()) {
        f.because = crate::oracle::cause::because(judge, seat.era, op, &f.detail);
    }
    // INV-2 (the first link to a number not the user's) and INV-1, in one
    // walk over the links shown.
    let mut wrong = None;
    let (learned, breaches) = (&mut seat.learned, &mut seat.breaches);
    let every = |judge: &Judge, link: Link| {
        if wrong.is_none() && judge.phone_of(link.user) != Some(link.phone) {
            wrong = Some(link);
        }
    };
    crate::oracle::inv1::walk_with(&mut seat.judge, op, out, every, |link, allowed| {
        learned.push(link);
        if !allowed {
            breaches.push(Breach { viewer, link });
        }
    });
    if let Some(link) = wrong {
        let true_phone = seat.judge.phone_of(link.user);
        fail(failures, SpecId::Inv2, Detail::WrongNumber { viewer, link, true_phone });
    }
    if seat.era == Era::Patched {
        if let Some(b) = seat.breaches.first() {
            let detail = Detail::Breach { viewer, link: b.link };
            push_failure(failures, index, op, &seat.name, SpecId::Inv1, detail);
            if let Some(f) = failures.last_mut() {
                f.because = crate::oracle::cause::because(&seat.judge, seat.era, op, &f.detail);
            }
        }
    }
}

/// Records a failure. Kept out of line and marked cold: a passing step, the
/// fuzz path's common case, never comes here.
#[cold]
#[inline(never)]
fn push_failure(failures: &mut Vec<Failure>, step: usize, op: &Op, name: &str, rule: SpecId, detail: Detail) {
    failures.push(Failure {
        step,
        op: op.clone(),
        implementation: name.to_string(),
        rule,
        detail,
        because: Vec::new(),
    });
}

/// D-1/D-2's detail for an answer that differs from the reference's.
#[cold]
#[inline(never)]
fn differs(op: &Op, reference: &Outcome, out: &Outcome) -> Detail {
    let (viewer, expected, actual) = (op.actor(), reference.clone(), out.clone());
    match checks::classify(op, reference, out) {
        Difference::Leak(link) => {
            let more = checks::extra_links(op, reference, out).into_iter().filter(|l| *l != link).collect();
            Detail::Leak { viewer, link, more, expected, actual }
        }
        Difference::Hides(link) => {
            let more = checks::extra_links(op, out, reference).into_iter().filter(|l| *l != link).collect();
            Detail::Hides { viewer, link, more, expected, actual }
        }
        Difference::Other => Detail::Disagrees { expected, actual },
    }
}

/// Runs `run` through the standard lineup and records every step.
pub fn run(run: &Run) -> Trace {
    Engine::standard().trace(run)
}

/// Runs `run` through the standard lineup: the verdict alone.
pub fn verdict(run: &Run) -> Verdict {
    Engine::standard().verdict(run)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;
    use crate::gen::seed::fuzz_input;

    /// How many times a side was reset, and asked an operation.
    type Counts = (Rc<Cell<usize>>, Rc<Cell<usize>>);

    /// An implementation that only counts what it is asked.
    struct Counting {
        era: Era,
        resets: Rc<Cell<usize>>,
        applies: Rc<Cell<usize>>,
    }

    impl Implementation for Counting {
        fn name(&self) -> &str {
            "counting"
        }

        fn era(&self) -> Era {
            self.era
        }

        fn reset(&mut self, _: &World) -> Result<(), TransportError> {
            self.resets.set(self.resets.get() + 1);
            Ok(())
        }

        fn apply(&mut self, _: &Op, out: &mut Slot) -> Result<(), TransportError> {
            self.applies.set(self.applies.get() + 1);
            out.set(Ok(crate::world::Response::Done));
            Ok(())
        }
    }

    /// The floor (`answers_only`) asks every side, references included,
    /// every operation of the run once, after one reset.
    #[test]
    fn answers_only_runs_every_side_on_every_operation() {
        let counters: Vec<Counts> = (0..4).map(|_| (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)))).collect();
        let side = |i: usize, era: Era| -> Box<dyn Implementation> {
            Box::new(Counting { era, resets: counters[i].0.clone(), applies: counters[i].1.clone() })
        };
        let references = ByEra { legacy: side(0, Era::Legacy), patched: side(1, Era::Patched) };
        let mut engine = Engine::new(references, vec![side(2, Era::Legacy), side(3, Era::Patched)]);
        let run = (0..).map(|n| Run::from_fuzz_bytes(&fuzz_input(7, n, 512))).find(|r| r.ops.len() > 3);
        let run = run.expect("some fuzz input decodes to a run of several operations");
        engine.answers_only(&run);
        for (i, (resets, applies)) in counters.iter().enumerate() {
            assert_eq!((resets.get(), applies.get()), (1, run.ops.len()), "side {i}");
        }
    }

    /// The benches run the floor on the same warm engine as the verdicts:
    /// doing so in between must not change any later verdict.
    #[test]
    fn answers_only_leaves_later_verdicts_unchanged() {
        let runs: Vec<Run> = (0..64).map(|n| Run::from_fuzz_bytes(&fuzz_input(11, n, 512))).collect();
        let mut fresh = Engine::standard();
        let mut shared = Engine::standard();
        for (i, run) in runs.iter().enumerate() {
            shared.answers_only(&runs[(i + 1) % runs.len()]);
            assert_eq!(shared.verdict(run), fresh.verdict(run), "run {i}");
        }
    }
}
