//! Faults planted on purpose, as values: the bugs of the planted-bug
//! benchmark (server faults) and the common-mode misreadings of SPEC
//! (readings), each a named variant of [`Fault`], chosen when an
//! implementation is built ([`crate::oracle::lineup::Lineup`]) and carried
//! by it as a [`Faults`] set. Nothing is process-global: two engines in one
//! process can carry different faults, so the tests that plant run in
//! parallel in one binary.
//!
//! Who gets what is explicit. A server fault goes to the patched server
//! alone (or to both servers, for the two marked so); a reading, a
//! misreading of SPEC shared by the reference and the servers, is passed to
//! the references and the servers alike ([`Faults::readings`]), so the
//! judge is the only side left with SPEC's own reading.
//!
//! Fault code exists only in builds with the `faults` feature. Without it
//! [`Faults`] is an empty type, [`Fault`] does not exist, every
//! [`crate::fault!`] guard is the constant `false`, and no fault's name is
//! in the binary (`scripts/check-no-faults.sh` checks the release build).

/// Whether the fault `$name` (a [`Fault`] variant) is in the set `$set`:
/// the one way code asks. The constant `false` in builds without the
/// `faults` feature, where the variant need not exist.
#[cfg(feature = "faults")]
#[macro_export]
macro_rules! fault {
    ($set:expr, $name:ident) => {
        $set.has($crate::models::faults::Fault::$name)
    };
}

/// Whether the fault `$name` is in `$set`: never, in this build.
#[cfg(not(feature = "faults"))]
#[macro_export]
macro_rules! fault {
    ($set:expr, $name:ident) => {{
        let _ = $set;
        false
    }};
}

#[cfg(feature = "faults")]
pub use planted::*;

#[cfg(feature = "faults")]
mod planted {
    use crate::world::Era;

    /// Who a fault is planted in.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Scope {
        /// The patched server alone: a bug of the system under test.
        PatchedServer,
        /// Both servers: a bug in code the eras share.
        BothServers,
        /// The references and both servers: a common-mode misreading of
        /// SPEC, caught only by the judge's own reading.
        Reading,
    }

    /// Declares every fault once: variant, name, scope, the SPEC rule the
    /// planted line breaks, and what it gets wrong.
    macro_rules! define_faults {
        ($( $(#[$doc:meta])* $variant:ident = $name:literal, $scope:ident, $rule:ident, $what:literal; )*) => {
            /// A fault that can be planted, by name.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
            pub enum Fault {
                $( $(#[$doc])* $variant, )*
            }

            impl Fault {
                /// Every fault, in declaration order.
                pub const ALL: &'static [Fault] = &[$(Fault::$variant),*];

                /// The name scripts and `PRIVDIFF_FAULTS` use.
                pub fn name(self) -> &'static str {
                    match self { $(Fault::$variant => $name,)* }
                }

                /// Who the fault is planted in.
                pub fn scope(self) -> Scope {
                    match self { $(Fault::$variant => Scope::$scope,)* }
                }

                /// The SPEC rule the planted line breaks: what a story
                /// must name as the cause.
                pub fn rule(self) -> crate::world::SpecId {
                    match self { $(Fault::$variant => crate::world::SpecId::$rule,)* }
                }

                /// What the fault gets wrong, in one line.
                pub fn what(self) -> &'static str {
                    match self { $(Fault::$variant => $what,)* }
                }
            }
        };
    }

    define_faults! {
        /// S15 without "a viewer allowed to see is allowed to find".
        FindIgnoresSee = "find-ignores-see", PatchedServer, S15,
            "a viewer allowed to see the number is no longer allowed to find it";
        /// S15 without "a known link may be found".
        FindIgnoresKnowledge = "find-ignores-knowledge", PatchedServer, S15,
            "a link the viewer already knows no longer lets them find it";
        /// S15 consulting the wrong user's setting.
        FindReversed = "find-reversed", PatchedServer, S15,
            "the viewer's AddedByPhone is consulted instead of the target's";
        /// S10: a refused number still teaches the link.
        RefusedImportLearns = "refused-import-learns", PatchedServer, S10,
            "a refused import still records the link as known";
        /// INV-3: a refused resolve is told apart from an unregistered number.
        RefusedResolveRestricted = "refused-resolve-restricted", PatchedServer, S15,
            "a refused resolve says USER_PRIVACY_RESTRICTED";
        /// S10/INV-3: a refused number is missing from the answer.
        RefusedImportOmitted = "refused-import-omitted", PatchedServer, S10,
            "a refused number is left out of the import response";
        /// S11 (revised): the exception judged after the entry exists.
        ShareJudgedAfterAdd = "share-judged-after-add", PatchedServer, S11,
            "share_phone judged after the entry is added";
        /// S12: the entry survives its deletion.
        DeleteKeepsEntry = "delete-keeps-entry", PatchedServer, S12,
            "DeleteContact leaves the matched entry in place";
        /// S4: membership is not a set.
        RejoinOk = "rejoin-ok", PatchedServer, S4,
            "joining a group twice succeeds";
        /// S14: the member looked at need not be in the group.
        QuerySkipsMemberCheck = "query-skips-member-check", PatchedServer, S14,
            "QueryMember does not check that the member is in the group";
        /// S16 in shared code: an added entry shows the number.
        UnsavedEntryShowsNumber = "unsaved-entry-shows-number", BothServers, S16,
            "any matched entry shows the number, saved or not (both eras)";
        /// S6/S8 in shared code: a lone AllowContacts compiles as Everybody.
        LoneAllowContactsEverybody = "lone-allow-contacts-everybody", BothServers, S6,
            "a lone [AllowContacts] compiles as Everybody (both eras)";
        /// S12, state departing from the reference: the number outlives
        /// the deleted entry and shows at a later look.
        DeleteKeepsSavedNumber = "delete-keeps-saved-number", PatchedServer, S12,
            "DeleteContact removes the entry but keeps its saved number, shown at a later look";
        /// S11, a refused operation that changes state: the entry is
        /// written before the referability check refuses the call.
        RefusedAddKeepsEntry = "refused-add-keeps-entry", PatchedServer, S11,
            "a refused AddContact still writes the entry, so the target later counts as a contact";
        /// S17, a refused operation that changes state: a refused resolve
        /// records the link, and a later import finds it as known.
        RefusedResolveLearns = "refused-resolve-learns", PatchedServer, S17,
            "a refused resolve still records the link, so a later import finds it as known";
        /// S15 with an id special case: an asymmetric bug, which user
        /// symmetry would hide (explore's self-check must refuse it).
        FirstUserFindable = "first-user-findable", PatchedServer, S15,
            "the first user (id 0) can always be found by number, whatever their AddedByPhone";
        /// S11 through a group rule, a deep bug (shortest case 5 steps,
        /// 3 users): a target the owner can refer to only through a common
        /// group is referred to as (group, user), as MTProto's
        /// `inputUserFromMessage` does, and the exception takes the wrong
        /// half. It becomes `AllowChatParticipants([group])`, live by S7,
        /// so whoever joins that group later sees the owner's number.
        ShareNamesTheGroup = "share-names-the-group", PatchedServer, S11,
            "share_phone to a user reached through a common group excepts the whole group (AllowChatParticipants)";
        /// S11 with a tidy-up, a deep bug (shortest case 6 steps, 3
        /// users): before the owner's book gains an entry for someone new
        /// (`AddContact` or a matched import), the server drops the
        /// owner's "always share" rules that the rest of the list allows
        /// anyway, judged now. A contact's exception is redundant only
        /// while they are a contact, so after `DeleteContact` (S12) they
        /// lose the number S11 says they keep.
        NewEntryDropsExceptions = "new-entry-drops-exceptions", PatchedServer, S11,
            "a new address-book entry first drops the owner's AllowUsers exceptions the list allows anyway now, so they do not outlive a later delete";
        /// S17 read per group, a deep bug (shortest case 7 steps, 3
        /// users): a member view also marks the member as "number shown in
        /// this group" (a per-group record, cheap for a large group), and
        /// S15's "already known" reads that mark for every member of the
        /// group, present or later, not for the viewer who saw it.
        ViewKnowledgePerGroup = "view-knowledge-per-group", PatchedServer, S17,
            "a number shown in a member view counts as known to every member of that group (S15 clause 3)";
        /// S11, a refused operation that changes state, a deep bug
        /// (shortest case 5 steps, 3 users): `AddContact` computes its
        /// `share_phone` exception into the owner's pending privacy update
        /// before the referability check, and the refusal leaves it there;
        /// the owner's next successful `AddContact` writes it.
        RefusedShareAppliedLater = "refused-share-applied-later", PatchedServer, S11,
            "a refused AddContact with share_phone leaves its exception pending; the owner's next successful AddContact writes it";
        /// S15 misread in the reference and the servers alike.
        S15DropsPhoneNumberClause = "s15-drops-phone-number-clause", Reading, S15,
            "common mode: S15 without its \"PhoneNumber allows the viewer\" clause";
        /// S6 misread alike.
        S6NoMatchAllows = "s6-no-match-allows", Reading, S6,
            "common mode: S6 allows when no rule matches";
        /// S7 misread alike.
        S7GroupsFrozenAtSet = "s7-groups-frozen-at-set", Reading, S7,
            "common mode: a group rule names the members the group had at SetPrivacy";
        /// S14 misread alike.
        S14NoMembershipCheck = "s14-no-membership-check", Reading, S14,
            "common mode: anyone may look into any group";
        /// A member view's `is_contact` (S14 defines the field) misread
        /// alike: read off unmatched entries too. (The variant's and the
        /// name's "s16" are historical; the rule is S14's.)
        S16RefusedImportIsContact = "s16-refused-import-is-contact", Reading, S14,
            "common mode: a member view says is_contact for a member whose number was imported but refused";
        /// S10 misread alike: the matched list in reverse order.
        S10ImportAnswerReversed = "s10-import-answer-reversed", Reading, S10,
            "common mode: an import lists its matched numbers in reverse order";
    }

    /// A set of planted faults: what one implementation carries.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
    pub struct Faults(u64);

    /// A fault list that names no fault of this build.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("{given:?} is not a fault of this privdiff; known: {known}")]
    pub struct FaultError {
        /// The name given.
        pub given: String,
        /// The known names, comma-separated.
        pub known: String,
    }

    impl Faults {
        /// No fault: correct code.
        pub const NONE: Faults = Faults(0);

        /// Whether `f` is planted.
        #[inline]
        pub fn has(self, f: Fault) -> bool {
            self.0 & (1 << f as u32) != 0
        }

        /// This set with `f` added.
        pub fn with(self, f: Fault) -> Faults {
            Faults(self.0 | (1 << f as u32))
        }

        /// The set of one fault.
        pub fn one(f: Fault) -> Faults {
            Faults::NONE.with(f)
        }

        /// Whether nothing is planted.
        pub fn is_empty(self) -> bool {
            self.0 == 0
        }

        /// The faults of the set, in declaration order.
        pub fn iter(self) -> impl Iterator<Item = Fault> {
            Fault::ALL.iter().copied().filter(move |f| self.has(*f))
        }

        /// The readings alone: what a reference gets (never a server bug).
        pub fn readings(self) -> Faults {
            Faults(self.iter().filter(|f| f.scope() == Scope::Reading).fold(0, |a, f| a | 1 << f as u32))
        }

        /// What the server of `era` gets: readings and shared-code bugs in
        /// both eras, the patched server's bugs in the patched era only.
        pub fn for_server(self, era: Era) -> Faults {
            let keep = |f: &Fault| f.scope() != Scope::PatchedServer || era == Era::Patched;
            Faults(self.iter().filter(keep).fold(0, |a, f| a | 1 << f as u32))
        }

        /// Parses a comma-separated list of fault names (empty: none).
        pub fn parse(list: &str) -> Result<Faults, FaultError> {
            let mut set = Faults::NONE;
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                match Fault::ALL.iter().find(|f| f.name() == name) {
                    Some(f) => set = set.with(*f),
                    None => {
                        let known: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                        return Err(FaultError { given: name.to_string(), known: known.join(", ") });
                    }
                }
            }
            Ok(set)
        }

        /// The names, comma-separated (empty for none).
        pub fn names(self) -> String {
            self.iter().map(Fault::name).collect::<Vec<_>>().join(",")
        }
    }
}

/// A set of planted faults: always empty in a build without the `faults`
/// feature, where no fault exists.
#[cfg(not(feature = "faults"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Faults;

/// A fault list given to a build that has no faults.
#[cfg(not(feature = "faults"))]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?}: this privdiff was built without faults (rebuild with --features faults)")]
pub struct FaultError {
    /// The list given.
    pub given: String,
}

#[cfg(not(feature = "faults"))]
impl Faults {
    /// No fault: the only set of this build.
    pub const NONE: Faults = Faults;

    /// Whether nothing is planted: always.
    pub fn is_empty(self) -> bool {
        true
    }

    /// The readings alone: none.
    pub fn readings(self) -> Faults {
        Faults
    }

    /// What the server of an era gets: none.
    pub fn for_server(self, _era: crate::world::Era) -> Faults {
        Faults
    }

    /// Only an empty list parses in this build.
    pub fn parse(list: &str) -> Result<Faults, FaultError> {
        if list.split(',').all(|n| n.trim().is_empty()) {
            Ok(Faults)
        } else {
            Err(FaultError { given: list.to_string() })
        }
    }

    /// The names: none.
    pub fn names(self) -> String {
        String::new()
    }
}

/// The environment variables that plant faults in the fuzz targets and the
/// command line: `PRIVDIFF_FAULTS` (a comma-separated list), and the older
/// `PRIVDIFF_BUG` and `PRIVDIFF_PLANT` (one name each), all merged.
pub const FAULT_ENVS: [&str; 3] = ["PRIVDIFF_FAULTS", "PRIVDIFF_BUG", "PRIVDIFF_PLANT"];

impl Faults {
    /// The faults the environment asks for ([`FAULT_ENVS`]); read once
    /// where a lineup is built, never consulted afterwards.
    pub fn from_env() -> Result<Faults, FaultError> {
        let mut list = String::new();
        for var in FAULT_ENVS {
            if let Ok(v) = std::env::var(var) {
                list.push(',');
                list.push_str(&v);
            }
        }
        Faults::parse(&list)
    }
}

/// The S7 misreading applied to a rule list being stored: every group rule
/// becomes a rule naming the users who are members right now.
#[cfg(feature = "faults")]
pub fn freeze_groups(
    rules: &[crate::world::Rule],
    users: u32,
    is_member: &dyn Fn(crate::world::GroupId, crate::world::UserId) -> bool,
) -> Vec<crate::world::Rule> {
    use crate::world::{Rule, UserId};
    let members = |gs: &[crate::world::GroupId]| -> Vec<UserId> {
        (0..users).map(UserId).filter(|u| gs.iter().any(|g| is_member(*g, *u))).collect()
    };
    rules
        .iter()
        .map(|r| match r {
            Rule::AllowChatParticipants(gs) => Rule::AllowUsers(members(gs)),
            Rule::DisallowChatParticipants(gs) => Rule::DisallowUsers(members(gs)),
            Rule::AllowAll
            | Rule::DisallowAll
            | Rule::AllowContacts
            | Rule::DisallowContacts
            | Rule::AllowUsers(_)
            | Rule::DisallowUsers(_) => r.clone(),
        })
        .collect()
}

#[cfg(all(test, feature = "faults"))]
mod tests {
    use super::*;
    use crate::world::Era;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for f in Fault::ALL {
            assert_eq!(Faults::parse(f.name()), Ok(Faults::one(*f)));
        }
        let all = Fault::ALL.iter().fold(Faults::NONE, |s, f| s.with(*f));
        assert_eq!(Faults::parse(&all.names()), Ok(all));
        assert!(Faults::parse("no-such-fault").is_err());
        assert_eq!(Faults::parse(" , "), Ok(Faults::NONE));
    }

    #[test]
    fn references_get_readings_only_and_legacy_no_patched_bug() {
        let s = Faults::one(Fault::RejoinOk).with(Fault::S6NoMatchAllows).with(Fault::UnsavedEntryShowsNumber);
        assert_eq!(s.readings(), Faults::one(Fault::S6NoMatchAllows));
        assert_eq!(s.for_server(Era::Legacy), Faults::one(Fault::S6NoMatchAllows).with(Fault::UnsavedEntryShowsNumber));
        assert_eq!(s.for_server(Era::Patched), s);
        assert!(Fault::ALL.len() < 64);
    }
}
