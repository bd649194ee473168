//! The one interface every implementation speaks: the legacy and patched
//! server models, the reference of each era, an external server behind the
//! JSON-lines adapter, and test-only broken models.
//!
//! An implementation only *answers* operations. It does not judge: whether
//! a setting allows a viewer is decided by the oracle's own judge
//! (`oracle/judge.rs`), never by asking the implementation under test.

use serde::{Deserialize, Serialize};

use crate::world::response::Slot;
use std::any::Any;

use crate::world::{Era, Op, UserId, World};

/// How an implementation failed to answer at all, as opposed to answering
/// with a protocol [`crate::world::ErrorCode`]: the process died, hung, or
/// said something outside the protocol.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// The process could not be started, or its pipe broke.
    Io,
    /// The process exited or was killed.
    Crashed,
    /// No answer within the time limit.
    TimedOut,
    /// An answer that is not valid JSON of the protocol's shape.
    Malformed,
    /// Valid JSON that the protocol does not allow here (wrong version, a
    /// response to a different request, an unknown error code).
    OutOfProtocol,
}

impl TransportKind {
    /// The kind's stable name, as in case files and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Io => "io",
            TransportKind::Crashed => "crashed",
            TransportKind::TimedOut => "timed_out",
            TransportKind::Malformed => "malformed",
            TransportKind::OutOfProtocol => "out_of_protocol",
        }
    }
}

/// An implementation could not answer: what went wrong, in one line, and
/// the tail of what it wrote to stderr (empty for in-process models).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {message}", .kind.as_str(), "transport")]
pub struct TransportError {
    /// What kind of breakdown.
    pub kind: TransportKind,
    /// One line saying what happened.
    pub message: String,
    /// The last lines the process wrote to stderr, if any.
    pub stderr_tail: String,
}

impl TransportError {
    /// A transport error without stderr.
    pub fn new(kind: TransportKind, message: impl Into<String>) -> TransportError {
        TransportError { kind, message: message.into(), stderr_tail: String::new() }
    }
}

/// A privacy world that executes operations: the system under test, or a
/// reference.
///
/// Implementations must be deterministic: the same world and operations give
/// the same outcomes, whatever the hash seeds. One instance serves many runs:
/// the engine calls [`Implementation::reset`] before each, so an in-process
/// model keeps its allocations and an external process is started once.
pub trait Implementation {
    /// The name failures and stories use ("legacy", "patched", "sqlite", ...).
    fn name(&self) -> &str;

    /// The era whose rules this implementation follows.
    fn era(&self) -> Era;

    /// Forgets everything and starts over in `world`: users registered,
    /// groups empty, settings at their defaults, address books empty.
    fn reset(&mut self, world: &World) -> Result<(), TransportError>;

    /// Executes one operation as its actor and writes what the actor sees
    /// into `out`: a response, or an error code (a failed operation changes
    /// nothing). `out` keeps list buffers between calls ([`Slot`]), so an
    /// in-process model that writes through [`Slot::imported`] and
    /// [`Slot::members`] allocates nothing per step once warm.
    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError>;

    /// Appends an encoding of the whole state with every user renamed by
    /// `perm` (user `u` becomes `perm[u]`, their number with them), or
    /// returns false when the implementation cannot. `explore` keys states
    /// on it (two states merge only if every side's encoding agrees), and
    /// may use user symmetry only over sides that have one. Built-in
    /// implementations have one; the default has none.
    fn state_words(&self, _perm: &[UserId], _out: &mut Vec<u64>) -> bool {
        false
    }

    /// An opaque digest of the whole state, equal for two states only if
    /// they answer every future operation alike (the protocol's optional
    /// `digest` request); `None` when the implementation gives none.
    /// `explore` merges the states of such a side without symmetry.
    fn digest(&mut self) -> Result<Option<u128>, TransportError> {
        Ok(None)
    }

    /// The state in SPEC's terms, for a trace to name the step where it
    /// departed from the reference's ([`crate::models::spec_state`]);
    /// `None` when the implementation cannot say (an external one).
    fn spec_state(&self) -> Option<crate::models::spec_state::SpecState> {
        None
    }

    /// This implementation as `Any`, so that [`Implementation::copy_state_from`]
    /// can tell whether another side is of its type; `None` by default.
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }

    /// Makes this implementation's state a copy of `other`'s, reusing its
    /// buffers, and says whether it could (same type, in-process): how
    /// `explore` forks a state instead of replaying its path.
    fn copy_state_from(&mut self, _other: &dyn Implementation) -> bool {
        false
    }
}

/// An implementation seated under another name and era: how the command
/// line's `--patched-impl legacy` puts the legacy server in the patched
/// seat, to show what a failure looks like.
pub struct Seated<I> {
    name: String,
    era: Era,
    inner: I,
}

impl<I: Implementation> Seated<I> {
    /// `inner`, answering as `name` in `era`'s seat.
    pub fn new(name: &str, era: Era, inner: I) -> Seated<I> {
        Seated { name: name.to_string(), era, inner }
    }

    /// The implementation in the seat.
    pub fn inner(&self) -> &I {
        &self.inner
    }
}

impl<I: Implementation + 'static> Implementation for Seated<I> {
    fn name(&self) -> &str {
        &self.name
    }

    fn era(&self) -> Era {
        self.era
    }

    fn reset(&mut self, world: &World) -> Result<(), TransportError> {
        self.inner.reset(world)
    }

    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
        self.inner.apply(op, out)
    }

    fn state_words(&self, perm: &[UserId], out: &mut Vec<u64>) -> bool {
        self.inner.state_words(perm, out)
    }

    fn digest(&mut self) -> Result<Option<u128>, TransportError> {
        self.inner.digest()
    }

    fn spec_state(&self) -> Option<crate::models::spec_state::SpecState> {
        self.inner.spec_state()
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }

    fn copy_state_from(&mut self, other: &dyn Implementation) -> bool {
        match other.as_any().and_then(|o| o.downcast_ref::<Seated<I>>()) {
            Some(o) => self.inner.copy_state_from(&o.inner),
            None => false,
        }
    }
}
