//! The finite alphabet of operations the explorer tries at every state.
//!
//! Every operation kind of SPEC S9-S14 over every id of the world:
//!
//! - joins and leaves of every user and group (S9);
//! - imports of one number, and of two distinct numbers in both orders,
//!   from all of the world's numbers, the actor's own included (S10);
//! - `AddContact` of every (owner, target) pair, self included, with and
//!   without `share_phone` (S11); `DeleteContact` of every pair (S12);
//! - `SetPrivacy` (S13): for "who can see my number" the three presets
//!   (Everybody, My Contacts, Nobody) and one exception in front of a
//!   preset, as the apps offer them: Nobody with "always share with"
//!   another user or a group (`[AllowUsers(v), DisallowAll]`), and My
//!   Contacts with "never share with" one (`[DisallowUsers(v),
//!   AllowContacts, DisallowAll]`, where the first match decides against
//!   a contact, S6); `AddContact` with `share_phone` makes the remaining
//!   shape, an allowed user before My Contacts. For "who can find me" the
//!   three presets (Nobody is refused by S8, which is worth trying) and the
//!   lone `[AllowContacts]` S8 also accepts as My Contacts;
//! - `QueryMember` of every (viewer, group, member), `ListMembers` of every
//!   (viewer, group), `ResolvePhone` of every (viewer, number) (S14).
//!
//! The alphabet is closed under renaming users (with their numbers): the
//! image of any operation under a permutation of users is again in the
//! alphabet. Symmetry reduction relies on that (see [`super::canon`]).

use crate::world::privacy::{everybody, my_contacts, nobody};
use crate::world::{GroupId, Op, Phone, PrivacyKey, Rule, UserId, World};

/// Every operation the explorer tries, in a fixed order (the order in which
/// a breadth-first level tries them, so it decides which of several
/// equally short failing cases is reported).
pub fn alphabet(world: &World) -> Vec<Op> {
    let users: Vec<UserId> = world.users().collect();
    let groups: Vec<GroupId> = (0..world.groups).map(GroupId).collect();
    let numbers: Vec<Phone> = world.phones.iter().chain(&world.unowned).copied().collect();
    let mut ops = Vec::new();
    for &user in &users {
        for &group in &groups {
            ops.push(Op::JoinGroup { user, group });
            ops.push(Op::LeaveGroup { user, group });
        }
    }
    for &owner in &users {
        for &p in &numbers {
            ops.push(Op::ImportContacts { owner, phones: vec![p] });
        }
        for &p in &numbers {
            for &q in &numbers {
                if p != q {
                    ops.push(Op::ImportContacts { owner, phones: vec![p, q] });
                }
            }
        }
    }
    for &owner in &users {
        for &target in &users {
            ops.push(Op::AddContact { owner, target, share_phone: false });
            ops.push(Op::AddContact { owner, target, share_phone: true });
            ops.push(Op::DeleteContact { owner, target });
        }
    }
    for &user in &users {
        for rules in settings_for(user, &users, &groups) {
            ops.push(Op::SetPrivacy { user, key: PrivacyKey::PhoneNumber, rules });
        }
        for rules in [everybody(), my_contacts(), nobody(), vec![Rule::AllowContacts]] {
            ops.push(Op::SetPrivacy { user, key: PrivacyKey::AddedByPhone, rules });
        }
    }
    for &viewer in &users {
        for &group in &groups {
            ops.push(Op::ListMembers { viewer, group });
            for &member in &users {
                ops.push(Op::QueryMember { viewer, group, member });
            }
        }
        for &phone in &numbers {
            ops.push(Op::ResolvePhone { viewer, phone });
        }
    }
    ops
}

/// The "who can see my number" settings `user` may choose: the presets, and
/// one user or group exception in front of a preset it changes (an allow
/// before Nobody, a disallow before My Contacts).
fn settings_for(user: UserId, users: &[UserId], groups: &[GroupId]) -> Vec<Vec<Rule>> {
    let mut out = vec![everybody(), my_contacts(), nobody()];
    let with = |first: Rule, preset: Vec<Rule>| -> Vec<Rule> { std::iter::once(first).chain(preset).collect() };
    let others = users.iter().filter(|u| **u != user);
    for &other in others {
        out.push(with(Rule::AllowUsers(vec![other]), nobody()));
        out.push(with(Rule::DisallowUsers(vec![other]), my_contacts()));
    }
    for &g in groups {
        out.push(with(Rule::AllowChatParticipants(vec![g]), nobody()));
        out.push(with(Rule::DisallowChatParticipants(vec![g]), my_contacts()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::canon::{permutations, rename_op};
    use crate::world::WorldConfig;

    #[test]
    fn every_operation_fits_the_world_and_none_repeats() {
        let config = WorldConfig { users: 3, groups: 2, unowned_numbers: 1 };
        let ops = alphabet(&World::from_config(&config));
        for op in &ops {
            let run = crate::world::Run { world: config, ops: vec![op.clone()] };
            assert_eq!(run.check(), Ok(()), "{op:?}");
        }
        let mut sorted = ops.clone();
        sorted.sort_by_key(|o| format!("{o:?}"));
        sorted.dedup();
        assert_eq!(sorted.len(), ops.len());
    }

    /// Symmetry reduction is sound only if renaming users maps the alphabet
    /// onto itself.
    #[test]
    fn the_alphabet_is_closed_under_renaming_users() {
        for (users, unowned) in [(2u8, 1u8), (3, 0), (3, 2)] {
            let world = World::from_config(&WorldConfig { users, groups: 2, unowned_numbers: unowned });
            let ops = alphabet(&world);
            let keys: std::collections::BTreeSet<String> = ops.iter().map(|o| format!("{o:?}")).collect();
            for perm in permutations(world.user_count()) {
                for op in &ops {
                    let renamed = rename_op(&world, op, &perm);
                    assert!(keys.contains(&format!("{renamed:?}")), "{renamed:?} from {op:?} under {perm:?}");
                }
            }
        }
    }
}
