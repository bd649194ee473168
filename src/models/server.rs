//! The models under test: a messaging server's view of the privacy world,
//! in its legacy and patched versions.
//!
//! The data is held the way a server would hold it, so the same code serves
//! a three-user fuzz world and a 200,000-member public group with 10,000
//! imported numbers: a number -> user index, membership sets, per-user rule
//! lists compiled for lookup, per-user address books, and the set of links
//! each viewer has been shown. The two eras share all of it; the September
//! 2019 patch is the [`FindPolicy`] alone, as it was on the real service.
//!
//! Where SPEC is silent the models make the choices written down in
//! `docs/SPEC.md` ("Choices where the spec is silent"); the reference makes
//! the same ones.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::models::usermap::UserMap;
use std::marker::PhantomData;

use crate::models::implementation::{Implementation, TransportError};
use crate::models::plant::{self, Misreading};
use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{self, PrivacyKey, Rule};
use crate::world::response::Slot;
use crate::world::response::{ErrorCode, ImportedContact, MemberView, Outcome, Response};
use crate::world::Era;
use crate::world::{Op, World};

/// Decides whether a viewer who supplies a user's number matches that user
/// (SPEC S15). The only thing the two eras do differently.
pub trait FindPolicy {
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
        state.allows(target, PrivacyKey::AddedByPhone, viewer)
            || (!plant::active(Misreading::S15DropsPhoneNumberClause)
                && state.allows(target, PrivacyKey::PhoneNumber, viewer))
            || state.knows(viewer, target)
    }
}

/// The legacy server (before September 2019).
pub type LegacyServer = Server<Legacy>;
/// The patched server (after September 2019).
pub type PatchedServer = Server<Patched>;

/// A rule compiled for membership tests in logarithmic time.
#[derive(Debug, Clone)]
enum Compiled {
    All(bool),
    Contacts(bool),
    Users(bool, BTreeSet<UserId>),
    Groups(bool, Vec<GroupId>),
}

/// A compiled rule list. The presets are shared statics, so a world where
/// 200,000 users pick Everybody or Nobody allocates nothing for them.
type Rules = Cow<'static, [Compiled]>;

static EVERYBODY: [Compiled; 1] = [Compiled::All(true)];
static NOBODY: [Compiled; 1] = [Compiled::All(false)];
static MY_CONTACTS: [Compiled; 2] = [Compiled::Contacts(true), Compiled::All(false)];
static CONTACTS_ONLY: [Compiled; 1] = [Compiled::Contacts(true)];

fn compile(rules: &[Rule]) -> Rules {
    match rules {
        [Rule::AllowAll] => return Cow::Borrowed(&EVERYBODY),
        [Rule::DisallowAll] => return Cow::Borrowed(&NOBODY),
        [Rule::AllowContacts, Rule::DisallowAll] => return Cow::Borrowed(&MY_CONTACTS),
        [Rule::AllowContacts] => return Cow::Borrowed(&CONTACTS_ONLY),
        _ => {}
    }
    let compiled: Vec<Compiled> = rules
        .iter()
        .map(|r| {
            let allow = r.allows_when_matched();
            match r {
                Rule::AllowAll | Rule::DisallowAll => Compiled::All(allow),
                Rule::AllowContacts | Rule::DisallowContacts => Compiled::Contacts(allow),
                Rule::AllowUsers(l) | Rule::DisallowUsers(l) => Compiled::Users(allow, l.iter().copied().collect()),
                Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => {
                    Compiled::Groups(allow, l.clone())
                }
            }
        })
        .collect();
    Cow::Owned(compiled)
}

/// A group's members as a bitset over user ids: constant-time membership
/// tests, and listing in user order by a linear scan that stays in cache.
#[derive(Debug, Clone)]
struct Members {
    bits: Vec<u64>,
}

impl Members {
    fn new(users: usize) -> Members {
        Members { bits: vec![0; users.div_ceil(64)] }
    }

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

/// One user's address book (S3).
#[derive(Debug, Default, Clone)]
struct Book {
    /// Matched entries: the user, with the saved number if any.
    matched: HashMap<UserId, Option<Phone>>,
    /// Saved numbers that matched nobody the owner may find.
    unmatched: HashSet<Phone>,
}

/// A user's two settings; `None` is the key's default, so a 200,000-user
/// world costs nothing until people change their settings.
#[derive(Debug, Default, Clone)]
struct Settings {
    phone_number: Option<Rules>,
    added_by_phone: Option<Rules>,
}

/// Everything the server stores; era-independent.
#[derive(Debug, Clone)]
pub struct State {
    phones: Vec<Phone>,
    by_phone: HashMap<Phone, UserId>,
    members: Vec<Members>,
    /// How many groups the world has (`members` may hold spare ones).
    group_count: usize,
    settings: Vec<Settings>,
    /// Address books, allocated on first use: most of a 200,000-member
    /// group never imports anything.
    books: Vec<Option<Box<Book>>>,
    /// viewer -> users whose number the viewer has been shown (S17).
    known: HashMap<UserId, UserMap<()>>,
}

impl State {
    /// Starts over in `world`, keeping every allocation that can be kept.
    fn reset(&mut self, world: &World) {
        let n = world.phones.len();
        self.phones.clone_from(&world.phones);
        self.by_phone.clear();
        self.by_phone.extend(world.phones.iter().enumerate().map(|(i, p)| (*p, UserId(i as u32))));
        // Groups and address books only grow: spare ones stay, cleared, so
        // that resetting between worlds of different sizes allocates nothing.
        self.group_count = world.groups as usize;
        for m in &mut self.members {
            m.bits.clear();
            m.bits.resize(n.div_ceil(64), 0);
        }
        if self.members.len() < self.group_count {
            self.members.resize_with(self.group_count, || Members::new(n));
        }
        self.settings.clear();
        self.settings.resize(n, Settings::default());
        for book in self.books.iter_mut().flatten() {
            book.matched.clear();
            book.unmatched.clear();
        }
        if self.books.len() < n {
            self.books.resize_with(n, || None);
        }
        self.known.values_mut().for_each(|k| k.clear());
    }

    fn new(world: &World) -> State {
        let n = world.phones.len();
        State {
            phones: world.phones.clone(),
            by_phone: world.phones.iter().enumerate().map(|(i, p)| (*p, UserId(i as u32))).collect(),
            members: vec![Members::new(n); world.groups as usize],
            group_count: world.groups as usize,
            settings: vec![Settings::default(); n],
            books: vec![None; n],
            known: HashMap::default(),
        }
    }

    fn exists(&self, u: UserId) -> bool {
        (u.0 as usize) < self.phones.len()
    }

    fn group(&self, g: GroupId) -> Result<&Members, ErrorCode> {
        self.members[..self.group_count].get(g.0 as usize).ok_or(ErrorCode::ChannelInvalid)
    }

    fn user(&self, u: UserId) -> Result<UserId, ErrorCode> {
        if self.exists(u) {
            Ok(u)
        } else {
            Err(ErrorCode::PeerIdInvalid)
        }
    }

    /// Whether `viewer` has been shown `user`'s number (S17).
    fn knows(&self, viewer: UserId, user: UserId) -> bool {
        self.known.get(&viewer).is_some_and(|k| k.contains(user))
    }

    fn learn(&mut self, viewer: UserId, user: UserId) {
        self.known.entry(viewer).or_default().insert(user, ());
    }

    /// Whether `viewer` is in `owner`'s contacts (S2).
    fn is_contact(&self, owner: UserId, viewer: UserId) -> bool {
        self.saved(owner, viewer).is_some()
    }

    /// `owner`'s matched entry for `user`: `Some(saved number, if any)`.
    fn saved(&self, owner: UserId, user: UserId) -> Option<Option<Phone>> {
        self.books[owner.0 as usize].as_ref()?.matched.get(&user).copied()
    }

    fn book_mut(&mut self, owner: UserId) -> &mut Book {
        self.books[owner.0 as usize].get_or_insert_with(Default::default)
    }

    /// S6/S7: the first matching rule decides; no match denies.
    pub fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        let Some(s) = self.settings.get(owner.0 as usize) else {
            return false;
        };
        let stored = match key {
            PrivacyKey::PhoneNumber => &s.phone_number,
            PrivacyKey::AddedByPhone => &s.added_by_phone,
        };
        let Some(rules) = stored else {
            return match key {
                PrivacyKey::PhoneNumber => self.is_contact(owner, viewer),
                PrivacyKey::AddedByPhone => true,
            };
        };
        for rule in rules.iter() {
            let (matched, allow) = match rule {
                Compiled::All(a) => (true, *a),
                Compiled::Contacts(a) => (self.is_contact(owner, viewer), *a),
                Compiled::Users(a, set) => (set.contains(&viewer), *a),
                Compiled::Groups(a, gs) => {
                    (gs.iter().any(|g| self.members.get(g.0 as usize).is_some_and(|m| m.contains(&viewer))), *a)
                }
            };
            if matched {
                return allow;
            }
        }
        plant::active(Misreading::S6NoMatchAllows)
    }

    /// S16: whether `viewer` sees `member`'s number.
    fn sees_number(&self, viewer: UserId, member: UserId) -> bool {
        let phone = self.phones[member.0 as usize];
        viewer == member
            || self.allows(member, PrivacyKey::PhoneNumber, viewer)
            || self.saved(viewer, member) == Some(Some(phone))
    }

    /// The member as `viewer` sees them; records the link if shown (S17).
    fn view(&mut self, viewer: UserId, member: UserId) -> MemberView {
        let phone = self.sees_number(viewer, member).then(|| self.phones[member.0 as usize]);
        if phone.is_some() && viewer != member {
            self.learn(viewer, member);
        }
        MemberView { user: member, is_contact: self.is_contact(viewer, member), phone }
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

    /// Read access to the stored state (for oracles and scenarios).
    pub fn state(&self) -> &State {
        &self.state
    }

    fn import(&mut self, owner: UserId, phones: &[Phone], out: &mut Slot) -> Result<(), ErrorCode> {
        self.state.user(owner)?;
        let own = self.state.phones[owner.0 as usize];
        let (matched, unmatched) = out.imported();
        for &phone in phones {
            if phone == own {
                continue;
            }
            let target = self.state.by_phone.get(&phone).copied();
            match target {
                Some(t) if P::may_find(&self.state, owner, t) => {
                    self.state.book_mut(owner).matched.insert(t, Some(phone));
                    self.state.learn(owner, t);
                    matched.push(ImportedContact { phone, user: t });
                }
                _ => {
                    self.state.book_mut(owner).unmatched.insert(phone);
                    unmatched.push(phone);
                }
            }
        }
        Ok(())
    }

    fn add_contact(&mut self, owner: UserId, target: UserId, share_phone: bool) -> Outcome {
        self.state.user(owner)?;
        self.state.user(target)?;
        let referable = owner != target
            && (self.state.is_contact(owner, target)
                || self.state.members[..self.state.group_count]
                    .iter()
                    .any(|m| m.contains(&owner) && m.contains(&target)));
        if !referable {
            return Err(ErrorCode::ContactIdInvalid);
        }
        // S11 (revised): the exception is judged before the entry exists.
        let allowed_before = self.state.allows(owner, PrivacyKey::PhoneNumber, target);
        self.state.book_mut(owner).matched.entry(target).or_insert(None);
        if share_phone && !allowed_before {
            let settings = &mut self.state.settings[owner.0 as usize];
            let old = settings.phone_number.take().unwrap_or(Cow::Borrowed(&MY_CONTACTS));
            let mut rules = vec![Compiled::Users(true, BTreeSet::from([target]))];
            rules.extend(old.iter().cloned());
            settings.phone_number = Some(Cow::Owned(rules));
        }
        Ok(Response::Done)
    }

    fn resolve(&mut self, viewer: UserId, phone: Phone) -> Outcome {
        self.state.user(viewer)?;
        let Some(&target) = self.state.by_phone.get(&phone) else {
            return Err(ErrorCode::PhoneNotOccupied);
        };
        if target == viewer {
            return Ok(Response::Resolved { user: target });
        }
        if !P::may_find(&self.state, viewer, target) {
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
}

impl<P: FindPolicy> Server<P> {
    /// Executes `op`, writing a response into `out` or returning the error.
    pub fn answer(&mut self, op: &Op, out: &mut Slot) -> Result<(), ErrorCode> {
        let s = &mut self.state;
        let done = match op {
            Op::JoinGroup { user, group } => {
                s.user(*user)?;
                s.group(*group)?;
                if !s.members[group.0 as usize].insert(*user) {
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
                if let Some(book) = s.books[owner.0 as usize].as_mut() {
                    book.matched.remove(target);
                }
                Ok(Response::Done)
            }
            Op::SetPrivacy { user, key, rules } => {
                s.user(*user)?;
                privacy::validate(*key, rules)?;
                let compiled = if plant::active(Misreading::S7GroupsFrozenAtSet) {
                    let n = s.phones.len() as u32;
                    let is_member = |g: GroupId, u: UserId| {
                        s.members[..s.group_count].get(g.0 as usize).is_some_and(|m| m.contains(&u))
                    };
                    compile(&plant::freeze_groups(rules, n, &is_member))
                } else {
                    compile(rules)
                };
                let settings = &mut s.settings[user.0 as usize];
                let slot = match key {
                    PrivacyKey::PhoneNumber => &mut settings.phone_number,
                    PrivacyKey::AddedByPhone => &mut settings.added_by_phone,
                };
                *slot = Some(compiled);
                Ok(Response::Done)
            }
            Op::QueryMember { viewer, group, member } => {
                s.user(*viewer)?;
                s.user(*member)?;
                let members = s.group(*group)?;
                let looks_in = plant::active(Misreading::S14NoMembershipCheck)
                    || (members.contains(viewer) && members.contains(member));
                if !looks_in {
                    return Err(ErrorCode::UserNotParticipant);
                }
                Ok(Response::Member(s.view(*viewer, *member)))
            }
            Op::ListMembers { viewer, group } => {
                s.user(*viewer)?;
                if !s.group(*group)?.contains(viewer) && !plant::active(Misreading::S14NoMembershipCheck) {
                    return Err(ErrorCode::UserNotParticipant);
                }
                let views = out.members();
                let words = s.members[group.0 as usize].bits.len();
                for w in 0..words {
                    let mut rest = s.members[group.0 as usize].bits[w];
                    while rest != 0 {
                        let member = UserId((w * 64) as u32 + rest.trailing_zeros());
                        rest &= rest - 1;
                        views.push(s.view(*viewer, member));
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
