//! Common-mode misreadings, planted on purpose: the same wrong reading of
//! SPEC in the reference *and* the server models at once, to show that the
//! oracle does not depend on the reference being right (the judge keeps
//! its own reading; see `oracle/judge.rs`).
//!
//! Off unless a test or the fuzz script turns one on ([`set`], or the
//! `PRIVDIFF_PLANT` environment variable read by [`from_env`] in the fuzz
//! targets). A plant is process-wide: tests that use one run in a test
//! binary of their own, one at a time.

use std::sync::atomic::{AtomicU8, Ordering};

/// A misreading of SPEC that both the reference and the models can be
/// made to share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Misreading {
    /// S15 without its "T's `PhoneNumber` allows V" clause.
    S15DropsPhoneNumberClause,
    /// S6 allowing when no rule matches (SPEC: deny).
    S6NoMatchAllows,
    /// S7 read at `SetPrivacy` time: a group rule names the members the
    /// group had then, instead of whoever is a member at the check.
    S7GroupsFrozenAtSet,
    /// S14 without its membership precondition: anyone may look into any
    /// group.
    S14NoMembershipCheck,
}

impl Misreading {
    /// Every plant, in a stable order.
    pub const ALL: [Misreading; 4] = [
        Misreading::S15DropsPhoneNumberClause,
        Misreading::S6NoMatchAllows,
        Misreading::S7GroupsFrozenAtSet,
        Misreading::S14NoMembershipCheck,
    ];

    /// The plant's name, as `PRIVDIFF_PLANT` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Misreading::S15DropsPhoneNumberClause => "s15-drops-phone-number-clause",
            Misreading::S6NoMatchAllows => "s6-no-match-allows",
            Misreading::S7GroupsFrozenAtSet => "s7-groups-frozen-at-set",
            Misreading::S14NoMembershipCheck => "s14-no-membership-check",
        }
    }

    fn code(self) -> u8 {
        match self {
            Misreading::S15DropsPhoneNumberClause => 1,
            Misreading::S6NoMatchAllows => 2,
            Misreading::S7GroupsFrozenAtSet => 3,
            Misreading::S14NoMembershipCheck => 4,
        }
    }
}

static ACTIVE: AtomicU8 = AtomicU8::new(0);

/// Plants `m` (or none) in every reference and model of this process.
pub fn set(m: Option<Misreading>) {
    ACTIVE.store(m.map_or(0, Misreading::code), Ordering::Relaxed);
}

/// Whether `m` is planted.
#[inline]
pub fn active(m: Misreading) -> bool {
    ACTIVE.load(Ordering::Relaxed) == m.code()
}

/// Plants what `PRIVDIFF_PLANT` names, if anything; an unknown name is an
/// error naming the known ones.
pub fn from_env() -> Result<Option<Misreading>, String> {
    let Ok(name) = std::env::var("PRIVDIFF_PLANT") else { return Ok(None) };
    let found = Misreading::ALL.into_iter().find(|m| m.as_str() == name);
    match found {
        Some(m) => {
            set(Some(m));
            Ok(Some(m))
        }
        None => {
            let known: Vec<&str> = Misreading::ALL.iter().map(|m| m.as_str()).collect();
            Err(format!("PRIVDIFF_PLANT={name:?} is not a plant; known: {}", known.join(", ")))
        }
    }
}

/// The S7 misreading applied to a rule list being stored: every group rule
/// becomes a rule naming the users who are members right now.
pub fn freeze_groups(
    rules: &[crate::world::Rule],
    users: u32,
    is_member: &dyn Fn(crate::world::GroupId, crate::world::UserId) -> bool,
) -> Vec<crate::world::Rule> {
    use crate::world::{Rule, UserId};
    let members = |gs: &[crate::world::GroupId]| -> Vec<UserId> {
        (0..users).map(UserId).filter(|u| gs.iter().any(|g| is_member(*g, *u))).collect()
    };
    rules
        .iter()
        .map(|r| match r {
            Rule::AllowChatParticipants(gs) => Rule::AllowUsers(members(gs)),
            Rule::DisallowChatParticipants(gs) => Rule::DisallowUsers(members(gs)),
            Rule::AllowAll
            | Rule::DisallowAll
            | Rule::AllowContacts
            | Rule::DisallowContacts
            | Rule::AllowUsers(_)
            | Rule::DisallowUsers(_) => r.clone(),
        })
        .collect()
}
