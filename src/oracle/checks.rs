//! The invariants of SPEC, as checks over one step's outcome: what a viewer
//! learns (S17), INV-1 (no hidden numbers to non-contacts), INV-2 (no wrong
//! numbers) and INV-3 (no existence oracle).
//!
//! The checks judge a model's outcome against a *judge*: any [`Model`] whose
//! [`Model::allows`] says what the settings allow right now. The lockstep
//! runner uses the reference of the same era as judge; the canary and the
//! scale scenario, which run no reference, use the model itself.

use rustc_hash::{FxHashMap, FxHashSet};

use serde::{Deserialize, Serialize};

use crate::models::implementation::Model;
use crate::models::usermap::UserMap;
use crate::world::ids::{Phone, UserId};
use crate::world::privacy::PrivacyKey;
use crate::world::response::{links_shown, ErrorCode, Link, Outcome, Response};
use crate::world::{Op, World};

/// What each viewer has learned so far (S17): never forgotten.
///
/// Per viewer, the number first learned for each user (a [`UserMap`], so
/// an attacker who learns a million numbers in user order stays a
/// sequential walk), plus any further number shown for the same user
/// (only a broken model shows two, an INV-2 matter). Only ever probed,
/// never iterated: no order leaks out.
#[derive(Debug, Default, Clone)]
pub struct Knowledge {
    by_viewer: FxHashMap<UserId, ViewerKnowledge>,
}

#[derive(Debug, Default, Clone)]
struct ViewerKnowledge {
    first: UserMap<Phone>,
    more: FxHashSet<Link>,
}

/// A link a viewer learned at a step where INV-1 allowed none of (a), (b), (c).
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Breach {
    /// Who learned the number.
    pub viewer: UserId,
    /// The account and number learned.
    pub link: Link,
}

/// The links an outcome taught its viewer, and those of them that broke INV-1.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Learning {
    /// Links about other users the viewer did not know before this step.
    pub learned: Vec<Link>,
    /// The learned links INV-1 does not allow.
    pub breaches: Vec<Breach>,
}

impl Knowledge {
    /// Records that `viewer` knows `link`; false if it already did.
    fn learn(&mut self, viewer: UserId, link: Link) -> bool {
        let k = self.by_viewer.entry(viewer).or_default();
        match k.first.get(link.user) {
            None => k.first.insert(link.user, link.phone).is_none(),
            Some(p) if p == link.phone => false,
            Some(_) => k.more.insert(link),
        }
    }

    /// Records what `outcome` of `op` taught its actor, and checks each new
    /// link against INV-1 with `judge`'s settings as they are after the step:
    /// (a) the owner's PhoneNumber allows the viewer; (b) the viewer supplied
    /// the number and the owner's AddedByPhone allows the viewer; (c) the
    /// viewer already knew the link.
    pub fn observe(&mut self, judge: &dyn Model, op: &Op, outcome: &Outcome) -> Learning {
        let viewer = op.actor();
        let mut learning = Learning::default();
        let supplied: FxHashSet<Phone> = op.supplied_phones().iter().copied().collect();
        for link in links_shown(op, outcome) {
            // Links are unique within an outcome, so recording as we go
            // cannot hide a link from a later check of the same step.
            if link.user == viewer || !self.learn(viewer, link) {
                continue;
            }
            let see = judge.allows(link.user, PrivacyKey::PhoneNumber, viewer);
            let find = supplied.contains(&link.phone) && judge.allows(link.user, PrivacyKey::AddedByPhone, viewer);
            if !(see || find) {
                learning.breaches.push(Breach { viewer, link });
            }
            learning.learned.push(link);
        }
        learning
    }
}

/// INV-2: the first link shown that pairs a user with a number not theirs.
pub fn wrong_number(world: &World, op: &Op, outcome: &Outcome) -> Option<Link> {
    links_shown(op, outcome).into_iter().find(|l| world.phone_of(l.user) != Some(l.phone))
}

/// INV-3: a reason the outcome of an import or resolve tells a refused
/// number apart from an unregistered one, if it does.
///
/// An unregistered number is always answered the same way: a resolve fails
/// with `PHONE_NOT_OCCUPIED`; an import succeeds and lists the number under
/// `unmatched`. So a resolve that does not find the number's owner must fail
/// with exactly that error, and an import must account for every supplied
/// number (but the actor's own) once, either matched or unmatched.
pub fn existence_oracle(world: &World, op: &Op, outcome: &Outcome) -> Option<String> {
    match (op, outcome) {
        (Op::ResolvePhone { phone, .. }, Err(code)) if *code != ErrorCode::PhoneNotOccupied => {
            Some(format!("resolving {phone} failed with {code}, but an unregistered number gets PHONE_NOT_OCCUPIED"))
        }
        (Op::ImportContacts { .. }, Err(code)) => {
            Some(format!("the import failed with {code}, but an import of unregistered numbers succeeds"))
        }
        (Op::ImportContacts { owner, phones }, Ok(Response::Imported { matched, unmatched })) => {
            let own = world.phone_of(*owner);
            let supplied: Vec<Phone> = phones.iter().copied().filter(|p| Some(*p) != own).collect();
            let mut answered: Vec<Phone> = matched.iter().map(|m| m.phone).chain(unmatched.iter().copied()).collect();
            let mut expected = supplied.clone();
            answered.sort();
            expected.sort();
            (answered != expected).then(|| {
                let missing: Vec<String> = supplied
                    .iter()
                    .filter(|p| !matched.iter().any(|m| m.phone == **p) && !unmatched.contains(p))
                    .map(|p| p.to_string())
                    .collect();
                format!(
                    "the response does not list every supplied number as matched or unmatched (missing: [{}]); an unregistered number is always listed as unmatched",
                    missing.join(", ")
                )
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::server::LegacyServer;
    use crate::world::WorldConfig;

    /// S17: a second, different number shown for a user is a new link (the
    /// first stays known); the same link again is not.
    #[test]
    fn s17_knowledge_is_per_link() {
        let world = World::from_config(&WorldConfig { users: 2, groups: 1, unowned_numbers: 0 });
        let judge = LegacyServer::new(&world);
        let (alice, bob) = (UserId(0), UserId(1));
        let op = Op::ResolvePhone { viewer: alice, phone: bob.planned_phone() };
        let mut k = Knowledge::default();
        let seen = |k: &mut Knowledge, user: UserId| k.observe(&judge, &op, &Ok(Response::Resolved { user })).learned;
        assert_eq!(seen(&mut k, bob), vec![Link { user: bob, phone: bob.planned_phone() }]);
        assert_eq!(seen(&mut k, bob), vec![], "already known");
        // A (wrong) pairing of alice's own account is never "learned about another".
        assert_eq!(seen(&mut k, alice), vec![]);
        let other = Op::ResolvePhone { viewer: alice, phone: Phone(1) };
        let learned = k.observe(&judge, &other, &Ok(Response::Resolved { user: bob })).learned;
        assert_eq!(learned, vec![Link { user: bob, phone: Phone(1) }], "a different number is a new link");
    }
}
