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
pub mod spec_id;

pub use era::Era;
pub use ids::{GroupId, Phone, UserId};
pub use op::{Op, OpKind, Ref, RefMut};
pub use privacy::{PrivacyKey, Rule};
pub use response::{ErrorCode, ImportedContact, Link, MemberView, Outcome, Response};
pub use run::{Run, RunError, World, WorldConfig, MAX_GROUPS, MAX_IMPORT, MAX_OPS, MAX_UNOWNED, MAX_USERS};
pub use spec_id::SpecId;

/// The most items a list in a sentence (an operation, an answer, a story
/// line) shows before it says how many more there are: an import of
/// thousands of numbers stays one readable line. JSON keeps every item.
pub const LIST_SHOWN: usize = 8;

/// Writes `items` comma-separated inside `[...]`, the first
/// [`LIST_SHOWN`] of a longer list followed by "... and N more".
pub(crate) fn write_list<T: std::fmt::Display>(
    f: &mut std::fmt::Formatter<'_>,
    items: impl ExactSizeIterator<Item = T>,
) -> std::fmt::Result {
    let len = items.len();
    // A list one or two over the limit is shown whole: "and 1 more" saves nothing.
    let shown = if len > LIST_SHOWN + 2 { LIST_SHOWN } else { len };
    f.write_str("[")?;
    for (i, item) in items.take(shown).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    if shown < len {
        write!(f, ", ... and {} more", len - shown)?;
    }
    f.write_str("]")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 5,000-number import is one short line that says how many it
    /// leaves out; a short one is shown whole.
    #[test]
    fn long_lists_are_elided_with_a_count() {
        let phones: Vec<Phone> = (0..5000).map(|i| Phone(852_5900_0000 + i)).collect();
        let op = Op::ImportContacts { owner: UserId(0), phones };
        let line = op.to_string();
        assert!(line.len() < 300, "{} bytes: {line}", line.len());
        assert!(line.ends_with(", ... and 4992 more]"), "{line}");
        let few = Op::ImportContacts { owner: UserId(0), phones: vec![UserId(1).planned_phone(); LIST_SHOWN + 2] };
        assert!(!few.to_string().contains("more"), "{few}");
    }
}
