//! The judge: the oracle's own reading of who may see and find whom (SPEC
//! S2, S5-S8, S11, S15, S17), used to decide INV-1..4 and the D-4 loophole.
//!
//! It is written from SPEC's words and shares nothing with the reference or
//! the server models: not their evaluator, not their books. It keeps its own
//! books of one implementation's world (memberships, contacts, settings,
//! what each viewer knows), updated from the operations and the answers
//! that implementation gave, never by asking the implementation. So a
//! misreading that the reference and a model share (of S6, S7, S10-S12,
//! S15 or S17) changes what they answer, but not what the judge believes
//! the rules allow, and shows as a failure.
//!
//! The judge also predicts which operations must fail, from S4, S8, S11 and
//! S14 alone ([`Judge::precondition`]); a reference and a model that both
//! drop a precondition are caught there.
//!
//! Its books are bitsets over user ids, sized for the world at
//! [`Judge::reset`] and reused across runs, so judging costs no allocation
//! per step on fuzz-sized worlds.

use crate::world::privacy::{ByKey, Named, MAX_RULE_GROUPS, MAX_RULE_USERS};
use crate::world::{ErrorCode, GroupId, Link, Op, Outcome, Phone, PrivacyKey, Response, Rule, SpecId, UserId, World};

/// A set of user ids.
#[derive(Debug, Default)]
struct Users {
    words: Vec<u64>,
}

crate::reuse::clone_in_place!(Users { words });

impl Users {
    fn reset(&mut self, n: usize) {
        self.words.clear();
        self.words.resize(n.div_ceil(64), 0);
    }
    fn contains(&self, u: UserId) -> bool {
        let i = u.0 as usize;
        self.words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    fn set(&mut self, u: UserId, on: bool) {
        let i = u.0 as usize;
        if let Some(w) = self.words.get_mut(i / 64) {
            if on {
                *w |= 1 << (i % 64);
            } else {
                *w &= !(1 << (i % 64));
            }
        }
    }
}

/// One user's books, as the judge keeps them.
#[derive(Debug, Default)]
struct Person {
    /// S2/S3: the users of this user's matched entries.
    contacts: Users,
    /// S16: the users of this user's matched entries that hold the
    /// user's number (made by an import, S10; an added entry has none, S11).
    saved: Users,
    /// S17: users whose (true) number this user has been shown.
    knows: Users,
    /// S5/S13: the settings by key, each unset while at the default.
    settings: ByKey<Setting>,
}

crate::reuse::clone_in_place!(Person { contacts, saved, knows, settings });

/// Whom a rule matches (S6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Whom {
    /// `AllowAll`, `DisallowAll`.
    #[default]
    Everyone,
    /// `AllowContacts`, `DisallowContacts`: the owner's contacts (S2).
    Contacts,
    /// `AllowUsers`, `DisallowUsers`: the named users, as a set.
    Named,
    /// `AllowChatParticipants`, `DisallowChatParticipants`: whoever is a
    /// member of a named group when asked (S7).
    Members,
}

/// One rule as the judge keeps it: whom it matches and whether it allows.
/// A rule's list is matched as a set (S6), so the named users (or groups,
/// by id) are a bitset; its buffer is reused when the setting changes.
#[derive(Debug, Default)]
struct Clause {
    allow: bool,
    whom: Whom,
    named: Users,
}

crate::reuse::clone_in_place!(Clause { allow, whom, named });

/// The defaults as clauses (S5): My Contacts and Everybody.
static MY_CONTACTS_CLAUSES: [Clause; 2] = [
    Clause { allow: true, whom: Whom::Contacts, named: Users { words: Vec::new() } },
    Clause { allow: false, whom: Whom::Everyone, named: Users { words: Vec::new() } },
];
static EVERYBODY_CLAUSES: [Clause; 1] =
    [Clause { allow: true, whom: Whom::Everyone, named: Users { words: Vec::new() } }];

/// The default of `key` (S5), as clauses: the one place the judge reads
/// defaults by key.
fn default_clauses(key: PrivacyKey) -> &'static [Clause] {
    match key {
        PrivacyKey::PhoneNumber => &MY_CONTACTS_CLAUSES,
        PrivacyKey::AddedByPhone => &EVERYBODY_CLAUSES,
    }
}

/// One setting: its clauses when set, or the default. The first `len`
/// clauses are the setting; the rest are spare buffers kept across
/// changes and resets, so storing a setting allocates nothing once warm.
#[derive(Debug, Default)]
struct Setting {
    set: bool,
    len: usize,
    clauses: Vec<Clause>,
}

crate::reuse::clone_in_place!(Setting { set, len, clauses });

impl Setting {
    fn get(&self) -> Option<&[Clause]> {
        self.set.then_some(&self.clauses[..self.len])
    }

    /// A clause at position `len`, reused if there is a spare one.
    fn spare(&mut self) -> &mut Clause {
        if self.clauses.len() == self.len {
            self.clauses.push(Clause::default());
        }
        &mut self.clauses[self.len]
    }

    /// Stores `rules` (S13); `ids` is how many users or groups a named set
    /// holds (the larger of the two counts).
    fn put(&mut self, rules: &[Rule], ids: usize) {
        self.set = true;
        self.len = 0;
        for rule in rules {
            let clause = self.spare();
            clause.allow = rule.allows_when_matched();
            clause.named.reset(ids);
            clause.whom = match rule {
                Rule::AllowAll | Rule::DisallowAll => Whom::Everyone,
                Rule::AllowContacts | Rule::DisallowContacts => Whom::Contacts,
                Rule::AllowUsers(users) | Rule::DisallowUsers(users) => {
                    users.iter().for_each(|u| clause.named.set(*u, true));
                    Whom::Named
                }
                Rule::AllowChatParticipants(groups) | Rule::DisallowChatParticipants(groups) => {
                    groups.iter().for_each(|g| clause.named.set(UserId(g.0), true));
                    Whom::Members
                }
            };
            self.len += 1;
        }
    }

    /// S11: puts `AllowUsers({target})` in front.
    fn put_first(&mut self, target: UserId, ids: usize) {
        let clause = self.spare();
        clause.allow = true;
        clause.whom = Whom::Named;
        clause.named.reset(ids);
        clause.named.set(target, true);
        self.clauses[..=self.len].rotate_right(1);
        self.len += 1;
    }
}

/// The judge's books of one implementation's world.
///
/// `groups` and `people` only ever grow: a reset to a smaller world keeps
/// the spare books (unused, cleared) so that the next larger world costs no
/// allocation; `phones` says how many users the current world has.
#[derive(Debug, Default)]
pub struct Judge {
    phones: Vec<Phone>,
    group_count: usize,
    groups: Vec<Users>,
    people: Vec<Person>,
    /// Links to a number that is not the user's own (an INV-2 matter),
    /// remembered so that they are not "learned" twice.
    odd_links: Vec<(UserId, Link)>,
}

crate::reuse::clone_in_place!(Judge { phones, group_count, groups, people, odd_links });

/// The two presets the defaults are (S5, S6).
const MY_CONTACTS: [Rule; 2] = [Rule::AllowContacts, Rule::DisallowAll];
const EVERYBODY: [Rule; 1] = [Rule::AllowAll];

impl Judge {
    /// Books for `world` at the start of a run: nobody in any group, no
    /// contacts, default settings, nothing known.
    pub fn new(world: &World) -> Judge {
        let mut judge = Judge::default();
        judge.reset(world);
        judge
    }

    /// Starts over in `world`, keeping allocations.
    pub fn reset(&mut self, world: &World) {
        let n = world.phones.len();
        self.phones.clear();
        self.phones.extend_from_slice(&world.phones);
        self.group_count = world.groups as usize;
        if self.groups.len() < self.group_count {
            self.groups.resize_with(self.group_count, Users::default);
        }
        self.groups.iter_mut().for_each(|g| g.reset(n));
        if self.people.len() < n {
            self.people.resize_with(n, Person::default);
        }
        for p in &mut self.people {
            p.contacts.reset(n);
            p.saved.reset(n);
            p.knows.reset(n);
            for setting in &mut p.settings {
                setting.set = false;
            }
        }
        self.odd_links.clear();
    }

    fn person(&self, u: UserId) -> Option<&Person> {
        self.people[..self.phones.len()].get(u.0 as usize)
    }

    fn person_mut(&mut self, u: UserId) -> Option<&mut Person> {
        self.people[..self.phones.len()].get_mut(u.0 as usize)
    }

    /// The owner of a number (S1).
    pub fn owner_of(&self, phone: Phone) -> Option<UserId> {
        self.phones.iter().position(|p| *p == phone).map(|i| UserId(i as u32))
    }

    /// The user's number (S1).
    pub fn phone_of(&self, user: UserId) -> Option<Phone> {
        self.phones.get(user.0 as usize).copied()
    }

    /// S2: whether `who` is in `owner`'s contacts.
    pub fn is_contact(&self, owner: UserId, who: UserId) -> bool {
        self.person(owner).is_some_and(|p| p.contacts.contains(who))
    }

    /// S16: whether `viewer` holds a matched entry for `member` with the
    /// number saved on it.
    pub fn has_saved(&self, viewer: UserId, member: UserId) -> bool {
        self.person(viewer).is_some_and(|p| p.saved.contains(member))
    }

    /// S16: whether `viewer` sees `member`'s number in a member view.
    pub fn sees_number(&self, viewer: UserId, member: UserId) -> bool {
        viewer == member || self.allows(member, PrivacyKey::PhoneNumber, viewer) || self.has_saved(viewer, member)
    }

    /// S15: whether `viewer`, supplying `target`'s number, finds `target`
    /// in `era`, with `also_known` the users whose links the same step
    /// has already shown (a repeated number in one import, S10).
    pub fn finds(&self, era: crate::world::Era, viewer: UserId, target: UserId, also_known: bool) -> bool {
        let Some(phone) = self.phone_of(target) else { return false };
        match era {
            crate::world::Era::Legacy => true,
            crate::world::Era::Patched => {
                self.allows(target, PrivacyKey::AddedByPhone, viewer)
                    || self.allows(target, PrivacyKey::PhoneNumber, viewer)
                    || also_known
                    || self.knows(viewer, Link { user: target, phone })
            }
        }
    }

    /// S14: the members of `group`, in user order.
    pub fn members(&self, group: GroupId) -> impl Iterator<Item = UserId> + '_ {
        (0..self.phones.len() as u32).map(UserId).filter(move |u| self.is_member(group, *u))
    }

    fn is_member(&self, group: GroupId, user: UserId) -> bool {
        self.groups[..self.group_count].get(group.0 as usize).is_some_and(|g| g.contains(user))
    }

    /// S6, S7: whether `owner`'s setting `key` allows `viewer` right now.
    /// The rules are read in order and the first that matches the viewer
    /// decides; when none matches, the answer is deny. Group rules look at
    /// who is a member at this moment.
    pub fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        let Some(person) = self.person(owner) else { return false };
        let clauses: &[Clause] = person.settings[key].get().unwrap_or(default_clauses(key));
        for clause in clauses {
            let applies = match clause.whom {
                Whom::Everyone => true,
                Whom::Contacts => person.contacts.contains(viewer),
                Whom::Named => clause.named.contains(viewer),
                Whom::Members => (0..self.group_count as u32)
                    .any(|g| clause.named.contains(UserId(g)) && self.is_member(GroupId(g), viewer)),
            };
            if applies {
                return clause.allow;
            }
        }
        false
    }

    /// The SPEC rules that decide `owner`'s setting `key` for `viewer`, as
    /// this judge reads it: the default (S5) when unset, then the rule that
    /// matched first (S2 for a contacts rule, S7 for a live group rule, S6
    /// otherwise) or S6's "no rule matches denies". For a story's cause.
    pub fn why_allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> Vec<SpecId> {
        let Some(person) = self.person(owner) else { return Vec::new() };
        let set = person.settings[key].get();
        let mut why = if set.is_none() { vec![SpecId::S5] } else { Vec::new() };
        let clauses: &[Clause] = set.unwrap_or(default_clauses(key));
        let matched = clauses.iter().find(|clause| match clause.whom {
            Whom::Everyone => true,
            Whom::Contacts => person.contacts.contains(viewer),
            Whom::Named => clause.named.contains(viewer),
            Whom::Members => (0..self.group_count as u32)
                .any(|g| clause.named.contains(UserId(g)) && self.is_member(GroupId(g), viewer)),
        });
        why.push(match matched.map(|c| c.whom) {
            Some(Whom::Contacts) => SpecId::S2,
            Some(Whom::Members) => SpecId::S7,
            Some(Whom::Everyone | Whom::Named) | None => SpecId::S6,
        });
        why
    }

    /// The SPEC rules that decide whether `viewer` sees `member`'s number
    /// in a member view (S16): the `PhoneNumber` setting's reasons, or the
    /// saved number of a matched entry (S3).
    pub fn why_sees(&self, viewer: UserId, member: UserId) -> Vec<SpecId> {
        let mut why = vec![SpecId::S16];
        if viewer != member {
            if !self.allows(member, PrivacyKey::PhoneNumber, viewer) && self.has_saved(viewer, member) {
                why.push(SpecId::S3);
            } else {
                why.extend(self.why_allows(member, PrivacyKey::PhoneNumber, viewer));
            }
        }
        why
    }

    /// The SPEC rules that decide whether `viewer`, supplying `target`'s
    /// number, finds `target` in `era` (S15): in the patched era the clause
    /// that lets them (a setting's reasons, or knowledge, S17), or every
    /// clause's reason when none does (the link not being known among them).
    pub fn why_finds(&self, era: crate::world::Era, viewer: UserId, target: UserId) -> Vec<SpecId> {
        let mut why = vec![SpecId::S15];
        if era == crate::world::Era::Patched {
            let phone = self.phone_of(target);
            let known = phone.is_some_and(|phone| self.knows(viewer, Link { user: target, phone }));
            if self.allows(target, PrivacyKey::AddedByPhone, viewer) {
                why.extend(self.why_allows(target, PrivacyKey::AddedByPhone, viewer));
            } else if self.allows(target, PrivacyKey::PhoneNumber, viewer) {
                why.extend(self.why_allows(target, PrivacyKey::PhoneNumber, viewer));
            } else if known {
                why.push(SpecId::S17);
            } else {
                // Refused: every clause fails, the third being that the
                // link is not known (S17).
                why.extend(self.why_allows(target, PrivacyKey::AddedByPhone, viewer));
                why.extend(self.why_allows(target, PrivacyKey::PhoneNumber, viewer));
                why.push(SpecId::S17);
            }
        }
        why
    }

    /// S17: whether `viewer` has been shown `link`.
    pub fn knows(&self, viewer: UserId, link: Link) -> bool {
        if self.phone_of(link.user) == Some(link.phone) {
            self.person(viewer).is_some_and(|p| p.knows.contains(link.user))
        } else {
            self.odd_links.contains(&(viewer, link))
        }
    }

    /// Records that `viewer` was shown `link`; false if it already knew.
    pub fn learn(&mut self, viewer: UserId, link: Link) -> bool {
        if self.knows(viewer, link) {
            return false;
        }
        if self.phone_of(link.user) == Some(link.phone) {
            if let Some(p) = self.person_mut(viewer) {
                p.knows.set(link.user, true);
            }
        } else {
            self.odd_links.push((viewer, link));
        }
        true
    }

    /// D-4: whether `viewer`, supplying `target`'s number, is refused by the
    /// patch for the loophole's reason alone: `AddedByPhone` refuses,
    /// `PhoneNumber` refuses, and the viewer did not already know the link.
    pub fn loophole_refusal(&self, viewer: UserId, target: UserId) -> bool {
        let Some(phone) = self.phone_of(target) else { return false };
        !self.allows(target, PrivacyKey::AddedByPhone, viewer)
            && !self.allows(target, PrivacyKey::PhoneNumber, viewer)
            && !self.knows(viewer, Link { user: target, phone })
    }

    /// S8, from its words: at most 1,000 named users and 20 named groups
    /// over the whole list (checked first), and `AddedByPhone` takes only
    /// Everybody or My Contacts (a lone `AllowContacts` is My Contacts).
    pub fn setting_refusal(key: PrivacyKey, rules: &[Rule]) -> Option<ErrorCode> {
        let (mut users, mut groups) = (0, 0);
        for rule in rules {
            match rule.named() {
                Named::Users(l) => users += l.len(),
                Named::Groups(l) => groups += l.len(),
                Named::Nothing => {}
            }
        }
        if users > MAX_RULE_USERS || groups > MAX_RULE_GROUPS {
            return Some(ErrorCode::PrivacyTooLong);
        }
        let find_value_ok = rules == EVERYBODY || rules == MY_CONTACTS || rules == [Rule::AllowContacts];
        (key == PrivacyKey::AddedByPhone && !find_value_ok).then_some(ErrorCode::PrivacyValueInvalid)
    }

    /// What SPEC says about whether `op` succeeds, where that follows from
    /// the preconditions alone: `Err(code)` when it must fail with `code`,
    /// `Ok(())` when it must succeed. `None` where the outcome depends on
    /// more than a precondition (a resolve: S15, judged as INV-1/INV-4).
    pub fn precondition(&self, op: &Op) -> Option<Result<(), ErrorCode>> {
        let must = |fails: bool, code: ErrorCode| Some(if fails { Err(code) } else { Ok(()) });
        match op {
            // S4, S9: membership is a set.
            Op::JoinGroup { user, group } => must(self.is_member(*group, *user), ErrorCode::UserAlreadyParticipant),
            Op::LeaveGroup { user, group } => must(!self.is_member(*group, *user), ErrorCode::UserNotParticipant),
            // S10: an import always succeeds (refusals are per number).
            Op::ImportContacts { .. } => Some(Ok(())),
            // S11: only someone the owner can already reference.
            Op::AddContact { owner, target, .. } => {
                let share_group = (0..self.group_count as u32)
                    .map(GroupId)
                    .any(|g| self.is_member(g, *owner) && self.is_member(g, *target));
                let referable = owner != target && (share_group || self.is_contact(*owner, *target));
                must(!referable, ErrorCode::ContactIdInvalid)
            }
            // S12: removing an entry always succeeds.
            Op::DeleteContact { .. } => Some(Ok(())),
            // S13, S8.
            Op::SetPrivacy { key, rules, .. } => Some(Judge::setting_refusal(*key, rules).map_or(Ok(()), Err)),
            // S14: the viewer, and the member looked at, must be in the group.
            Op::QueryMember { viewer, group, member } => must(
                !self.is_member(*group, *viewer) || !self.is_member(*group, *member),
                ErrorCode::UserNotParticipant,
            ),
            Op::ListMembers { viewer, group } => must(!self.is_member(*group, *viewer), ErrorCode::UserNotParticipant),
            Op::ResolvePhone { .. } => None,
        }
    }

    /// Updates the books after `op` was answered with `outcome`: what
    /// changed in the world, by SPEC's reading of the operation. The judge
    /// believes the answer only about what happened (success or failure,
    /// which numbers matched); who may see or find whom it decides itself.
    /// What the actor was shown is recorded link by link with
    /// [`Judge::learn`] as INV-1 judges it, before this.
    pub fn record(&mut self, op: &Op, outcome: &Outcome) {
        let Ok(response) = outcome else { return };
        match (op, response) {
            (Op::JoinGroup { user, group }, _) => self.set_member(*group, *user, true),
            (Op::LeaveGroup { user, group }, _) => self.set_member(*group, *user, false),
            (Op::ImportContacts { owner, .. }, Response::Imported { matched, unmatched: _ }) => {
                if let Some(p) = self.person_mut(*owner) {
                    for m in matched.iter() {
                        p.contacts.set(m.user, true);
                        p.saved.set(m.user, true);
                    }
                }
            }
            (Op::AddContact { owner, target, share_phone }, _) => {
                // S11 (revised): the exception is judged before the entry exists.
                let already = self.allows(*owner, PrivacyKey::PhoneNumber, *target);
                let ids = self.ids();
                if let Some(p) = self.person_mut(*owner) {
                    p.contacts.set(*target, true);
                    if *share_phone && !already {
                        let phone_number = &mut p.settings[PrivacyKey::PhoneNumber];
                        if !phone_number.set {
                            phone_number.put(&MY_CONTACTS, ids);
                        }
                        phone_number.put_first(*target, ids);
                    }
                }
            }
            (Op::DeleteContact { owner, target }, _) => {
                if let Some(p) = self.person_mut(*owner) {
                    p.contacts.set(*target, false);
                    p.saved.set(*target, false);
                }
            }
            (Op::SetPrivacy { user, key, rules }, _) => {
                let ids = self.ids();
                if let Some(p) = self.person_mut(*user) {
                    p.settings[*key].put(rules, ids);
                }
            }
            (Op::ImportContacts { .. }, _)
            | (Op::QueryMember { .. }, _)
            | (Op::ListMembers { .. }, _)
            | (Op::ResolvePhone { .. }, _) => {}
        }
    }

    /// Appends the books' encoding with every user renamed by `perm`
    /// (their numbers with them): explore's key of a judge, since the
    /// judge's books decide every later check. False for worlds over 64
    /// users. Settings are encoded as their clauses, the defaults spelled
    /// out, so a default and the same value set explicitly encode alike.
    pub fn state_words(&self, perm: &[UserId], out: &mut Vec<u64>) -> bool {
        let n = self.phones.len();
        if n > 64 || perm.len() != n {
            return false;
        }
        let mut inv = [0usize; 64];
        for (u, p) in perm.iter().enumerate() {
            inv[p.0 as usize] = u;
        }
        let mask = |set: &Users| -> u64 {
            (0..n).filter(|u| set.contains(UserId(*u as u32))).fold(0, |m, u| m | 1 << perm[u].0)
        };
        out.push(n as u64);
        out.push(self.odd_links.len() as u64);
        for g in &self.groups[..self.group_count] {
            out.push(mask(g));
        }
        for &user in &inv[..n] {
            let p = &self.people[user];
            out.push(mask(&p.contacts));
            out.push(mask(&p.saved));
            out.push(mask(&p.knows));
            for (key, setting) in p.settings.iter() {
                let clauses = setting.get().unwrap_or(default_clauses(key));
                out.push(clauses.len() as u64);
                for c in clauses {
                    let whom = match c.whom {
                        Whom::Everyone => 0,
                        Whom::Contacts => 1,
                        Whom::Named => 2,
                        Whom::Members => 3,
                    };
                    out.push(whom << 1 | u64::from(c.allow));
                    match c.whom {
                        Whom::Everyone | Whom::Contacts => {}
                        Whom::Named => out.push(mask(&c.named)),
                        Whom::Members => out.push(c.named.words.first().copied().unwrap_or(0)),
                    }
                }
            }
        }
        true
    }

    /// A number about `user` that renaming users cannot change: the
    /// groups they are in, how many contacts, saved numbers and known
    /// links they hold and how many hold them, and the shape of their
    /// settings. Equal for a user and their image under any renaming.
    pub fn user_signature(&self, user: UserId) -> u64 {
        let Some(p) = self.person(user) else { return 0 };
        let n = self.phones.len();
        let count = |set: &Users| set.words.iter().map(|w| u64::from(w.count_ones())).sum::<u64>();
        let held =
            |f: &dyn Fn(&Person) -> &Users| self.people[..n].iter().filter(|q| f(q).contains(user)).count() as u64;
        let groups =
            (0..self.group_count as u32).fold(0u64, |m, g| m | u64::from(self.is_member(GroupId(g), user)) << g);
        let shape = |s: &Setting| {
            s.get()
                .map_or(0, |c| c.iter().fold(c.len() as u64, |h, c| h * 8 + (c.whom as u64) * 2 + u64::from(c.allow)))
        };
        let mut h = groups;
        for x in [count(&p.contacts), count(&p.saved), count(&p.knows), held(&|q| &q.contacts), held(&|q| &q.knows)]
            .into_iter()
            .chain(p.settings.into_iter().map(shape))
        {
            h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(x);
        }
        h
    }

    /// How many ids a named set holds: users and groups alike.
    fn ids(&self) -> usize {
        self.phones.len().max(self.group_count)
    }

    fn set_member(&mut self, group: GroupId, user: UserId, on: bool) {
        if let Some(g) = self.groups[..self.group_count].get_mut(group.0 as usize) {
            g.set(user, on);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    fn judge() -> Judge {
        Judge::new(&World::from_config(&WorldConfig { users: 3, groups: 1, unowned_numbers: 0 }))
    }

    /// S6: no rule matching denies; the first match decides.
    #[test]
    fn s6_first_match_decides_and_no_match_denies() {
        let mut j = judge();
        let (alice, bob, carol) = (UserId(0), UserId(1), UserId(2));
        let set = |j: &mut Judge, rules: Vec<Rule>| {
            let op = Op::SetPrivacy { user: alice, key: PrivacyKey::PhoneNumber, rules };
            j.record(&op, &Ok(Response::Done));
        };
        set(&mut j, vec![Rule::AllowUsers(vec![bob])]);
        assert!(j.allows(alice, PrivacyKey::PhoneNumber, bob));
        assert!(!j.allows(alice, PrivacyKey::PhoneNumber, carol), "no rule matches: deny");
        set(&mut j, vec![Rule::DisallowUsers(vec![bob]), Rule::AllowAll]);
        assert!(!j.allows(alice, PrivacyKey::PhoneNumber, bob));
        assert!(j.allows(alice, PrivacyKey::PhoneNumber, carol));
    }

    /// S7: group rules read membership at the moment of the check.
    #[test]
    fn s7_group_rules_are_live() {
        let mut j = judge();
        let (alice, bob) = (UserId(0), UserId(1));
        let op = Op::SetPrivacy {
            user: alice,
            key: PrivacyKey::PhoneNumber,
            rules: vec![Rule::AllowChatParticipants(vec![GroupId(0)])],
        };
        j.record(&op, &Ok(Response::Done));
        assert!(!j.allows(alice, PrivacyKey::PhoneNumber, bob));
        j.record(&Op::JoinGroup { user: bob, group: GroupId(0) }, &Ok(Response::Done));
        assert!(j.allows(alice, PrivacyKey::PhoneNumber, bob));
        j.record(&Op::LeaveGroup { user: bob, group: GroupId(0) }, &Ok(Response::Done));
        assert!(!j.allows(alice, PrivacyKey::PhoneNumber, bob));
    }

    /// S11 (revised): a stranger added with share_phone under My Contacts
    /// gets an exception that outlives the contact.
    #[test]
    fn s11_share_phone_is_judged_before_the_entry_exists() {
        let mut j = judge();
        let (alice, bob) = (UserId(0), UserId(1));
        j.record(&Op::AddContact { owner: alice, target: bob, share_phone: true }, &Ok(Response::Done));
        j.record(&Op::DeleteContact { owner: alice, target: bob }, &Ok(Response::Done));
        assert!(j.allows(alice, PrivacyKey::PhoneNumber, bob));
        assert!(!j.is_contact(alice, bob));
    }

    /// A failed operation changes nothing in the books.
    #[test]
    fn failed_operations_change_nothing() {
        let mut j = judge();
        let join = Op::JoinGroup { user: UserId(1), group: GroupId(0) };
        j.record(&join, &Err(ErrorCode::UserAlreadyParticipant));
        assert_eq!(j.precondition(&join), Some(Ok(())));
        j.record(&join, &Ok(Response::Done));
        assert_eq!(j.precondition(&join), Some(Err(ErrorCode::UserAlreadyParticipant)));
    }
}
