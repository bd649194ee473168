//! The interface every side of the lockstep run implements: the two models
//! under test, the reference, and test-only broken models.

use crate::world::ids::UserId;
use crate::world::privacy::PrivacyKey;
use crate::world::response::Outcome;
use crate::world::Era;
use crate::world::{Op, World};

/// A privacy world that executes operations.
///
/// Implementations must be deterministic: the same world and operations give
/// the same outcomes, whatever the hash seeds.
pub trait Model {
    /// The era whose rules this model implements.
    fn era(&self) -> Era;

    /// Executes one operation as its actor and returns what the actor sees.
    /// A failed operation changes nothing.
    fn apply(&mut self, op: &Op) -> Outcome;

    /// Whether `owner`'s setting `key` allows `viewer` right now (S6, S7).
    /// Oracles use it to judge INV-1 where no reference runs alongside.
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool;
}

/// Builds a fresh model of one era over a world; lets the runner be handed
/// implementations other than the default ones (tests plug broken ones in).
pub type ModelFactory = dyn Fn(&World, Era) -> Box<dyn Model>;
