//! Case files: the durable, human-readable form of a run (see
//! `docs/CASE-FORMAT.md`).
//!
//! A case is JSON: a format tag and version, a name, a free-text note, the
//! world, the operations with named fields, and the verdict the run is
//! expected to get. Raw fuzz inputs are not durable (adding an `Op` variant
//! re-maps how they decode); case files are, which is why `corpus/` keeps
//! them and `cargo test` replays them.

use serde::{Deserialize, Serialize};

use crate::oracle::engine::{Trace, Verdict};
use crate::oracle::failure::{CauseSignature, FailureKind, Signature};
use crate::oracle::lineup::Seat;
use crate::world::{Op, Run, RunError, SpecId, WorldConfig};

/// The `format` tag every case file carries.
pub const FORMAT: &str = "privdiff-case";
/// The case-file version this build reads and writes.
pub const VERSION: u32 = 1;

/// The verdict a case expects: whether the run passes (and how many INV-1
/// breaches the legacy implementation commits: the loophole finding), or
/// which failure it must report.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "verdict", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expected {
    /// The run passes D-1..D-4; legacy commits exactly this many breaches.
    Pass {
        /// INV-1 breach events by the legacy model: a viewer newly learning
        /// a hidden number (a link counts once per viewer, at the step it is
        /// first learned; two viewers learning one number count twice).
        legacy_inv1_breaches: usize,
    },
    /// The run fails with this failure. The signature's other parts are
    /// optional so that hand-written cases may name the kind alone; cases
    /// privdiff writes record them all, so a case cannot slide onto
    /// another bug.
    Fail {
        /// The failure kind reported.
        failure: FailureKind,
        /// The rule broken (`D-1`, `INV-4`, ...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<SpecId>,
        /// The operation kind at the failing step (`ImportContacts`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        op: Option<crate::world::OpKind>,
        /// The implementation that broke the rule (`patched`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        implementation: Option<String>,
        /// The first cause: the operation kind and rule where an
        /// implementation first departs, who departs, and the verdict pair
        /// ([`CauseSignature`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<CauseSignature>,
    },
}

impl Expected {
    /// What a trace amounts to, in case-file terms: its full signature,
    /// first cause included.
    pub fn of(trace: &Trace) -> Expected {
        match trace.signature() {
            Some(sig) => Expected::failing(&sig),
            None => Expected::of_verdict(&trace.verdict),
        }
    }

    /// What a verdict alone amounts to: a failure's signature without its
    /// first cause, which only a trace shows.
    pub fn of_verdict(verdict: &Verdict) -> Expected {
        match verdict {
            Verdict::Pass { legacy_breaches, .. } => Expected::Pass { legacy_inv1_breaches: *legacy_breaches },
            Verdict::Fail { failure, .. } => Expected::failing(&failure.signature()),
        }
    }

    /// The expectation of a failure with this signature.
    pub fn failing(sig: &Signature) -> Expected {
        Expected::Fail {
            failure: sig.kind,
            rule: Some(sig.rule),
            op: Some(sig.op),
            implementation: Some(sig.implementation.clone()),
            cause: sig.cause.clone(),
        }
    }

    /// Whether a trace meets this expectation: the same pass count, or a
    /// failure whose signature agrees with every part recorded (the first
    /// cause too, when the case records one).
    pub fn met_by(&self, trace: &Trace) -> bool {
        match (self, &trace.verdict) {
            (Expected::Pass { legacy_inv1_breaches }, Verdict::Pass { legacy_breaches, .. }) => {
                legacy_inv1_breaches == legacy_breaches
            }
            (Expected::Fail { failure, rule, op, implementation, cause }, Verdict::Fail { failure: got, .. }) => {
                let sig = got.signature();
                let agrees = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w == got);
                *failure == sig.kind
                    && rule.is_none_or(|r| r == sig.rule)
                    && op.is_none_or(|o| o == sig.op)
                    && agrees(implementation, &sig.implementation)
                    && (cause.is_none() || trace.signature().and_then(|s| s.cause) == *cause)
            }
            (Expected::Pass { .. }, Verdict::Fail { .. }) | (Expected::Fail { .. }, Verdict::Pass { .. }) => false,
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Pass { legacy_inv1_breaches } => {
                write!(f, "pass (legacy INV-1 breaches: {legacy_inv1_breaches})")
            }
            Expected::Fail { failure, rule, op, implementation, cause } => {
                write!(f, "fail {failure}")?;
                if let Some(rule) = rule {
                    write!(f, " ({rule})")?;
                }
                if let Some(name) = implementation {
                    write!(f, " in {name}")?;
                }
                if let Some(op) = op {
                    write!(f, " at {op}")?;
                }
                if let Some(c) = cause {
                    write!(f, ", first cause {} ({})", c.op, c.rule)?;
                }
                Ok(())
            }
        }
    }
}

/// A case file's content.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for files this build writes.
    pub version: u32,
    /// Short identifier, also the file name.
    pub name: String,
    /// Free text for the reviewer: what the case shows and why it matters.
    pub note: String,
    /// The world.
    pub world: WorldConfig,
    /// The operations, in order.
    pub ops: Vec<Op>,
    /// The implementation that sat in the patched seat when the expected
    /// verdict was recorded (`"legacy"` for a case minimised with
    /// `--patched-impl legacy`); absent for the patched server. Not to be
    /// confused with a failure's `implementation`, the seat that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patched_impl: Option<String>,
    /// The verdict the run must get.
    pub expected: Expected,
}

/// Why a case file cannot be used. Each message says what and where.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Not valid UTF-8 JSON, or the wrong shape (serde's line and column).
    /// The detail is in the message, not a `source`, so that a report of
    /// the whole chain prints it once.
    #[error("not a valid case file: {0}")]
    Json(serde_json::Error),
    /// A value of the wrong kind (an unknown user name, say) that serde
    /// reports at the end of the object holding it: the line is where the
    /// value itself is written.
    #[error("not a valid case file: {what} at line {line}")]
    Value {
        /// serde's message, without its position.
        what: String,
        /// The line of the offending value (1-based).
        line: usize,
    },
    /// A JSON document that is not a privdiff case.
    #[error("not a privdiff case file: \"format\" must be \"{FORMAT}\"{found}")]
    Format {
        /// What was found instead, for the message.
        found: String,
    },
    /// A case of a version this build does not read.
    #[error("unsupported case file version {found} (this privdiff reads version {VERSION})")]
    Version {
        /// The version in the file.
        found: String,
    },
    /// The operations do not fit the world.
    #[error("case does not fit its world: {0}")]
    Run(RunError),
    /// The name cannot be a file name.
    #[error("invalid case name {0:?}: use 1-64 of a-z, 0-9, '-' and '_'")]
    Name(String),
}

impl From<serde_json::Error> for CaseError {
    fn from(e: serde_json::Error) -> Self {
        CaseError::Json(e)
    }
}

/// serde reports a bad value inside an internally tagged object (an
/// operation) at the object's end; when its message quotes the value
/// (`unknown user name "mallory"`), the nearest line at or before that
/// position holding the quoted value is where the author wrote it.
fn locate_value(bytes: &[u8], e: serde_json::Error) -> CaseError {
    if e.classify() != serde_json::error::Category::Data {
        return CaseError::Json(e);
    }
    let message = e.to_string();
    let what = message.rsplit_once(" at line ").map_or(message.as_str(), |(w, _)| w).to_string();
    let quoted = what.split('"').nth(1).filter(|q| !q.is_empty());
    let (Some(quoted), Ok(text)) = (quoted, std::str::from_utf8(bytes)) else { return CaseError::Json(e) };
    let needle = format!("\"{quoted}\"");
    let lines: Vec<&str> = text.lines().collect();
    let end = e.line().min(lines.len());
    match (0..end).rev().find(|&i| lines[i].contains(&needle)) {
        Some(i) => CaseError::Value { what, line: i + 1 },
        None => CaseError::Json(e),
    }
}

impl From<RunError> for CaseError {
    fn from(e: RunError) -> Self {
        CaseError::Run(e)
    }
}

/// Whether `name` is a usable case name (and file stem).
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Case {
    /// A case for `run` with its expected verdict.
    pub fn new(name: &str, note: &str, run: &Run, expected: Expected) -> Result<Case, CaseError> {
        if !valid_name(name) {
            return Err(CaseError::Name(name.to_string()));
        }
        Ok(Case {
            format: FORMAT.to_string(),
            version: VERSION,
            name: name.to_string(),
            note: note.to_string(),
            world: run.world,
            ops: run.ops.clone(),
            patched_impl: None,
            expected,
        })
    }

    /// The case with the seat its verdict was recorded in (the patched
    /// server is written as no field).
    pub fn with_seat(mut self, seat: &Seat) -> Case {
        self.patched_impl = seat.record();
        self
    }

    /// The seat the case records; an unreadable `patched_impl` is an error
    /// naming the case.
    pub fn seat(&self) -> Result<Seat, String> {
        Seat::recorded(self.patched_impl.as_deref(), &self.name)
    }

    /// Parses and validates a case file: format tag and version first (so an
    /// unknown version is named as such), then the full shape, then that the
    /// operations fit the world.
    pub fn parse(bytes: &[u8]) -> Result<Case, CaseError> {
        // Editors on some systems save UTF-8 with a byte-order mark, which
        // JSON does not allow; the text after it is what the author wrote.
        let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        let value: serde_json::Value = serde_json::from_slice(bytes)?;
        let format = value.get("format");
        if format.and_then(|f| f.as_str()) != Some(FORMAT) {
            let found = match format {
                None => " (no \"format\" field)".to_string(),
                Some(f) => format!(", found {f}"),
            };
            return Err(CaseError::Format { found });
        }
        match value.get("version") {
            Some(v) if v.as_u64() == Some(u64::from(VERSION)) => {}
            Some(v) => return Err(CaseError::Version { found: v.to_string() }),
            None => return Err(CaseError::Version { found: "(missing)".to_string() }),
        }
        // Parse the text again rather than the Value, so errors keep their
        // line and column.
        let case: Case = serde_json::from_slice(bytes).map_err(|e| locate_value(bytes, e))?;
        if !valid_name(&case.name) {
            return Err(CaseError::Name(case.name));
        }
        case.run().check()?;
        Ok(case)
    }

    /// The run the case describes.
    pub fn run(&self) -> Run {
        Run { world: self.world, ops: self.ops.clone() }
    }

    /// The case as pretty JSON with a trailing newline: the on-disk form.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a case always serializes");
        text.push('\n');
        text
    }
}

/// The byte-order mark some editors put before UTF-8 text.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::ids::{GroupId, UserId};

    fn sample() -> Case {
        let run = Run {
            world: WorldConfig { users: 2, groups: 1, unowned_numbers: 0 },
            ops: vec![Op::JoinGroup { user: UserId(1), group: GroupId(0) }],
        };
        Case::new("sample", "a note", &run, Expected::Pass { legacy_inv1_breaches: 0 }).unwrap()
    }

    #[test]
    fn cases_round_trip_through_their_file_form() {
        let case = sample();
        assert_eq!(Case::parse(case.to_json().as_bytes()).unwrap(), case);
        let mut with_bom = UTF8_BOM.to_vec();
        with_bom.extend(case.to_json().as_bytes());
        assert_eq!(Case::parse(&with_bom).unwrap(), case, "an editor's byte-order mark is not part of the case");
    }

    #[test]
    fn unknown_versions_and_foreign_json_are_refused_by_name() {
        let text = sample().to_json().replace("\"version\": 1", "\"version\": 2");
        let err = Case::parse(text.as_bytes()).unwrap_err().to_string();
        assert_eq!(err, "unsupported case file version 2 (this privdiff reads version 1)");
        let err = Case::parse(br#"{"hello": 1}"#).unwrap_err().to_string();
        assert!(err.contains("no \"format\" field"), "{err}");
    }

    #[test]
    fn malformed_cases_say_what_and_where() {
        let text = sample().to_json().replace("\"user\": \"bob\"", "\"user\": \"mallory\"");
        let err = Case::parse(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("unknown user name \"mallory\"") && err.contains("line"), "{err}");
        let mallory = sample().to_json().replace("\"user\": \"bob\"", "\"user\": \"mallory\"");
        let line = mallory.lines().position(|l| l.contains("mallory")).unwrap() + 1;
        let err = Case::parse(mallory.as_bytes()).unwrap_err().to_string();
        assert!(err.ends_with(&format!("at line {line}")), "the line of the name, {line}: {err}");
        let text = sample().to_json().replace("\"user\": \"bob\"", "\"user\": \"u9\"");
        let err = Case::parse(text.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("ops[0] (JoinGroup): user u9 is not in a world of 2 users"), "{err}");
        let truncated = &sample().to_json()[..40];
        assert!(Case::parse(truncated.as_bytes()).unwrap_err().to_string().contains("EOF"));
    }
}
