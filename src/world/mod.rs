//! The privacy world's language, level 1 of the architecture: identifiers
//! ([`ids`]), settings ([`privacy`]), operations ([`op`]), what an actor sees
//! ([`response`]), worlds and runs ([`run`]) and the eras ([`era`]).
//! Everything else in the crate speaks this language; this folder imports
//! nothing from the others.

pub mod era;
pub mod ids;
pub mod op;
pub mod privacy;
pub mod response;
pub mod run;

pub use era::Era;
pub use ids::{GroupId, Phone, UserId};
pub use op::{Op, OpKind, Ref, RefMut};
pub use privacy::{PrivacyKey, Rule};
pub use response::{ErrorCode, ImportedContact, Link, MemberView, Outcome, Response};
pub use run::{Run, RunError, World, WorldConfig, MAX_GROUPS, MAX_IMPORT, MAX_OPS, MAX_UNOWNED, MAX_USERS};
