//! The judge: a deliberately simple, executable reading of SPEC, one era at
//! a time.
//!
//! Everything is a flat list searched from the start; each operation is
//! written as the SPEC paragraph that defines it, with the rule id beside
//! it. It shares no evaluation or validation code with [`crate::models::server`], so
//! the two can only agree by both being right (or wrong in the same way,
//! which D-4 and the invariants are there to catch). Simplicity over speed:
//! it is meant for fuzz-sized worlds.
//!
//! Where SPEC is silent, the reference makes the choices written down in
//! `docs/SPEC.md` ("Choices where the spec is silent"). It is an
//! [`Implementation`] like any other, so a test can plug in a broken one.

use crate::models::implementation::{Implementation, TransportError};
use crate::models::plant::{self, Misreading};
use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{Named, PrivacyKey, Rule, MAX_RULE_GROUPS, MAX_RULE_USERS};
use crate::world::response::Slot;
use crate::world::response::{ErrorCode, ImportedContact, MemberView, Response};
use crate::world::Era;
use crate::world::{Op, World};

/// An address-book entry (S3): `user` is `None` for an unmatched entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    owner: UserId,
    user: Option<UserId>,
    phone: Option<Phone>,
}

/// The reference world of one era.
#[derive(Debug, Clone)]
pub struct Reference {
    era: Era,
    world: World,
    /// (group, member) pairs (S4).
    memberships: Vec<(GroupId, UserId)>,
    /// Every matched address-book entry of every user (S3).
    entries: Vec<Entry>,
    /// Every unmatched entry (S3): stored as S10 says, kept apart because
    /// nothing reads them (no operation re-matches an old entry).
    unmatched: Vec<Entry>,
    /// Settings that were set, newest last; absent means default (S5).
    /// Only the first `settings_len` are this run's; the rest are spare
    /// lists kept from earlier runs so that storing a setting reuses them.
    settings: Vec<(UserId, PrivacyKey, Vec<Rule>)>,
    settings_len: usize,
    /// (viewer, user, number) links each viewer has learned (S17).
    knows: Vec<(UserId, UserId, Phone)>,
}

/// The defaults of S5, as rule lists.
const MY_CONTACTS: [Rule; 2] = [Rule::AllowContacts, Rule::DisallowAll];
const EVERYBODY: [Rule; 1] = [Rule::AllowAll];

impl Reference {
    /// A reference of `era` over an empty world; [`Implementation::reset`]
    /// gives it one.
    pub fn new(era: Era) -> Reference {
        Reference {
            era,
            world: World { phones: Vec::new(), groups: 0, unowned: Vec::new() },
            memberships: Vec::new(),
            entries: Vec::new(),
            unmatched: Vec::new(),
            settings: Vec::new(),
            settings_len: 0,
            knows: Vec::new(),
        }
    }

    /// A reference of `era` at the start of a run in `world`.
    pub fn in_world(world: &World, era: Era) -> Reference {
        let mut r = Reference::new(era);
        r.world.clone_from(world);
        r
    }

    fn is_user(&self, u: UserId) -> bool {
        self.world.phone_of(u).is_some()
    }

    fn owner_of(&self, phone: Phone) -> Option<UserId> {
        self.world.users().find(|u| self.world.phone_of(*u) == Some(phone))
    }

    fn is_member(&self, g: GroupId, u: UserId) -> bool {
        self.memberships.contains(&(g, u))
    }

    /// S2/S3: contacts(owner) are the users of owner's matched entries.
    fn in_contacts(&self, owner: UserId, who: UserId) -> bool {
        self.entries.iter().any(|e| e.owner == owner && e.user == Some(who))
    }

    /// S5: the newest setting, or the default.
    fn rules(&self, owner: UserId, key: PrivacyKey) -> &[Rule] {
        for (u, k, rules) in self.settings[..self.settings_len].iter().rev() {
            if *u == owner && *k == key {
                return rules;
            }
        }
        match key {
            PrivacyKey::PhoneNumber => &MY_CONTACTS,
            PrivacyKey::AddedByPhone => &EVERYBODY,
        }
    }

    /// S6: walk the rules in order; the first that matches decides; none
    /// matching denies. S7: group rules look at membership now.
    fn rule_allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        for rule in self.rules(owner, key) {
            let decision = match rule {
                Rule::AllowAll => Some(true),
                Rule::DisallowAll => Some(false),
                Rule::AllowContacts if self.in_contacts(owner, viewer) => Some(true),
                Rule::DisallowContacts if self.in_contacts(owner, viewer) => Some(false),
                Rule::AllowUsers(users) if users.contains(&viewer) => Some(true),
                Rule::DisallowUsers(users) if users.contains(&viewer) => Some(false),
                Rule::AllowChatParticipants(gs) if gs.iter().any(|g| self.is_member(*g, viewer)) => Some(true),
                Rule::DisallowChatParticipants(gs) if gs.iter().any(|g| self.is_member(*g, viewer)) => Some(false),
                _ => None,
            };
            if let Some(d) = decision {
                return d;
            }
        }
        plant::active(Misreading::S6NoMatchAllows)
    }

    /// S13: records a setting as the newest one.
    fn store_setting(&mut self, user: UserId, key: PrivacyKey, rules: &[Rule]) {
        if plant::active(Misreading::S7GroupsFrozenAtSet) {
            let frozen = plant::freeze_groups(rules, self.world.user_count(), &|g, u| self.is_member(g, u));
            return self.push_setting(user, key, &frozen);
        }
        self.push_setting(user, key, rules)
    }

    fn push_setting(&mut self, user: UserId, key: PrivacyKey, rules: &[Rule]) {
        if self.settings_len == self.settings.len() {
            self.settings.push((user, key, Vec::new()));
        }
        let slot = &mut self.settings[self.settings_len];
        slot.0 = user;
        slot.1 = key;
        slot.2.clear();
        slot.2.extend_from_slice(rules);
        self.settings_len += 1;
    }

    /// S17: whether `viewer` has learned (user, phone).
    fn knows_link(&self, viewer: UserId, user: UserId, phone: Phone) -> bool {
        self.knows.contains(&(viewer, user, phone))
    }

    fn learn(&mut self, viewer: UserId, user: UserId, phone: Phone) {
        if viewer != user && !self.knows_link(viewer, user, phone) {
            self.knows.push((viewer, user, phone));
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
        let Some(phone) = self.world.phone_of(target) else { return false };
        let shown_to_viewer = !plant::active(Misreading::S15DropsPhoneNumberClause)
            && self.rule_allows(target, PrivacyKey::PhoneNumber, viewer);
        let already_known = shown_to_viewer || self.knows_link(viewer, target, phone);
        already_known || self.rule_allows(target, PrivacyKey::AddedByPhone, viewer)
    }

    /// S16: viewer sees target's number.
    fn number_visible(&self, viewer: UserId, target: UserId) -> bool {
        let phone = self.world.phone_of(target);
        viewer == target
            || self.rule_allows(target, PrivacyKey::PhoneNumber, viewer)
            || self.entries.iter().any(|e| e.owner == viewer && e.user == Some(target) && e.phone == phone)
    }

    fn member_view(&mut self, viewer: UserId, member: UserId) -> MemberView {
        let phone = if self.number_visible(viewer, member) { self.world.phone_of(member) } else { None };
        if let Some(p) = phone {
            self.learn(viewer, member, p);
        }
        MemberView { user: member, is_contact: self.in_contacts(viewer, member), phone }
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
        self.world.clone_from(world);
        self.memberships.clear();
        self.entries.clear();
        self.unmatched.clear();
        self.settings_len = 0;
        self.knows.clear();
        Ok(())
    }

    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
        if let Err(code) = self.answer(op, out) {
            out.fail(code);
        }
        Ok(())
    }
}

impl Reference {
    /// One operation, as the SPEC paragraph that defines it; the response
    /// goes into `out`, an error code is returned.
    fn answer(&mut self, op: &Op, out: &mut Slot) -> Result<(), ErrorCode> {
        match *op {
            // S4, S9: membership is a set; a second join or a stray leave fails.
            Op::JoinGroup { user, group } => {
                self.check_users(&[user])?;
                self.check_group(group)?;
                if self.is_member(group, user) {
                    return Err(ErrorCode::UserAlreadyParticipant);
                }
                self.memberships.push((group, user));
                out.set(Ok(Response::Done));
            }
            Op::LeaveGroup { user, group } => {
                self.check_users(&[user])?;
                self.check_group(group)?;
                if !self.is_member(group, user) {
                    return Err(ErrorCode::UserNotParticipant);
                }
                self.memberships.retain(|m| *m != (group, user));
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
                        self.entries.retain(|e| !(e.owner == owner && e.user == Some(t)));
                        self.entries.push(Entry { owner, user: Some(t), phone: Some(phone) });
                        self.learn(owner, t, phone);
                        matched.push(ImportedContact { phone, user: t });
                    } else {
                        self.unmatched.push(Entry { owner, user: None, phone: Some(phone) });
                        unmatched.push(phone);
                    }
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
                if !in_book {
                    self.entries.push(Entry { owner, user: Some(target), phone: None });
                }
                if share_phone && !allowed_before {
                    let mut rules = vec![Rule::AllowUsers(vec![target])];
                    rules.extend_from_slice(self.rules(owner, PrivacyKey::PhoneNumber));
                    self.store_setting(owner, PrivacyKey::PhoneNumber, &rules);
                }
                out.set(Ok(Response::Done));
            }
            // S12: the entry goes; what was seen stays seen.
            Op::DeleteContact { owner, target } => {
                self.check_users(&[owner, target])?;
                self.entries.retain(|e| !(e.owner == owner && e.user == Some(target)));
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
                let looks_in = plant::active(Misreading::S14NoMembershipCheck)
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
                if !self.is_member(group, viewer) && !plant::active(Misreading::S14NoMembershipCheck) {
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
                        self.learn(viewer, t, phone);
                        out.set(Ok(Response::Resolved { user: t }));
                    }
                    _ => return Err(ErrorCode::PhoneNotOccupied),
                }
            }
        }
        Ok(())
    }
}

/// For the exhaustive explorer (`crate::explore`): a canonical view of the
/// state, so that two runs that reached the same SPEC state (up to renaming
/// users) are recognised as one.
impl Reference {
    /// A canonical, hashable encoding of everything this reference's future
    /// answers depend on, with users renamed by `perm` (old user `i` becomes
    /// `perm[i]`, and user `i`'s number becomes user `perm[i]`'s number).
    ///
    /// Encoded as words in fixed sections: the era; memberships; matched
    /// address-book entries (owner, user, saved number or none); unmatched
    /// entries as a set of (owner, number) (they never match later, S1,
    /// but a server model stores them, so they are kept); each user's
    /// effective settings (S5: the newest one or the default, rules in order
    /// with renamed users); and the links each viewer knows (S17). Sets are
    /// sorted, so the insertion order of the flat lists does not matter.
    /// Numbers are coded by position: a user's number as the (renamed) user
    /// index, an unowned number as `users + j`, anything else by its digits
    /// offset past both. `perm` must be a permutation of the world's users.
    pub fn canonical_snapshot(&self, perm: &[UserId]) -> Vec<u64> {
        let mut out = Vec::with_capacity(64);
        self.canonical_snapshot_into(perm, &mut out, &mut Vec::new());
        out
    }

    /// [`Reference::canonical_snapshot`], appended to `out`; `scratch` is
    /// working space. The explorer reuses both, so that a key costs no
    /// allocation once warm.
    pub fn canonical_snapshot_into(&self, perm: &[UserId], out: &mut Vec<u64>, scratch: &mut Vec<[u64; 3]>) {
        const NONE: u64 = u64::MAX;
        let n = self.world.user_count() as u64;
        let user = |u: UserId| -> u64 { perm.get(u.0 as usize).map_or(u64::from(u.0), |p| u64::from(p.0)) };
        let phone = |p: Phone| -> u64 {
            if let Some(i) = self.world.phones.iter().position(|q| *q == p) {
                user(UserId(i as u32))
            } else if let Some(j) = self.world.unowned.iter().position(|q| *q == p) {
                n + j as u64
            } else {
                (1 << 48) + p.0
            }
        };
        // Triples (pairs padded with 0), sorted and deduplicated per section.
        fn section(out: &mut Vec<u64>, items: &mut Vec<[u64; 3]>, fill: impl Iterator<Item = [u64; 3]>) {
            items.clear();
            items.extend(fill);
            items.sort_unstable();
            items.dedup();
            out.push(items.len() as u64);
            items.iter().for_each(|i| out.extend_from_slice(i));
        }
        out.push(match self.era {
            Era::Legacy => 0,
            Era::Patched => 1,
        });
        section(out, scratch, self.memberships.iter().map(|(g, u)| [u64::from(g.0), user(*u), 0]));
        section(
            out,
            scratch,
            self.entries.iter().filter_map(|e| e.user.map(|t| [user(e.owner), user(t), e.phone.map_or(NONE, phone)])),
        );
        section(out, scratch, self.unmatched.iter().map(|e| [user(e.owner), e.phone.map_or(NONE, phone), 0]));
        // Settings in the order of the renamed users: new user j is old
        // user i with perm[i] == j.
        for j in 0..self.world.user_count() {
            let old = perm.iter().position(|p| p.0 == j).map_or(UserId(j), |i| UserId(i as u32));
            for key in [PrivacyKey::PhoneNumber, PrivacyKey::AddedByPhone] {
                let set = self.settings[..self.settings_len]
                    .iter()
                    .rev()
                    .find(|(u, k, _)| *u == old && *k == key)
                    .map(|(_, _, r)| r);
                match set {
                    // The default, spelled out: equal to setting it explicitly.
                    None => match key {
                        PrivacyKey::PhoneNumber => out.extend_from_slice(&[2, 1]),
                        PrivacyKey::AddedByPhone => out.push(0),
                    },
                    Some(rules) => {
                        for rule in rules {
                            out.push(u64::from(rule.tag()));
                            match rule.named() {
                                Named::Nothing => {}
                                Named::Users(l) => {
                                    out.push(l.len() as u64);
                                    out.extend(l.iter().map(|u| user(*u)));
                                }
                                Named::Groups(l) => {
                                    out.push(l.len() as u64);
                                    out.extend(l.iter().map(|g| u64::from(g.0)));
                                }
                            }
                        }
                    }
                }
                out.push(NONE);
            }
        }
        section(out, scratch, self.knows.iter().map(|(v, u, p)| [user(*v), user(*u), phone(*p)]));
    }

    /// A summary of `user`'s place in the state that renaming users cannot
    /// change: groups joined, counts of address-book entries owned and
    /// pointing at the user (with and without a saved number), distinct
    /// unmatched numbers, the shape of the user's settings (rule kinds and
    /// list lengths, no ids), and counts of links known as viewer and as
    /// subject. Users with different signatures are never swapped by a
    /// renaming that maps the state onto itself, which lets the explorer
    /// try only the renamings that sort users by signature.
    pub fn user_signature(&self, user: UserId) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        let mut groups: Vec<u32> = self.memberships.iter().filter(|(_, u)| *u == user).map(|(g, _)| g.0).collect();
        groups.sort_unstable();
        groups.hash(&mut h);
        let matched = |e: &&Entry| e.user.is_some();
        let owned: Vec<bool> =
            self.entries.iter().filter(matched).filter(|e| e.owner == user).map(|e| e.phone.is_some()).collect();
        let aimed: Vec<bool> =
            self.entries.iter().filter(|e| e.user == Some(user)).map(|e| e.phone.is_some()).collect();
        for side in [owned, aimed] {
            (side.len(), side.iter().filter(|p| **p).count()).hash(&mut h);
        }
        let mut unmatched: Vec<Phone> =
            self.unmatched.iter().filter(|e| e.owner == user).filter_map(|e| e.phone).collect();
        unmatched.sort_unstable();
        unmatched.dedup();
        unmatched.len().hash(&mut h);
        for key in [PrivacyKey::PhoneNumber, PrivacyKey::AddedByPhone] {
            for rule in self.rules(user, key) {
                let (tag, len) = match rule {
                    Rule::AllowAll => (0u8, 0),
                    Rule::DisallowAll => (1, 0),
                    Rule::AllowContacts => (2, 0),
                    Rule::DisallowContacts => (3, 0),
                    Rule::AllowUsers(l) => (4, l.len()),
                    Rule::DisallowUsers(l) => (5, l.len()),
                    Rule::AllowChatParticipants(l) => (6, l.len()),
                    Rule::DisallowChatParticipants(l) => (7, l.len()),
                };
                (tag, len).hash(&mut h);
            }
            0xffu8.hash(&mut h);
        }
        let as_viewer = self.knows.iter().filter(|(v, _, _)| *v == user).count();
        let as_subject = self.knows.iter().filter(|(_, u, _)| *u == user).count();
        (as_viewer, as_subject).hash(&mut h);
        h.finish()
    }
}
