//! Canonical forms of explored states, with symmetry reduction over users.
//!
//! Users of a fuzz world are interchangeable: renaming them (and their
//! numbers with them) changes no rule of SPEC, and the alphabet is closed
//! under renaming ([`super::alphabet`]). So two states that differ only by
//! a renaming have the same future up to that renaming: the same failures
//! at the same depths. The explorer keeps one state per orbit.
//!
//! A state's key is a 128-bit fingerprint of the smallest (in
//! lexicographic order), over every permutation of users, of the whole
//! engine's encoding ([`Engine::state_words`]): both references, every
//! implementation's own state, every judge's books and D-4's tied pairs,
//! so two paths merge only when nothing that decides a later verdict
//! differs. The minimum over the orbit is the
//! same for every member of the orbit, so it is a canonical form;
//! fingerprints (XXH3-128 of the encoding) of different states collide with
//! probability about `states^2 / 2^129` (below 10^-20 for a billion
//! states): the hash compaction explicit-state checkers make (TLC and
//! stateright keep 64-bit fingerprints).

use serde::{Deserialize, Serialize};

use crate::models::implementation::TransportError;
use crate::oracle::engine::{Engine, StateKeyKind};
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

/// How the states of a lineup are keyed, from what its implementations
/// offer ([`StateKeyKind`]).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyMode {
    /// Every side encodes its whole state under renaming: states merge
    /// exactly, up to the renamings in use.
    Renamed,
    /// Some implementation gives an opaque digest only: states merge
    /// exactly, with no renaming (a digest cannot be renamed).
    Digest,
    /// Some implementation gives neither: no two paths are merged (each is
    /// its own state), so the search is a tree, exact and exponential.
    Tree,
}

impl KeyMode {
    /// The mode a lineup's sides allow: the weakest of theirs.
    pub fn of(kinds: &[StateKeyKind]) -> KeyMode {
        if kinds.contains(&StateKeyKind::None) {
            KeyMode::Tree
        } else if kinds.contains(&StateKeyKind::Digest) {
            KeyMode::Digest
        } else {
            KeyMode::Renamed
        }
    }
}

/// How states are told apart.
#[derive(Debug, Clone)]
pub struct Canon {
    perms: Vec<Vec<UserId>>,
    mode: KeyMode,
}

impl Canon {
    /// With `symmetry` (and only in [`KeyMode::Renamed`]), keys are
    /// minimised over every renaming of the world's users; otherwise only
    /// the identity is used.
    pub fn new(world: &World, symmetry: bool, mode: KeyMode) -> Canon {
        let perms = if symmetry && mode == KeyMode::Renamed {
            permutations(world.user_count())
        } else {
            vec![world.users().collect()]
        };
        Canon { perms, mode }
    }

    /// How many renamings each key is minimised over.
    pub fn permutation_count(&self) -> usize {
        self.perms.len()
    }

    /// The key mode.
    pub fn mode(&self) -> KeyMode {
        self.mode
    }

    /// The key of the state `engine` is in, reached from the state keyed
    /// `parent` by operation `op` (only the tree mode reads those two).
    /// A side that fails to answer a digest request is a transport error.
    pub fn key(
        &self,
        engine: &mut Engine,
        parent: Key,
        op: u16,
        words: &mut Vec<u64>,
        best: &mut Vec<u64>,
    ) -> Result<Key, TransportError> {
        match self.mode {
            KeyMode::Tree => {
                let mut bytes = [0u8; 18];
                bytes[..16].copy_from_slice(&parent.to_le_bytes());
                bytes[16..].copy_from_slice(&op.to_le_bytes());
                return Ok(xxhash_rust::xxh3::xxh3_128(&bytes));
            }
            KeyMode::Digest => {
                words.clear();
                engine.digest_words(&self.perms[0], words)?;
                return Ok(hash(words));
            }
            KeyMode::Renamed => {}
        }
        // Per-user signatures that renaming cannot change; only renamings
        // that sort users by signature are tried (all of them when the
        // signatures tie). For a state `s` and a renaming `σ`, the allowed
        // renamings of `σ(s)` are those of `s` composed with `σ⁻¹`, with the
        // same encodings, so the minimum is still canonical.
        let n = self.perms.first().map_or(0, Vec::len);
        let mut sig = [0u64; 8];
        for (u, s) in sig.iter_mut().enumerate().take(n) {
            *s = engine.user_signature(UserId(u as u32));
        }
        let sorts = |perm: &[UserId]| (0..n).all(|a| (0..n).all(|b| sig[a] >= sig[b] || perm[a].0 < perm[b].0));
        best.clear();
        for perm in self.perms.iter().filter(|p| self.perms.len() == 1 || n > 8 || sorts(p)) {
            words.clear();
            engine.state_words(perm, words);
            if best.is_empty() || *words < *best {
                std::mem::swap(best, words);
            }
        }
        Ok(hash(best))
    }
}

/// The fingerprint of an encoding.
fn hash(words: &[u64]) -> Key {
    thread_local! {
        static BYTES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BYTES.with(|bytes| {
        let mut bytes = bytes.borrow_mut();
        bytes.clear();
        bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        xxhash_rust::xxh3::xxh3_128(&bytes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{GroupId, WorldConfig};

    fn key(canon: &Canon, world: &World, ops: &[Op]) -> Key {
        let mut engine = Engine::standard();
        engine.reset(world);
        for op in ops {
            engine.step(op);
        }
        canon.key(&mut engine, 0, 0, &mut Vec::new(), &mut Vec::new()).expect("built-in sides answer")
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
        let sym = Canon::new(&world, true, KeyMode::Renamed);
        let plain = Canon::new(&world, false, KeyMode::Renamed);
        let perm = vec![c, a, b];
        let renamed: Vec<Op> = run.iter().map(|o| rename_op(&world, o, &perm)).collect();
        assert_eq!(renamed[1], Op::ImportContacts { owner: a, phones: vec![c.planned_phone()] });
        assert_eq!(key(&sym, &world, &run), key(&sym, &world, &renamed));
        assert_ne!(key(&plain, &world, &run), key(&plain, &world, &renamed));
        assert_ne!(key(&sym, &world, &run), key(&sym, &world, &run[..1]));
        // Order of independent operations does not matter.
        let swapped = vec![run[1].clone(), run[0].clone()];
        assert_eq!(key(&plain, &world, &run), key(&plain, &world, &swapped));
        // A refused operation changes nothing: the same key.
        let refused = [run.clone(), vec![Op::LeaveGroup { user: b, group: g }]].concat();
        assert_eq!(key(&plain, &world, &run), key(&plain, &world, &refused));
    }

    /// Canonical under every renaming, for many sequences drawn from the
    /// alphabet (pseudo-random, fixed seed), with the signature refinement.
    #[test]
    fn keys_are_invariant_under_every_renaming() {
        let config = WorldConfig { users: 3, groups: 1, unowned_numbers: 1 };
        let world = World::from_config(&config);
        let ops = crate::explore::alphabet::alphabet(&world);
        let canon = Canon::new(&world, true, KeyMode::Renamed);
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
            let k = key(&canon, &world, &run);
            distinct.insert(k);
            for perm in permutations(3) {
                let renamed: Vec<Op> = run.iter().map(|o| rename_op(&world, o, &perm)).collect();
                assert_eq!(key(&canon, &world, &renamed), k, "{run:?} under {perm:?}");
            }
        }
        assert!(distinct.len() > 250, "keys tell states apart: {}", distinct.len());
    }
}
