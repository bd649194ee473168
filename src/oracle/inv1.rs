//! INV-1, the one walk: what an answer teaches its actor, link by link,
//! and which new links the owner's settings do not allow. The engine (for
//! every seat), the canary, the scale scenario and the conformance test
//! all judge INV-1 here, each against its own books ([`Inv1Books`]: the
//! judge's, or the scale scenario's knowledge and a model's settings), so
//! the rule is read in one place and a test of it tests what the engine
//! runs.

use crate::world::response::links;
use crate::world::{Link, Op, Outcome, PrivacyKey, UserId};

/// What INV-1 is judged against: who knows what so far (S17), and the
/// settings as they stand before the step.
pub trait Inv1Books {
    /// Records that `viewer` was shown `link`; false if it already knew.
    fn learn(&mut self, viewer: UserId, link: Link) -> bool;
    /// Whether `owner`'s setting `key` allows `viewer`.
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool;
}

/// Walks the links `outcome` of `op` shows its actor (the actor's own
/// excepted), learns each, and calls `new(link, allowed)` for each the
/// actor did not know: `allowed` is INV-1's verdict, (a) the owner's
/// `PhoneNumber` allows the viewer or (b) the viewer supplied the number
/// in `op` and the owner's `AddedByPhone` allows the viewer ((c), already
/// known, is the links not passed on).
#[inline]
pub fn walk(books: &mut impl Inv1Books, op: &Op, outcome: &Outcome, new: impl FnMut(Link, bool)) {
    walk_with(books, op, outcome, |_, _| {}, new);
}

/// [`walk`], with `every(books, link)` called first for every link shown
/// (the actor's own and known ones included, the books as before that
/// link was learned): the engine judges INV-2 in the same pass.
#[inline]
pub fn walk_with<B: Inv1Books>(
    books: &mut B,
    op: &Op,
    outcome: &Outcome,
    mut every: impl FnMut(&B, Link),
    mut new: impl FnMut(Link, bool),
) {
    let viewer = op.actor();
    for link in links(op, outcome) {
        every(books, link);
        if link.user == viewer || !books.learn(viewer, link) {
            continue;
        }
        let allowed = books.allows(link.user, PrivacyKey::PhoneNumber, viewer)
            || (op.supplies(link.phone) && books.allows(link.user, PrivacyKey::AddedByPhone, viewer));
        new(link, allowed);
    }
}

impl Inv1Books for crate::oracle::judge::Judge {
    fn learn(&mut self, viewer: UserId, link: Link) -> bool {
        crate::oracle::judge::Judge::learn(self, viewer, link)
    }
    fn allows(&self, owner: UserId, key: PrivacyKey, viewer: UserId) -> bool {
        crate::oracle::judge::Judge::allows(self, owner, key, viewer)
    }
}
