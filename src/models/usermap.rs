//! A map from user ids to small values that stays cheap at both ends of
//! privdiff's range: a hash map while it holds few users, a vector indexed
//! by user id once it holds many.
//!
//! What a viewer knows (S17) is the motivating case. In a fuzz world a
//! viewer knows a handful of users; in the 2019 attack one attacker learns
//! the numbers of a million members of a 2,000,000-member group, visiting
//! them in user order. A hash set of a million entries turns that walk into
//! random memory accesses and makes the scenario cost grow faster than its
//! size; a dense vector keeps it sequential. The map switches to the dense
//! form when it holds at least one entry per [`DENSE_SPREAD`] ids up to the
//! largest id, so the dense form never costs more than a small multiple of
//! the sparse one.

use rustc_hash::FxHashMap;

use crate::world::ids::UserId;

/// The map turns dense once `len * DENSE_SPREAD >= largest id + 1`.
pub const DENSE_SPREAD: usize = 8;

/// A map from [`UserId`] to `V`; never iterated, so its form is invisible.
#[derive(Debug, Clone)]
pub enum UserMap<V: Copy> {
    /// Few users: a hash map.
    Sparse(FxHashMap<u32, V>),
    /// Many users: `slots[id]`, with the count of present entries.
    Dense {
        /// One slot per user id up to the largest seen.
        slots: Vec<Option<V>>,
        /// How many slots are `Some`.
        len: usize,
    },
}

impl<V: Copy> Default for UserMap<V> {
    fn default() -> Self {
        UserMap::Sparse(FxHashMap::default())
    }
}

impl<V: Copy> UserMap<V> {
    /// The value for `user`, if any.
    pub fn get(&self, user: UserId) -> Option<V> {
        match self {
            UserMap::Sparse(m) => m.get(&user.0).copied(),
            UserMap::Dense { slots, .. } => slots.get(user.0 as usize).copied().flatten(),
        }
    }

    /// Whether `user` has a value.
    pub fn contains(&self, user: UserId) -> bool {
        self.get(user).is_some()
    }

    /// How many users have a value.
    pub fn len(&self) -> usize {
        match self {
            UserMap::Sparse(m) => m.len(),
            UserMap::Dense { len, .. } => *len,
        }
    }

    /// Whether no user has a value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every entry, keeping the allocation.
    pub fn clear(&mut self) {
        match self {
            UserMap::Sparse(m) => m.clear(),
            UserMap::Dense { slots, len } => {
                slots.iter_mut().for_each(|s| *s = None);
                *len = 0;
            }
        }
    }

    /// Sets `user`'s value; returns the previous one.
    pub fn insert(&mut self, user: UserId, value: V) -> Option<V> {
        let old = match self {
            UserMap::Sparse(m) => m.insert(user.0, value),
            UserMap::Dense { slots, len } => {
                let i = user.0 as usize;
                if i >= slots.len() {
                    slots.resize(i + 1, None);
                }
                let old = slots[i].replace(value);
                *len += usize::from(old.is_none());
                old
            }
        };
        self.maybe_densify();
        old
    }

    /// Removes `user`'s value; returns it.
    pub fn remove(&mut self, user: UserId) -> Option<V> {
        match self {
            UserMap::Sparse(m) => m.remove(&user.0),
            UserMap::Dense { slots, len } => {
                let old = slots.get_mut(user.0 as usize).and_then(Option::take);
                *len -= usize::from(old.is_some());
                old
            }
        }
    }

    fn maybe_densify(&mut self) {
        let UserMap::Sparse(m) = self else { return };
        // Checked only at powers of two, so the scan for the largest id
        // costs amortised constant time per insert.
        if m.len() < 64 || !m.len().is_power_of_two() {
            return;
        }
        let largest = m.keys().copied().max().unwrap_or(0) as usize;
        if m.len() * DENSE_SPREAD < largest + 1 {
            return;
        }
        let len = m.len();
        let mut slots = vec![None; largest + 1];
        for (k, v) in m.drain() {
            slots[k as usize] = Some(v);
        }
        *self = UserMap::Dense { slots, len };
    }
}

/// A set of users for the per-user records of a server model, cheap at both
/// ends of privdiff's range: ids below 64 (every user of a fuzz world) are
/// bits of one word, with no hashing and nothing to allocate; larger ids go
/// to a [`UserMap`], so a set still holds a million users.
#[derive(Debug, Clone, Default)]
pub struct UserSet {
    /// Bit `i` is user `i`, for ids below 64.
    low: u64,
    /// Users from id 64 on.
    rest: UserMap<()>,
}

impl UserSet {
    /// Whether `user` is in the set.
    #[inline]
    pub fn contains(&self, user: UserId) -> bool {
        match 1u64.checked_shl(user.0) {
            Some(bit) => self.low & bit != 0,
            None => !self.rest.is_empty() && self.rest.contains(user),
        }
    }

    /// Adds `user`; false if already in the set.
    #[inline]
    pub fn insert(&mut self, user: UserId) -> bool {
        match 1u64.checked_shl(user.0) {
            Some(bit) => {
                let fresh = self.low & bit == 0;
                self.low |= bit;
                fresh
            }
            None => self.rest.insert(user, ()).is_none(),
        }
    }

    /// Removes `user`; false if not in the set.
    #[inline]
    pub fn remove(&mut self, user: UserId) -> bool {
        match 1u64.checked_shl(user.0) {
            Some(bit) => {
                let was = self.low & bit != 0;
                self.low &= !bit;
                was
            }
            None => !self.rest.is_empty() && self.rest.remove(user).is_some(),
        }
    }

    /// Empties the set, keeping the allocation.
    #[inline]
    pub fn clear(&mut self) {
        self.low = 0;
        if !self.rest.is_empty() {
            self.rest.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both forms answer alike; a dense walk switches form, a sparse one
    /// (one id in thousands) does not.
    #[test]
    fn sparse_and_dense_forms_agree() {
        let mut dense = UserMap::default();
        let mut spread = UserMap::default();
        for i in 0..10_000u32 {
            assert_eq!(dense.insert(UserId(i), i), None);
            assert_eq!(spread.insert(UserId(i * 5_000), i), None);
        }
        assert!(matches!(dense, UserMap::Dense { .. }));
        assert!(matches!(spread, UserMap::Sparse(_)));
        assert_eq!(dense.insert(UserId(7), 70), Some(7));
        assert_eq!((dense.len(), spread.len()), (10_000, 10_000));
        assert_eq!(dense.get(UserId(7)), Some(70));
        assert_eq!(dense.get(UserId(10_000)), None);
        assert_eq!(dense.get(UserId(u32::MAX)), None);
        assert_eq!(spread.get(UserId(5_000)), Some(1));
        assert!(!spread.contains(UserId(5_001)));
        assert_eq!(dense.remove(UserId(7)), Some(70));
        assert_eq!(dense.remove(UserId(7)), None);
        assert_eq!(dense.len(), 9_999);
        assert_eq!(spread.remove(UserId(5_000)), Some(1));
        assert_eq!(spread.len(), 9_999);
    }

    /// A set answers alike below and above the word of bits, and at the
    /// largest id.
    #[test]
    fn user_sets_hold_small_and_large_ids() {
        let mut set = UserSet::default();
        for id in [0, 5, 63, 64, 65, 1_000_000, u32::MAX] {
            assert!(!set.contains(UserId(id)));
            assert!(set.insert(UserId(id)));
            assert!(!set.insert(UserId(id)));
            assert!(set.contains(UserId(id)));
        }
        assert!(!set.contains(UserId(62)) && !set.contains(UserId(66)));
        assert!(set.remove(UserId(63)) && !set.remove(UserId(63)) && !set.contains(UserId(63)));
        assert!(set.remove(UserId(1_000_000)) && !set.contains(UserId(1_000_000)));
        assert!(set.contains(UserId(64)) && set.contains(UserId(u32::MAX)));
        set.clear();
        assert!([0, 5, 64, 65, u32::MAX].iter().all(|&id| !set.contains(UserId(id))));
    }
}
