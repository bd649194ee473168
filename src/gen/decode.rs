//! Decoding raw fuzz bytes into runs: the `arbitrary` side of the world
//! types. Every byte string decodes to a valid, bounded run, because indices
//! are folded into the world after decoding ([`Run::from_fuzz_bytes`]).
//!
//! This is a generator, not part of the domain: the world types in `world/`
//! know nothing of bytes. Adding a variant to [`crate::world::Op`] re-maps
//! how `arbitrary` decodes old inputs; durable cases are serde files.

use arbitrary::{Arbitrary, Unstructured};

use crate::world::ids::{GroupId, Phone, UserId, UNOWNED_NUMBER_BASE};
use crate::world::op::{Op, RefMut};
use crate::world::run::{Run, World, WorldConfig, MAX_GROUPS, MAX_IMPORT, MAX_OPS, MAX_UNOWNED, MAX_USERS};

impl<'a> Arbitrary<'a> for WorldConfig {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(WorldConfig {
            users: u.int_in_range(1..=MAX_USERS)?,
            groups: u.int_in_range(1..=MAX_GROUPS)?,
            unowned_numbers: u.int_in_range(0..=MAX_UNOWNED)?,
        })
    }
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
    pub(crate) fn fold_into_world(&mut self) {
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
                    let slot = p.0.wrapping_sub(crate::world::ids::USER_NUMBER_BASE) as usize;
                    let slot = if slot < 8 { slot } else { 8 + p.0.wrapping_sub(UNOWNED_NUMBER_BASE) as usize };
                    *p = world.number_at(slot);
                }
            });
        }
    }
}

/// Fuzz inputs pick users by a byte; [`crate::world::Run`] folds it into the world.
impl<'a> Arbitrary<'a> for UserId {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(UserId(u32::from(u8::arbitrary(u)?)))
    }
    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        u8::size_hint(depth)
    }
}

/// Fuzz inputs pick groups by a byte; [`crate::world::Run`] folds it into the world.
impl<'a> Arbitrary<'a> for GroupId {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(GroupId(u32::from(u8::arbitrary(u)?)))
    }
    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        u8::size_hint(depth)
    }
}

/// Fuzz inputs pick a number from the fuzz numbering plan by a byte: the
/// first eight users' numbers, then four numbers that belong to nobody.
/// [`crate::world::Run`] folds a number outside the world onto one inside it.
impl<'a> Arbitrary<'a> for Phone {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let slot = u8::arbitrary(u)? % 12;
        Ok(if slot < 8 {
            UserId(u32::from(slot)).planned_phone()
        } else {
            Phone(UNOWNED_NUMBER_BASE + u64::from(slot - 8))
        })
    }
    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        u8::size_hint(depth)
    }
}
