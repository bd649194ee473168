//! The operation language: worlds, operations and runs (SPEC S1, S9-S14).
//!
//! A [`Run`] is a world configuration plus a sequence of [`Op`]s. Fuzz
//! inputs decode densely: every byte string is a valid, bounded run, because
//! indices are folded into the world after decoding ([`Run::from_fuzz_bytes`]).
//! The durable form of a run is its serde form (names, numbers, named
//! fields), never the raw bytes: adding a variant to [`Op`] re-maps how
//! `arbitrary` decodes old inputs.

use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, Phone, UserId, UNOWNED_NUMBER_BASE};
use crate::privacy::{PrivacyKey, Rule, RulesDisplay};

/// Most users a fuzz world has.
pub const MAX_USERS: u8 = 8;
/// Most groups a fuzz world has.
pub const MAX_GROUPS: u8 = 3;
/// Most numbers belonging to nobody a fuzz world has.
pub const MAX_UNOWNED: u8 = 4;
/// Most operations a decoded run holds; the rest of the input is ignored.
pub const MAX_OPS: usize = 64;
/// Most numbers one decoded import carries.
pub const MAX_IMPORT: usize = 32;

/// What a user does (SPEC S9-S14). Field names are the case-file keys.
#[derive(Arbitrary, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
#[serde(tag = "op", deny_unknown_fields)]
pub enum Op {
    /// S9: `user` joins the public `group`.
    JoinGroup {
        /// Who joins.
        user: UserId,
        /// The group joined.
        group: GroupId,
    },
    /// S9: `user` leaves `group`.
    LeaveGroup {
        /// Who leaves.
        user: UserId,
        /// The group left.
        group: GroupId,
    },
    /// S10: `owner` uploads numbers from their address book.
    ImportContacts {
        /// Whose address book.
        owner: UserId,
        /// The numbers, in order.
        phones: Vec<Phone>,
    },
    /// S11: `owner` adds `target` without a number, optionally sharing
    /// their own number with them.
    AddContact {
        /// Whose address book.
        owner: UserId,
        /// Who is added.
        target: UserId,
        /// `add_phone_privacy_exception`.
        share_phone: bool,
    },
    /// S12: `owner` removes `target` from their address book.
    DeleteContact {
        /// Whose address book.
        owner: UserId,
        /// Who is removed.
        target: UserId,
    },
    /// S13: `user` replaces one of their settings.
    SetPrivacy {
        /// Whose setting.
        user: UserId,
        /// Which setting.
        key: PrivacyKey,
        /// The new rule list (S6), validated by S8.
        rules: Vec<Rule>,
    },
    /// S14: `viewer` looks at one `member` of `group`.
    QueryMember {
        /// Who looks.
        viewer: UserId,
        /// Where.
        group: GroupId,
        /// At whom.
        member: UserId,
    },
    /// S14: `viewer` lists every member of `group`.
    ListMembers {
        /// Who looks.
        viewer: UserId,
        /// Where.
        group: GroupId,
    },
    /// S14: `viewer` asks who has `phone`.
    ResolvePhone {
        /// Who asks.
        viewer: UserId,
        /// The number supplied.
        phone: Phone,
    },
}

impl Op {
    /// The user who acts and sees the response.
    pub fn actor(&self) -> UserId {
        match *self {
            Op::JoinGroup { user, .. } | Op::LeaveGroup { user, .. } | Op::SetPrivacy { user, .. } => user,
            Op::ImportContacts { owner, .. } | Op::AddContact { owner, .. } | Op::DeleteContact { owner, .. } => owner,
            Op::QueryMember { viewer, .. } | Op::ListMembers { viewer, .. } | Op::ResolvePhone { viewer, .. } => viewer,
        }
    }

    /// The numbers the actor supplied in this operation (INV-1 (b)).
    pub fn supplied_phones(&self) -> &[Phone] {
        match self {
            Op::ImportContacts { phones, .. } => phones,
            Op::ResolvePhone { phone, .. } => std::slice::from_ref(phone),
            _ => &[],
        }
    }

    /// Whether the actor supplied `phone` in this operation (INV-1 (b)).
    pub fn supplies(&self, phone: Phone) -> bool {
        self.supplied_phones().contains(&phone)
    }

    /// The SPEC rule that defines this operation.
    pub fn spec_rule(&self) -> &'static str {
        match self {
            Op::JoinGroup { .. } | Op::LeaveGroup { .. } => "S9",
            Op::ImportContacts { .. } => "S10",
            Op::AddContact { .. } => "S11",
            Op::DeleteContact { .. } => "S12",
            Op::SetPrivacy { .. } => "S13",
            Op::QueryMember { .. } | Op::ListMembers { .. } | Op::ResolvePhone { .. } => "S14",
        }
    }

    /// The variant's name, e.g. `ImportContacts`.
    pub fn name(&self) -> &'static str {
        match self {
            Op::JoinGroup { .. } => "JoinGroup",
            Op::LeaveGroup { .. } => "LeaveGroup",
            Op::ImportContacts { .. } => "ImportContacts",
            Op::AddContact { .. } => "AddContact",
            Op::DeleteContact { .. } => "DeleteContact",
            Op::SetPrivacy { .. } => "SetPrivacy",
            Op::QueryMember { .. } => "QueryMember",
            Op::ListMembers { .. } => "ListMembers",
            Op::ResolvePhone { .. } => "ResolvePhone",
        }
    }
}

/// A reference an operation makes to something in the world.
#[derive(Debug)]
pub enum RefMut<'a> {
    /// A user (an actor, a target, or one named in a rule).
    User(&'a mut UserId),
    /// A group (where, or one named in a rule).
    Group(&'a mut GroupId),
    /// A supplied phone number.
    Phone(&'a mut Phone),
}

impl Op {
    /// Visits every user, group and number the operation refers to, in
    /// field order (the actor first). One walk serves folding fuzz inputs
    /// into the world, checking case files, and renaming users.
    pub fn visit_refs(&mut self, f: &mut dyn FnMut(RefMut<'_>)) {
        match self {
            Op::JoinGroup { user, group } | Op::LeaveGroup { user, group } => {
                f(RefMut::User(user));
                f(RefMut::Group(group));
            }
            Op::ImportContacts { owner, phones } => {
                f(RefMut::User(owner));
                phones.iter_mut().for_each(|p| f(RefMut::Phone(p)));
            }
            Op::AddContact { owner, target, .. } | Op::DeleteContact { owner, target } => {
                f(RefMut::User(owner));
                f(RefMut::User(target));
            }
            Op::SetPrivacy { user, rules, .. } => {
                f(RefMut::User(user));
                for rule in rules {
                    match rule {
                        Rule::AllowUsers(l) | Rule::DisallowUsers(l) => l.iter_mut().for_each(|u| f(RefMut::User(u))),
                        Rule::AllowChatParticipants(l) | Rule::DisallowChatParticipants(l) => {
                            l.iter_mut().for_each(|g| f(RefMut::Group(g)))
                        }
                        _ => {}
                    }
                }
            }
            Op::QueryMember { viewer, group, member } => {
                f(RefMut::User(viewer));
                f(RefMut::Group(group));
                f(RefMut::User(member));
            }
            Op::ListMembers { viewer, group } => {
                f(RefMut::User(viewer));
                f(RefMut::Group(group));
            }
            Op::ResolvePhone { viewer, phone } => {
                f(RefMut::User(viewer));
                f(RefMut::Phone(phone));
            }
        }
    }
}

/// Tells the operation as a sentence: "alice imports +852 5100 0002".
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::JoinGroup { user, group } => write!(f, "{user} joins {group}"),
            Op::LeaveGroup { user, group } => write!(f, "{user} leaves {group}"),
            Op::ImportContacts { owner, phones } => {
                let list: Vec<String> = phones.iter().map(|p| p.to_string()).collect();
                write!(f, "{owner} imports contacts [{}]", list.join(", "))
            }
            Op::AddContact { owner, target, share_phone } => {
                write!(f, "{owner} adds {target} as a contact")?;
                if *share_phone {
                    f.write_str(", sharing their own number")?;
                }
                Ok(())
            }
            Op::DeleteContact { owner, target } => write!(f, "{owner} deletes contact {target}"),
            Op::SetPrivacy { user, key, rules } => {
                write!(f, "{user} sets \"{key}\" to {}", RulesDisplay(rules))
            }
            Op::QueryMember { viewer, group, member } => write!(f, "{viewer} looks at {member} in {group}"),
            Op::ListMembers { viewer, group } => write!(f, "{viewer} lists the members of {group}"),
            Op::ResolvePhone { viewer, phone } => write!(f, "{viewer} resolves {phone}"),
        }
    }
}

/// The size of a fuzz world (S1): users get the planned numbers
/// `+852 5100 0001...` in order, numbers belonging to nobody are
/// `+852 5900 0001...`, groups are `#lobby`, `#news`, `#market`.
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    /// Registered users, 1 to 8.
    pub users: u8,
    /// Public groups, 1 to 3.
    pub groups: u8,
    /// Numbers that belong to nobody, 0 to 4.
    pub unowned_numbers: u8,
}

impl<'a> Arbitrary<'a> for WorldConfig {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(WorldConfig {
            users: u.int_in_range(1..=MAX_USERS)?,
            groups: u.int_in_range(1..=MAX_GROUPS)?,
            unowned_numbers: u.int_in_range(0..=MAX_UNOWNED)?,
        })
    }
}

/// A concrete world: every user's number, the groups, the unowned numbers.
///
/// Fuzz worlds come from a [`WorldConfig`]; the scale scenario builds
/// worlds of hundreds of thousands of users directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    /// `phones[i]` is user `i`'s number; numbers are unique (S1).
    pub phones: Vec<Phone>,
    /// How many groups exist: `GroupId(0..groups)`.
    pub groups: u32,
    /// Numbers that belong to nobody.
    pub unowned: Vec<Phone>,
}

impl World {
    /// The world a configuration describes.
    pub fn from_config(c: &WorldConfig) -> World {
        World {
            phones: (0..u32::from(c.users)).map(|i| UserId(i).planned_phone()).collect(),
            groups: u32::from(c.groups),
            unowned: (0..u64::from(c.unowned_numbers)).map(|j| Phone(UNOWNED_NUMBER_BASE + j)).collect(),
        }
    }

    /// How many users are registered.
    pub fn user_count(&self) -> u32 {
        self.phones.len() as u32
    }

    /// Every user id of the world, in order.
    pub fn users(&self) -> impl Iterator<Item = UserId> {
        (0..self.user_count()).map(UserId)
    }

    /// The user's number, if the user exists.
    pub fn phone_of(&self, user: UserId) -> Option<Phone> {
        self.phones.get(user.0 as usize).copied()
    }

    /// The number at a position of the world's numbering: users' numbers
    /// first, then the unowned ones; wraps around.
    fn number_at(&self, index: usize) -> Phone {
        let total = self.phones.len() + self.unowned.len();
        let i = index % total;
        if i < self.phones.len() {
            self.phones[i]
        } else {
            self.unowned[i - self.phones.len()]
        }
    }
}

/// Why a run does not fit its world.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The world configuration is outside the fuzz bounds.
    #[error("world: {0}")]
    World(String),
    /// An operation names a user, group or number outside the world.
    #[error("ops[{index}] ({op}): {what}")]
    OutOfWorld {
        /// Position of the operation.
        index: usize,
        /// The operation's name.
        op: &'static str,
        /// What is wrong.
        what: String,
    },
}

/// A world configuration and the operations run in it, in order.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// The world.
    pub world: WorldConfig,
    /// The operations.
    pub ops: Vec<Op>,
}

impl<'a> Arbitrary<'a> for Run {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let world = WorldConfig::arbitrary(u)?;
        let mut ops = Vec::new();
        while ops.len() < MAX_OPS && !u.is_empty() {
            match Op::arbitrary(u) {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        let mut run = Run { world, ops };
        run.fold_into_world();
        Ok(run)
    }
}

impl Run {
    /// Decodes any byte string into a valid, bounded run. Never fails:
    /// missing data decodes as the smallest world and no operations.
    pub fn from_fuzz_bytes(data: &[u8]) -> Run {
        let mut u = Unstructured::new(data);
        Run::arbitrary(&mut u)
            .unwrap_or_else(|_| Run { world: WorldConfig { users: 1, groups: 1, unowned_numbers: 0 }, ops: Vec::new() })
    }

    /// Folds every index into the world (users and groups modulo their
    /// counts, numbers onto the world's numbering) and caps list sizes, so
    /// that any decoded run is valid.
    fn fold_into_world(&mut self) {
        let world = World::from_config(&self.world);
        for op in &mut self.ops {
            if let Op::ImportContacts { phones, .. } = op {
                phones.truncate(MAX_IMPORT);
            }
            op.visit_refs(&mut |r| match r {
                RefMut::User(u) => u.0 %= world.user_count(),
                RefMut::Group(g) => g.0 %= world.groups,
                RefMut::Phone(p) if world.phones.contains(p) || world.unowned.contains(p) => {}
                RefMut::Phone(p) => {
                    // A planned number outside this world maps by its plan position.
                    let slot = p.0.wrapping_sub(crate::ids::USER_NUMBER_BASE) as usize;
                    let slot = if slot < 8 { slot } else { 8 + p.0.wrapping_sub(UNOWNED_NUMBER_BASE) as usize };
                    *p = world.number_at(slot);
                }
            });
        }
    }

    /// Checks that a run read from a case file fits its world: the world
    /// within the fuzz bounds, every user and group inside it, every number
    /// one of the world's. Rule lists may name any user or group of the
    /// world; numbers outside the world are refused because S1 fixes them.
    pub fn check(&self) -> Result<(), RunError> {
        let c = &self.world;
        if !(1..=MAX_USERS).contains(&c.users)
            || !(1..=MAX_GROUPS).contains(&c.groups)
            || c.unowned_numbers > MAX_UNOWNED
        {
            return Err(RunError::World(format!(
                "users must be 1..={MAX_USERS}, groups 1..={MAX_GROUPS}, unowned_numbers 0..={MAX_UNOWNED}; got {}, {}, {}",
                c.users, c.groups, c.unowned_numbers
            )));
        }
        let world = World::from_config(c);
        for (index, op) in self.ops.iter().enumerate() {
            let mut problem = None;
            op.clone().visit_refs(&mut |r| {
                if problem.is_some() {
                    return;
                }
                problem = match r {
                    RefMut::User(u) if u.0 >= world.user_count() => {
                        Some(format!("user {u} is not in a world of {} users", world.user_count()))
                    }
                    RefMut::Group(g) if g.0 >= world.groups => {
                        Some(format!("group {g} is not in a world of {} groups", world.groups))
                    }
                    RefMut::Phone(p) if !world.phones.contains(p) && !world.unowned.contains(p) => {
                        Some(format!("number {p} is not one of the world's numbers"))
                    }
                    _ => None,
                };
            });
            if let Some(what) = problem {
                return Err(RunError::OutOfWorld { index, op: op.name(), what });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// S1: every byte string decodes to a run that fits its world.
    #[test]
    fn s1_every_byte_string_decodes_to_a_valid_bounded_run() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..600usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let run = Run::from_fuzz_bytes(&bytes);
            assert_eq!(run.check(), Ok(()), "input of {len} bytes");
            assert!(run.ops.len() <= MAX_OPS);
        }
        assert_eq!(Run::from_fuzz_bytes(&[]).ops.len(), 0);
        assert_eq!(Run::from_fuzz_bytes(&[0xff; 4000]).check(), Ok(()));
    }

    /// S1: user numbers are unique and distinct from the unowned numbers.
    #[test]
    fn s1_numbers_are_unique() {
        let w = World::from_config(&WorldConfig { users: 8, groups: 3, unowned_numbers: 4 });
        let mut all: Vec<Phone> = w.phones.iter().chain(&w.unowned).copied().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 12);
    }

    #[test]
    fn check_names_the_operation_that_leaves_the_world() {
        let run = Run {
            world: WorldConfig { users: 2, groups: 1, unowned_numbers: 0 },
            ops: vec![
                Op::JoinGroup { user: UserId(1), group: GroupId(0) },
                Op::JoinGroup { user: UserId(2), group: GroupId(0) },
            ],
        };
        let err = run.check().unwrap_err().to_string();
        assert!(err.starts_with("ops[1] (JoinGroup): user carol"), "{err}");
    }

    #[test]
    fn ops_serialize_with_named_fields_and_readable_ids() {
        let op = Op::ImportContacts { owner: UserId(0), phones: vec![UserId(1).planned_phone()] };
        let json = serde_json::to_string(&op).unwrap();
        assert_eq!(json, r#"{"op":"ImportContacts","owner":"alice","phones":["+852 5100 0002"]}"#);
        assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
    }
}
