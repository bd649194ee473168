//! Why a run fails: one type per failure kind, each saying who broke which
//! rule at which step (SPEC D-1..D-4, INV-1..3).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::world::ids::{Phone, UserId};
use crate::world::response::{Link, Outcome, OutcomeDisplay};
use crate::world::Era;
use crate::world::Op;

/// The kinds of failure, in the order the runner reports them when several
/// happen at one step: the most specific first.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// INV-2 (via D-3): the patched model paired a user with a number not theirs.
    WrongNumber,
    /// D-1: the patched model shows a link the patched reference does not.
    PatchedLeak,
    /// D-1: the patched reference shows a link the patched model withholds.
    PatchedHides,
    /// INV-1 (via D-3): the patched model let a viewer learn a hidden number.
    PatchedBreach,
    /// INV-3 (via D-3): a refused lookup is told apart from an unregistered number.
    ExistenceOracle,
    /// D-1: any other difference between the patched model and its reference.
    PatchedDisagrees,
    /// D-2: the legacy model differs from the legacy reference.
    LegacyDisagrees,
    /// D-4: legacy and patched differ by something other than the loophole.
    UnexplainedDivergence,
}

impl FailureKind {
    /// Every kind, in reporting priority.
    pub const ALL: [FailureKind; 8] = [
        FailureKind::WrongNumber,
        FailureKind::PatchedLeak,
        FailureKind::PatchedHides,
        FailureKind::PatchedBreach,
        FailureKind::ExistenceOracle,
        FailureKind::PatchedDisagrees,
        FailureKind::LegacyDisagrees,
        FailureKind::UnexplainedDivergence,
    ];

    /// The SPEC rule the kind breaks.
    pub fn rule(self) -> &'static str {
        match self {
            FailureKind::WrongNumber => "INV-2",
            FailureKind::PatchedLeak | FailureKind::PatchedHides | FailureKind::PatchedDisagrees => "D-1",
            FailureKind::PatchedBreach => "INV-1",
            FailureKind::ExistenceOracle => "INV-3",
            FailureKind::LegacyDisagrees => "D-2",
            FailureKind::UnexplainedDivergence => "D-4",
        }
    }

    /// The kind's stable name, as in case files (`patched_leak`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::WrongNumber => "wrong_number",
            FailureKind::PatchedLeak => "patched_leak",
            FailureKind::PatchedHides => "patched_hides",
            FailureKind::PatchedBreach => "patched_breach",
            FailureKind::ExistenceOracle => "existence_oracle",
            FailureKind::PatchedDisagrees => "patched_disagrees",
            FailureKind::LegacyDisagrees => "legacy_disagrees",
            FailureKind::UnexplainedDivergence => "unexplained_divergence",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A broken rule, with everything needed to tell the story. Messages start
/// with the kind and the rule, then the step and the operation.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// See [`FailureKind::WrongNumber`].
    #[error("wrong_number (INV-2) at step {step}: {op}: the {model} model showed {viewer} {link}, but {link_user}'s number is {}", .true_phone.map_or("unknown".to_string(), |p| p.to_string()), link_user = .link.user)]
    WrongNumber {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// Which model showed it.
        model: Era,
        /// Who saw it.
        viewer: UserId,
        /// The wrong pairing.
        link: Link,
        /// The user's real number, if the user exists.
        true_phone: Option<Phone>,
    },
    /// See [`FailureKind::PatchedLeak`].
    #[error("patched_leak (D-1) at step {step}: {op}: the patched model showed {viewer} {link}; the reference shows no such link")]
    PatchedLeak {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// Who saw it.
        viewer: UserId,
        /// The leaked link.
        link: Link,
        /// The reference's outcome.
        expected: Outcome,
        /// The patched model's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::PatchedHides`].
    #[error(
        "patched_hides (D-1) at step {step}: {op}: the reference shows {viewer} {link}; the patched model withholds it"
    )]
    PatchedHides {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// Who should have seen it.
        viewer: UserId,
        /// The withheld link.
        link: Link,
        /// The reference's outcome.
        expected: Outcome,
        /// The patched model's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::PatchedBreach`].
    #[error("patched_breach (INV-1) at step {step}: {op}: {viewer} learned {link} though {link_user}'s settings allow neither seeing nor finding it and {viewer} did not know it", link_user = .link.user)]
    PatchedBreach {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// Who learned it.
        viewer: UserId,
        /// The hidden link.
        link: Link,
    },
    /// See [`FailureKind::ExistenceOracle`].
    #[error("existence_oracle (INV-3) at step {step}: {op}: {why}")]
    ExistenceOracle {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// How the refusal differs from an unregistered number.
        why: String,
        /// The patched model's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::PatchedDisagrees`].
    #[error("patched_disagrees (D-1) at step {step}: {op}: expected {}, patched model answered {}", OutcomeDisplay(.expected), OutcomeDisplay(.actual))]
    PatchedDisagrees {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// The reference's outcome.
        expected: Outcome,
        /// The model's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::LegacyDisagrees`].
    #[error("legacy_disagrees (D-2) at step {step}: {op}: expected {}, legacy model answered {}", OutcomeDisplay(.expected), OutcomeDisplay(.actual))]
    LegacyDisagrees {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// The reference's outcome.
        expected: Outcome,
        /// The model's outcome.
        actual: Outcome,
    },
    /// See [`FailureKind::UnexplainedDivergence`].
    #[error("unexplained_divergence (D-4) at step {step}: {op}: {why}; legacy answered {}, patched {}", OutcomeDisplay(.legacy), OutcomeDisplay(.patched))]
    UnexplainedDivergence {
        /// Step index, from 0.
        step: usize,
        /// The operation.
        op: Op,
        /// Why the difference is not the loophole.
        why: String,
        /// The legacy model's outcome.
        legacy: Outcome,
        /// The patched model's outcome.
        patched: Outcome,
    },
}

impl Failure {
    /// The failure's kind.
    pub fn kind(&self) -> FailureKind {
        match self {
            Failure::WrongNumber { .. } => FailureKind::WrongNumber,
            Failure::PatchedLeak { .. } => FailureKind::PatchedLeak,
            Failure::PatchedHides { .. } => FailureKind::PatchedHides,
            Failure::PatchedBreach { .. } => FailureKind::PatchedBreach,
            Failure::ExistenceOracle { .. } => FailureKind::ExistenceOracle,
            Failure::PatchedDisagrees { .. } => FailureKind::PatchedDisagrees,
            Failure::LegacyDisagrees { .. } => FailureKind::LegacyDisagrees,
            Failure::UnexplainedDivergence { .. } => FailureKind::UnexplainedDivergence,
        }
    }

    /// The step at which it happened, from 0.
    pub fn step(&self) -> usize {
        match self {
            Failure::WrongNumber { step, .. }
            | Failure::PatchedLeak { step, .. }
            | Failure::PatchedHides { step, .. }
            | Failure::PatchedBreach { step, .. }
            | Failure::ExistenceOracle { step, .. }
            | Failure::PatchedDisagrees { step, .. }
            | Failure::LegacyDisagrees { step, .. }
            | Failure::UnexplainedDivergence { step, .. } => *step,
        }
    }

    /// The operation at which it happened.
    pub fn op(&self) -> &Op {
        match self {
            Failure::WrongNumber { op, .. }
            | Failure::PatchedLeak { op, .. }
            | Failure::PatchedHides { op, .. }
            | Failure::PatchedBreach { op, .. }
            | Failure::ExistenceOracle { op, .. }
            | Failure::PatchedDisagrees { op, .. }
            | Failure::LegacyDisagrees { op, .. }
            | Failure::UnexplainedDivergence { op, .. } => op,
        }
    }
}
