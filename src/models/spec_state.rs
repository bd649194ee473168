//! An implementation's state in SPEC's own terms: who is in which group,
//! the address books, what each viewer knows and whom each setting allows.
//! The engine compares it with the reference's after every step of a trace,
//! so that a story can name the step where the *state* departed (a delete
//! that leaves the entry behind, a refused call that still writes) before
//! any answer shows it. Two implementations with equal `SpecState` answer
//! every future operation alike. Settings are compared as the rule lists
//! stored (the default spelled out, named users and groups as sets), not
//! as whom they allow today: an exception missing from a list is a
//! departure at the call that should have written it, even while the
//! owner's contacts still let the viewer see the number.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::world::privacy::PrivacyKey;
use crate::world::{GroupId, Phone, SpecId, UserId};

/// The state, as sets of facts. Built only for traces (never on the fuzz
/// path) and only for worlds of at most [`SpecState::MAX_USERS`] users.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecState {
    /// (group, member): S4.
    pub members: BTreeSet<(GroupId, UserId)>,
    /// (owner, user) of every matched address-book entry: S3.
    pub contacts: BTreeSet<(UserId, UserId)>,
    /// (owner, user) of the matched entries holding the user's number: S3, S16.
    pub saved: BTreeSet<(UserId, UserId)>,
    /// (owner, number) of the unmatched entries: S10.
    pub unmatched: BTreeSet<(UserId, Phone)>,
    /// (viewer, user): the viewer knows the user's own number (S17).
    pub knows: BTreeSet<(UserId, UserId)>,
    /// (owner, key, rules): each setting as stored, the default spelled
    /// out (S5, S6, S13, with the exceptions of S11).
    pub settings: BTreeSet<(UserId, PrivacyKey, Vec<StoredRule>)>,
}

/// One stored rule, in a form both the reference and a server can give.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StoredRule {
    /// Whether a match allows.
    pub allow: bool,
    /// Whom it matches.
    pub whom: Whom,
    /// The users or groups it names, sorted, each once.
    pub named: Vec<u32>,
}

impl StoredRule {
    /// A rule; `named` is sorted and deduplicated here.
    pub fn new(allow: bool, whom: Whom, named: impl IntoIterator<Item = u32>) -> StoredRule {
        let mut named: Vec<u32> = named.into_iter().collect();
        named.sort_unstable();
        named.dedup();
        StoredRule { allow, whom, named }
    }
}

/// Whom a stored rule matches (S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Whom {
    /// Everybody.
    Everyone,
    /// The owner's contacts.
    Contacts,
    /// The named users.
    Users,
    /// The members of the named groups, when asked (S7).
    Groups,
}

fn rules_words(rules: &[StoredRule]) -> String {
    let words: Vec<String> = rules
        .iter()
        .map(|r| {
            let verb = if r.allow { "allow" } else { "deny" };
            let names = |f: &dyn Fn(u32) -> String| r.named.iter().map(|i| f(*i)).collect::<Vec<_>>().join(" ");
            match r.whom {
                Whom::Everyone => format!("{verb} everybody"),
                Whom::Contacts => format!("{verb} contacts"),
                Whom::Users => format!("{verb} {}", names(&|u| UserId(u).to_string())),
                Whom::Groups => format!("{verb} members of {}", names(&|g| GroupId(g).to_string())),
            }
        })
        .collect();
    format!("[{}]", words.join(", "))
}

/// Which part of the state departs: what a story names, with its rule.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Group memberships.
    Members,
    /// Matched address-book entries.
    Contacts,
    /// Numbers saved on matched entries.
    Saved,
    /// Unmatched entries.
    Unmatched,
    /// What each viewer knows.
    Knowledge,
    /// The settings as stored.
    Settings,
}

impl Part {
    /// The SPEC rule that defines this part of the state.
    pub fn rule(self) -> SpecId {
        match self {
            Part::Members => SpecId::S4,
            Part::Contacts | Part::Saved => SpecId::S3,
            Part::Unmatched => SpecId::S10,
            Part::Knowledge => SpecId::S17,
            Part::Settings => SpecId::S6,
        }
    }

    /// The part in words.
    pub fn words(self) -> &'static str {
        match self {
            Part::Members => "group memberships",
            Part::Contacts => "address-book entries",
            Part::Saved => "saved numbers",
            Part::Unmatched => "unmatched entries",
            Part::Knowledge => "knowledge",
            Part::Settings => "settings",
        }
    }
}

/// How an implementation's state departs from its reference's: the first
/// part (in [`Part`] order) that differs, and the facts on each side.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct StateDeparture {
    /// The part that differs.
    pub part: Part,
    /// Facts the implementation holds and the reference does not, in words.
    pub extra: Vec<String>,
    /// Facts the reference holds and the implementation does not.
    pub missing: Vec<String>,
    /// Whose facts differ (the owner of an entry or a setting, the viewer
    /// who knows, the member), with the setting's key for settings, each
    /// once: where a story looks for the step that wrote them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub whose: Vec<(UserId, Option<PrivacyKey>)>,
}

impl std::fmt::Display for StateDeparture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "its state departs from the reference's in its {} ({}):", self.part.words(), self.part.rule())?;
        if !self.extra.is_empty() {
            write!(f, " it holds {}", self.extra.join(", "))?;
        }
        if !self.missing.is_empty() {
            let and = if self.extra.is_empty() { "" } else { ";" };
            write!(f, "{and} it lacks {}", self.missing.join(", "))?;
        }
        Ok(())
    }
}

impl SpecState {
    /// The largest world whose state is built (it is for stories of
    /// fuzz-sized runs, not the scale scenario).
    pub const MAX_USERS: usize = 64;

    /// The first part in which `self` departs from `reference`, or `None`.
    pub fn departure_from(&self, reference: &SpecState) -> Option<StateDeparture> {
        fn diff<T: Ord>(
            part: Part,
            a: &BTreeSet<T>,
            b: &BTreeSet<T>,
            say: impl Fn(&T) -> String,
            whose: impl Fn(&T) -> (UserId, Option<PrivacyKey>),
        ) -> Option<StateDeparture> {
            (a != b).then(|| {
                let mut who: Vec<_> = a.symmetric_difference(b).map(&whose).collect();
                who.sort();
                who.dedup();
                StateDeparture {
                    part,
                    extra: a.difference(b).map(&say).collect(),
                    missing: b.difference(a).map(&say).collect(),
                    whose: who,
                }
            })
        }
        let (me, r) = (self, reference);
        diff(Part::Members, &me.members, &r.members, |(g, u)| format!("{u} in {g}"), |(_, u)| (*u, None))
            .or_else(|| {
                diff(Part::Contacts, &me.contacts, &r.contacts, |(o, u)| format!("{o} -> {u}"), |(o, _)| (*o, None))
            })
            .or_else(|| {
                diff(
                    Part::Saved,
                    &me.saved,
                    &r.saved,
                    |(o, u)| format!("{u}'s number saved by {o}"),
                    |(o, _)| (*o, None),
                )
            })
            .or_else(|| {
                diff(
                    Part::Unmatched,
                    &me.unmatched,
                    &r.unmatched,
                    |(o, p)| format!("{p} unmatched for {o}"),
                    |(o, _)| (*o, None),
                )
            })
            .or_else(|| {
                diff(
                    Part::Knowledge,
                    &me.knows,
                    &r.knows,
                    |(v, u)| format!("{v} knows {u}'s number"),
                    |(v, _)| (*v, None),
                )
            })
            .or_else(|| {
                diff(
                    Part::Settings,
                    &me.settings,
                    &r.settings,
                    |(o, k, rules)| {
                        let mut s = String::new();
                        let _ = write!(s, "{o}'s {k} as {}", rules_words(rules));
                        s
                    },
                    |(o, k, _)| (*o, Some(*k)),
                )
            })
    }
}
