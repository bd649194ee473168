//! The models under test: a messaging server's view of the privacy world,
//! in its legacy and patched versions.
//!
//! The data is held the way a server would hold it, so the same code serves
//! a three-user fuzz world and a 200,000-member public group with 10,000
//! imported numbers: a number -> user index, membership sets, per-user rule
//! lists compiled for lookup, per-user address books, and the set of links
//! each viewer has been shown. Everything is kept across resets (settings
//! in one arena of compiled rules, address books and knowledge in one
//! account per user, cleared lazily), so a warm server allocates nothing
//! per fuzz input. The two eras share all of it; the September
//! 2019 patch is the [`FindPolicy`] alone, as it was on the real service.
//!
//! Where SPEC is silent the models make the choices written down in
//! `docs/SPEC.md` ("Choices where the spec is silent"); the reference makes
//! the same ones.

use std::marker::PhantomData;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::models::spec_state::{SpecState, StoredRule, Whom};
use crate::models::usermap::UserSet;

use crate::models::faults::Faults;
use crate::models::implementation::{Implementation, TransportError};
use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{self, ByKey, PrivacyKey, Rule};
use crate::world::response::Slot;
use crate::world::response::{ErrorCode, ImportedContact, MemberView, Outcome, Response};
use crate::world::Era;
use crate::world::{Op, World};

/// Decides whether a viewer who supplies a user's number matches that user
/// (SPEC S15). The only thing the two eras do differently.
pub trait FindPolicy: 'static {
    /// The era this policy implements.
    const ERA: Era;
    /// The implementation's name in failures and stories.
    const NAME: &'static str;
    /// Whether `viewer`, supplying `target`'s number, matches `target`.
    fn may_find(state: &State, viewer: UserId, target: UserId) -> bool;
}

/// Before September 2019: supplying a number always matches its owner.
#[derive(Debug, Default, Clone, Copy)]
pub struct Legacy;

/// After the fix: the target's "who can find me" is honoured unless the
/// number is already known to the viewer.
#[derive(Debug, Default, Clone, Copy)]
pub struct Patched;

impl FindPolicy for Legacy {
    const ERA: Era = Era::Legacy;
    const NAME: &'static str = "legacy";
    fn may_find(_: &State, _: UserId, _: UserId) -> bool {
        true
    }
}

impl FindPolicy for Patched {
    const ERA: Era = Era::Patched;
    const NAME: &'static str = "patched";
    fn may_find(state: &State, viewer: UserId, target: UserId) -> bool {
        let (owner, asker) =
            if crate::fault!(state.faults, FindReversed) { (viewer, target) } else { (target, viewer) };
        state.allows(owner, PrivacyKey::AddedByPhone, asker)
            || (state.allows(target, PrivacyKey::PhoneNumber, viewer)
                && !crate::fault!(state.faults, FindIgnoresSee)
                && !crate::fault!(state.faults, S15DropsPhoneNumberClause))
            || (state.knows(viewer, target) && !crate::fault!(state.faults, FindIgnoresKnowledge))
            || (crate::fault!(state.faults, FirstUserFindable) && target.0 == 0)
    }
}

/// The legacy server (before September 2019).
pub type LegacyServer = Server<Legacy>;
/// The patched server (after September 2019).
pub type PatchedServer = Server<Patched>;

/// What a compiled rule matches (S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// Everyone.
    All,
    /// The owner's contacts (S2).
    Contacts,
    /// The users of the rule's id range, sorted and without repeats.
    Users,
    /// Members of the groups of the rule's id range (S7: live).
    Groups,
}

/// A rule compiled for lookup; the users or groups it names are
/// `ids[start..start + len]` of the [`Settings`] arena (empty otherwise).
#[derive(Debug, Clone, Copy)]
struct Compiled {
    matches: Match,
    allow: bool,
    start: usize,
    len: usize,
}

impl Compiled {
    const fn plain(matches: Match, allow: bool) -> Compiled {
        Compiled { matches, allow, start: 0, len: 0 }
    }
}

/// A stored setting: the rule list `rules[start..start + len]` of the
/// [`Settings`] arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Setting {
    start: usize,
    len: usize,
}

/// The presets' rules, at the front of every arena and never moved, so a
/// world where 200,000 users pick Everybody or Nobody stores nothing for
/// them but the range.
const PRESETS: [Compiled; 4] = [
    Compiled::plain(Match::All, true),
    Compiled::plain(Match::All, false),
    Compiled::plain(Match::Contacts, true),
    Compiled::plain(Match::All, false),
];
const EVERYBODY: Setting = Setting { start: 0, len: 1 };
const NOBODY: Setting = Setting { start: 1, len: 1 };
const MY_CONTACTS: Setting = Setting { start: 2, len: 2 };
const CONTACTS_ONLY: Setting = Setting { start: 2, len: 1 };

/// Whether the sorted id list `ids` holds `id`.
#[inline]
fn holds(ids: &[u32], id: u32) -> bool {
    if ids.len() <= 8 {
        ids.contains(&id)
    } else {
        ids.binary_search(&id).is_ok()
    }
}

/// Every user's two settings, compiled into one arena of rules and one of
/// named ids. A setting is a range, so storing one allocates nothing once
/// the arena has grown; a reset empties the arena and keeps its capacity.
/// Replaced settings leave garbage behind, compacted away once it outweighs
/// what is live and the number of users (so compaction, which walks every
/// user, costs amortised constant time per entry stored).
#[derive(Debug)]
struct Settings {
    /// Per user, per key (the defaults My Contacts and Everybody until
    /// changed, S5).
    of: Vec<ByKey<Setting>>,
    rules: Vec<Compiled>,
    ids: Vec<u32>,
    /// Entries of `rules` (past the presets) and `ids` no setting uses.
    garbage: usize,
    /// The arena's previous buffers, reused by the next compaction.
    spare_rules: Vec<Compiled>,
    spare_ids: Vec<u32>,
}

crate::reuse::clone_in_place!(Settings { of, rules, ids, garbage, spare_rules, spare_ids });

impl Settings {
    /// S5's defaults, in [`PrivacyKey::ALL`]'s order (a new key makes this
    /// array the wrong length: it cannot be forgotten).
    const DEFAULTS: ByKey<Setting> = ByKey([MY_CONTACTS, EVERYBODY]);

    fn new(users: usize) -> Settings {
        Settings {
            of: vec![Settings::DEFAULTS; users],
            rules: PRESETS.to_vec(),
            ids: Vec::new(),
            garbage: 0,
            spare_rules: Vec::new(),
            spare_ids: Vec::new(),
        }
    }

    fn reset(&mut self, users: usize) {
        self.of.clear();
        self.of.resize(users, Settings::DEFAULTS);
        self.rules.truncate(PRESETS.len());
        self.ids.clear();
        self.garbage = 0;
    }

    fn rules(&self, s: Setting) -> &[Compiled] {
        &self.rules[s.start..s.start + s.len]
    }

    fn named(&self, r: &Compiled) -> &[u32] {
        &self.ids[r.start..r.start + r.len]
    }

    /// Appends `rules` to the arena (a preset is only referred to).
    fn compile(&mut self, rules: &[Rule], faults: Faults) -> Setting {
        match rules {
            [Rule::AllowAll] => return EVERYBODY,
            [Rule::DisallowAll] => return NOBODY,
            [Rule::AllowContacts, Rule::DisallowAll] => return MY_CONTACTS,
            [Rule::AllowContacts] if crate::fault!(faults, LoneAllowContactsEverybody) => return EVERYBODY,
            [Rule::AllowContacts] => return CONTACTS_ONLY,
            _ => {}
        }
        let start = self.rules.len();
        for r in rules {
            let allow = r.allows_when_matched();
            let compiled = match r {
                Rule::AllowAll | Rule::DisallowAll => Compiled::plain(Match::All, allow),
                Rule::AllowContacts | Rule::DisallowContacts => Compiled::plain(Match::Contacts, allow),
                Rule::AllowUsers(l) | Rule::DisallowUsers(l) => {
                    let from = self.ids.len();
                    self.ids.extend(l.iter().map(|u| u.0));
                    self.ids[from..].sort_unstable();
                    let mut kept = from;
                    for i in from..self.ids.len() {
                        if kept == from || self.ids[i] != self.ids[kept - 1] {
                            self.ids[kept] = self.ids[i];
                            kept += 1;
                        }
                    }
                    self.ids.truncate(kept);
                    Compiled { matches: Match::Users, allow, start: from, len: kept - from }
                }
                Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => {
                    let from = self.ids.len();
                    self.ids.extend(l.iter().map(|g| g.0));
                    Compiled { matches: Match::Groups, allow, start: from, len: l.len() }
                }
            };
            self.rules.push(compiled);
        }
        Setting { start, len: self.rules.len() - start }
    }

    /// Appends a copy of rule `i` of the arena, with its own ids.
    fn push_copy(&mut self, i: usize) {
        let mut r = self.rules[i];
        let from = r.start;
        r.start = self.ids.len();
        self.ids.extend_from_within(from..from + r.len);
        self.rules.push(r);
    }

    /// S11's exception: `owner`'s `PhoneNumber` becomes `[AllowUsers
    /// [target]]` followed by what it was.
    fn share_with(&mut self, owner: UserId, target: UserId) {
        self.allow_in_front(owner, Match::Users, target.0);
    }

    /// `owner`'s `PhoneNumber` becomes an allow rule naming `id` (a user
    /// or a group, by `matches`) followed by what it was.
    fn allow_in_front(&mut self, owner: UserId, matches: Match, id: u32) {
        let old = self.of[owner.0 as usize][PrivacyKey::PhoneNumber];
        let start = self.rules.len();
        self.rules.push(Compiled { matches, allow: true, start: self.ids.len(), len: 1 });
        self.ids.push(id);
        for i in old.start..old.start + old.len {
            self.push_copy(i);
        }
        self.set(owner, PrivacyKey::PhoneNumber, Setting { start, len: old.len + 1 });
    }

    /// Stores `setting` as `user`'s `key`, counting what it replaces as
    /// garbage and compacting when the garbage outweighs the rest.
    fn set(&mut self, user: UserId, key: PrivacyKey, setting: Setting) {
        let old = std::mem::replace(&mut self.of[user.0 as usize][key], setting);
        if old.start < PRESETS.len() {
            return;
        }
        self.garbage += old.len + self.rules(old).iter().map(|r| r.len).sum::<usize>();
        let stored = self.rules.len() - PRESETS.len() + self.ids.len();
        if self.garbage * 2 > stored && self.garbage > self.of.len() + 1024 {
            self.compact();
        }
    }

    /// Copies every live custom setting into the spare buffers, in user
    /// order, and swaps them in.
    fn compact(&mut self) {
        let (mut rules, mut ids) = (std::mem::take(&mut self.spare_rules), std::mem::take(&mut self.spare_ids));
        rules.clear();
        ids.clear();
        rules.extend_from_slice(&PRESETS);
        for setting in self.of.iter_mut().flatten() {
            if setting.start < PRESETS.len() {
                continue;
            }
            let start = rules.len();
            for r in &self.rules[setting.start..setting.start + setting.len] {
                let mut r = *r;
                let from = r.start;
                r.start = ids.len();
                ids.extend_from_slice(&self.ids[from..from + r.len]);
                rules.push(r);
            }
            setting.start = start;
        }
        self.spare_rules = std::mem::replace(&mut self.rules, rules);
        self.spare_ids = std::mem::replace(&mut self.ids, ids);
        self.garbage = 0;
    }
}

/// A group's members as a bitset over user ids: constant-time membership
/// tests, and listing in user order by a linear scan that stays in cache.
#[derive(Debug)]
struct Members {
    bits: Vec<u64>,
}

crate::reuse::clone_in_place!(Members { bits });

impl Members {
    fn new(users: usize) -> Members {
        Members { bits: vec![0; users.div_ceil(64)] }
    }

    #[inline]
    fn contains(&self, u: &UserId) -> bool {
        let i = u.0 as usize;
        self.bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Adds `u`; false if already a member.
    fn insert(&mut self, u: UserId) -> bool {
        let (w, b) = (u.0 as usize / 64, 1u64 << (u.0 % 64));
        let fresh = self.bits[w] & b == 0;
        self.bits[w] |= b;
        fresh
    }

    /// Removes `u`; false if not a member.
    fn remove(&mut self, u: &UserId) -> bool {
        let (w, b) = (u.0 as usize / 64, 1u64 << (u.0 % 64));
        let was = self.bits[w] & b != 0;
        self.bits[w] &= !b;
        was
    }
}

/// Number -> user. Numbering plans hand out consecutive numbers, and when
/// a world's users hold consecutive numbers (every fuzz world does) the
/// lookup is a subtraction; any other world gets a hash map.
#[derive(Debug, Default)]
struct PhoneIndex {
    /// `Some(first)` when user `i`'s number is `first + i` for every user.
    consecutive: Option<u64>,
    users: u64,
    /// The index of a world whose numbers are not consecutive (else empty).
    map: HashMap<Phone, UserId>,
}

crate::reuse::clone_in_place!(PhoneIndex { consecutive, users, map });

impl PhoneIndex {
    fn reset(&mut self, phones: &[Phone]) {
        self.map.clear();
        self.users = phones.len() as u64;
        let consecutive = phones.windows(2).all(|w| w[0].0.checked_add(1) == Some(w[1].0));
        self.consecutive = if consecutive { Some(phones.first().map_or(0, |p| p.0)) } else { None };
        if self.consecutive.is_none() {
            self.map.extend(phones.iter().enumerate().map(|(i, p)| (*p, UserId(i as u32))));
        }
    }

    #[inline]
    fn get(&self, phone: Phone) -> Option<UserId> {
        match self.consecutive {
            Some(first) => {
                let i = phone.0.wrapping_sub(first);
                (i < self.users).then_some(UserId(i as u32))
            }
            None => self.map.get(&phone).copied(),
        }
    }
}

/// What the server holds for one user beyond their settings: their address
/// book (S3) and the links they have been shown (S17). Allocated on first
/// use, since most of a 200,000-member group never imports anything, and
/// kept across resets.
#[derive(Debug, Default)]
struct Account {
    /// The reset this account was last written in; an account of an
    /// earlier one counts as empty, so a reset need not visit accounts.
    epoch: u64,
    /// The users of the matched entries: the owner's contacts (S2).
    contacts: UserSet,
    /// The matched entries that hold a saved number. A number is saved
    /// only by the import that matched it, so it is that user's own.
    numbers: UserSet,
    /// Saved numbers that matched nobody the owner may find.
    unmatched: HashSet<Phone>,
    /// Users whose number the owner has been shown (S17).
    known: UserSet,
}

crate::reuse::clone_in_place!(Account { epoch, contacts, numbers, unmatched, known });

impl Account {
    fn clear(&mut self) {
        self.contacts.clear();
        self.numbers.clear();
        if !self.unmatched.is_empty() {
            self.unmatched.clear();
        }
        self.known.clear();
    }
}

/// What only planted faults write (`models::faults`); nothing at all in a
/// build without the `faults` feature. Part of the state's encoding, so
/// `explore` keys on it like on the rest.
#[cfg(feature = "faults")]
#[derive(Debug, Default, Clone)]
struct Planted {
    /// `view-knowledge-per-group`: per group, the members whose number a
    /// member view there has shown.
    shown_in: Vec<Members>,
    /// `refused-share-applied-later`: (owner, target) exceptions refused
    /// calls left pending, in the order they were left.
    pending: Vec<(UserId, UserId)>,
}

/// What only planted faults write: nothing, in this build.
#[cfg(not(feature = "faults"))]
#[derive(Debug, Default, Clone)]
struct Planted;

#[cfg(feature = "faults")]
impl Planted {
    fn reset(&mut self, groups: usize, users: usize) {
        let words = users.div_ceil(64);
        for m in &mut self.shown_in {
            m.bits.clear();
            m.bits.resize(words, 0);
        }
        if self.shown_in.len() < groups {
            self.shown_in.resize_with(groups, || Members::new(users));
        }
        self.pending.clear();
    }

    /// A refused call left `owner`'s exception for `target` pending.
    fn leave_pending(&mut self, owner: UserId, target: UserId) {
        if !self.pending.contains(&(owner, target)) {
            self.pending.push((owner, target));
        }
    }

    /// The first exception left pending for `owner`, taken out.
    fn take_pending(&mut self, owner: UserId) -> Option<UserId> {
        let i = self.pending.iter().position(|(o, _)| *o == owner)?;
        Some(self.pending.remove(i).1)
    }

    /// A member view in `group` has shown `member`'s number.
    fn shown(&mut self, group: GroupId, member: UserId) {
        self.shown_in[group.0 as usize].insert(member);
    }

    /// Whether a member view has shown `user`'s number in a group
    /// `viewer` is a member of (`members`, the world's groups).
    fn shown_to_a_group_of(&self, members: &[Members], viewer: UserId, user: UserId) -> bool {
        members.iter().zip(&self.shown_in).any(|(m, shown)| m.contains(&viewer) && shown.contains(&user))
    }

    /// Appends the planted state with every user renamed by `perm` (see
    /// [`State::state_words`], which checks the world's size first).
    fn state_words(&self, groups: usize, perm: &[UserId], out: &mut Vec<u64>) {
        let n = perm.len();
        for g in &self.shown_in[..groups] {
            out.push((0..n).filter(|u| g.contains(&UserId(*u as u32))).fold(0, |m, u| m | 1 << perm[u].0));
        }
        out.push(self.pending.len() as u64);
        let start = out.len();
        out.extend(
            self.pending.iter().map(|(o, t)| u64::from(perm[o.0 as usize].0) << 32 | u64::from(perm[t.0 as usize].0)),
        );
        out[start..].sort_unstable();
    }
}

#[cfg(not(feature = "faults"))]
impl Planted {
    fn reset(&mut self, _groups: usize, _users: usize) {}

    fn leave_pending(&mut self, _owner: UserId, _target: UserId) {}

    fn take_pending(&mut self, _owner: UserId) -> Option<UserId> {
        None
    }

    fn shown(&mut self, _group: GroupId, _member: UserId) {}

    fn shown_to_a_group_of(&self, _members: &[Members], _viewer: UserId, _user: UserId) -> bool {
        false
    }

    fn state_words(&self, _groups: usize, _perm: &[UserId], _out: &mut Vec<u64>) {}
}

/// Everything the server stores; era-independent.
#[derive(Debug)]
pub struct State {
    phones: Vec<Phone>,
    by_phone: PhoneIndex,
    members: Vec<Members>,
    /// How many groups the world has (`members` may hold spare ones).
    group_count: usize,
    settings: Settings,
    /// Per user, allocated on first use (see [`Account`]).
    accounts: Vec<Option<Box<Account>>>,
    /// The current reset (see [`Account::epoch`]).
    epoch: u64,
    /// The faults planted in this server (none outside tests and
    /// benchmarks; see `models::faults`), kept across resets.
    faults: Faults,
    /// What only planted faults write (empty without them).
    planted: Planted,
}

crate::reuse::clone_in_place!(State {
    phones,
    by_phone,
    members,
    group_count,
    settings,
    accounts,
    epoch,
    faults,
    planted
});

impl State {
    /// Starts over in `world`, keeping every allocation that can be kept.
    fn reset(&mut self, world: &World) {
        let n = world.phones.len();
        self.phones.clone_from(&world.phones);
        self.by_phone.reset(&world.phones);
        // Groups and accounts only grow: spare ones stay, cleared, so
        // that resetting between worlds of different sizes allocates nothing.
        self.group_count = world.groups as usize;
        let words = n.div_ceil(64);
        for m in &mut self.members {
            m.bits.clear();
            m.bits.resize(words, 0);
        }
        if self.members.len() < self.group_count {
            self.members.resize_with(self.group_count, || Members::new(n));
        }
        self.settings.reset(n);
        self.planted.reset(self.group_count, n);
        if self.accounts.len() < n {
            self.accounts.resize_with(n, || None);
        }
        self.epoch += 1;
    }

    fn new(world: &World) -> State {
        let mut by_phone = PhoneIndex::default();
        by_phone.reset(&world.phones);
        let n = world.phones.len();
        let mut planted = Planted::default();
        planted.reset(world.groups as usize, n);
        State {
            phones: world.phones.clone(),
            by_phone,
            members: vec![Members::new(n); world.groups as usize],
            group_count: world.groups as usize,
            settings: Settings::new(n),
            accounts: vec![None; n],
            epoch: 1,
            faults: Faults::NONE,
            planted,
        }
    }

    #[inline]
    fn exists(&self, u: UserId) -> bool {
        (u.0 as usize) < self.phones.len()
    }

    #[inline]
    fn group(&self, g: GroupId) -> Result<&Members, ErrorCode> {
        self.members[..self.group_count].get(g.0 as usize).ok_or(ErrorCode::ChannelInvalid)
    }

    #[inline]
    fn user(&self, u: UserId) -> Result<UserId, ErrorCode> {
        if self.exists(u) {
            Ok(u)
        } else {
            Err(ErrorCode::PeerIdInvalid)
        }
    }

    /// `u`'s account in this world, if anything was written to it.
    #[inline]
    fn account(&self, u: UserId) -> Option<&Account> {
        self.accounts.get(u.0 as usize)?.as_deref().filter(|a| a.epoch == self.epoch)
    }

    /// `u`'s account, to change it; `u` must exist.
    #[inline]
    fn account_mut(&mut self, u: UserId) -> &mut Account {
        let epoch = self.epoch;
        let account = self.accounts[u.0 as usize].get_or_insert_with(Default::default);
        if account.epoch != epoch {
            account.clear();
            account.epoch = epoch;
        }
        account
    }

    /// Whether `viewer` has been shown `user`'s number (S17).
    fn knows(&self, viewer: UserId, user: UserId) -> bool {
        self.account(viewer).is_some_and(|a| a.known.contains(user))
            || (crate::fault!(self.faults, ViewKnowledgePerGroup)
                && self.planted.shown_to_a_group_of(&self.members[..self.group_count], viewer, user))
    }

    fn learn(&mut self, viewer: UserId, user: UserId) {
        self.account_mut(viewer).known.insert(user);
    }

    /// `new-entry-drops-exceptions`, before `owner`'s book gains an entry
    /// for `target`: the tidy-up that drops each `AllowUsers` rule of
    /// `owner`'s `PhoneNumber` that the list without it allows anyway,
    /// judged now. Nothing, for a user already in the book.
    fn drop_redundant_exceptions(&mut self, owner: UserId, target: UserId) {
        if self.is_contact(owner, target) {
            return;
        }
        let setting = self.settings.of[owner.0 as usize][PrivacyKey::PhoneNumber];
        let rules = self.settings.rules(setting);
        let redundant: Vec<bool> = (0..rules.len())
            .map(|i| {
                let r = &rules[i];
                r.matches == Match::Users
                    && r.allow
                    && self.settings.named(r).iter().all(|&u| {
                        let without = self.decide(owner, &rules[..i], UserId(u));
                        without.or_else(|| self.decide(owner, &rules[i + 1..], UserId(u))) == Some(true)
                    })
            })
            .collect();
        if redundant.contains(&true) {
            let start = self.settings.rules.len();
            for (i, _) in redundant.iter().enumerate().filter(|(_, r)| !**r) {
                self.settings.push_copy(setting.start + i);
            }
            let kept = Setting { start, len: self.settings.rules.len() - start };
            self.settings.set(owner, PrivacyKey::PhoneNumber, kept);
        }
    }

    /// Whether `viewer` is in `owner`'s contacts (S2).
    #[inline]
    fn is_contact(&self, owner: UserId, viewer: UserId) -> bool {
        self.account(owner).is_some_and(|a| a.contacts.contains(viewer))
    }

    /// S6/S7: the first matching rule decides; no match denies.
    #[inline]
    pub fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        let Some(s) = self.settings.of.get(owner.0 as usize) else {
            return false;
        };
        self.decide(owner, self.settings.rules(s[key]), viewer).unwrap_or(crate::fault!(self.faults, S6NoMatchAllows))
    }

    /// The answer of the first of `rules` (a list of `owner`'s) that
    /// matches `viewer`, if one does.
    #[inline]
    fn decide(&self, owner: UserId, rules: &[Compiled], viewer: UserId) -> Option<bool> {
        for rule in rules {
            let matched =
                match rule.matches {
                    Match::All => true,
                    Match::Contacts => self.is_contact(owner, viewer),
                    Match::Users => holds(self.settings.named(rule), viewer.0),
                    Match::Groups => self.settings.named(rule).iter().any(|&g| {
                        self.members[..self.group_count].get(g as usize).is_some_and(|m| m.contains(&viewer))
                    }),
                };
            if matched {
                return Some(rule.allow);
            }
        }
        None
    }

    /// Appends this state's encoding with every user renamed by `perm`
    /// (user `u` becomes `perm[u]`, their number with them): explore's key
    /// of a server (issue 21). Two states with the same encoding under the
    /// identity answer every future operation alike; the encoding of a
    /// renamed state under the inverse renaming is the original's, so
    /// minimising over renamings is canonical. Covers everything an answer
    /// reads: memberships, settings as rule lists (named users renamed),
    /// address books (contacts, saved numbers, unmatched numbers) and
    /// knowledge. False (nothing appended) for worlds over 64 users.
    pub fn state_words(&self, perm: &[UserId], out: &mut Vec<u64>) -> bool {
        let n = self.phones.len();
        if n > 64 || perm.len() != n {
            return false;
        }
        let mut inv = [0usize; 64];
        for (u, p) in perm.iter().enumerate() {
            inv[p.0 as usize] = u;
        }
        let mask = |has: &dyn Fn(UserId) -> bool| -> u64 {
            (0..n).filter(|u| has(UserId(*u as u32))).fold(0, |m, u| m | 1 << perm[u].0)
        };
        out.push(n as u64);
        for g in &self.members[..self.group_count] {
            out.push(mask(&|u| g.contains(&u)));
        }
        for &user in &inv[..n] {
            let u = UserId(user as u32);
            match self.account(u) {
                None => out.extend_from_slice(&[0, 0, 0, 0]),
                Some(a) => {
                    out.push(mask(&|v| a.contacts.contains(v)));
                    out.push(mask(&|v| a.numbers.contains(v)));
                    out.push(mask(&|v| a.known.contains(v)));
                    out.push(a.unmatched.len() as u64);
                    let start = out.len();
                    out.extend(a.unmatched.iter().map(|p| match self.by_phone.get(*p) {
                        Some(owner) => u64::from(perm[owner.0 as usize].0),
                        None => (1 << 63) | p.0,
                    }));
                    out[start..].sort_unstable();
                }
            }
            for setting in &self.settings.of[user] {
                let rules = self.settings.rules(*setting);
                out.push(rules.len() as u64);
                for r in rules {
                    let kind = match r.matches {
                        Match::All => 0,
                        Match::Contacts => 1,
                        Match::Users => 2,
                        Match::Groups => 3,
                    };
                    out.push(kind << 1 | u64::from(r.allow));
                    let named = self.settings.named(r);
                    match r.matches {
                        Match::All | Match::Contacts => {}
                        Match::Users => out.push(mask(&|v| named.contains(&v.0))),
                        Match::Groups => out.push(named.iter().fold(0, |m, g| m | 1 << (g % 64))),
                    }
                }
            }
        }
        self.planted.state_words(self.group_count, perm, out);
        true
    }

    /// The state in SPEC's terms ([`crate::models::spec_state`]), for
    /// traces; `None` for worlds over [`SpecState::MAX_USERS`] users.
    pub fn spec_state(&self) -> Option<SpecState> {
        let n = self.phones.len();
        if n > SpecState::MAX_USERS {
            return None;
        }
        let users = || (0..n as u32).map(UserId);
        let mut out = SpecState::default();
        for (g, m) in self.members[..self.group_count].iter().enumerate() {
            out.members.extend(users().filter(|u| m.contains(u)).map(|u| (GroupId(g as u32), u)));
        }
        for owner in users() {
            if let Some(a) = self.account(owner) {
                out.contacts.extend(users().filter(|u| a.contacts.contains(*u)).map(|u| (owner, u)));
                out.saved.extend(users().filter(|u| a.numbers.contains(*u)).map(|u| (owner, u)));
                out.unmatched.extend(a.unmatched.iter().map(|p| (owner, *p)));
                out.knows.extend(users().filter(|u| a.known.contains(*u)).map(|u| (owner, u)));
            }
            for key in PrivacyKey::ALL {
                let rules = self.settings.rules(self.settings.of[owner.0 as usize][key]);
                let stored = rules.iter().map(|r| {
                    let whom = match r.matches {
                        Match::All => Whom::Everyone,
                        Match::Contacts => Whom::Contacts,
                        Match::Users => Whom::Users,
                        Match::Groups => Whom::Groups,
                    };
                    StoredRule::new(r.allow, whom, self.settings.named(r).iter().copied())
                });
                out.settings.insert((owner, key, stored.collect()));
            }
        }
        Some(out)
    }

    /// Compiles a rule list being stored (S13), as SPEC reads it or, with
    /// the S7 reading planted, with group rules frozen at this moment.
    fn compile_setting(&mut self, rules: &[Rule]) -> Setting {
        #[cfg(feature = "faults")]
        if crate::fault!(self.faults, S7GroupsFrozenAtSet) {
            let n = self.phones.len() as u32;
            let members = &self.members[..self.group_count];
            let is_member = |g: GroupId, u: UserId| members.get(g.0 as usize).is_some_and(|m| m.contains(&u));
            let frozen = crate::models::faults::freeze_groups(rules, n, &is_member);
            return self.settings.compile(&frozen, self.faults);
        }
        self.settings.compile(rules, self.faults)
    }

    /// The member as `viewer` sees them in `group` (S16); records the link
    /// if shown (S17).
    fn view(&mut self, viewer: UserId, group: GroupId, member: UserId) -> MemberView {
        let (is_contact, saved) =
            self.account(viewer).map_or((false, false), |a| (a.contacts.contains(member), a.numbers.contains(member)));
        let shown = viewer == member
            || self.allows(member, PrivacyKey::PhoneNumber, viewer)
            || saved
            || (crate::fault!(self.faults, UnsavedEntryShowsNumber) && is_contact);
        let phone = shown.then(|| self.phones[member.0 as usize]);
        if shown && viewer != member {
            self.learn(viewer, member);
            if crate::fault!(self.faults, ViewKnowledgePerGroup) {
                self.planted.shown(group, member);
            }
        }
        let is_contact = is_contact
            || (crate::fault!(self.faults, S16RefusedImportIsContact)
                && self.account(viewer).is_some_and(|a| a.unmatched.contains(&self.phones[member.0 as usize])));
        MemberView { user: member, is_contact, phone }
    }
}

/// A server model; the era is a type parameter so both share every line
/// except the find policy.
#[derive(Debug, Clone)]
pub struct Server<P: FindPolicy> {
    state: State,
    policy: PhantomData<P>,
}

impl<P: FindPolicy> Default for Server<P> {
    /// A server over an empty world; [`Implementation::reset`] gives it one.
    fn default() -> Self {
        Server::new(&World { phones: Vec::new(), groups: 0, unowned: Vec::new() })
    }
}

impl<P: FindPolicy> Server<P> {
    /// A server holding `world`: users registered, groups empty, settings
    /// at their defaults, address books empty.
    pub fn new(world: &World) -> Self {
        Server { state: State::new(world), policy: PhantomData }
    }

    /// A server over an empty world carrying `faults` (as this era's
    /// server receives them: [`Faults::for_server`]).
    pub fn with_faults(faults: Faults) -> Self {
        let mut server = Server::default();
        server.state.faults = faults.for_server(P::ERA);
        server
    }

    /// The faults this server carries.
    pub fn faults(&self) -> Faults {
        self.state.faults
    }

    /// Read access to the stored state (for oracles and scenarios).
    pub fn state(&self) -> &State {
        &self.state
    }

    fn import(&mut self, owner: UserId, phones: &[Phone], out: &mut Slot) -> Result<(), ErrorCode> {
        self.state.user(owner)?;
        let own = self.state.phones[owner.0 as usize];
        let faults = self.state.faults;
        let (matched, unmatched) = out.imported();
        for &phone in phones {
            if phone == own {
                continue;
            }
            let target = self.state.by_phone.get(phone);
            match target {
                Some(t) if P::may_find(&self.state, owner, t) => {
                    if crate::fault!(faults, NewEntryDropsExceptions) {
                        self.state.drop_redundant_exceptions(owner, t);
                    }
                    let account = self.state.account_mut(owner);
                    account.contacts.insert(t);
                    account.numbers.insert(t);
                    account.known.insert(t);
                    matched.push(ImportedContact { phone, user: t });
                }
                _ => {
                    let account = self.state.account_mut(owner);
                    if let (Some(t), true) = (target, crate::fault!(faults, RefusedImportLearns)) {
                        account.known.insert(t);
                    }
                    account.unmatched.insert(phone);
                    if !(target.is_some() && crate::fault!(self.state.faults, RefusedImportOmitted)) {
                        unmatched.push(phone);
                    }
                }
            }
        }
        if crate::fault!(self.state.faults, S10ImportAnswerReversed) {
            matched.reverse();
        }
        Ok(())
    }

    fn add_contact(&mut self, owner: UserId, target: UserId, share_phone: bool) -> Outcome {
        self.state.user(owner)?;
        self.state.user(target)?;
        let faults = self.state.faults;
        let in_book = self.state.is_contact(owner, target);
        // The first group the two share, when the book does not hold the
        // target: how the owner refers to them.
        let through = if in_book {
            None
        } else {
            self.state.members[..self.state.group_count].iter().position(|m| m.contains(&owner) && m.contains(&target))
        };
        let referable = owner != target && (in_book || through.is_some());
        if !referable {
            if crate::fault!(faults, RefusedAddKeepsEntry) && owner != target {
                self.state.account_mut(owner).contacts.insert(target);
            }
            if crate::fault!(faults, RefusedShareAppliedLater)
                && share_phone
                && owner != target
                && !self.state.allows(owner, PrivacyKey::PhoneNumber, target)
            {
                self.state.planted.leave_pending(owner, target);
            }
            return Err(ErrorCode::ContactIdInvalid);
        }
        // S11 (revised): the exception is judged before the entry exists.
        let mut allowed_before = self.state.allows(owner, PrivacyKey::PhoneNumber, target);
        if crate::fault!(faults, NewEntryDropsExceptions) {
            self.state.drop_redundant_exceptions(owner, target);
        }
        // A new entry holds no number; an existing one keeps its own.
        self.state.account_mut(owner).contacts.insert(target);
        if crate::fault!(faults, ShareJudgedAfterAdd) {
            allowed_before = self.state.allows(owner, PrivacyKey::PhoneNumber, target);
        }
        if share_phone && !allowed_before {
            match through {
                // The target as reached, (group, user); the exception
                // takes the group.
                Some(g) if crate::fault!(faults, ShareNamesTheGroup) => {
                    self.state.settings.allow_in_front(owner, Match::Groups, g as u32);
                }
                _ => self.state.settings.share_with(owner, target),
            }
        }
        if crate::fault!(faults, RefusedShareAppliedLater) {
            while let Some(left) = self.state.planted.take_pending(owner) {
                self.state.settings.share_with(owner, left);
            }
        }
        Ok(Response::Done)
    }

    fn resolve(&mut self, viewer: UserId, phone: Phone) -> Outcome {
        self.state.user(viewer)?;
        let Some(target) = self.state.by_phone.get(phone) else {
            return Err(ErrorCode::PhoneNotOccupied);
        };
        if target == viewer {
            return Ok(Response::Resolved { user: target });
        }
        if !P::may_find(&self.state, viewer, target) {
            if crate::fault!(self.state.faults, RefusedResolveLearns) {
                self.state.learn(viewer, target);
            }
            if crate::fault!(self.state.faults, RefusedResolveRestricted) {
                return Err(ErrorCode::UserPrivacyRestricted);
            }
            return Err(ErrorCode::PhoneNotOccupied);
        }
        self.state.learn(viewer, target);
        Ok(Response::Resolved { user: target })
    }
}

impl<P: FindPolicy> Implementation for Server<P> {
    fn name(&self) -> &str {
        P::NAME
    }

    fn era(&self) -> Era {
        P::ERA
    }

    fn reset(&mut self, world: &World) -> Result<(), TransportError> {
        self.state.reset(world);
        Ok(())
    }

    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
        if let Err(code) = self.answer(op, out) {
            out.fail(code);
        }
        Ok(())
    }

    fn state_words(&self, perm: &[UserId], out: &mut Vec<u64>) -> bool {
        self.state.state_words(perm, out)
    }

    fn spec_state(&self) -> Option<SpecState> {
        self.state.spec_state()
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn copy_state_from(&mut self, other: &dyn Implementation) -> bool {
        match other.as_any().and_then(|o| o.downcast_ref::<Server<P>>()) {
            Some(o) => {
                self.state.clone_from(&o.state);
                true
            }
            None => false,
        }
    }
}

impl<P: FindPolicy> Server<P> {
    /// Executes `op`, writing a response into `out` or returning the error.
    pub fn answer(&mut self, op: &Op, out: &mut Slot) -> Result<(), ErrorCode> {
        let s = &mut self.state;
        let done = match op {
            Op::JoinGroup { user, group } => {
                s.user(*user)?;
                s.group(*group)?;
                if !s.members[group.0 as usize].insert(*user) && !crate::fault!(s.faults, RejoinOk) {
                    return Err(ErrorCode::UserAlreadyParticipant);
                }
                Ok(Response::Done)
            }
            Op::LeaveGroup { user, group } => {
                s.user(*user)?;
                s.group(*group)?;
                if !s.members[group.0 as usize].remove(user) {
                    return Err(ErrorCode::UserNotParticipant);
                }
                Ok(Response::Done)
            }
            Op::ImportContacts { owner, phones } => return self.import(*owner, phones, out),
            Op::AddContact { owner, target, share_phone } => self.add_contact(*owner, *target, *share_phone),
            Op::DeleteContact { owner, target } => {
                s.user(*owner)?;
                s.user(*target)?;
                let faults = s.faults;
                if s.account(*owner).is_some() && !crate::fault!(faults, DeleteKeepsEntry) {
                    let account = s.account_mut(*owner);
                    account.contacts.remove(*target);
                    if !crate::fault!(faults, DeleteKeepsSavedNumber) {
                        account.numbers.remove(*target);
                    }
                }
                Ok(Response::Done)
            }
            Op::SetPrivacy { user, key, rules } => {
                s.user(*user)?;
                privacy::validate(*key, rules)?;
                let setting = s.compile_setting(rules);
                s.settings.set(*user, *key, setting);
                Ok(Response::Done)
            }
            Op::QueryMember { viewer, group, member } => {
                s.user(*viewer)?;
                s.user(*member)?;
                let members = s.group(*group)?;
                let looks_in = crate::fault!(s.faults, S14NoMembershipCheck)
                    || (members.contains(viewer)
                        && (members.contains(member) || crate::fault!(s.faults, QuerySkipsMemberCheck)));
                if !looks_in {
                    return Err(ErrorCode::UserNotParticipant);
                }
                Ok(Response::Member(s.view(*viewer, *group, *member)))
            }
            Op::ListMembers { viewer, group } => {
                s.user(*viewer)?;
                if !s.group(*group)?.contains(viewer) && !crate::fault!(s.faults, S14NoMembershipCheck) {
                    return Err(ErrorCode::UserNotParticipant);
                }
                let views = out.members();
                let words = s.members[group.0 as usize].bits.len();
                for w in 0..words {
                    let mut rest = s.members[group.0 as usize].bits[w];
                    while rest != 0 {
                        let member = UserId((w * 64) as u32 + rest.trailing_zeros());
                        rest &= rest - 1;
                        views.push(s.view(*viewer, *group, member));
                    }
                }
                return Ok(());
            }
            Op::ResolvePhone { viewer, phone } => self.resolve(*viewer, *phone),
        };
        out.set(Ok(done?));
        Ok(())
    }

    /// Whether `owner`'s setting `key` allows `viewer` by this server's own
    /// rule evaluation: for the scale scenario, which counts the attack's
    /// breaches where no judge's books fit. The fuzz oracle never asks.
    pub fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        self.state.allows(owner, key, viewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(phones: Vec<Phone>, groups: u32) -> World {
        World { phones, groups, unowned: Vec::new() }
    }

    fn apply<P: FindPolicy>(server: &mut Server<P>, op: Op) -> Outcome {
        let mut out = Slot::default();
        if let Err(code) = server.answer(&op, &mut out) {
            out.fail(code);
        }
        out.outcome().clone()
    }

    /// Settings replaced over and over leave garbage that compaction
    /// clears: the arena stays bounded and every answer stays right,
    /// including an S11 exception stacked on a custom list.
    #[test]
    fn replaced_settings_are_compacted_away() {
        let mut server = PatchedServer::new(&world((0..3).map(|i| UserId(i).planned_phone()).collect(), 1));
        let key = PrivacyKey::PhoneNumber;
        let lists = [
            vec![Rule::AllowUsers(vec![UserId(2), UserId(1), UserId(2)]), Rule::DisallowAll],
            vec![Rule::DisallowUsers(vec![UserId(1)]), Rule::AllowChatParticipants(vec![GroupId(0)])],
        ];
        assert_eq!(apply(&mut server, Op::JoinGroup { user: UserId(2), group: GroupId(0) }), Ok(Response::Done));
        for round in 0..5_000 {
            let rules = lists[round % 2].clone();
            assert_eq!(apply(&mut server, Op::SetPrivacy { user: UserId(0), key, rules }), Ok(Response::Done));
            let (one, two) = (server.allows(UserId(0), key, UserId(1)), server.allows(UserId(0), key, UserId(2)));
            assert_eq!((one, two), (round % 2 == 0, true), "round {round}");
            let settings = &server.state().settings;
            assert!(settings.rules.len() + settings.ids.len() < 3 * 1024, "round {round}: arena not compacted");
        }
        // The last list: [DisallowUsers [bob], AllowChatParticipants [#lobby]].
        assert_eq!(apply(&mut server, Op::JoinGroup { user: UserId(0), group: GroupId(0) }), Ok(Response::Done));
        let add = Op::AddContact { owner: UserId(0), target: UserId(2), share_phone: true };
        assert_eq!(apply(&mut server, add), Ok(Response::Done));
        assert!(server.allows(UserId(0), key, UserId(2)), "allowed before: no exception needed, list unchanged");
        assert!(!server.allows(UserId(0), key, UserId(1)));
        assert_eq!(apply(&mut server, Op::LeaveGroup { user: UserId(2), group: GroupId(0) }), Ok(Response::Done));
        assert!(!server.allows(UserId(0), key, UserId(2)), "S7: the group rule is live");
    }

    /// Ids past the word of bits and numbers that are not consecutive take
    /// the general paths: the hash index, the accounts' user maps.
    #[test]
    fn large_ids_and_scattered_numbers() {
        let phones: Vec<Phone> = (0..300u64).map(|i| Phone(447_700_900_000 + i * i)).collect();
        let mut server = PatchedServer::new(&world(phones.clone(), 1));
        let (viewer, hidden, shown) = (UserId(250), UserId(70), UserId(299));
        let nobody = Op::SetPrivacy { user: hidden, key: PrivacyKey::PhoneNumber, rules: privacy::nobody() };
        assert_eq!(apply(&mut server, nobody), Ok(Response::Done));
        let find = Op::SetPrivacy { user: hidden, key: PrivacyKey::AddedByPhone, rules: privacy::my_contacts() };
        assert_eq!(apply(&mut server, find), Ok(Response::Done));
        let import = Op::ImportContacts { owner: viewer, phones: vec![phones[70], phones[299], Phone(5)] };
        let matched = vec![ImportedContact { phone: phones[299], user: shown }];
        assert_eq!(
            apply(&mut server, import),
            Ok(Response::Imported { matched, unmatched: vec![phones[70], Phone(5)] })
        );
        assert!(server.state().knows(viewer, shown) && !server.state().knows(viewer, hidden));
        assert!(server.state().is_contact(viewer, shown));
        let resolve = Op::ResolvePhone { viewer, phone: phones[70] };
        assert_eq!(apply(&mut server, resolve), Err(ErrorCode::PhoneNotOccupied));
        assert_eq!(apply(&mut server, Op::DeleteContact { owner: viewer, target: shown }), Ok(Response::Done));
        assert!(!server.state().is_contact(viewer, shown) && server.state().knows(viewer, shown), "S12, S17");
        // A reset forgets it all, and consecutive numbers index by subtraction.
        server.reset(&world((0..3).map(|i| UserId(i).planned_phone()).collect(), 1)).expect("in process");
        assert!(!server.state().knows(viewer, shown) && server.state().by_phone.map.is_empty());
        assert_eq!(server.state().by_phone.get(UserId(2).planned_phone()), Some(UserId(2)));
        assert_eq!(server.state().by_phone.get(UserId(3).planned_phone()), None);
        assert_eq!(server.state().by_phone.get(phones[299]), None);
    }
}
