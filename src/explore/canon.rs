//! Canonical forms of explored states, with symmetry reduction over users.
//!
//! Users of a fuzz world are interchangeable: renaming them (and their
//! numbers with them) changes no rule of SPEC, and the alphabet is closed
//! under renaming ([`super::alphabet`]). So two states that differ only by
//! a renaming have the same future up to that renaming: the same failures
//! at the same depths. The explorer keeps one state per orbit.
//!
//! A state's key is a 128-bit fingerprint of the smallest (in
//! lexicographic order), over every permutation of users, of both eras'
//! reference snapshots
//! ([`crate::models::reference::Reference::canonical_snapshot`]) plus the
//! engine's one piece of history that is not in them (the pairs of users
//! tied by loophole steps, which D-4 consults). The minimum over the orbit is the
//! same for every member of the orbit, so it is a canonical form;
//! fingerprints (XXH3-128 of the encoding) of different states collide with
//! probability about `states^2 / 2^129` (below 10^-20 for a billion
//! states): the hash compaction explicit-state checkers make (TLC and
//! stateright keep 64-bit fingerprints).

use super::driver::{tie_bit, Ties};
use crate::models::reference::Reference;
use crate::oracle::engine::ByEra;
use crate::world::{Op, RefMut, UserId, World};

/// A state's canonical key: a 128-bit fingerprint.
pub type Key = u128;

/// Every permutation of `n` users (`n!` of them), the identity first.
pub fn permutations(n: u32) -> Vec<Vec<UserId>> {
    fn extend(prefix: &mut Vec<UserId>, left: &mut Vec<UserId>, out: &mut Vec<Vec<UserId>>) {
        if left.is_empty() {
            out.push(prefix.clone());
            return;
        }
        for i in 0..left.len() {
            let u = left.remove(i);
            prefix.push(u);
            extend(prefix, left, out);
            prefix.pop();
            left.insert(i, u);
        }
    }
    let mut out = Vec::new();
    extend(&mut Vec::new(), &mut (0..n).map(UserId).collect(), &mut out);
    out
}

/// The operation with every user renamed by `perm` (user `i` becomes
/// `perm[i]`) and every user's number renamed with its user.
pub fn rename_op(world: &World, op: &Op, perm: &[UserId]) -> Op {
    let mut op = op.clone();
    op.visit_refs(&mut |r| match r {
        RefMut::User(u) => {
            if let Some(p) = perm.get(u.0 as usize) {
                *u = *p;
            }
        }
        RefMut::Phone(p) => {
            if let Some(i) = world.phones.iter().position(|q| q == p) {
                if let Some(to) = perm.get(i).and_then(|u| world.phone_of(*u)) {
                    *p = to;
                }
            }
        }
        RefMut::Group(_) => {}
    });
    op
}

/// How states are told apart.
#[derive(Debug, Clone)]
pub struct Canon {
    perms: Vec<Vec<UserId>>,
}

impl Canon {
    /// With `symmetry`, keys are minimised over every renaming of the
    /// world's users; without, only the identity is used.
    pub fn new(world: &World, symmetry: bool) -> Canon {
        let perms = if symmetry { permutations(world.user_count()) } else { vec![world.users().collect()] };
        Canon { perms }
    }

    /// How many renamings each key is minimised over.
    pub fn permutation_count(&self) -> usize {
        self.perms.len()
    }

    /// The key of the state both references are in, with the pairs of
    /// users loophole steps have tied (D-4's history, [`Ties`]).
    pub fn key(&self, refs: &ByEra<Reference>, ties: Ties) -> Key {
        // Per-user signatures that renaming cannot change; only renamings
        // that sort users by signature are tried (all of them when the
        // signatures tie). For a state `s` and a renaming `σ`, the allowed
        // renamings of `σ(s)` are those of `s` composed with `σ⁻¹`, with the
        // same encodings, so the minimum is still canonical.
        let n = self.perms.first().map_or(0, Vec::len);
        let sig: Vec<(u64, u64, u32)> = (0..n as u32)
            .map(|u| {
                let user = UserId(u);
                let degree = (0..n as u32).filter(|v| *v != u && ties & tie_bit(user, UserId(*v)) != 0).count();
                (refs.legacy.user_signature(user), refs.patched.user_signature(user), degree as u32)
            })
            .collect();
        let sorts = |perm: &[UserId]| (0..n).all(|a| (0..n).all(|b| sig[a] >= sig[b] || perm[a].0 < perm[b].0));
        let mut best: Vec<u64> = Vec::new();
        let mut words = Vec::with_capacity(256);
        let mut scratch = Vec::with_capacity(32);
        for perm in self.perms.iter().filter(|p| self.perms.len() == 1 || sorts(p)) {
            words.clear();
            words.push(u64::from(rename_ties(ties, perm)));
            refs.legacy.canonical_snapshot_into(perm, &mut words, &mut scratch);
            refs.patched.canonical_snapshot_into(perm, &mut words, &mut scratch);
            if best.is_empty() || words < best {
                std::mem::swap(&mut best, &mut words);
            }
        }
        // The smallest encoding over the orbit is canonical; hash it once.
        let bytes: Vec<u8> = best.iter().flat_map(|w| w.to_le_bytes()).collect();
        xxhash_rust::xxh3::xxh3_128(&bytes)
    }
}

/// The tied pairs with users renamed by `perm`.
fn rename_ties(ties: Ties, perm: &[UserId]) -> Ties {
    let n = perm.len() as u32;
    let mut out = 0;
    for hi in 1..n {
        for lo in 0..hi {
            if ties & tie_bit(UserId(lo), UserId(hi)) != 0 {
                out |= tie_bit(perm[lo as usize], perm[hi as usize]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{GroupId, WorldConfig};

    fn refs(world: &World, ops: &[Op]) -> ByEra<Reference> {
        let config = WorldConfig { users: 3, groups: 1, unowned_numbers: 1 };
        assert_eq!(&World::from_config(&config), world);
        let driver = crate::explore::driver::Driver::new(config, crate::explore::Checks::Canary);
        driver.references(ops).0
    }

    #[test]
    fn permutations_are_all_distinct_and_start_with_the_identity() {
        let p = permutations(4);
        assert_eq!(p.len(), 24);
        assert_eq!(p[0], (0..4).map(UserId).collect::<Vec<_>>());
        let mut sorted = p.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 24);
    }

    /// Renamed runs reach one canonical state; different states do not.
    #[test]
    fn renamed_states_share_a_key_and_different_states_do_not() {
        let world = World::from_config(&WorldConfig { users: 3, groups: 1, unowned_numbers: 1 });
        let (a, b, c, g) = (UserId(0), UserId(1), UserId(2), GroupId(0));
        let run =
            vec![Op::JoinGroup { user: a, group: g }, Op::ImportContacts { owner: b, phones: vec![a.planned_phone()] }];
        let sym = Canon::new(&world, true);
        let plain = Canon::new(&world, false);
        let perm = vec![c, a, b];
        let renamed: Vec<Op> = run.iter().map(|o| rename_op(&world, o, &perm)).collect();
        assert_eq!(renamed[1], Op::ImportContacts { owner: a, phones: vec![c.planned_phone()] });
        assert_eq!(sym.key(&refs(&world, &run), 0), sym.key(&refs(&world, &renamed), 0));
        assert_ne!(plain.key(&refs(&world, &run), 0), plain.key(&refs(&world, &renamed), 0));
        assert_ne!(sym.key(&refs(&world, &run), 0), sym.key(&refs(&world, &run), 1));
        assert_ne!(sym.key(&refs(&world, &run), 0), sym.key(&refs(&world, &run[..1]), 0));
        // Order of independent operations does not matter.
        let swapped = vec![run[1].clone(), run[0].clone()];
        assert_eq!(plain.key(&refs(&world, &run), 0), plain.key(&refs(&world, &swapped), 0));
    }

    /// Canonical under every renaming, for many sequences drawn from the
    /// alphabet (pseudo-random, fixed seed), with the signature refinement.
    #[test]
    fn keys_are_invariant_under_every_renaming() {
        let config = WorldConfig { users: 3, groups: 1, unowned_numbers: 1 };
        let world = World::from_config(&config);
        let ops = crate::explore::alphabet::alphabet(&world);
        let canon = Canon::new(&world, true);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut distinct = std::collections::BTreeSet::new();
        for _ in 0..300 {
            let run: Vec<Op> = (0..6)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    ops[(state % ops.len() as u64) as usize].clone()
                })
                .collect();
            let key = canon.key(&refs(&world, &run), 0);
            distinct.insert(key);
            for perm in permutations(3) {
                let renamed: Vec<Op> = run.iter().map(|o| rename_op(&world, o, &perm)).collect();
                assert_eq!(canon.key(&refs(&world, &renamed), 0), key, "{run:?} under {perm:?}");
            }
        }
        assert!(distinct.len() > 250, "keys tell states apart: {}", distinct.len());
    }
}
