//! Replaying reviewed cases against their expected verdicts: what
//! `privdiff corpus check` and `cargo test` do with `corpus/regressions/`.

use std::path::{Path, PathBuf};

use crate::corpus::case::{Case, Expected};
use crate::oracle::engine::Engine;
use crate::oracle::lineup::PatchedImpl;

/// One case file's result.
#[derive(Debug)]
pub struct CheckResult {
    /// The file.
    pub path: PathBuf,
    /// `None` if it matched; otherwise what went wrong.
    pub mismatch: Option<String>,
}

/// Replays every `*.json` in `dir` (sorted by name) against its expected
/// verdict with the standard lineup.
pub fn check_dir(dir: &Path) -> std::io::Result<Vec<CheckResult>> {
    check_dir_with(dir, &mut Engine::standard())
}

/// [`check_dir`] with another lineup in the patched seat (an external
/// implementation) for the cases recorded with the patched server; a case
/// recorded with `patched_impl: legacy` runs with the legacy server there.
/// Expected failures name their implementation, so a case expecting a
/// failure of `patched` does not match the same failure of another one.
pub fn check_dir_with(dir: &Path, patched: &mut Engine) -> std::io::Result<Vec<CheckResult>> {
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
            let mismatch = match std::fs::read(&path) {
                Err(e) => Some(format!("unreadable: {e}")),
                Ok(bytes) => match Case::parse(&bytes) {
                    Err(e) => Some(format!("unreadable: {e}")),
                    Ok(case) => check_case(&path, &case, patched, &mut legacy),
                },
            };
            CheckResult { path, mismatch }
        })
        .collect();
    Ok(results)
}

fn check_case(path: &Path, case: &Case, patched: &mut Engine, legacy: &mut Option<Engine>) -> Option<String> {
    let implementation = match PatchedImpl::recorded(case.patched_impl.as_deref(), &case.name) {
        Ok(i) => i,
        Err(e) => return Some(format!("unusable: {e}")),
    };
    let engine = match implementation {
        PatchedImpl::Patched => patched,
        PatchedImpl::Legacy => legacy.get_or_insert_with(|| implementation.engine()),
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != case.name {
        return Some(format!("the case is named {:?} but the file is {stem:?}", case.name));
    }
    let verdict = engine.verdict(&case.run());
    let got = Expected::of_verdict(&verdict);
    (!case.expected.met_by(&verdict)).then(|| format!("expected {}, got {got}", case.expected))
}
