//! The planted-bug benchmark's switch (issue 11, docs/FUZZING.md): twelve
//! realistic one-line semantic bugs of the server model, each a guarded
//! line in `models/server.rs`, compiled in only with the `planted-bugs`
//! feature and switched on one at a time by `PRIVDIFF_BUG=<name>` at run
//! time, so one build serves the whole benchmark. Without the feature
//! [`on`] is a constant `false` and the guards vanish.

/// The planted bugs, by name: what each one gets wrong.
pub const BUGS: [(&str, &str); 12] = [
    ("find-ignores-see", "patched S15: a viewer allowed to see the number is no longer allowed to find it"),
    ("find-ignores-knowledge", "patched S15: a link the viewer already knows no longer lets them find it"),
    ("find-reversed", "patched S15: the viewer's AddedByPhone is consulted instead of the target's"),
    ("refused-import-learns", "patched S10: a refused import still records the link as known"),
    ("refused-resolve-restricted", "patched S14/INV-3: a refused resolve says USER_PRIVACY_RESTRICTED"),
    ("refused-import-omitted", "patched S10/INV-3: a refused number is left out of the import response"),
    ("share-judged-after-add", "patched S11: share_phone judged after the entry is added"),
    ("delete-keeps-entry", "patched S12: DeleteContact leaves the matched entry in place"),
    ("rejoin-ok", "patched S4: joining a group twice succeeds"),
    ("query-skips-member-check", "patched S14: QueryMember does not check that the member is in the group"),
    ("unsaved-entry-shows-number", "S16 (both eras): any matched entry shows the number, saved or not"),
    ("lone-allow-contacts-everybody", "S6/S8 (both eras): a lone [AllowContacts] compiles as Everybody"),
];

/// Whether the planted bug `name` is switched on (`PRIVDIFF_BUG=name`).
#[cfg(feature = "planted-bugs")]
pub fn on(name: &str) -> bool {
    static BUG: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    BUG.get_or_init(|| std::env::var("PRIVDIFF_BUG").ok()).as_deref() == Some(name)
}

/// Whether the planted bug `name` is switched on: never, in this build.
#[cfg(not(feature = "planted-bugs"))]
#[inline(always)]
pub fn on(_name: &str) -> bool {
    false
}
