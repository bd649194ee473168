//! The typed, versioned fuzz input: what libFuzzer stores for the
//! `differential` and `legacy_canary` targets since issue 11.
//!
//! A fuzz input is one format byte ([`FORMAT_V1`]) followed by a compact,
//! hand-written encoding of a [`Run`]. Unlike the raw `arbitrary` format
//! ([`Run::from_fuzz_bytes`], where every byte string is some run and any
//! change to `Op` silently re-maps every stored input), this format is
//! *strict*: a byte string either is the encoding of exactly one valid run or
//! is refused with a [`FormatError`]. The structure-aware mutator
//! ([`crate::gen::mutate`]) works on decoded runs and re-encodes them, so
//! the fuzzer almost never produces bytes that do not decode.
//!
//! Why a hand encoding rather than postcard: the serde form of ids is text
//! (`"alice"`, `"+852 5100 0001"`, made for reviewable case files), so
//! postcard would store every number as a 14-byte string and every user as
//! a name; a second serde form would need wrapper types for every id. The
//! hand encoding is one byte per user, group and number (numbers as their
//! position in the world's numbering), 35 lines each way, and checks the
//! world's bounds while it reads.
//!
//! Layout (v1), all counts LEB128 (`u32`, shortest form only):
//!
//! ```text
//! 0xB1 users groups unowned  n_ops  op*
//! op := tag(0..=8) fields
//!   0 JoinGroup user group        1 LeaveGroup user group
//!   2 ImportContacts owner n slot*   (slot: 0..users = users' numbers, then unowned)
//!   3 AddContact owner target share(0|1)   4 DeleteContact owner target
//!   5 SetPrivacy user key(0|1) n rule*
//!       rule := 0 AllowAll | 1 DisallowAll | 2 AllowContacts | 3 DisallowContacts
//!             | 4 AllowUsers n user* | 5 DisallowUsers n user*
//!             | 6 AllowChatParticipants n group* | 7 DisallowChatParticipants n group*
//!   6 QueryMember viewer group member   7 ListMembers viewer group
//!   8 ResolvePhone viewer slot
//! ```
//!
//! No trailing bytes. Every run that passes [`Run::check`] encodes, and
//! decodes back to itself (a property test below).

use crate::world::ids::{GroupId, Phone, UserId};
use crate::world::privacy::{Named, PrivacyKey, Rule};
use crate::world::run::{Run, World, WorldConfig};
use crate::world::{Op, OpKind};

/// The leading byte of a version-1 typed input. Chosen as a value that is
/// easy to spot in a hex dump; the raw format has no such byte (any byte
/// string is a raw run), so `privdiff replay` tells them apart by trying the
/// strict decoder first (see `cli::input`).
pub const FORMAT_V1: u8 = 0xB1;

/// The longest input the typed fuzz targets are given: the `max_len` of
/// `fuzz/options/differential.options` and `external.options` (a test
/// holds them equal). libFuzzer truncates a longer seed, and a truncated
/// typed input no longer decodes, so `privdiff seeds` leaves such a case
/// out of the seed corpus (it stays a regression case).
pub const MAX_INPUT_LEN: usize = 4096;

/// Why bytes are not a typed fuzz input. The fuzz targets reject such
/// inputs (`Corpus::Reject`) before running anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// No bytes at all.
    #[error("empty input")]
    Empty,
    /// The first byte is not a known format.
    #[error("unknown format byte {0:#04x} (expected {FORMAT_V1:#04x})")]
    UnknownFormat(u8),
    /// The input ends in the middle of a value.
    #[error("truncated at byte {0}")]
    Truncated(usize),
    /// A count is not in shortest LEB128 form or does not fit a `u32`.
    #[error("malformed count at byte {0}")]
    BadCount(usize),
    /// The world's sizes are outside the fuzz bounds.
    #[error("world out of bounds: {users} users, {groups} groups, {unowned} unowned numbers")]
    World {
        /// Users read.
        users: u8,
        /// Groups read.
        groups: u8,
        /// Unowned numbers read.
        unowned: u8,
    },
    /// A tag, flag or reference has a value that means nothing here.
    #[error("bad {what} {value} at byte {at}")]
    BadValue {
        /// What was being read.
        what: &'static str,
        /// The byte read.
        value: u8,
        /// Where.
        at: usize,
    },
    /// Bytes follow the last operation.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// Well-formed, but not a valid run ([`Run::check`]: more than
    /// `MAX_OPS` operations): the typed decoder accepts exactly the runs a
    /// case file may hold.
    #[error("not a valid run: {0}")]
    Invalid(crate::world::run::RunError),
}

/// Why a run cannot be encoded: it does not fit its world (see
/// [`Run::check`]), so no decoder could give it back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run cannot be encoded: {0}")]
pub struct EncodeError(pub crate::world::run::RunError);

/// Encodes a valid run as a typed fuzz input (format byte first).
pub fn encode(run: &Run) -> Result<Vec<u8>, EncodeError> {
    run.check().map_err(EncodeError)?;
    let world = World::from_config(&run.world);
    let mut out = Vec::with_capacity(8 + 4 * run.ops.len());
    out.push(FORMAT_V1);
    out.extend([run.world.users, run.world.groups, run.world.unowned_numbers]);
    count(&mut out, run.ops.len());
    for op in &run.ops {
        encode_op(&mut out, &world, op);
    }
    Ok(out)
}

/// The encoded length of a valid run, without building it: the measure of
/// the mutator's size budget, which [`encoded_len_of`] adds up operation by
/// operation.
pub fn encoded_len(run: &Run) -> usize {
    encoded_len_of(run.ops.len(), run.ops.iter().map(op_len).sum())
}

/// The encoded length of a run of `ops` operations whose encodings take
/// `body` bytes together: the header and the count come first.
pub fn encoded_len_of(ops: usize, body: usize) -> usize {
    4 + count_len(ops) + body
}

fn count_len(n: usize) -> usize {
    let mut len = 1;
    let mut n = n >> 7;
    while n > 0 {
        len += 1;
        n >>= 7;
    }
    len
}

/// The encoded length of one operation.
pub fn op_len(op: &Op) -> usize {
    match op {
        Op::JoinGroup { .. } | Op::LeaveGroup { .. } | Op::DeleteContact { .. } | Op::ListMembers { .. } => 3,
        Op::ResolvePhone { .. } => 3,
        Op::AddContact { .. } | Op::QueryMember { .. } => 4,
        Op::ImportContacts { phones, .. } => 2 + count_len(phones.len()) + phones.len(),
        Op::SetPrivacy { rules, .. } => {
            3 + count_len(rules.len())
                + rules
                    .iter()
                    .map(|r| match r {
                        Rule::AllowUsers(l) | Rule::DisallowUsers(l) => 1 + count_len(l.len()) + l.len(),
                        Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => {
                            1 + count_len(l.len()) + l.len()
                        }
                        _ => 1,
                    })
                    .sum::<usize>()
        }
    }
}

fn count(out: &mut Vec<u8>, n: usize) {
    let mut n = n as u64;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A number's position in the world's numbering (users' numbers, then the
/// unowned ones). The run was checked, so the number is one of them.
fn slot(world: &World, phone: Phone) -> u8 {
    let pos = world
        .phones
        .iter()
        .position(|p| *p == phone)
        .or_else(|| world.unowned.iter().position(|p| *p == phone).map(|i| i + world.phones.len()));
    pos.unwrap_or(0) as u8
}

fn encode_op(out: &mut Vec<u8>, world: &World, op: &Op) {
    let u = |x: &UserId| x.0 as u8;
    let g = |x: &GroupId| x.0 as u8;
    out.push(op.kind().tag());
    match op {
        Op::JoinGroup { user, group } => out.extend([u(user), g(group)]),
        Op::LeaveGroup { user, group } => out.extend([u(user), g(group)]),
        Op::ImportContacts { owner, phones } => {
            out.extend([u(owner)]);
            count(out, phones.len());
            out.extend(phones.iter().map(|p| slot(world, *p)));
        }
        Op::AddContact { owner, target, share_phone } => out.extend([u(owner), u(target), u8::from(*share_phone)]),
        Op::DeleteContact { owner, target } => out.extend([u(owner), u(target)]),
        Op::SetPrivacy { user, key, rules } => {
            out.extend([u(user), key.tag()]);
            count(out, rules.len());
            for rule in rules {
                out.push(rule.tag());
                match rule.named() {
                    Named::Nothing => {}
                    Named::Users(l) => {
                        count(out, l.len());
                        out.extend(l.iter().map(u));
                    }
                    Named::Groups(l) => {
                        count(out, l.len());
                        out.extend(l.iter().map(g));
                    }
                }
            }
        }
        Op::QueryMember { viewer, group, member } => out.extend([u(viewer), g(group), u(member)]),
        Op::ListMembers { viewer, group } => out.extend([u(viewer), g(group)]),
        Op::ResolvePhone { viewer, phone } => out.extend([u(viewer), slot(world, *phone)]),
    }
}

/// Decodes a typed fuzz input. Strict: any byte string that is not exactly
/// the encoding of a valid run is an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<Run, FormatError> {
    let (&format, _) = bytes.split_first().ok_or(FormatError::Empty)?;
    if format != FORMAT_V1 {
        return Err(FormatError::UnknownFormat(format));
    }
    let mut r = Reader { bytes, at: 1 };
    let (users, groups, unowned) = (r.byte()?, r.byte()?, r.byte()?);
    let config = WorldConfig { users, groups, unowned_numbers: unowned };
    if config.check().is_err() {
        return Err(FormatError::World { users, groups, unowned });
    }
    let world = World::from_config(&config);
    let n = r.count()?;
    if n > crate::world::run::MAX_OPS {
        return Err(FormatError::Invalid(crate::world::run::RunError::TooManyOps(n)));
    }
    // Every operation takes at least three bytes: never reserve more than
    // the input could hold.
    let mut ops = Vec::with_capacity(n.min(r.left() / 3));
    for _ in 0..n {
        ops.push(r.op(&world)?);
    }
    if r.left() > 0 {
        return Err(FormatError::Trailing(r.left()));
    }
    // `Reader::op` has refused every reference outside the world, so the
    // run passes `Run::check`, as a case file's must.
    Ok(Run { world: config, ops })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self) -> Result<u8, FormatError> {
        let b = *self.bytes.get(self.at).ok_or(FormatError::Truncated(self.at))?;
        self.at += 1;
        Ok(b)
    }

    fn count(&mut self) -> Result<usize, FormatError> {
        let start = self.at;
        let mut n: u64 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                // Shortest form only: a final zero byte after the first is padding.
                if (b == 0 && shift > 0) || n > u64::from(u32::MAX) {
                    return Err(FormatError::BadCount(start));
                }
                return Ok(n as usize);
            }
        }
        Err(FormatError::BadCount(start))
    }

    fn below(&mut self, what: &'static str, limit: u32) -> Result<u32, FormatError> {
        let at = self.at;
        let value = self.byte()?;
        if u32::from(value) < limit {
            Ok(u32::from(value))
        } else {
            Err(FormatError::BadValue { what, value, at })
        }
    }

    fn user(&mut self, w: &World) -> Result<UserId, FormatError> {
        self.below("user", w.user_count()).map(UserId)
    }

    fn group(&mut self, w: &World) -> Result<GroupId, FormatError> {
        self.below("group", w.groups).map(GroupId)
    }

    fn phone(&mut self, w: &World) -> Result<Phone, FormatError> {
        let total = (w.phones.len() + w.unowned.len()) as u32;
        self.below("number", total).map(|i| w.number_at(i as usize))
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, FormatError>) -> Result<Vec<T>, FormatError> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n.min(self.left()));
        for _ in 0..n {
            v.push(item(self)?);
        }
        Ok(v)
    }

    fn op(&mut self, w: &World) -> Result<Op, FormatError> {
        let tag = self.below("operation", OpKind::COUNT as u32)?;
        let Some(kind) = OpKind::from_tag(tag) else {
            return Err(FormatError::BadValue { what: "operation", value: tag as u8, at: self.at });
        };
        Ok(match kind {
            OpKind::JoinGroup => Op::JoinGroup { user: self.user(w)?, group: self.group(w)? },
            OpKind::LeaveGroup => Op::LeaveGroup { user: self.user(w)?, group: self.group(w)? },
            OpKind::ImportContacts => Op::ImportContacts { owner: self.user(w)?, phones: self.list(|r| r.phone(w))? },
            OpKind::AddContact => Op::AddContact {
                owner: self.user(w)?,
                target: self.user(w)?,
                share_phone: self.below("share_phone flag", 2)? == 1,
            },
            OpKind::DeleteContact => Op::DeleteContact { owner: self.user(w)?, target: self.user(w)? },
            OpKind::SetPrivacy => {
                let user = self.user(w)?;
                let tag = self.below("privacy key", PrivacyKey::ALL.len() as u32)?;
                let Some(key) = PrivacyKey::ALL.get(tag as usize).copied() else {
                    return Err(FormatError::BadValue { what: "privacy key", value: tag as u8, at: self.at });
                };
                let rules = self.list(|r| r.rule(w))?;
                Op::SetPrivacy { user, key, rules }
            }
            OpKind::QueryMember => {
                Op::QueryMember { viewer: self.user(w)?, group: self.group(w)?, member: self.user(w)? }
            }
            OpKind::ListMembers => Op::ListMembers { viewer: self.user(w)?, group: self.group(w)? },
            OpKind::ResolvePhone => Op::ResolvePhone { viewer: self.user(w)?, phone: self.phone(w)? },
        })
    }

    fn rule(&mut self, w: &World) -> Result<Rule, FormatError> {
        Ok(match self.below("rule", 8)? {
            0 => Rule::AllowAll,
            1 => Rule::DisallowAll,
            2 => Rule::AllowContacts,
            3 => Rule::DisallowContacts,
            4 => Rule::AllowUsers(self.list(|r| r.user(w))?),
            5 => Rule::DisallowUsers(self.list(|r| r.user(w))?),
            6 => Rule::AllowChatParticipants(self.list(|r| r.group(w))?),
            _ => Rule::DisallowChatParticipants(self.list(|r| r.group(w))?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::run::{MAX_GROUPS, MAX_OPS, MAX_UNOWNED, MAX_USERS};
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// The typed decoder holds the bounds a case file holds (one check of
    /// the world's, `MAX_OPS`): an input of more operations is refused.
    #[test]
    fn more_than_max_ops_is_refused() {
        let op = crate::world::Op::JoinGroup { user: crate::world::UserId(0), group: crate::world::GroupId(0) };
        let run = Run { world: WorldConfig { users: 2, groups: 1, unowned_numbers: 0 }, ops: vec![op; MAX_OPS] };
        let mut bytes = encode(&run).unwrap();
        assert_eq!(decode(&bytes).unwrap(), run);
        // One operation more: the count, then the op's bytes again.
        let one = encode(&Run { ops: vec![run.ops[0].clone()], ..run.clone() }).unwrap();
        let op_bytes = one[5..].to_vec();
        bytes[4] += 1;
        bytes.extend(op_bytes);
        assert!(matches!(decode(&bytes), Err(FormatError::Invalid(_))), "{:?}", decode(&bytes));
    }

    fn rule(users: u32, groups: u32) -> impl Strategy<Value = Rule> {
        let ul = move || vec((0..users).prop_map(UserId), 0..6);
        let gl = move || vec((0..groups).prop_map(GroupId), 0..6);
        prop_oneof![
            Just(Rule::AllowAll),
            Just(Rule::DisallowAll),
            Just(Rule::AllowContacts),
            Just(Rule::DisallowContacts),
            ul().prop_map(Rule::AllowUsers),
            ul().prop_map(Rule::DisallowUsers),
            gl().prop_map(Rule::AllowChatParticipants),
            gl().prop_map(Rule::DisallowChatParticipants),
        ]
    }

    /// Any valid run: every variant, every rule form, lists of any length
    /// (including more than 127 items, so counts take two bytes).
    fn any_valid_run() -> impl Strategy<Value = Run> {
        (1..=MAX_USERS, 1..=MAX_GROUPS, 0..=MAX_UNOWNED).prop_flat_map(|(users, groups, unowned_numbers)| {
            let config = WorldConfig { users, groups, unowned_numbers };
            let world = World::from_config(&config);
            let (nu, ng) = (world.user_count(), world.groups);
            let numbers: Vec<Phone> = world.phones.iter().chain(&world.unowned).copied().collect();
            let user = move || (0..nu).prop_map(UserId);
            let group = move || (0..ng).prop_map(GroupId);
            let phone = move || proptest::sample::select(numbers.clone());
            let key = || prop_oneof![Just(PrivacyKey::PhoneNumber), Just(PrivacyKey::AddedByPhone)];
            let op = prop_oneof![
                (user(), group()).prop_map(|(user, group)| Op::JoinGroup { user, group }),
                (user(), group()).prop_map(|(user, group)| Op::LeaveGroup { user, group }),
                (user(), prop_oneof![vec(phone(), 0..4), vec(phone(), 120..140)])
                    .prop_map(|(owner, phones)| Op::ImportContacts { owner, phones }),
                (user(), user(), any::<bool>()).prop_map(|(owner, target, share_phone)| Op::AddContact {
                    owner,
                    target,
                    share_phone
                }),
                (user(), user()).prop_map(|(owner, target)| Op::DeleteContact { owner, target }),
                (user(), key(), vec(rule(nu, ng), 0..5)).prop_map(|(user, key, rules)| Op::SetPrivacy {
                    user,
                    key,
                    rules
                }),
                (user(), group(), user()).prop_map(|(viewer, group, member)| Op::QueryMember { viewer, group, member }),
                (user(), group()).prop_map(|(viewer, group)| Op::ListMembers { viewer, group }),
                (user(), phone()).prop_map(|(viewer, phone)| Op::ResolvePhone { viewer, phone }),
            ];
            vec(op, 0..40).prop_map(move |ops| Run { world: config, ops })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

        /// decode(encode(run)) == run for every valid run, and the length
        /// the mutator budgets with is the real one.
        #[test]
        fn decode_inverts_encode_for_every_valid_run(run in any_valid_run()) {
            let bytes = encode(&run).unwrap();
            prop_assert_eq!(bytes[0], FORMAT_V1);
            prop_assert_eq!(bytes.len(), encoded_len(&run));
            prop_assert_eq!(decode(&bytes), Ok(run));
        }

        /// Any bytes after the format byte: an error or a valid run whose
        /// encoding is exactly those bytes (the format is canonical), never
        /// a panic.
        #[test]
        fn arbitrary_bytes_decode_to_a_valid_run_or_an_error(tail in vec(any::<u8>(), 0..64)) {
            let mut bytes = vec![FORMAT_V1];
            bytes.extend(&tail);
            if let Ok(run) = decode(&bytes) {
                prop_assert_eq!(run.check(), Ok(()));
                prop_assert_eq!(encode(&run).unwrap(), bytes);
            }
        }
    }

    #[test]
    fn malformed_inputs_are_refused_with_a_reason() {
        assert_eq!(decode(&[]), Err(FormatError::Empty));
        assert_eq!(decode(&[0x00, 1, 1, 0, 0]), Err(FormatError::UnknownFormat(0)));
        assert_eq!(decode(&[FORMAT_V1, 1, 1]), Err(FormatError::Truncated(3)));
        assert_eq!(decode(&[FORMAT_V1, 9, 1, 0, 0]), Err(FormatError::World { users: 9, groups: 1, unowned: 0 }));
        assert_eq!(decode(&[FORMAT_V1, 2, 1, 0, 0, 7]), Err(FormatError::Trailing(1)));
        // A user outside a world of two.
        assert_eq!(
            decode(&[FORMAT_V1, 2, 1, 0, 1, 0, 2, 0]),
            Err(FormatError::BadValue { what: "user", value: 2, at: 6 })
        );
        // One operation counted with a padded (non-shortest) count.
        assert_eq!(decode(&[FORMAT_V1, 2, 1, 0, 0x81, 0x00]), Err(FormatError::BadCount(4)));
        // A huge count is refused before anything is read or allocated.
        assert!(matches!(decode(&[FORMAT_V1, 2, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]), Err(FormatError::Invalid(_))));
    }

    #[test]
    fn a_run_outside_its_world_is_not_encoded() {
        let run = Run {
            world: WorldConfig { users: 2, groups: 1, unowned_numbers: 0 },
            ops: vec![Op::JoinGroup { user: UserId(5), group: GroupId(0) }],
        };
        assert!(encode(&run).is_err());
    }

    #[test]
    fn every_regression_case_round_trips() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/regressions");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let run = crate::corpus::case::Case::parse(&bytes).unwrap().run();
            assert_eq!(decode(&encode(&run).unwrap()), Ok(run));
            n += 1;
        }
        assert!(n >= 8);
    }
}
