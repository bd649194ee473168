//! The reference: a deliberately simple, executable reading of SPEC, one
//! era at a time.
//!
//! Each operation is written as the SPEC paragraph that defines it, with
//! the rule id beside it. The books are relations with one bit per pair
//! (who is in which group, whose address book holds whom, who knows whose
//! number), so every question SPEC asks is one bit test, and a warm
//! reference allocates nothing per run. It shares no evaluation or validation code with [`crate::models::server`], so
//! the two can only agree by both being right (or wrong in the same way,
//! which D-4 and the invariants are there to catch). Simplicity over speed:
//! it is meant for fuzz-sized worlds.
//!
//! Where SPEC is silent, the reference makes the choices written down in
//! `docs/SPEC.md` ("Choices where the spec is silent"). It is an
//! [`Implementation`] like any other, so a test can plug in a broken one.

use crate::models::faults::Faults;
use crate::models::implementation::{Implementation, TransportError};
use crate::models::spec_state::{SpecState, StoredRule, Whom};
use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{ByKey, PrivacyKey, Rule, MAX_RULE_GROUPS, MAX_RULE_USERS};
use crate::world::response::Slot;
use crate::world::response::{ErrorCode, ImportedContact, MemberView, Response};
use crate::world::Era;
use crate::world::{Op, World};

mod state_words;

/// A relation between rows (users, or groups) and users, one bit per pair:
/// row `r`'s users are the bits of `words[r * stride..(r + 1) * stride]`.
/// Memberships, address books and knowledge are each one of these, so a
/// question such as "is `who` in `owner`'s contacts" is one bit test.
#[derive(Debug, Default)]
struct Relation {
    users: usize,
    stride: usize,
    words: Vec<u64>,
}

impl Clone for Relation {
    fn clone(&self) -> Relation {
        Relation { users: self.users, stride: self.stride, words: self.words.clone() }
    }

    fn clone_from(&mut self, source: &Relation) {
        self.users = source.users;
        self.stride = source.stride;
        self.words.clone_from(&source.words);
    }
}

impl Relation {
    /// Empties the relation for `rows` rows over `users` users.
    fn reset(&mut self, rows: usize, users: usize) {
        self.users = users;
        self.stride = users.div_ceil(64);
        self.words.clear();
        self.words.resize(rows * self.stride, 0);
    }

    fn word(&self, row: u32, user: UserId) -> Option<(usize, u64)> {
        let (row, col) = (row as usize, user.0 as usize);
        if col >= self.users {
            return None;
        }
        let i = row.checked_mul(self.stride)? + col / 64;
        (i < self.words.len()).then_some((i, 1 << (col % 64)))
    }

    /// Whether (`row`, `user`) is in the relation; false for a row or user
    /// outside it.
    fn holds(&self, row: u32, user: UserId) -> bool {
        self.word(row, user).is_some_and(|(i, bit)| self.words[i] & bit != 0)
    }

    /// Puts (`row`, `user`) in or out of the relation.
    fn set(&mut self, row: u32, user: UserId, on: bool) {
        if let Some((i, bit)) = self.word(row, user) {
            if on {
                self.words[i] |= bit;
            } else {
                self.words[i] &= !bit;
            }
        }
    }

    /// The users of `row`, in order.
    fn row(&self, row: u32) -> impl Iterator<Item = UserId> + '_ {
        let start = (row as usize * self.stride).min(self.words.len());
        let end = (start + self.stride).min(self.words.len());
        self.words[start..end].iter().enumerate().flat_map(|(w, word)| {
            let mut rest = *word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    UserId(w as u32 * 64 + bit)
                })
            })
        })
    }

    /// How many pairs the relation holds in `row`.
    fn count(&self, row: u32) -> u32 {
        let start = (row as usize * self.stride).min(self.words.len());
        let end = (start + self.stride).min(self.words.len());
        self.words[start..end].iter().map(|w| w.count_ones()).sum()
    }
}

/// Whom one stored rule matches (S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matches {
    /// `AllowAll`, `DisallowAll`.
    Everyone,
    /// `AllowContacts`, `DisallowContacts`: the owner's contacts (S2).
    Contacts,
    /// `AllowUsers`, `DisallowUsers`: the named users.
    Users,
    /// `AllowChatParticipants`, `DisallowChatParticipants`: members of the
    /// named groups at the moment of the check (S7).
    Groups,
}

/// One rule of a stored setting. The users or groups it names are the
/// slice `names[from..to]` of the reference's name list, so storing a
/// setting copies ids into a list kept across runs instead of allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    allow: bool,
    matches: Matches,
    from: u32,
    to: u32,
}

impl Stored {
    const fn new(allow: bool, matches: Matches) -> Stored {
        Stored { allow, matches, from: 0, to: 0 }
    }

    /// The rule's kind, numbered as [`Rule::tag`] numbers it.
    fn tag(&self) -> u8 {
        let kind = match self.matches {
            Matches::Everyone => 0,
            Matches::Contacts => 2,
            Matches::Users => 4,
            Matches::Groups => 6,
        };
        kind + u8::from(!self.allow)
    }
}

/// One of a user's settings: `set` is false while it is at its default
/// (S5). The rule list's allocation is kept across runs.
#[derive(Debug, Default)]
struct Setting {
    set: bool,
    rules: Vec<Stored>,
}

impl Clone for Setting {
    fn clone(&self) -> Setting {
        Setting { set: self.set, rules: self.rules.clone() }
    }

    fn clone_from(&mut self, source: &Setting) {
        self.set = source.set;
        self.rules.clone_from(&source.rules);
    }
}

/// The reference world of one era. `clone_from` reuses every buffer: the
/// explorer copies a state into a scratch reference once per transition.
#[derive(Debug)]
pub struct Reference {
    era: Era,
    world: World,
    /// (group, member) (S4).
    members: Relation,
    /// (owner, user) for every matched address-book entry (S2, S3).
    contacts: Relation,
    /// (owner, user) for the matched entries that hold the user's number:
    /// those made by an import (S10); an added contact has none (S11).
    saved: Relation,
    /// (owner, number) of every unmatched entry (S3): stored as S10 says,
    /// though nothing reads them (no operation re-matches an old entry).
    unmatched: Vec<(UserId, Phone)>,
    /// Each user's settings, by key (S5, S13). Only the first `users` are
    /// this run's.
    settings: Vec<ByKey<Setting>>,
    /// The users and groups every stored rule names (see [`Stored`]).
    names: Vec<u32>,
    /// (viewer, user): links each viewer has learned (S17). The reference
    /// only ever shows a user's own number, so a user stands for the link.
    knows: Relation,
    /// A misreading of SPEC planted on purpose (readings only, never a
    /// server's bug; see `models::faults`): none outside tests.
    faults: Faults,
}

impl Clone for Reference {
    fn clone(&self) -> Reference {
        let mut r = Reference::new(self.era);
        r.clone_from(self);
        r
    }

    fn clone_from(&mut self, source: &Reference) {
        self.era = source.era;
        self.world.clone_from(&source.world);
        self.members.clone_from(&source.members);
        self.contacts.clone_from(&source.contacts);
        self.saved.clone_from(&source.saved);
        self.unmatched.clone_from(&source.unmatched);
        self.settings.clone_from(&source.settings);
        self.names.clone_from(&source.names);
        self.knows.clone_from(&source.knows);
        self.faults = source.faults;
    }
}

/// The defaults of S5, as stored rules.
const MY_CONTACTS: [Stored; 2] = [Stored::new(true, Matches::Contacts), Stored::new(false, Matches::Everyone)];
const EVERYBODY: [Stored; 1] = [Stored::new(true, Matches::Everyone)];

impl Reference {
    /// A reference of `era` over an empty world; [`Implementation::reset`]
    /// gives it one.
    pub fn new(era: Era) -> Reference {
        Reference {
            era,
            world: World { phones: Vec::new(), groups: 0, unowned: Vec::new() },
            members: Relation::default(),
            contacts: Relation::default(),
            saved: Relation::default(),
            unmatched: Vec::new(),
            settings: Vec::new(),
            names: Vec::new(),
            knows: Relation::default(),
            faults: Faults::NONE,
        }
    }

    /// A reference of `era` that reads SPEC with the readings of `faults`
    /// (its server bugs are dropped: a reference never gets those).
    pub fn with_reading(era: Era, faults: Faults) -> Reference {
        Reference { faults: faults.readings(), ..Reference::new(era) }
    }

    /// A reference of `era` at the start of a run in `world`.
    pub fn in_world(world: &World, era: Era) -> Reference {
        let mut r = Reference::new(era);
        r.start(world);
        r
    }

    /// Forgets everything and starts over in `world`, keeping allocations.
    fn start(&mut self, world: &World) {
        self.world.clone_from(world);
        let n = world.phones.len();
        self.members.reset(world.groups as usize, n);
        self.contacts.reset(n, n);
        self.saved.reset(n, n);
        self.knows.reset(n, n);
        self.unmatched.clear();
        if self.settings.len() < n {
            self.settings.resize_with(n, Default::default);
        }
        for s in self.settings.iter_mut().flatten() {
            s.set = false;
        }
        self.names.clear();
    }

    fn is_user(&self, u: UserId) -> bool {
        self.world.phone_of(u).is_some()
    }

    fn owner_of(&self, phone: Phone) -> Option<UserId> {
        self.world.phones.iter().position(|p| *p == phone).map(|i| UserId(i as u32))
    }

    fn is_member(&self, g: GroupId, u: UserId) -> bool {
        self.members.holds(g.0, u)
    }

    /// S2/S3: contacts(owner) are the users of owner's matched entries.
    fn in_contacts(&self, owner: UserId, who: UserId) -> bool {
        self.contacts.holds(owner.0, who)
    }

    /// S5: the user's setting, or the default.
    fn rules(&self, owner: UserId, key: PrivacyKey) -> &[Stored] {
        match self.settings[..self.world.phones.len()].get(owner.0 as usize) {
            Some(s) if s[key].set => &s[key].rules,
            Some(_) | None => match key {
                PrivacyKey::PhoneNumber => &MY_CONTACTS,
                PrivacyKey::AddedByPhone => &EVERYBODY,
            },
        }
    }

    /// The users or groups a stored rule names.
    fn named(&self, rule: &Stored) -> &[u32] {
        &self.names[rule.from as usize..rule.to as usize]
    }

    /// S6: walk the rules in order; the first that matches decides; none
    /// matching denies. S7: group rules look at membership now.
    fn rule_allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        for rule in self.rules(owner, key) {
            let matched = match rule.matches {
                Matches::Everyone => true,
                Matches::Contacts => self.in_contacts(owner, viewer),
                Matches::Users => self.named(rule).contains(&viewer.0),
                Matches::Groups => self.named(rule).iter().any(|g| self.is_member(GroupId(*g), viewer)),
            };
            if matched {
                return rule.allow;
            }
        }
        crate::fault!(self.faults, S6NoMatchAllows)
    }

    /// S13: records a setting, replacing the user's earlier one.
    fn store_setting(&mut self, user: UserId, key: PrivacyKey, rules: &[Rule]) {
        #[cfg(feature = "faults")]
        if crate::fault!(self.faults, S7GroupsFrozenAtSet) {
            let frozen =
                crate::models::faults::freeze_groups(rules, self.world.user_count(), &|g, u| self.is_member(g, u));
            return self.put_setting(user, key, &frozen);
        }
        self.put_setting(user, key, rules)
    }

    fn put_setting(&mut self, user: UserId, key: PrivacyKey, rules: &[Rule]) {
        let Some(setting) = self.settings.get_mut(user.0 as usize) else { return };
        let setting = &mut setting[key];
        setting.set = true;
        setting.rules.clear();
        for rule in rules {
            let allow = rule.allows_when_matched();
            let from = self.names.len() as u32;
            let matches = match rule {
                Rule::AllowAll | Rule::DisallowAll => Matches::Everyone,
                Rule::AllowContacts | Rule::DisallowContacts => Matches::Contacts,
                Rule::AllowUsers(users) | Rule::DisallowUsers(users) => {
                    self.names.extend(users.iter().map(|u| u.0));
                    Matches::Users
                }
                Rule::AllowChatParticipants(groups) | Rule::DisallowChatParticipants(groups) => {
                    self.names.extend(groups.iter().map(|g| g.0));
                    Matches::Groups
                }
            };
            setting.rules.push(Stored { allow, matches, from, to: self.names.len() as u32 });
        }
    }

    /// S11: puts `AllowUsers({target})` in front of the owner's
    /// `PhoneNumber` setting (the default spelled out if it was unset).
    fn share_with(&mut self, owner: UserId, target: UserId) {
        let from = self.names.len() as u32;
        self.names.push(target.0);
        let Some(setting) = self.settings.get_mut(owner.0 as usize) else { return };
        let setting = &mut setting[PrivacyKey::PhoneNumber];
        if !setting.set {
            setting.set = true;
            setting.rules.clear();
            setting.rules.extend_from_slice(&MY_CONTACTS);
        }
        setting.rules.insert(0, Stored { allow: true, matches: Matches::Users, from, to: from + 1 });
    }

    /// S17: whether `viewer` has learned `user`'s number.
    fn knows_link(&self, viewer: UserId, user: UserId) -> bool {
        self.knows.holds(viewer.0, user)
    }

    fn learn(&mut self, viewer: UserId, user: UserId) {
        if viewer != user {
            self.knows.set(viewer.0, user, true);
        }
    }

    /// S15: does `viewer`, supplying `target`'s number, match `target`?
    /// Legacy: always. Patched: if the number is already known to the
    /// viewer (the owner shows it to them, or they learned the link), or
    /// else if the owner lets them find it.
    fn find_allowed(&self, viewer: UserId, target: UserId) -> bool {
        if self.era == Era::Legacy {
            return true;
        }
        let shown_to_viewer = !crate::fault!(self.faults, S15DropsPhoneNumberClause)
            && self.rule_allows(target, PrivacyKey::PhoneNumber, viewer);
        let already_known = shown_to_viewer || self.knows_link(viewer, target);
        already_known || self.rule_allows(target, PrivacyKey::AddedByPhone, viewer)
    }

    /// S16: viewer sees target's number.
    fn number_visible(&self, viewer: UserId, target: UserId) -> bool {
        viewer == target
            || self.rule_allows(target, PrivacyKey::PhoneNumber, viewer)
            || self.saved.holds(viewer.0, target)
    }

    fn member_view(&mut self, viewer: UserId, member: UserId) -> MemberView {
        let phone = if self.number_visible(viewer, member) { self.world.phone_of(member) } else { None };
        if phone.is_some() {
            self.learn(viewer, member);
        }
        let is_contact = self.in_contacts(viewer, member)
            || (crate::fault!(self.faults, S16RefusedImportIsContact)
                && self.world.phone_of(member).is_some_and(|p| self.unmatched.contains(&(viewer, p))));
        MemberView { user: member, is_contact, phone }
    }

    /// The state in SPEC's terms ([`crate::models::spec_state`]): what a
    /// server's state is compared with in a trace. `None` for worlds over
    /// [`SpecState::MAX_USERS`] users.
    pub fn spec_state(&self) -> Option<SpecState> {
        let n = self.world.phones.len();
        if n > SpecState::MAX_USERS {
            return None;
        }
        let users = || (0..n as u32).map(UserId);
        let mut out = SpecState::default();
        for g in 0..self.world.groups {
            out.members.extend(self.members.row(g).map(|u| (GroupId(g), u)));
        }
        for owner in users() {
            out.contacts.extend(self.contacts.row(owner.0).map(|u| (owner, u)));
            out.saved.extend(self.saved.row(owner.0).map(|u| (owner, u)));
            out.knows.extend(self.knows.row(owner.0).map(|u| (owner, u)));
            for key in PrivacyKey::ALL {
                let stored = self.rules(owner, key).iter().map(|r| {
                    let whom = match r.matches {
                        Matches::Everyone => Whom::Everyone,
                        Matches::Contacts => Whom::Contacts,
                        Matches::Users => Whom::Users,
                        Matches::Groups => Whom::Groups,
                    };
                    StoredRule::new(r.allow, whom, self.named(r).iter().copied())
                });
                out.settings.insert((owner, key, stored.collect()));
            }
        }
        out.unmatched.extend(self.unmatched.iter().copied());
        Some(out)
    }

    /// S8, written out: counts first, then AddedByPhone's accepted values.
    fn setting_error(key: PrivacyKey, rules: &[Rule]) -> Option<ErrorCode> {
        let mut users = 0;
        let mut groups = 0;
        for rule in rules {
            if let Rule::AllowUsers(l) | Rule::DisallowUsers(l) = rule {
                users += l.len();
            }
            if let Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) = rule {
                groups += l.len();
            }
        }
        if users > MAX_RULE_USERS || groups > MAX_RULE_GROUPS {
            return Some(ErrorCode::PrivacyTooLong);
        }
        if key == PrivacyKey::AddedByPhone {
            let everybody = rules == [Rule::AllowAll];
            let my_contacts = rules == [Rule::AllowContacts, Rule::DisallowAll] || rules == [Rule::AllowContacts];
            if !everybody && !my_contacts {
                return Some(ErrorCode::PrivacyValueInvalid);
            }
        }
        None
    }

    fn check_users(&self, users: &[UserId]) -> Result<(), ErrorCode> {
        if users.iter().all(|u| self.is_user(*u)) {
            Ok(())
        } else {
            Err(ErrorCode::PeerIdInvalid)
        }
    }

    fn check_group(&self, g: GroupId) -> Result<(), ErrorCode> {
        if g.0 < self.world.groups {
            Ok(())
        } else {
            Err(ErrorCode::ChannelInvalid)
        }
    }
}

impl Implementation for Reference {
    fn name(&self) -> &str {
        match self.era {
            Era::Legacy => "legacy reference",
            Era::Patched => "patched reference",
        }
    }

    fn era(&self) -> Era {
        self.era
    }

    fn reset(&mut self, world: &World) -> Result<(), TransportError> {
        self.start(world);
        Ok(())
    }

    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
        if let Err(code) = self.answer(op, out) {
            out.fail(code);
        }
        Ok(())
    }

    fn state_words(&self, perm: &[UserId], out: &mut Vec<u64>) -> bool {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<[u64; 3]>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SCRATCH.with(|s| self.canonical_snapshot_into(perm, out, &mut s.borrow_mut()));
        true
    }

    fn spec_state(&self) -> Option<SpecState> {
        Reference::spec_state(self)
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn copy_state_from(&mut self, other: &dyn Implementation) -> bool {
        match other.as_any().and_then(|o| o.downcast_ref::<Reference>()) {
            Some(o) => {
                self.clone_from(o);
                true
            }
            None => false,
        }
    }
}

impl Reference {
    /// One operation, as the SPEC paragraph that defines it; the response
    /// goes into `out`, an error code is returned. Long on purpose: one
    /// `match` arm per operation kind, each beside its SPEC paragraph, so
    /// the whole model can be read against the SPEC in one place.
    fn answer(&mut self, op: &Op, out: &mut Slot) -> Result<(), ErrorCode> {
        match *op {
            // S4, S9: membership is a set; a second join or a stray leave fails.
            Op::JoinGroup { user, group } => {
                self.check_users(&[user])?;
                self.check_group(group)?;
                if self.is_member(group, user) {
                    return Err(ErrorCode::UserAlreadyParticipant);
                }
                self.members.set(group.0, user, true);
                out.set(Ok(Response::Done));
            }
            Op::LeaveGroup { user, group } => {
                self.check_users(&[user])?;
                self.check_group(group)?;
                if !self.is_member(group, user) {
                    return Err(ErrorCode::UserNotParticipant);
                }
                self.members.set(group.0, user, false);
                out.set(Ok(Response::Done));
            }
            // S10: each number in turn; own number ignored; a refused match is
            // stored and answered exactly like an unregistered number (INV-3).
            Op::ImportContacts { owner, ref phones } => {
                self.check_users(&[owner])?;
                let (matched, unmatched) = out.imported();
                for &phone in phones {
                    if self.world.phone_of(owner) == Some(phone) {
                        continue;
                    }
                    let target = self.owner_of(phone);
                    if let Some(t) = target.filter(|t| self.find_allowed(owner, *t)) {
                        // The entry for t now holds the number (S3).
                        self.contacts.set(owner.0, t, true);
                        self.saved.set(owner.0, t, true);
                        self.learn(owner, t);
                        matched.push(ImportedContact { phone, user: t });
                    } else {
                        self.unmatched.push((owner, phone));
                        unmatched.push(phone);
                    }
                }
                if crate::fault!(self.faults, S10ImportAnswerReversed) {
                    matched.reverse();
                }
            }
            // S11: only someone the owner can reference. With share_phone the
            // owner's PhoneNumber gets AllowUsers({target}) in front, unless it
            // already allowed the target before this call (judged before the
            // new entry exists).
            Op::AddContact { owner, target, share_phone } => {
                self.check_users(&[owner, target])?;
                let share_group =
                    (0..self.world.groups).map(GroupId).any(|g| self.is_member(g, owner) && self.is_member(g, target));
                let in_book = self.in_contacts(owner, target);
                if owner == target || !(share_group || in_book) {
                    return Err(ErrorCode::ContactIdInvalid);
                }
                let allowed_before = self.rule_allows(owner, PrivacyKey::PhoneNumber, target);
                // An entry already there keeps its number; a new one has none.
                self.contacts.set(owner.0, target, true);
                if share_phone && !allowed_before {
                    self.share_with(owner, target);
                }
                out.set(Ok(Response::Done));
            }
            // S12: the entry goes; what was seen stays seen.
            Op::DeleteContact { owner, target } => {
                self.check_users(&[owner, target])?;
                self.contacts.set(owner.0, target, false);
                self.saved.set(owner.0, target, false);
                out.set(Ok(Response::Done));
            }
            // S13, validated by S8.
            Op::SetPrivacy { user, key, ref rules } => {
                self.check_users(&[user])?;
                if let Some(code) = Self::setting_error(key, rules) {
                    return Err(code);
                }
                self.store_setting(user, key, rules);
                out.set(Ok(Response::Done));
            }
            // S14: viewer and member must both be in the group.
            Op::QueryMember { viewer, group, member } => {
                self.check_users(&[viewer, member])?;
                self.check_group(group)?;
                let looks_in = crate::fault!(self.faults, S14NoMembershipCheck)
                    || (self.is_member(group, viewer) && self.is_member(group, member));
                if !looks_in {
                    return Err(ErrorCode::UserNotParticipant);
                }
                let view = self.member_view(viewer, member);
                out.set(Ok(Response::Member(view)));
            }
            Op::ListMembers { viewer, group } => {
                self.check_users(&[viewer])?;
                self.check_group(group)?;
                if !self.is_member(group, viewer) && !crate::fault!(self.faults, S14NoMembershipCheck) {
                    return Err(ErrorCode::UserNotParticipant);
                }
                let views = out.members();
                for m in self.world.users() {
                    if self.is_member(group, m) {
                        views.push(self.member_view(viewer, m));
                    }
                }
            }
            // S14, S15, INV-3: one error for "nobody" and "refused".
            Op::ResolvePhone { viewer, phone } => {
                self.check_users(&[viewer])?;
                match self.owner_of(phone) {
                    Some(t) if t == viewer || self.find_allowed(viewer, t) => {
                        self.learn(viewer, t);
                        out.set(Ok(Response::Resolved { user: t }));
                    }
                    _ => return Err(ErrorCode::PhoneNotOccupied),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::generate::gen_run;
    use crate::gen::seed::SplitMix64;

    /// A relation over more than one word of users: bits land in their own
    /// row and word, rows list their users in order across words, and
    /// anything outside the relation is absent and ignored.
    #[test]
    fn relations_span_words_and_refuse_what_is_outside() {
        let mut r = Relation::default();
        r.reset(3, 130);
        let pairs = [(0, 0), (0, 63), (0, 64), (1, 129), (2, 65), (2, 1)];
        for (row, user) in pairs {
            r.set(row, UserId(user), true);
        }
        for row in 0..3 {
            for user in 0..130 {
                assert_eq!(r.holds(row, UserId(user)), pairs.contains(&(row, user)), "({row}, {user})");
            }
        }
        let listed: Vec<u32> = r.row(0).map(|u| u.0).collect();
        assert_eq!(listed, [0, 63, 64]);
        assert_eq!(r.row(2).map(|u| u.0).collect::<Vec<_>>(), [1, 65]);
        assert_eq!((r.count(0), r.count(1), r.count(2)), (3, 1, 2));
        r.set(3, UserId(0), true);
        r.set(0, UserId(130), true);
        r.set(0, UserId(1000), true);
        assert!(!r.holds(3, UserId(0)) && !r.holds(0, UserId(130)) && !r.holds(0, UserId(1000)));
        assert_eq!(r.row(3).count(), 0);
        r.set(0, UserId(64), false);
        assert_eq!(r.row(0).map(|u| u.0).collect::<Vec<_>>(), [0, 63]);
        let mut copy = Relation::default();
        copy.reset(1, 8);
        copy.clone_from(&r);
        assert_eq!((copy.users, copy.stride, &copy.words), (r.users, r.stride, &r.words));
        assert_eq!(r.clone().words, r.words);
    }

    /// A stored rule keeps its kind: explore's state keys number it as
    /// [`Rule::tag`] does, for every kind.
    #[test]
    fn stored_rules_keep_their_kind() {
        let world = World::from_config(&crate::world::WorldConfig { users: 2, groups: 1, unowned_numbers: 0 });
        let rules = [
            Rule::AllowAll,
            Rule::DisallowAll,
            Rule::AllowContacts,
            Rule::DisallowContacts,
            Rule::AllowUsers(vec![UserId(1)]),
            Rule::DisallowUsers(vec![UserId(1)]),
            Rule::AllowChatParticipants(vec![GroupId(0)]),
            Rule::DisallowChatParticipants(vec![GroupId(0)]),
        ];
        let mut r = Reference::in_world(&world, Era::Patched);
        r.store_setting(UserId(0), PrivacyKey::PhoneNumber, &rules);
        let tags: Vec<u8> = r.rules(UserId(0), PrivacyKey::PhoneNumber).iter().map(Stored::tag).collect();
        assert_eq!(tags, rules.iter().map(Rule::tag).collect::<Vec<_>>());
    }

    /// A copy of a reference (cloned, or copied over a reference that held
    /// another run) answers every later operation as the original does:
    /// the explorer steps copies instead of replaying.
    #[test]
    fn a_copied_reference_answers_as_the_original() {
        let mut rng = SplitMix64::new(11);
        for _ in 0..200 {
            let run = gen_run(&mut rng);
            let other = gen_run(&mut rng);
            let world = World::from_config(&run.world);
            for era in [Era::Legacy, Era::Patched] {
                let half = run.ops.len() / 2;
                let mut original = Reference::in_world(&world, era);
                let mut slot = Slot::default();
                for op in &run.ops[..half] {
                    original.apply(op, &mut slot).expect("in process");
                }
                let mut reused = Reference::in_world(&World::from_config(&other.world), era);
                for op in &other.ops {
                    reused.apply(op, &mut slot).expect("in process");
                }
                reused.clone_from(&original);
                let mut copies = [original.clone(), reused];
                let perm: Vec<UserId> = world.users().collect();
                for copy in &copies {
                    assert_eq!(copy.canonical_snapshot(&perm), original.canonical_snapshot(&perm));
                }
                for op in &run.ops[half..] {
                    original.apply(op, &mut slot).expect("in process");
                    for copy in &mut copies {
                        let mut theirs = Slot::default();
                        copy.apply(op, &mut theirs).expect("in process");
                        assert_eq!(theirs.outcome(), slot.outcome(), "{op:?}");
                    }
                }
            }
        }
    }
}
