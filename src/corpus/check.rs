//! Replaying reviewed cases against their expected verdicts: what
//! `privdiff corpus check` and `cargo test` do with `corpus/regressions/`.

use std::path::{Path, PathBuf};

use crate::corpus::case::{Case, Expected};
use crate::oracle::engine::Engine;
use crate::oracle::lineup::{PatchedImpl, Seat};

/// One case file's result.
#[derive(Debug)]
pub struct CheckResult {
    /// The file.
    pub path: PathBuf,
    /// `None` if it matched (or was skipped); otherwise what went wrong.
    pub mismatch: Option<String>,
    /// Why the case was not run: it was recorded against an external
    /// implementation that is not in the patched seat of this check.
    pub skipped: Option<String>,
}

/// Replays every `*.json` in `dir` (sorted by name) against its expected
/// verdict with the standard lineup.
pub fn check_dir(dir: &Path) -> std::io::Result<Vec<CheckResult>> {
    check_dir_with(dir, &mut Engine::standard(), &Seat::default(), &mut |_| {})
}

/// [`check_dir`] with `patched`, the engine of `seat`, for the cases it
/// compares with ([`Seat::compares_with`]: the cases recorded in that seat
/// and, for an external implementation, those recorded with the patched
/// server); a case recorded with `patched_impl: legacy` runs with the
/// legacy server there; a case recorded against another external
/// implementation is skipped, with the `--impl` it needs. Expected
/// failures name their implementation, so a case expecting a failure of
/// `patched` does not match the same failure of another one. `each` sees
/// every result as soon as it is known (a long check, or an interrupted
/// one, shows what it has done).
pub fn check_dir_with(
    dir: &Path,
    patched: &mut Engine,
    seat: &Seat,
    each: &mut dyn FnMut(&CheckResult),
) -> std::io::Result<Vec<CheckResult>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    // One engine per implementation in the patched seat, reused by every
    // case recorded with it.
    let mut legacy: Option<Engine> = None;
    let results = paths
        .into_iter()
        .map(|path| {
            let outcome = match std::fs::read(&path) {
                Err(e) => Err(format!("unreadable: {e}")),
                Ok(bytes) => match Case::parse(&bytes) {
                    Err(e) => Err(format!("unreadable: {e}")),
                    Ok(case) => check_case(&path, &case, patched, seat, &mut legacy),
                },
            };
            let (mismatch, skipped) = match outcome {
                Ok(skipped) => (None, skipped),
                Err(why) => (Some(why), None),
            };
            let result = CheckResult { path, mismatch, skipped };
            each(&result);
            result
        })
        .collect();
    Ok(results)
}

/// One case: `Ok(None)` as expected, `Ok(Some(why))` skipped, `Err(why)`
/// a mismatch.
fn check_case(
    path: &Path,
    case: &Case,
    patched: &mut Engine,
    seat: &Seat,
    legacy: &mut Option<Engine>,
) -> Result<Option<String>, String> {
    let recorded = case.seat().map_err(|e| format!("unusable: {e}"))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != case.name {
        return Err(format!("the case is named {:?} but the file is {stem:?}", case.name));
    }
    let engine = match &recorded {
        Seat::Builtin(PatchedImpl::Legacy) => legacy.get_or_insert_with(|| PatchedImpl::Legacy.engine()),
        _ if seat.compares_with(&recorded) => patched,
        Seat::Builtin(PatchedImpl::Patched) => {
            return Ok(Some(format!("recorded with the patched server; this check has {} there", seat.name())))
        }
        Seat::External(name) => {
            return Ok(Some(format!("recorded against implementation {name}: check it with --impl {name}=COMMAND")))
        }
    };
    let trace = engine.trace(&case.run());
    let got = Expected::of(&trace);
    if case.expected.met_by(&trace) {
        Ok(None)
    } else {
        Err(format!("expected {}, got {got}", case.expected))
    }
}
