//! The checks run after every step, each a function of one step's answers
//! and the judge's books as they were before the step: INV-2 (no wrong
//! numbers), INV-3 (no existence oracle), INV-4 (no over-blocking), the
//! D-4 comparison of legacy and patched, and D-1/D-2's classification of a
//! difference from the reference. INV-1 is judged link by link by the one
//! walk, [`crate::oracle::inv1::walk`].
//!
//! Every response variant is matched by name where answers are inspected,
//! so a new variant cannot slip past a check unnoticed.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::models::usermap::UserMap;
use crate::oracle::judge::Judge;
use crate::world::response::links;
use crate::world::{ErrorCode, ImportedContact, Link, Op, Outcome, Phone, PrivacyKey, Response, UserId};

/// A link a viewer learned at a step where INV-1 allowed none of (a), (b), (c).
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Breach {
    /// Who learned the number.
    pub viewer: UserId,
    /// The account and number learned.
    pub link: Link,
}

/// INV-2: the first link shown that pairs a user with a number not theirs.
pub fn wrong_number(judge: &Judge, op: &Op, outcome: &Outcome) -> Option<Link> {
    links(op, outcome).find(|l| judge.phone_of(l.user) != Some(l.phone))
}

/// INV-3: a reason the outcome of an import or resolve tells a refused
/// number apart from an unregistered one, if it does.
///
/// An unregistered number is always answered the same way: a resolve fails
/// with `PHONE_NOT_OCCUPIED`; an import succeeds and lists the number under
/// `unmatched`. So a resolve that does not find the number's owner must fail
/// with exactly that error, and an import must account for every supplied
/// number (but the actor's own) once, either matched or unmatched.
pub fn existence_oracle(judge: &Judge, op: &Op, outcome: &Outcome) -> Option<String> {
    match op {
        Op::ResolvePhone { phone, .. } => match outcome {
            Err(ErrorCode::PhoneNotOccupied) | Ok(Response::Resolved { .. }) => None,
            Err(code) => Some(format!(
                "resolving {phone} failed with {code}, but an unregistered number gets PHONE_NOT_OCCUPIED"
            )),
            Ok(Response::Done | Response::Imported { .. } | Response::Member(_) | Response::Members(_)) => {
                Some(format!("resolving {phone} answered something other than a user or PHONE_NOT_OCCUPIED"))
            }
        },
        Op::ImportContacts { owner, phones } => match outcome {
            Err(code) => Some(format!("the import failed with {code}, but an import of unregistered numbers succeeds")),
            Ok(Response::Imported { matched, unmatched }) => {
                let own = judge.phone_of(*owner);
                // Every supplied number, in the order supplied, is the next
                // matched or the next unmatched one, and nothing else is
                // listed: accounted for (the common case, in one walk).
                let mut cursor = (0, 0);
                let in_order = phones
                    .iter()
                    .filter(|p| Some(**p) != own)
                    .all(|p| import_answer(outcome, *p, &mut cursor).is_some());
                if in_order && cursor == (matched.len(), unmatched.len()) {
                    return None;
                }
                unaccounted(phones, own, matched, unmatched)
            }
            Ok(Response::Done | Response::Member(_) | Response::Members(_) | Response::Resolved { .. }) => {
                Some("the import answered something other than a list of matched and unmatched numbers".to_string())
            }
        },
        Op::JoinGroup { .. }
        | Op::LeaveGroup { .. }
        | Op::AddContact { .. }
        | Op::DeleteContact { .. }
        | Op::SetPrivacy { .. }
        | Op::QueryMember { .. }
        | Op::ListMembers { .. } => None,
    }
}

/// INV-3 for an import answered out of order or incompletely: why the
/// answer does not list every supplied number (all of `phones` but the
/// importer's own number `own`) once as matched or unmatched, if it does
/// not (the numbers missing and those listed more often than supplied).
fn unaccounted(
    phones: &[Phone],
    own: Option<Phone>,
    matched: &[ImportedContact],
    unmatched: &[Phone],
) -> Option<String> {
    let supplied = || phones.iter().copied().filter(move |p| Some(*p) != own);
    let answered = matched.len() + unmatched.len();
    let accounted = supplied().all(|p| {
        let want = supplied().filter(|q| *q == p).count();
        let got = matched.iter().filter(|m| m.phone == p).count() + unmatched.iter().filter(|u| **u == p).count();
        want == got
    });
    (answered != supplied().count() || !accounted).then(|| {
        let missing: Vec<String> = supplied()
            .filter(|p| !matched.iter().any(|m| m.phone == *p) && !unmatched.contains(p))
            .map(|p| p.to_string())
            .collect();
        // Listed more often than supplied (the importer's own
        // number, which is never listed, or a repeat).
        let listed = matched.iter().map(|m| m.phone).chain(unmatched.iter().copied());
        let mut extra: Vec<Phone> = listed
            .filter(|p| {
                let want = supplied().filter(|q| q == p).count();
                let got = matched.iter().filter(|m| m.phone == *p).count()
                    + unmatched.iter().filter(|u| *u == p).count();
                got > want
            })
            .collect();
        extra.dedup();
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("missing: [{}]", missing.join(", ")));
        }
        if !extra.is_empty() {
            let own_listed = own.is_some_and(|o| extra.contains(&o));
            let list: Vec<String> = extra.iter().map(|p| p.to_string()).collect();
            parts.push(format!(
                "listed but not supplied once: [{}]{}",
                list.join(", "),
                if own_listed { ", the importer's own number among them" } else { "" }
            ));
        }
        format!(
            "the response does not list every supplied number once as matched or unmatched ({}); an unregistered number is always listed as unmatched, and the importer's own number never",
            parts.join("; ")
        )
    })
}

/// INV-4 (patched era): a place where the answer withholds what the
/// target's `PhoneNumber` allows the viewer: `(target, what was withheld)`.
pub fn over_blocking(judge: &Judge, op: &Op, outcome: &Outcome) -> Option<(UserId, String)> {
    let viewer = op.actor();
    let allowed = |t: UserId| t != viewer && judge.allows(t, PrivacyKey::PhoneNumber, viewer);
    let view_withheld = |v: &crate::world::MemberView| {
        (allowed(v.user) && v.phone.is_none())
            .then(|| (v.user, format!("showed {} to {viewer} without the number", v.user)))
    };
    match (op, outcome) {
        (Op::QueryMember { .. } | Op::ListMembers { .. }, Ok(Response::Member(v))) => view_withheld(v),
        (Op::QueryMember { .. } | Op::ListMembers { .. }, Ok(Response::Members(vs))) => {
            vs.iter().find_map(view_withheld)
        }
        (Op::ImportContacts { phones, .. }, Ok(Response::Imported { matched, unmatched: _ })) => {
            phones.iter().find_map(|p| {
                let t = judge.owner_of(*p).filter(|t| allowed(*t))?;
                let found = matched.iter().any(|m| m.phone == *p && m.user == t);
                (!found).then(|| (t, format!("did not match {p} to {t} for {viewer}")))
            })
        }
        (Op::ResolvePhone { phone, .. }, outcome) => {
            let t = judge.owner_of(*phone).filter(|t| allowed(*t))?;
            let found = matches!(outcome, Ok(Response::Resolved { user }) if *user == t);
            (!found).then(|| (t, format!("did not resolve {phone} to {t} for {viewer}")))
        }
        (
            Op::JoinGroup { .. }
            | Op::LeaveGroup { .. }
            | Op::ImportContacts { .. }
            | Op::AddContact { .. }
            | Op::DeleteContact { .. }
            | Op::SetPrivacy { .. }
            | Op::QueryMember { .. }
            | Op::ListMembers { .. },
            _,
        ) => None,
    }
}

/// How D-1/D-2 name a difference from the reference: a link the
/// implementation shows that the reference does not (a leak), one it
/// withholds (hides), or another difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    /// The implementation shows this link; the reference does not.
    Leak(Link),
    /// The reference shows this link; the implementation does not.
    Hides(Link),
    /// Any other difference.
    Other,
}

/// Classifies a difference between `expected` (the reference) and
/// `actual`, ignoring the viewer's own link.
pub fn classify(op: &Op, expected: &Outcome, actual: &Outcome) -> Difference {
    let viewer = op.actor();
    let shown = |o: &Outcome, l: Link| links(op, o).any(|m| m == l);
    if let Some(l) = links(op, actual).find(|l| l.user != viewer && !shown(expected, *l)) {
        return Difference::Leak(l);
    }
    if let Some(l) = links(op, expected).find(|l| l.user != viewer && !shown(actual, *l)) {
        return Difference::Hides(l);
    }
    Difference::Other
}

/// Every link other than the viewer's own that `actual` shows and
/// `expected` does not, in `actual`'s order: all of a leak, where
/// [`classify`] names the first.
pub fn extra_links(op: &Op, expected: &Outcome, actual: &Outcome) -> Vec<Link> {
    let viewer = op.actor();
    let mut out: Vec<Link> = Vec::new();
    for l in links(op, actual) {
        if l.user != viewer && !links(op, expected).any(|m| m == l) && !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// Pairs of users tied by a loophole step (SPEC D-4): unordered, kept for
/// the rest of the run (see `docs/SPEC.md`, "How the harness reads D-4").
#[derive(Debug, Clone, Default)]
pub struct Tied {
    pairs: Vec<(UserId, UserId)>,
}

impl Tied {
    /// Forgets every pair (a new run).
    pub fn clear(&mut self) {
        self.pairs.clear();
    }

    fn key(a: UserId, b: UserId) -> (UserId, UserId) {
        (a.min(b), a.max(b))
    }

    /// Ties `a` and `b`.
    pub fn tie(&mut self, a: UserId, b: UserId) {
        let k = Tied::key(a, b);
        if !self.pairs.contains(&k) {
            self.pairs.push(k);
        }
    }

    /// The tied pairs with users renamed by `perm`, as a bit set over
    /// unordered pairs (at most 64 users; pairs past bit 63 fold over):
    /// explore's key of D-4's history.
    pub fn renamed_bits(&self, perm: &[UserId]) -> u64 {
        let rename = |u: UserId| perm.get(u.0 as usize).copied().unwrap_or(u);
        self.pairs.iter().fold(0, |acc, (a, b)| {
            let (a, b) = (rename(*a), rename(*b));
            let (lo, hi) = (a.0.min(b.0), a.0.max(b.0));
            acc | 1 << ((hi * hi.saturating_sub(1) / 2 + lo) % 64)
        })
    }

    /// Whether `a` and `b` are tied, in either direction.
    pub fn contains(&self, a: UserId, b: UserId) -> bool {
        self.pairs.contains(&Tied::key(a, b))
    }
}

/// How D-4 explains one step's legacy and patched answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Explained {
    /// They answered the same.
    Same,
    /// A direct loophole step: legacy matched a number that patched refused
    /// only because of `AddedByPhone`.
    Loophole,
    /// Every difference concerns a pair tied by an earlier loophole step.
    Consequence,
    /// A difference that is neither, and why.
    Unexplained(String),
}

/// One number of an import as an answer shows it: matched to a user, or
/// unmatched; `None` when the answer does not account for it.
fn import_answer(outcome: &Outcome, phone: Phone, cursor: &mut (usize, usize)) -> Option<Option<UserId>> {
    let Ok(Response::Imported { matched, unmatched }) = outcome else { return None };
    if let Some(m) = matched.get(cursor.0).filter(|m| m.phone == phone) {
        cursor.0 += 1;
        return Some(Some(m.user));
    }
    if unmatched.get(cursor.1) == Some(&phone) {
        cursor.1 += 1;
        return Some(None);
    }
    None
}

/// D-4: explains the differences between the legacy and the patched
/// answers to `op`, with `judge` holding the patched implementation's books
/// before the step and `tied` the pairs tied so far (extended here). `name`
/// is the patched seat's implementation, for the explanation.
pub fn explain_divergence(
    op: &Op,
    legacy: &Outcome,
    patched: &Outcome,
    judge: &Judge,
    tied: &mut Tied,
    name: &str,
) -> Explained {
    if legacy == patched {
        return Explained::Same;
    }
    let viewer = op.actor();
    let unexplained = |why: String| Explained::Unexplained(why);
    let loophole =
        |tied: &mut Tied, phone: Phone, found: UserId| loophole_step(judge, tied, viewer, phone, found, name);
    match op {
        Op::ImportContacts { owner, phones } => {
            let own = judge.phone_of(*owner);
            let (mut lc, mut pc) = ((0, 0), (0, 0));
            let mut direct = false;
            for &phone in phones.iter().filter(|p| Some(**p) != own) {
                match (import_answer(legacy, phone, &mut lc), import_answer(patched, phone, &mut pc)) {
                    (Some(l), Some(p)) if l == p => {}
                    (Some(Some(found)), Some(None)) => match loophole(tied, phone, found) {
                        Ok(()) => direct = true,
                        Err(why) => return unexplained(why),
                    },
                    (Some(l), Some(p)) => {
                        return unexplained(format!(
                            "for {phone} legacy answered {}, {name} {}; the patch may only refuse matches legacy makes",
                            l.map_or("unmatched".to_string(), |u| u.to_string()),
                            p.map_or("unmatched".to_string(), |u| u.to_string())
                        ))
                    }
                    (None, _) | (_, None) => {
                        return unexplained(format!("the two answers do not account for {phone} alike"));
                    }
                }
            }
            if direct {
                Explained::Loophole
            } else {
                unexplained("the two imports differ in shape".to_string())
            }
        }
        Op::ResolvePhone { phone, .. } => match (legacy, patched) {
            (Ok(Response::Resolved { user }), Err(ErrorCode::PhoneNotOccupied)) => {
                match loophole(tied, *phone, *user) {
                    Ok(()) => Explained::Loophole,
                    Err(why) => unexplained(why),
                }
            }
            _ => unexplained("the patch may only refuse a resolve that legacy answers".to_string()),
        },
        Op::AddContact { owner, target, .. } => {
            // Patched's address books are legacy's less the loophole's
            // matches, so only legacy can reference someone patched cannot.
            let contact_id_difference =
                matches!((legacy, patched), (Ok(Response::Done), Err(ErrorCode::ContactIdInvalid)));
            if contact_id_difference && tied.contains(*owner, *target) {
                Explained::Consequence
            } else {
                unexplained(format!(
                    "adding {target} differs, and {owner} and {target} are not tied by an earlier loophole step"
                ))
            }
        }
        Op::QueryMember { .. } | Op::ListMembers { .. } => explain_views(viewer, legacy, patched, tied, name),
        Op::JoinGroup { .. } | Op::LeaveGroup { .. } | Op::DeleteContact { .. } | Op::SetPrivacy { .. } => {
            unexplained(format!("{} cannot differ between the eras", op.name()))
        }
    }
}

/// D-4 for a member query or list: the views differ only where the
/// viewer and the member are tied by an earlier loophole step, and only
/// in what a tie explains.
fn explain_views(viewer: UserId, legacy: &Outcome, patched: &Outcome, tied: &Tied, name: &str) -> Explained {
    fn views(o: &Outcome) -> Option<&[crate::world::MemberView]> {
        match o {
            Ok(Response::Member(v)) => Some(std::slice::from_ref(v)),
            Ok(Response::Members(vs)) => Some(vs.as_slice()),
            Ok(Response::Done | Response::Imported { .. } | Response::Resolved { .. }) | Err(_) => None,
        }
    }
    let unexplained = |why: String| Explained::Unexplained(why);
    let (Some(l), Some(p)) = (views(legacy), views(patched)) else {
        return unexplained("one era lets the viewer look and the other does not".to_string());
    };
    if l.len() != p.len() {
        return unexplained("the eras list different members".to_string());
    }
    for (a, b) in l.iter().zip(p) {
        if a.user != b.user {
            return unexplained("the eras list different members".to_string());
        }
        if a != b && !tied.contains(viewer, a.user) {
            return unexplained(format!(
                "{viewer}'s view of {} differs, and they are not tied by an earlier loophole step",
                a.user
            ));
        }
        // What a tie explains (SPEC D-4): the entry the loophole
        // made (is_contact in legacy only) and the number seen
        // through it or through settings judging the pair (either
        // way: S11 exceptions differ too). Nothing else.
        if a.is_contact != b.is_contact && !a.is_contact {
            return unexplained(format!(
                "{viewer}'s view of {} says is_contact in {name} and not in legacy: no loophole match explains an entry only patched holds",
                a.user
            ));
        }
    }
    Explained::Consequence
}

/// A match legacy made and patched refused, judged as a loophole step:
/// `found` owns `phone` and patched refused `viewer` for the loophole's
/// reason alone; the pair is then tied.
fn loophole_step(
    judge: &Judge,
    tied: &mut Tied,
    viewer: UserId,
    phone: Phone,
    found: UserId,
    name: &str,
) -> Result<(), String> {
    if judge.owner_of(phone) != Some(found) || found == viewer {
        return Err(format!("legacy matched {phone} to {found}, who does not own it"));
    }
    if !judge.loophole_refusal(viewer, found) {
        return Err(format!(
            "{name} refused {viewer} {found}'s number {phone}, but not for the loophole's reason alone (\"who can find me\" refusing while \"who can see my number\" refuses and the link is unknown)"
        ));
    }
    tied.tie(viewer, found);
    Ok(())
}

/// What each viewer has learned so far (S17), for worlds too large for the
/// judge's bitsets (the scale scenario): never forgotten.
///
/// Per viewer, the number first learned for each user (a [`UserMap`], so
/// an attacker who learns a million numbers in user order stays a
/// sequential walk), plus any further number shown for the same user.
/// Only ever probed, never iterated: no order leaks out.
#[derive(Debug, Default, Clone)]
pub struct Knowledge {
    by_viewer: FxHashMap<UserId, ViewerKnowledge>,
}

#[derive(Debug, Default, Clone)]
struct ViewerKnowledge {
    first: UserMap<Phone>,
    more: FxHashSet<Link>,
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

    /// Records what `outcome` of `op` taught its actor, and returns the new
    /// links INV-1 does not allow, by `allows` (who decides the settings),
    /// judged by the one INV-1 walk ([`crate::oracle::inv1::walk`]).
    pub fn observe(
        &mut self,
        allows: &dyn Fn(UserId, PrivacyKey, UserId) -> bool,
        op: &Op,
        outcome: &Outcome,
    ) -> Vec<Breach> {
        let viewer = op.actor();
        let mut breaches = Vec::new();
        let mut books = KnowledgeBooks { knowledge: self, allows };
        crate::oracle::inv1::walk(&mut books, op, outcome, |link, allowed| {
            if !allowed {
                breaches.push(Breach { viewer, link });
            }
        });
        breaches
    }
}

/// [`Knowledge`] with the settings of the model it judges: INV-1's books
/// in the scale scenario.
struct KnowledgeBooks<'a> {
    knowledge: &'a mut Knowledge,
    allows: &'a dyn Fn(UserId, PrivacyKey, UserId) -> bool,
}

impl crate::oracle::inv1::Inv1Books for KnowledgeBooks<'_> {
    fn learn(&mut self, viewer: UserId, link: Link) -> bool {
        self.knowledge.learn(viewer, link)
    }
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        (self.allows)(owner, key, viewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{GroupId, ImportedContact, MemberView, World, WorldConfig};

    fn judge() -> Judge {
        Judge::new(&World::from_config(&WorldConfig { users: 3, groups: 1, unowned_numbers: 1 }))
    }
    const ALICE: UserId = UserId(0);
    const BOB: UserId = UserId(1);
    const CAROL: UserId = UserId(2);

    fn view(user: UserId, shown: bool) -> MemberView {
        MemberView { user, is_contact: false, phone: shown.then(|| user.planned_phone()) }
    }

    /// D-4 excuses for a tied pair what the tie explains and no more: an
    /// entry legacy holds (is_contact in legacy), never one only patched
    /// holds; and a reference only legacy can make.
    #[test]
    fn a_tie_excuses_only_what_the_loophole_explains() {
        let j = judge();
        let mut tied = Tied::default();
        tied.tie(BOB, ALICE);
        let op = Op::QueryMember { viewer: BOB, group: GroupId(0), member: ALICE };
        let entry = MemberView { is_contact: true, ..view(ALICE, true) };
        let none = view(ALICE, false);
        let legacy_entry = explain_divergence(
            &op,
            &Ok(Response::Member(entry.clone())),
            &Ok(Response::Member(none.clone())),
            &j,
            &mut tied,
            "patched",
        );
        assert_eq!(legacy_entry, Explained::Consequence);
        let patched_entry = explain_divergence(
            &op,
            &Ok(Response::Member(none.clone())),
            &Ok(Response::Member(entry.clone())),
            &j,
            &mut tied,
            "sqlbug",
        );
        match &patched_entry {
            Explained::Unexplained(why) => assert!(why.contains("in sqlbug and not in legacy"), "{why}"),
            other => panic!("{other:?}"),
        }
        let add = Op::AddContact { owner: BOB, target: ALICE, share_phone: false };
        let (done, refused) = (Ok(Response::Done), Err(ErrorCode::ContactIdInvalid));
        assert_eq!(explain_divergence(&add, &done, &refused, &j, &mut tied, "patched"), Explained::Consequence);
        assert!(matches!(
            explain_divergence(&add, &refused, &done, &j, &mut tied, "patched"),
            Explained::Unexplained(_)
        ));
    }

    /// D-1/D-2 name the first link one side shows and the other does not,
    /// ignoring links both show and the viewer's own.
    #[test]
    fn classify_names_the_extra_or_missing_link() {
        let op = Op::ListMembers { viewer: ALICE, group: GroupId(0) };
        let link = |u: UserId| Link { user: u, phone: u.planned_phone() };
        let one = Ok(Response::Members(vec![view(ALICE, true), view(BOB, true), view(CAROL, false)]));
        let two = Ok(Response::Members(vec![view(ALICE, true), view(BOB, true), view(CAROL, true)]));
        assert_eq!(classify(&op, &one, &two), Difference::Leak(link(CAROL)));
        assert_eq!(classify(&op, &two, &one), Difference::Hides(link(CAROL)));
        let own_only = Ok(Response::Members(vec![view(ALICE, false), view(BOB, true), view(CAROL, false)]));
        assert_eq!(classify(&op, &one, &own_only), Difference::Other, "the viewer's own link is no leak");
        assert_eq!(classify(&op, &own_only, &one), Difference::Other, "nor a hidden number");
    }

    /// INV-3: an answer listing a number that was not supplied (so the
    /// counts differ, though every supplied number is there) is refused.
    #[test]
    fn an_import_answer_with_an_extra_number_is_an_existence_oracle() {
        let j = judge();
        let op = Op::ImportContacts { owner: ALICE, phones: vec![BOB.planned_phone()] };
        let extra =
            Ok(Response::Imported { matched: vec![], unmatched: vec![BOB.planned_phone(), CAROL.planned_phone()] });
        let why = existence_oracle(&j, &op, &extra).expect("refused");
        assert!(why.contains(&format!("listed but not supplied once: [{}]", CAROL.planned_phone())), "{why}");
        assert!(!why.contains("missing"), "nothing is missing: {why}");
        let fine = Ok(Response::Imported { matched: vec![], unmatched: vec![BOB.planned_phone()] });
        assert_eq!(existence_oracle(&j, &op, &fine), None);
        // The importer's own number listed: extra, and said so.
        let own = Ok(Response::Imported {
            matched: vec![ImportedContact { phone: ALICE.planned_phone(), user: ALICE }],
            unmatched: vec![BOB.planned_phone()],
        });
        let why = existence_oracle(&j, &op, &own).expect("refused");
        assert!(why.contains("the importer's own number among them") && !why.contains("missing"), "{why}");
    }

    /// INV-3 asks that every supplied number be accounted for once, not
    /// that the answer keep the supplied order: a reordered answer passes
    /// (D-1/D-2 judge the order), a repeated number must be listed twice,
    /// and a missing one is refused.
    #[test]
    fn an_import_answer_is_judged_as_a_multiset() {
        let j = judge();
        let (b, c) = (BOB.planned_phone(), CAROL.planned_phone());
        let op = Op::ImportContacts { owner: ALICE, phones: vec![b, c, b] };
        let imported = |matched: Vec<ImportedContact>, unmatched: Vec<Phone>| -> Outcome {
            Ok(Response::Imported { matched, unmatched })
        };
        let bob = ImportedContact { phone: b, user: BOB };
        assert_eq!(existence_oracle(&j, &op, &imported(vec![bob, bob], vec![c])), None, "in order");
        assert_eq!(existence_oracle(&j, &op, &imported(vec![], vec![c, b, b])), None, "reordered");
        assert!(existence_oracle(&j, &op, &imported(vec![bob], vec![c])).is_some(), "one b missing");
        assert!(existence_oracle(&j, &op, &imported(vec![bob, bob], vec![c, c])).is_some(), "c twice");
    }

    /// INV-4: a number the owner shows the viewer must match the owner, not
    /// merely appear matched to someone.
    #[test]
    fn over_blocking_wants_the_number_matched_to_its_owner() {
        let mut j = judge();
        let everybody =
            Op::SetPrivacy { user: BOB, key: PrivacyKey::PhoneNumber, rules: vec![crate::world::Rule::AllowAll] };
        j.record(&everybody, &Ok(Response::Done));
        let op = Op::ImportContacts { owner: ALICE, phones: vec![BOB.planned_phone()] };
        let wrong = Ok(Response::Imported {
            matched: vec![ImportedContact { phone: BOB.planned_phone(), user: CAROL }],
            unmatched: vec![],
        });
        assert_eq!(over_blocking(&j, &op, &wrong).map(|(t, _)| t), Some(BOB));
        let right = Ok(Response::Imported {
            matched: vec![ImportedContact { phone: BOB.planned_phone(), user: BOB }],
            unmatched: vec![],
        });
        assert_eq!(over_blocking(&j, &op, &right), None);
    }

    /// S17 for the scale scenario's knowledge: a second, different number
    /// shown for a user is a new link (and judged); the same link again is
    /// not.
    #[test]
    fn knowledge_is_per_link() {
        let mut k = Knowledge::default();
        let op = Op::ResolvePhone { viewer: ALICE, phone: BOB.planned_phone() };
        let never = |_: UserId, _: PrivacyKey, _: UserId| false;
        let resolved = Ok(Response::Resolved { user: BOB });
        assert_eq!(k.observe(&never, &op, &resolved).len(), 1, "a hidden number learned: a breach");
        assert_eq!(k.observe(&never, &op, &resolved).len(), 0, "already known");
        let other = Op::ResolvePhone { viewer: ALICE, phone: Phone(1) };
        assert_eq!(k.observe(&never, &other, &resolved).len(), 1, "a different number is a new link");
        let always = |_: UserId, _: PrivacyKey, _: UserId| true;
        let carol = Op::ResolvePhone { viewer: ALICE, phone: CAROL.planned_phone() };
        assert_eq!(k.observe(&always, &carol, &Ok(Response::Resolved { user: CAROL })).len(), 0, "allowed");
    }
}
