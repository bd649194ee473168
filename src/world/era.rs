//! The two eras of the visibility rules (SPEC S15).

use serde::{Deserialize, Serialize};

/// Which visibility rules apply (SPEC S15).
#[derive(Serialize, Deserialize, Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Era {
    /// Before September 2019: anyone who supplies a number matches its owner.
    Legacy,
    /// After the fix: "who can find me by my number" is honoured.
    Patched,
}

impl std::fmt::Display for Era {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Era::Legacy => "legacy",
            Era::Patched => "patched",
        })
    }
}
