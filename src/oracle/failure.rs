//! Why a run fails: which implementation broke which rule, at which step,
//! doing what (SPEC D-1..D-4, INV-1..4; `docs/SPEC.md`).
//!
//! A failure names the implementation by the name it was given ("legacy",
//! "patched", "sqlite", ...), so a third implementation needs no new kinds.
//! Its [`Signature`] (kind, rule, operation, implementation) is what makes
//! two failures "the same bug": `minimize` keeps it, case files record it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::models::implementation::TransportError;
use crate::world::response::OutcomeDisplay;
use crate::world::{Era, ErrorCode, Link, Op, Outcome, Phone, SpecId, UserId};

/// The kinds of failure, in the order the engine reports them when several
/// happen at one step: the most specific first.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The implementation could not answer at all (crash, hang, garbage).
    Transport,
    /// INV-2: a user shown with a number that is not theirs.
    WrongNumber,
    /// D-1/D-2: a link the implementation shows and its era's reference
    /// does not.
    #[serde(alias = "patched_leak")]
    Leak,
    /// D-1/D-2: a link the reference shows and the implementation withholds.
    #[serde(alias = "patched_hides")]
    Hides,
    /// INV-1 (D-3): a viewer learned a hidden number, by the judge's reading.
    #[serde(alias = "patched_breach")]
    Breach,
    /// INV-4 (D-3): a number withheld, or a match refused, though the
    /// owner's `PhoneNumber` allows the viewer.
    OverBlocking,
    /// INV-3 (D-3): a refused lookup told apart from an unregistered number.
    ExistenceOracle,
    /// S4/S8/S11/S14: an operation succeeded that SPEC's preconditions say
    /// must fail, or the other way round, by the judge's reading.
    Precondition,
    /// D-1/D-2: any other difference from the era's reference.
    #[serde(alias = "patched_disagrees", alias = "legacy_disagrees")]
    Disagrees,
    /// D-4: legacy and patched differ by something other than the loophole.
    #[serde(alias = "unexplained_divergence")]
    Divergence,
    /// S10, S14-S16: a field of the answer (a member view's user,
    /// `is_contact` or number, a member list, an import's entries and their
    /// order, a resolve's answer, a `Done`) is not what the judge's own
    /// reading of SPEC gives, whatever the reference says: how a misreading
    /// that the reference shares is caught field by field.
    Misanswer,
}

impl FailureKind {
    /// Every kind, in reporting priority.
    pub const ALL: [FailureKind; 11] = [
        FailureKind::Transport,
        FailureKind::WrongNumber,
        FailureKind::Leak,
        FailureKind::Hides,
        FailureKind::Breach,
        FailureKind::OverBlocking,
        FailureKind::ExistenceOracle,
        FailureKind::Precondition,
        FailureKind::Disagrees,
        FailureKind::Divergence,
        FailureKind::Misanswer,
    ];

    /// The kind's stable name, as in case files (`leak`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Transport => "transport",
            FailureKind::WrongNumber => "wrong_number",
            FailureKind::Leak => "leak",
            FailureKind::Hides => "hides",
            FailureKind::Breach => "breach",
            FailureKind::OverBlocking => "over_blocking",
            FailureKind::ExistenceOracle => "existence_oracle",
            FailureKind::Precondition => "precondition",
            FailureKind::Disagrees => "disagrees",
            FailureKind::Divergence => "divergence",
            FailureKind::Misanswer => "misanswer",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The D rule that compares an implementation of `era` with its reference.
pub fn reference_rule(era: Era) -> SpecId {
    match era {
        Era::Patched => SpecId::D1,
        Era::Legacy => SpecId::D2,
    }
}

/// What was wrong, with the evidence; one variant per [`FailureKind`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// See [`FailureKind::Transport`].
    Transport {
        /// What broke down.
        error: TransportError,
    },
    /// See [`FailureKind::WrongNumber`].
    WrongNumber {
        /// Who saw it.
        viewer: UserId,
        /// The wrong pairing.
        link: Link,
        /// The user's real number, if the user exists.
        true_phone: Option<Phone>,
    },
    /// See [`FailureKind::Leak`].
    Leak {
        /// Who saw it.
        viewer: UserId,
        /// The leaked link (the first in the answer).
        link: Link,
        /// Every other link the same answer leaked, in answer order.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        more: Vec<Link>,
        /// The reference's outcome.
        expected: Outcome,
        /// The implementation's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::Hides`].
    Hides {
        /// Who should have seen it.
        viewer: UserId,
        /// The withheld link (the first in the reference's answer).
        link: Link,
        /// Every other link the same answer withheld, in answer order.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        more: Vec<Link>,
        /// The reference's outcome.
        expected: Outcome,
        /// The implementation's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::Breach`].
    Breach {
        /// Who learned it.
        viewer: UserId,
        /// The hidden link.
        link: Link,
    },
    /// See [`FailureKind::OverBlocking`].
    OverBlocking {
        /// Who was refused.
        viewer: UserId,
        /// Whose number was withheld.
        target: UserId,
        /// What was withheld, in words.
        what: String,
    },
    /// See [`FailureKind::ExistenceOracle`].
    ExistenceOracle {
        /// How the refusal differs from an unregistered number.
        why: String,
        /// The implementation's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::Precondition`].
    Precondition {
        /// What the judge's reading of SPEC requires: success, or this error.
        expected: Result<(), ErrorCode>,
        /// The implementation's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::Disagrees`].
    Disagrees {
        /// The reference's outcome.
        expected: Outcome,
        /// The implementation's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::Divergence`].
    Divergence {
        /// Why the difference is not the loophole.
        why: String,
        /// The legacy implementation's outcome.
        legacy: Outcome,
        /// The patched implementation's outcome.
        patched: Outcome,
    },
    /// See [`FailureKind::Misanswer`].
    Misanswer {
        /// The field read, as `docs/ORACLE.md`'s table names it
        /// (`member_view.is_contact`, `imported.matched`, ...).
        field: String,
        /// What SPEC gives there and what was answered, in words.
        why: String,
        /// The implementation's outcome.
        actual: Outcome,
    },
}

impl Detail {
    /// The detail's kind.
    pub fn kind(&self) -> FailureKind {
        match self {
            Detail::Transport { .. } => FailureKind::Transport,
            Detail::WrongNumber { .. } => FailureKind::WrongNumber,
            Detail::Leak { .. } => FailureKind::Leak,
            Detail::Hides { .. } => FailureKind::Hides,
            Detail::Breach { .. } => FailureKind::Breach,
            Detail::OverBlocking { .. } => FailureKind::OverBlocking,
            Detail::ExistenceOracle { .. } => FailureKind::ExistenceOracle,
            Detail::Precondition { .. } => FailureKind::Precondition,
            Detail::Disagrees { .. } => FailureKind::Disagrees,
            Detail::Divergence { .. } => FailureKind::Divergence,
            Detail::Misanswer { .. } => FailureKind::Misanswer,
        }
    }
}

/// A broken rule, with everything needed to tell the story.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Step index, from 0.
    pub step: usize,
    /// The operation at that step.
    pub op: Op,
    /// The implementation that broke the rule (for D-4, the patched one).
    pub implementation: String,
    /// The rule broken: `D-1`, `D-2`, `D-4`, `INV-1`..`INV-4`, or the
    /// operation's S rule for a precondition.
    pub rule: SpecId,
    /// What was wrong.
    #[serde(flatten)]
    pub detail: Detail,
    /// The rules that decide what SPEC gives here, as the judge reads them
    /// (the setting's default, S5; the rule that matched, S2/S6/S7; a
    /// saved number, S3; knowledge, S17): what a story names as the reason
    /// beside the rule broken. Empty where that rule says it all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<SpecId>,
}

/// What makes two failures the same finding: `minimize` shrinks a run only
/// while it keeps the signature, and a case file records it, so a shrunk
/// case cannot slide onto another bug.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The failure kind.
    pub kind: FailureKind,
    /// The rule broken.
    pub rule: SpecId,
    /// The operation's kind (`ImportContacts`).
    pub op: crate::world::OpKind,
    /// The implementation that broke it.
    pub implementation: String,
    /// The first cause ([`crate::oracle::cause`]), when the signature was
    /// taken from a whole trace ([`crate::oracle::engine::Trace::signature`]);
    /// `None` when taken from the failure alone ([`Failure::signature`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<CauseSignature>,
}

/// The first-cause part of a [`Signature`]: the operation kind and rule of
/// the first departure, the part of the state when it is the state that
/// departs, the implementations that depart there, and the verdict pair
/// (whether each era's seat fails at the failing step: a bug of code both
/// eras share fails both).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(deny_unknown_fields)]
pub struct CauseSignature {
    /// The operation kind at the first cause.
    pub op: crate::world::OpKind,
    /// The most specific rule deciding it.
    pub rule: SpecId,
    /// The part of the state that departs, when no answer does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<crate::models::spec_state::Part>,
    /// The implementations that depart there, sorted (empty: a reading
    /// the reference shares).
    pub departing: Vec<String>,
    /// The legacy seat's verdict at the failing step.
    pub legacy: SeatVerdict,
    /// The patched seat's verdict at the failing step.
    pub patched: SeatVerdict,
}

/// One seat's verdict, in a signature's verdict pair.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SeatVerdict {
    /// Nothing failed in that seat at the failing step.
    Pass,
    /// A check failed in that seat.
    Fail,
}

impl fmt::Display for SeatVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SeatVerdict::Pass => "pass",
            SeatVerdict::Fail => "fail",
        })
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) in {} at {}", self.kind, self.rule, self.implementation, self.op)?;
        if let Some(c) = &self.cause {
            write!(f, ", first cause {} ({})", c.op, c.rule)?;
            if let Some(part) = c.part {
                write!(f, " in its {}", part.words())?;
            }
            match c.departing.as_slice() {
                [] => write!(f, " read alike by the reference")?,
                names => write!(f, " by {}", names.join(", "))?,
            }
            write!(f, "; legacy {}, patched {}", c.legacy, c.patched)?;
        }
        Ok(())
    }
}

impl Failure {
    /// The failure's kind.
    pub fn kind(&self) -> FailureKind {
        self.detail.kind()
    }

    /// The step at which it happened, from 0.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The operation at which it happened.
    pub fn op(&self) -> &Op {
        &self.op
    }

    /// The failure's identity as a finding.
    pub fn signature(&self) -> Signature {
        Signature {
            kind: self.kind(),
            rule: self.rule,
            op: self.op.kind(),
            implementation: self.implementation.clone(),
            cause: None,
        }
    }
}

/// One line: kind, rule, step, implementation, operation, then what happened.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, rule, step, name, op) = (self.kind(), &self.rule, self.step, &self.implementation, &self.op);
        write!(f, "{kind} ({rule}) at step {step} in {name}: {op}: ")?;
        match &self.detail {
            Detail::Transport { error } => {
                write!(f, "{name} could not answer: {error}")?;
                if !error.stderr_tail.is_empty() {
                    write!(f, "; its stderr ended with: {}", error.stderr_tail.trim_end().replace('\n', " | "))?;
                }
                Ok(())
            }
            Detail::WrongNumber { viewer, link, true_phone } => write!(
                f,
                "{name} showed {viewer} {link}, but {}'s number is {}",
                link.user,
                true_phone.map_or("unknown".to_string(), |p| p.to_string())
            ),
            Detail::Leak { viewer, link, more, .. } if more.is_empty() => {
                write!(f, "{name} showed {viewer} {link}; the reference shows no such link")
            }
            Detail::Leak { viewer, link, more, .. } => write!(
                f,
                "{name} showed {viewer} {} hidden numbers: {link}, {}; the reference shows none of these links",
                more.len() + 1,
                Links(more)
            ),
            Detail::Hides { viewer, link, more, .. } if more.is_empty() => {
                write!(f, "the reference shows {viewer} {link}; {name} withholds it")
            }
            Detail::Hides { viewer, link, more, .. } => write!(
                f,
                "the reference shows {viewer} {} links: {link}, {}; {name} withholds them",
                more.len() + 1,
                Links(more)
            ),
            Detail::Breach { viewer, link } => write!(
                f,
                "{viewer} learned {link} from {name} though {}'s settings allow neither seeing nor finding it and {viewer} did not know it",
                link.user
            ),
            Detail::OverBlocking { viewer, target, what } => write!(
                f,
                "{name} {what}, though {target}'s \"who can see my number\" allows {viewer} (the patch may only withhold what that setting refuses)"
            ),
            Detail::ExistenceOracle { why, .. } => write!(f, "{name}: {why}"),
            Detail::Precondition { expected, actual } => {
                let want = match expected {
                    Ok(()) => "success".to_string(),
                    Err(code) => format!("error {code}"),
                };
                write!(f, "{name} answered {}, but SPEC {rule} requires {want}", OutcomeDisplay(actual))
            }
            Detail::Disagrees { expected, actual } => {
                write!(f, "expected {}, {name} answered {}", OutcomeDisplay(expected), OutcomeDisplay(actual))
            }
            Detail::Divergence { why, legacy, patched } => write!(
                f,
                "{why}; legacy answered {}, {name} {}",
                OutcomeDisplay(legacy),
                OutcomeDisplay(patched)
            ),
            Detail::Misanswer { field, why, .. } => write!(f, "{name}'s {field}: {why}"),
        }
    }
}

/// Links, comma-separated, for a failure's line.
struct Links<'a>(&'a [Link]);

impl fmt::Display for Links<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, l) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{l}")?;
        }
        Ok(())
    }
}
