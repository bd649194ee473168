//! Worlds and runs (SPEC S1): who exists, and the operations run among them.
//!
//! A [`WorldConfig`] is the size of a fuzz world; a [`World`] is the concrete
//! roster of users, numbers and groups; a [`Run`] is a world configuration
//! plus a sequence of [`Op`]s, checked against its world by [`Run::check`].
//! How runs are generated from fuzz bytes lives in `gen/`.

use serde::{Deserialize, Serialize};

use crate::world::ids::{Phone, UserId, UNOWNED_NUMBER_BASE};
use crate::world::op::{Op, Ref};

/// Most users a fuzz world has.
pub const MAX_USERS: u8 = 8;
/// Most groups a fuzz world has.
pub const MAX_GROUPS: u8 = 3;
/// Most numbers belonging to nobody a fuzz world has.
pub const MAX_UNOWNED: u8 = 4;
/// Most operations a run holds: a decoded run stops there (the rest of the
/// input is ignored) and [`Run::check`] refuses a case file with more.
pub const MAX_OPS: usize = 64;
/// Most numbers one decoded import carries.
pub const MAX_IMPORT: usize = 32;

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

/// A concrete world: every user's number, the groups, the unowned numbers.
///
/// Fuzz worlds come from a [`WorldConfig`]; the scale scenario builds
/// worlds of hundreds of thousands of users directly.
#[derive(Debug, PartialEq, Eq)]
pub struct World {
    /// `phones[i]` is user `i`'s number; numbers are unique (S1).
    pub phones: Vec<Phone>,
    /// How many groups exist: `GroupId(0..groups)`.
    pub groups: u32,
    /// Numbers that belong to nobody.
    pub unowned: Vec<Phone>,
}

impl Clone for World {
    fn clone(&self) -> World {
        World { phones: self.phones.clone(), groups: self.groups, unowned: self.unowned.clone() }
    }

    /// Reuses this world's lists: implementations reset to a new world for
    /// every fuzz input.
    fn clone_from(&mut self, source: &World) {
        self.phones.clone_from(&source.phones);
        self.groups = source.groups;
        self.unowned.clone_from(&source.unowned);
    }
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

    /// Makes this the world `c` describes, reusing this world's
    /// allocations (the engine does this for every fuzz input).
    pub fn set_config(&mut self, c: &WorldConfig) {
        self.phones.clear();
        self.phones.extend((0..u32::from(c.users)).map(|i| UserId(i).planned_phone()));
        self.groups = u32::from(c.groups);
        self.unowned.clear();
        self.unowned.extend((0..u64::from(c.unowned_numbers)).map(|j| Phone(UNOWNED_NUMBER_BASE + j)));
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
    pub(crate) fn number_at(&self, index: usize) -> Phone {
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
    /// More operations than a run holds ([`MAX_OPS`]).
    #[error("{0} operations; a run holds at most {MAX_OPS}")]
    TooManyOps(usize),
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

impl WorldConfig {
    /// Checks the world is within the fuzz bounds: the one place they are
    /// checked (case files, the typed decoder and [`Run::check`] come here).
    pub fn check(&self) -> Result<(), RunError> {
        if !(1..=MAX_USERS).contains(&self.users)
            || !(1..=MAX_GROUPS).contains(&self.groups)
            || self.unowned_numbers > MAX_UNOWNED
        {
            return Err(RunError::World(format!(
                "users must be 1..={MAX_USERS}, groups 1..={MAX_GROUPS}, unowned_numbers 0..={MAX_UNOWNED}; got {}, {}, {}",
                self.users, self.groups, self.unowned_numbers
            )));
        }
        Ok(())
    }
}

impl Run {
    /// Checks that a run read from a case file fits its world: the world
    /// within the fuzz bounds, at most [`MAX_OPS`] operations (as many as a
    /// fuzz input decodes to), every user and group inside it, every number
    /// one of the world's. Rule lists may name any user or group of the
    /// world; numbers outside the world are refused because S1 fixes them.
    pub fn check(&self) -> Result<(), RunError> {
        let c = &self.world;
        c.check()?;
        if self.ops.len() > MAX_OPS {
            return Err(RunError::TooManyOps(self.ops.len()));
        }
        let world = World::from_config(c);
        for (index, op) in self.ops.iter().enumerate() {
            let mut problem = None;
            op.refs(&mut |r| {
                if problem.is_some() {
                    return;
                }
                problem = match r {
                    Ref::User(u) if u.0 >= world.user_count() => {
                        Some(format!("user {u} is not in a world of {} users", world.user_count()))
                    }
                    Ref::Group(g) if g.0 >= world.groups => {
                        Some(format!("group {g} is not in a world of {} groups", world.groups))
                    }
                    Ref::Phone(p) if !world.phones.contains(&p) && !world.unowned.contains(&p) => {
                        Some(format!("number {p} is not one of the world's numbers"))
                    }
                    Ref::User(_) | Ref::Group(_) | Ref::Phone(_) => None,
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
    use crate::world::ids::GroupId;

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
