//! The reference's state as words, for the exhaustive explorer: what
//! `explore` keys a state on ([`Reference::canonical_snapshot_into`], the
//! reference's `Implementation::state_words`). Kept apart from the
//! semantics in `mod.rs`, beside it because it reads the reference's private
//! tables; the search itself (key modes, symmetry, hashing) is
//! `crate::explore::canon`.

use super::*;

/// For the exhaustive explorer (`crate::explore`): a canonical view of the
/// state, so that two runs that reached the same SPEC state (up to renaming
/// users) are recognised as one.
impl Reference {
    /// A canonical, hashable encoding of everything this reference's future
    /// answers depend on, with users renamed by `perm` (old user `i` becomes
    /// `perm[i]`, and user `i`'s number becomes user `perm[i]`'s number).
    ///
    /// Encoded as words in fixed sections: the era; memberships; matched
    /// address-book entries (owner, user, saved number or none); unmatched
    /// entries as a set of (owner, number) (they never match later, S1,
    /// but a server model stores them, so they are kept); each user's
    /// effective settings (S5: the newest one or the default, rules in order
    /// with renamed users); and the links each viewer knows (S17). Sets are
    /// sorted, so the insertion order of the flat lists does not matter.
    /// Numbers are coded by position: a user's number as the (renamed) user
    /// index, an unowned number as `users + j`, anything else by its digits
    /// offset past both. `perm` must be a permutation of the world's users.
    pub fn canonical_snapshot(&self, perm: &[UserId]) -> Vec<u64> {
        let mut out = Vec::with_capacity(64);
        self.canonical_snapshot_into(perm, &mut out, &mut Vec::new());
        out
    }

    /// [`Reference::canonical_snapshot`], appended to `out`; `scratch` is
    /// working space. The explorer reuses both, so that a key costs no
    /// allocation once warm.
    pub fn canonical_snapshot_into(&self, perm: &[UserId], out: &mut Vec<u64>, scratch: &mut Vec<[u64; 3]>) {
        const NONE: u64 = u64::MAX;
        let n = self.world.user_count() as u64;
        let user = |u: UserId| -> u64 { perm.get(u.0 as usize).map_or(u64::from(u.0), |p| u64::from(p.0)) };
        let phone = |p: Phone| -> u64 {
            if let Some(i) = self.world.phones.iter().position(|q| *q == p) {
                user(UserId(i as u32))
            } else if let Some(j) = self.world.unowned.iter().position(|q| *q == p) {
                n + j as u64
            } else {
                (1 << 48) + p.0
            }
        };
        // Triples (pairs padded with 0), sorted and deduplicated per section.
        fn section(out: &mut Vec<u64>, items: &mut Vec<[u64; 3]>, fill: impl Iterator<Item = [u64; 3]>) {
            items.clear();
            items.extend(fill);
            items.sort_unstable();
            items.dedup();
            out.push(items.len() as u64);
            items.iter().for_each(|i| out.extend_from_slice(i));
        }
        out.push(match self.era {
            Era::Legacy => 0,
            Era::Patched => 1,
        });
        let users = || self.world.users();
        section(
            out,
            scratch,
            (0..self.world.groups).flat_map(|g| self.members.row(g).map(move |u| [u64::from(g), user(u), 0])),
        );
        section(
            out,
            scratch,
            users().flat_map(|o| {
                self.contacts.row(o.0).map(move |t| {
                    let number =
                        if self.saved.holds(o.0, t) { self.world.phone_of(t).map_or(NONE, phone) } else { NONE };
                    [user(o), user(t), number]
                })
            }),
        );
        section(out, scratch, self.unmatched.iter().map(|(o, p)| [user(*o), phone(*p), 0]));
        // Settings in the order of the renamed users: new user j is old
        // user i with perm[i] == j.
        for j in 0..self.world.user_count() {
            let old = perm.iter().position(|p| p.0 == j).map_or(UserId(j), |i| UserId(i as u32));
            for key in [PrivacyKey::PhoneNumber, PrivacyKey::AddedByPhone] {
                self.encode_setting(old, key, &user, out);
                out.push(NONE);
            }
        }
        section(
            out,
            scratch,
            users().flat_map(|v| {
                self.knows.row(v.0).map(move |u| [user(v), user(u), self.world.phone_of(u).map_or(NONE, phone)])
            }),
        );
    }

    /// `old`'s effective setting of `key` for [`Reference::canonical_snapshot_into`]
    /// (the newest one, or the default spelled out), its rules in order with
    /// users renamed by `user`.
    fn encode_setting(&self, old: UserId, key: PrivacyKey, user: &impl Fn(UserId) -> u64, out: &mut Vec<u64>) {
        let set = self.settings.get(old.0 as usize).map(|s| &s[key]).filter(|s| s.set);
        match set {
            // The default, spelled out: equal to setting it explicitly.
            None => match key {
                PrivacyKey::PhoneNumber => out.extend_from_slice(&[2, 1]),
                PrivacyKey::AddedByPhone => out.push(0),
            },
            Some(setting) => {
                for rule in &setting.rules {
                    out.push(u64::from(rule.tag()));
                    match rule.matches {
                        Matches::Everyone | Matches::Contacts => {}
                        Matches::Users => {
                            let named = self.named(rule);
                            out.push(named.len() as u64);
                            out.extend(named.iter().map(|u| user(UserId(*u))));
                        }
                        Matches::Groups => {
                            let named = self.named(rule);
                            out.push(named.len() as u64);
                            out.extend(named.iter().map(|g| u64::from(*g)));
                        }
                    }
                }
            }
        }
    }
    /// A summary of `user`'s place in the state that renaming users cannot
    /// change: groups joined, counts of address-book entries owned and
    /// pointing at the user (with and without a saved number), distinct
    /// unmatched numbers, the shape of the user's settings (rule kinds and
    /// list lengths, no ids), and counts of links known as viewer and as
    /// subject. Users with different signatures are never swapped by a
    /// renaming that maps the state onto itself, which lets the explorer
    /// try only the renamings that sort users by signature.
    pub fn user_signature(&self, user: UserId) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        for g in 0..self.world.groups {
            if self.members.holds(g, user) {
                g.hash(&mut h);
            }
        }
        0xffff_ffffu32.hash(&mut h);
        let owned = (self.contacts.count(user.0), self.saved.count(user.0));
        let aimed = self.world.users().fold((0, 0), |(all, saved), o| {
            (all + u32::from(self.contacts.holds(o.0, user)), saved + u32::from(self.saved.holds(o.0, user)))
        });
        (owned, aimed).hash(&mut h);
        let mut unmatched = 0usize;
        for (i, (o, p)) in self.unmatched.iter().enumerate() {
            let first = !self.unmatched[..i].iter().any(|(o2, p2)| o2 == o && p2 == p);
            if *o == user && first {
                unmatched += 1;
            }
        }
        unmatched.hash(&mut h);
        for key in [PrivacyKey::PhoneNumber, PrivacyKey::AddedByPhone] {
            for rule in self.rules(user, key) {
                (rule.tag(), self.named(rule).len()).hash(&mut h);
            }
            0xffu8.hash(&mut h);
        }
        let as_viewer = self.knows.count(user.0);
        let as_subject = self.world.users().filter(|v| self.knows.holds(v.0, user)).count();
        (as_viewer, as_subject).hash(&mut h);
        h.finish()
    }
}
