//! The rules of `docs/SPEC.md` by their ids, as a type: S1-S17 (the
//! semantics), INV-1..INV-4 (the invariants) and D-1..D-4 (the
//! differential oracle). Failures, signatures, case files and the planted
//! faults name rules with it, so a misspelt rule cannot be written, and a
//! case file naming an id SPEC does not define is refused when read.
//! `tests/spec_ids.rs` holds [`SpecId::ALL`] equal to the headings of
//! `docs/SPEC.md`.

use std::fmt;

macro_rules! define_spec_ids {
    ($($variant:ident = $id:literal,)*) => {
        /// One rule of SPEC, by its id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum SpecId {
            $(
                #[doc = concat!("`", $id, "` in docs/SPEC.md.")]
                $variant,
            )*
        }

        impl SpecId {
            /// Every id, in SPEC's order.
            pub const ALL: &'static [SpecId] = &[$(SpecId::$variant,)*];

            /// The id as SPEC writes it (`S10`, `INV-1`, `D-4`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SpecId::$variant => $id,)*
                }
            }
        }
    };
}

define_spec_ids! {
    S1 = "S1", S2 = "S2", S3 = "S3", S4 = "S4", S5 = "S5", S6 = "S6", S7 = "S7", S8 = "S8", S9 = "S9",
    S10 = "S10", S11 = "S11", S12 = "S12", S13 = "S13", S14 = "S14", S15 = "S15", S16 = "S16", S17 = "S17",
    Inv1 = "INV-1", Inv2 = "INV-2", Inv3 = "INV-3", Inv4 = "INV-4",
    D1 = "D-1", D2 = "D-2", D3 = "D-3", D4 = "D-4",
}

impl SpecId {
    /// The anchor of the rule's heading in `docs/SPEC.md`, as GitHub and
    /// most Markdown renderers make it (`### S11. \`AddContact\`` becomes
    /// `s11-addcontact`): what the reviewer's page links to.
    /// `tests/spec_ids.rs` holds each equal to its heading's.
    pub fn anchor(self) -> &'static str {
        match self {
            SpecId::S1 => "s1-users-and-numbers",
            SpecId::S2 => "s2-contacts-are-one-directional",
            SpecId::S3 => "s3-address-book-entries",
            SpecId::S4 => "s4-public-groups",
            SpecId::S5 => "s5-two-settings",
            SpecId::S6 => "s6-rule-lists",
            SpecId::S7 => "s7-group-rules-are-live",
            SpecId::S8 => "s8-valid-settings",
            SpecId::S9 => "s9-joingroup-and-leavegroup",
            SpecId::S10 => "s10-importcontacts",
            SpecId::S11 => "s11-addcontact",
            SpecId::S12 => "s12-deletecontact",
            SpecId::S13 => "s13-setprivacy",
            SpecId::S14 => "s14-looking-at-people",
            SpecId::S15 => "s15-the-find-rule-of-each-era",
            SpecId::S16 => "s16-who-sees-a-number",
            SpecId::S17 => "s17-knowledge",
            SpecId::Inv1 => "inv-1-no-hidden-number-reaches-a-non-contact",
            SpecId::Inv2 => "inv-2-no-wrong-numbers",
            SpecId::Inv3 => "inv-3-no-existence-oracle",
            SpecId::Inv4 => "inv-4-no-over-blocking-patched-era",
            SpecId::D1 => "d-1-patched-model-equals-patched-reference",
            SpecId::D2 => "d-2-legacy-model-equals-legacy-reference",
            SpecId::D3 => "d-3-the-invariants-hold-for-the-patched-model",
            SpecId::D4 => "d-4-the-eras-differ-only-by-the-loophole",
        }
    }
}

impl fmt::Display for SpecId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An id SPEC does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a rule of docs/SPEC.md (S1-S17, INV-1..INV-4, D-1..D-4)")]
pub struct UnknownSpecId(pub String);

impl std::str::FromStr for SpecId {
    type Err = UnknownSpecId;
    fn from_str(s: &str) -> Result<SpecId, UnknownSpecId> {
        SpecId::ALL.iter().copied().find(|id| id.as_str() == s).ok_or_else(|| UnknownSpecId(s.to_string()))
    }
}

impl PartialEq<&str> for SpecId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for SpecId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SpecId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SpecId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ones_are_refused() {
        assert_eq!(SpecId::ALL.len(), 25);
        for id in SpecId::ALL {
            assert_eq!(id.as_str().parse::<SpecId>(), Ok(*id));
            let json = serde_json::to_string(id).unwrap();
            assert_eq!(serde_json::from_str::<SpecId>(&json).unwrap(), *id);
        }
        // Built at run time, so that this file cites no undefined id.
        assert!(format!("S{}", 18).parse::<SpecId>().is_err());
        let five = format!("\"D-{}\"", 5);
        assert!(serde_json::from_str::<SpecId>(&five).unwrap_err().to_string().contains("not a rule"));
    }
}
