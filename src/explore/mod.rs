//! Exhaustive small-scope checking (`privdiff explore`): every operation
//! sequence up to a depth bound, over a small world, through the same
//! engine and checks the fuzzer uses.
//!
//! - [`alphabet`]: the finite set of operations tried at each state;
//! - [`canon`]: canonical state keys with symmetry reduction over users;
//! - [`driver`]: the one module that calls the engine;
//! - [`search`]: the level-parallel breadth-first search.
//!
//! # The assumption behind deduplication
//!
//! States are identified by the *references'* state (both eras, see
//! [`crate::models::reference::Reference::canonical_snapshot`]) plus
//! the pairs of users tied by loophole steps (D-4's history in the engine).
//! Two sequences reaching one key
//! are explored once. That is sound when every model's state is a function
//! of the SPEC state the references hold (and the engine's judge books,
//! kept from the models' answers, equal the references' when D-1/D-2
//! hold, as they must for a state to be expanded at all): a model that keeps extra hidden state (a counter, a cache
//! that changes later answers) could behave differently after two
//! sequences the references cannot tell apart, and the explorer would try
//! only one of them. Every bug the fuzzer can find within the bound that
//! needs no such hidden state is found. See `docs/EXPLORE.md`.

pub mod alphabet;
pub mod canon;
pub mod driver;
pub mod search;

pub use driver::{Checks, Finding, Subject};
pub use search::{explore, Conclusion, ExploreConfig, ExploreError, Observer, Report, Silent};
