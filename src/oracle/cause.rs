//! A failure's first cause, before its consequence: the earliest step at
//! which an implementation departs from what SPEC requires (its answer
//! against its era's reference, or, where both can say, its state), with
//! the SPEC rules that decide that step, then the check that failed. This
//! is what a story's `cause:` line tells and what a failure's full
//! [`Signature`] is keyed on, so that one bug found through different
//! consequences, or one consequence of two bugs, is told apart.
//!
//! Which rules are named (the table is in `docs/ORACLE.md`, "Causes"):
//! - an answer that departs: the rule that decides the departing part (S15
//!   for whom an import or a resolve finds, S16 for which numbers a view
//!   shows, S4 for a join's or leave's error, the operation's own rule
//!   otherwise), the operation's rule, and, at the failing step, the
//!   judge's reasons ([`Failure::because`]: the setting's default, the rule
//!   that matched, knowledge);
//! - a state that departs while every answer agrees: the operation's rule
//!   and the rule of the part of the state ([`Part::rule`]);
//! - no departure at all (a misreading the reference shares): the rule the
//!   judge found broken, the operation's rule and the judge's reasons.

use std::collections::BTreeSet;
use std::fmt;

use crate::models::spec_state::StateDeparture;
use crate::oracle::engine::{Trace, Verdict};
use crate::oracle::failure::{CauseSignature, Detail, Failure, SeatVerdict, Signature};
use crate::oracle::judge::Judge;
use crate::world::response::OutcomeDisplay;
use crate::world::{Era, Op, Outcome, PrivacyKey, Response, SpecId};

/// The judge's reasons for what SPEC gives where a failure's detail names a
/// viewer and a target (a leak, a withheld link, over-blocking, a breach),
/// read from its books before the step. Called only when a failure is
/// recorded, never on a passing step.
#[cold]
pub fn because(judge: &Judge, era: Era, op: &Op, detail: &Detail) -> Vec<SpecId> {
    let finds = matches!(op, Op::ImportContacts { .. } | Op::ResolvePhone { .. });
    match detail {
        Detail::Leak { viewer, link, .. } | Detail::Hides { viewer, link, .. } if finds => {
            judge.why_finds(era, *viewer, link.user)
        }
        Detail::Leak { viewer, link, .. } | Detail::Hides { viewer, link, .. } => judge.why_sees(*viewer, link.user),
        Detail::OverBlocking { viewer, target, .. } if finds => {
            let mut why = vec![SpecId::S15];
            why.extend(judge.why_allows(*target, PrivacyKey::PhoneNumber, *viewer));
            why
        }
        Detail::OverBlocking { viewer, target, .. } => judge.why_sees(*viewer, *target),
        Detail::Breach { viewer, link } => {
            let mut why = vec![SpecId::S17];
            why.extend(judge.why_allows(link.user, PrivacyKey::PhoneNumber, *viewer));
            why.extend(judge.why_allows(link.user, PrivacyKey::AddedByPhone, *viewer));
            why
        }
        Detail::Transport { .. }
        | Detail::WrongNumber { .. }
        | Detail::ExistenceOracle { .. }
        | Detail::Precondition { .. }
        | Detail::Disagrees { .. }
        | Detail::Divergence { .. }
        | Detail::Misanswer { .. } => Vec::new(),
    }
}

/// What departed at the first cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Departure {
    /// An answer differs from the era's reference's (`actual` is `None`
    /// when the implementation gave no answer at all).
    Answer {
        /// The era of the first departing implementation.
        era: Era,
        /// The reference's answer.
        expected: Outcome,
        /// The implementation's, if it answered.
        actual: Option<Outcome>,
    },
    /// Every answer agrees, but the state after the step differs.
    State {
        /// The era of the first departing implementation.
        era: Era,
        /// How it differs.
        departure: StateDeparture,
    },
    /// Nothing departs from the reference: a misreading the reference
    /// shares, found by the judge alone.
    Reading,
}

/// A failing run's first cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The step of the first cause, from 0.
    pub step: usize,
    /// Its operation.
    pub op: Op,
    /// The implementations that depart there, in lineup order (empty for a
    /// shared reading).
    pub departing: Vec<String>,
    /// Whether implementations of both eras depart: a bug in code both
    /// eras share, never the loophole.
    pub both_eras: bool,
    /// What departed.
    pub departure: Departure,
    /// The SPEC rules that decide it, the most specific first, each once.
    pub rules: Vec<SpecId>,
    /// The check that failed (the consequence).
    pub failure: Failure,
}

/// The first step at which an implementation's answer departs from its
/// era's reference (or it gave none), and which implementations depart
/// there: what the report outlines.
pub fn first_difference(trace: &Trace) -> Option<(usize, Vec<String>)> {
    trace.steps.iter().find_map(|s| {
        let differing: Vec<String> = s
            .implementations
            .iter()
            .filter(|i| !i.answered || i.outcome != *s.reference.get(i.era))
            .map(|i| i.name.clone())
            .collect();
        (!differing.is_empty()).then_some((s.index, differing))
    })
}

/// The first cause of a failing trace; `None` for a passing one.
pub fn first_cause(trace: &Trace) -> Option<Cause> {
    let Verdict::Fail { failure, .. } = &trace.verdict else { return None };
    let failure = (**failure).clone();
    for step in &trace.steps {
        let answers: Vec<_> =
            step.implementations.iter().filter(|i| !i.answered || i.outcome != *step.reference.get(i.era)).collect();
        let departing = if answers.is_empty() {
            step.implementations.iter().filter(|i| i.state.is_some()).collect()
        } else {
            answers.clone()
        };
        let Some(first) = departing.first() else { continue };
        let eras: BTreeSet<Era> = departing.iter().map(|i| i.era).collect();
        let expected = step.reference.get(first.era);
        let mut rules = Vec::new();
        let departure = if answers.is_empty() {
            let departure = first.state.clone().expect("a departing state");
            rules.extend([step.op.spec_rule(), departure.part.rule()]);
            rules.extend(origins(trace, step.index, first.era, &departure));
            Departure::State { era: first.era, departure }
        } else {
            let actual = first.answered.then(|| first.outcome.clone());
            rules.push(actual.as_ref().map_or(step.op.spec_rule(), |a| deciding_rule(&step.op, expected, a)));
            rules.push(step.op.spec_rule());
            if step.index == failure.step && departing.iter().any(|i| i.name == failure.implementation) {
                rules.extend(failure.because.iter().copied());
            }
            Departure::Answer { era: first.era, expected: expected.clone(), actual }
        };
        return Some(Cause {
            step: step.index,
            op: step.op.clone(),
            departing: departing.iter().map(|i| i.name.clone()).collect(),
            both_eras: eras.len() > 1,
            departure,
            rules: dedup(rules),
            failure,
        });
    }
    // A misreading the reference shares: the judge's check names the rule
    // it read (a field's rule, a precondition's), then its reasons.
    let mut rules: Vec<SpecId> = Vec::new();
    if failure.rule.as_str().starts_with('S') {
        rules.push(failure.rule);
    }
    rules.push(failure.op.spec_rule());
    rules.extend(failure.because.iter().copied());
    Some(Cause {
        step: failure.step,
        op: failure.op.clone(),
        departing: Vec::new(),
        both_eras: false,
        departure: Departure::Reading,
        rules: dedup(rules),
        failure,
    })
}

/// The rules of the operations that wrote the facts a departing state
/// differs in: for each user (and key) whose facts differ, the last
/// operation up to `upto` that writes that part of their state and that the
/// `era` reference carried out (a refused call writes nothing). A missing
/// exception is so traced to the `AddContact` (S11) that made it, a missing
/// setting to its `SetPrivacy` (S13).
fn origins(trace: &Trace, upto: usize, era: Era, departure: &StateDeparture) -> Vec<SpecId> {
    use crate::models::spec_state::Part;
    let writes = |op: &Op, user: crate::world::UserId, key: Option<PrivacyKey>| match (departure.part, op) {
        (Part::Settings, Op::SetPrivacy { user: u, key: k, .. }) => *u == user && key == Some(*k),
        (Part::Settings, Op::AddContact { owner, share_phone, .. }) => {
            *share_phone && *owner == user && key == Some(PrivacyKey::PhoneNumber)
        }
        (Part::Contacts | Part::Saved, Op::ImportContacts { owner, .. })
        | (Part::Contacts | Part::Saved, Op::AddContact { owner, .. })
        | (Part::Contacts | Part::Saved, Op::DeleteContact { owner, .. })
        | (Part::Unmatched, Op::ImportContacts { owner, .. }) => *owner == user,
        (Part::Knowledge, Op::ImportContacts { .. } | Op::ResolvePhone { .. })
        | (Part::Knowledge, Op::QueryMember { .. } | Op::ListMembers { .. }) => op.actor() == user,
        (Part::Members, Op::JoinGroup { user: u, .. } | Op::LeaveGroup { user: u, .. }) => *u == user,
        (
            Part::Settings | Part::Contacts | Part::Saved | Part::Unmatched | Part::Knowledge | Part::Members,
            Op::JoinGroup { .. }
            | Op::LeaveGroup { .. }
            | Op::ImportContacts { .. }
            | Op::AddContact { .. }
            | Op::DeleteContact { .. }
            | Op::SetPrivacy { .. }
            | Op::QueryMember { .. }
            | Op::ListMembers { .. }
            | Op::ResolvePhone { .. },
        ) => false,
    };
    departure
        .whose
        .iter()
        .filter_map(|(user, key)| {
            trace.steps[..=upto]
                .iter()
                .rev()
                .find(|s| s.reference.get(era).is_ok() && writes(&s.op, *user, *key))
                .map(|s| s.op.spec_rule())
        })
        .collect()
}

fn dedup(rules: Vec<SpecId>) -> Vec<SpecId> {
    let mut out: Vec<SpecId> = Vec::with_capacity(rules.len());
    for r in rules {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The SPEC rule that decides the part of `op`'s answer where `actual`
/// departs from `expected`: who an import matches and whom a resolve finds
/// is the find rule (S15), which numbers a member view shows is S16, a
/// join's or leave's error S4 (S9 gives them to it), an answer of another
/// shape (an error where the reference answers, or the reverse) the
/// operation's own rule.
fn deciding_rule(op: &Op, expected: &Outcome, actual: &Outcome) -> SpecId {
    match (op, expected, actual) {
        (
            Op::ImportContacts { .. },
            Ok(Response::Imported { matched: a, .. }),
            Ok(Response::Imported { matched: b, .. }),
        ) if a.iter().map(|m| m.user).collect::<Vec<_>>() != b.iter().map(|m| m.user).collect::<Vec<_>>() => {
            SpecId::S15
        }
        (Op::ResolvePhone { .. }, _, _) => SpecId::S15,
        (Op::QueryMember { .. } | Op::ListMembers { .. }, Ok(_), Ok(_)) => SpecId::S16,
        (Op::JoinGroup { .. } | Op::LeaveGroup { .. }, _, _) if expected.is_err() != actual.is_err() => SpecId::S4,
        (
            Op::JoinGroup { .. }
            | Op::LeaveGroup { .. }
            | Op::ImportContacts { .. }
            | Op::AddContact { .. }
            | Op::DeleteContact { .. }
            | Op::SetPrivacy { .. }
            | Op::QueryMember { .. }
            | Op::ListMembers { .. },
            _,
            _,
        ) => op.spec_rule(),
    }
}

/// The cause line of a story: "cause: step 2, alice deletes bob [S12, S3]:
/// patched answered as its reference does, but ...; then ...".
impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failure = &self.failure;
        let consequence =
            format!("{} ({}) at step {} in {}", failure.kind(), failure.rule, failure.step, failure.implementation);
        let rules: Vec<&str> = self.rules.iter().map(|r| r.as_str()).collect();
        write!(f, "cause: step {}, {} [{}]: ", self.step, self.op, rules.join(", "))?;
        let subject = if self.both_eras {
            format!("legacy and patched both ({})", self.departing.join(", "))
        } else {
            self.departing.join(", ")
        };
        let then = if self.step == failure.step { "so" } else { "then" };
        match &self.departure {
            Departure::Answer { era, expected, actual: Some(actual) } => write!(
                f,
                "{subject} answered {} where the {era} reference answers {}; {then} {consequence}",
                OutcomeDisplay(actual),
                OutcomeDisplay(expected)
            ),
            Departure::Answer { actual: None, .. } => write!(f, "{subject} gave no answer; {then} {consequence}"),
            Departure::State { era, departure } => write!(
                f,
                "{subject} answered as the {era} reference does, but {departure}; {then} {consequence}"
            ),
            Departure::Reading => write!(
                f,
                "no answer departs from its reference (a reading the reference shares); the judge's own reading of SPEC finds {consequence}"
            ),
        }
    }
}

impl Trace {
    /// The failure's full signature, its first cause included; `None` for
    /// a passing trace. What minimisation keeps, case files record and
    /// crashes are grouped by.
    pub fn signature(&self) -> Option<Signature> {
        let cause = first_cause(self)?;
        let mut sig = cause.failure.signature();
        let last = self.steps.last()?;
        let fails = |era: Era| {
            let failing = last
                .failures
                .iter()
                .any(|f| last.implementations.iter().any(|i| i.era == era && i.name == f.implementation));
            if failing {
                SeatVerdict::Fail
            } else {
                SeatVerdict::Pass
            }
        };
        let mut departing = cause.departing.clone();
        departing.sort();
        sig.cause = Some(CauseSignature {
            op: cause.op.kind(),
            rule: cause.rules[0],
            part: match &cause.departure {
                Departure::State { departure, .. } => Some(departure.part),
                Departure::Answer { .. } | Departure::Reading => None,
            },
            departing,
            legacy: fails(Era::Legacy),
            patched: fails(Era::Patched),
        });
        Some(sig)
    }
}
