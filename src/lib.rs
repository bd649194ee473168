//! privdiff: a differential fuzzing harness for phone-number privacy.
//!
//! In 2019 Telegram users who hid their number could still be unmasked by
//! anyone who saved it in an address book and synced contacts. privdiff
//! models the legacy and the patched visibility rules ([`server`]), drives
//! both with arbitrary sequences of user operations ([`op`]) alongside a
//! simple executable reading of the specification ([`reference`]), and
//! checks after every step that non-contacts never obtain hidden numbers and
//! that the two eras differ only by the loophole ([`runner`], [`oracle`]).
//!
//! The semantics of record is `SPEC.md` (rules S1-S17, invariants INV-1..3,
//! differential oracle D-1..D-4); module and test docs cite its rule ids.

pub mod corpus;
pub mod explore;
pub mod feedback;
pub mod files;
pub mod gen;
pub mod models;
pub mod oracle;
pub mod scale;
pub mod targets;
pub mod world;

mod reuse;
