//! The fuzz targets' bodies. Each cargo-fuzz target in `fuzz/` is one line
//! that calls a function here, so `cargo test` on stable runs the very same
//! entry points over the committed seeds.
//!
//! A failure panics from a non-inlined function of its own kind, with a
//! first line naming the kind, the rule and the operation. Fuzzing
//! infrastructure buckets crashes by their top stack frames (after dropping
//! the panic machinery), so each failure kind lands in its own bucket
//! instead of all sharing the line of one `panic!`.

use crate::corpus::case::Case;
use crate::gen::format;
use crate::oracle::canary;
use crate::oracle::engine::{self, Verdict};
use crate::oracle::failure::{Failure, FailureKind};
use crate::world::Run;

/// Whether a fuzz input was a typed input that ran, or bytes that do not
/// decode (the glue maps this to `Corpus::Keep` / `Corpus::Reject`, so
/// libFuzzer never adds undecodable inputs to its corpus).
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
#[must_use]
pub enum Input {
    /// The bytes decoded (`gen::format`) and the run was checked.
    Ran,
    /// The bytes are not a typed input; nothing ran.
    Rejected,
}

/// `differential`: decode a typed input (`gen::format`), drive the
/// lockstep runner, panic on any D-1..D-4 failure. The legacy loophole is a
/// pass, never a panic.
pub fn differential(data: &[u8]) -> Input {
    let Ok(run) = format::decode(data) else { return Input::Rejected };
    differential_run(&run);
    Input::Ran
}

/// The body of `differential` on a decoded run; also used for raw
/// (`arbitrary`) inputs by tests.
pub fn differential_run(run: &Run) {
    let trace = engine::run(run);
    crate::feedback::record(run, &trace);
    if let Verdict::Fail { failure } = trace.verdict {
        raise(&failure);
    }
}

/// `legacy_canary`: panic as soon as the legacy model breaks INV-1. Must
/// crash fast from an empty corpus; never shipped to nightly fuzzing.
pub fn legacy_canary(data: &[u8]) -> Input {
    let Ok(run) = format::decode(data) else { return Input::Rejected };
    legacy_canary_run(&run);
    Input::Ran
}

/// The body of `legacy_canary` on a decoded run.
pub fn legacy_canary_run(run: &Run) {
    if let Some((step, breach)) = canary::first_legacy_breach(run) {
        legacy_loophole_found(step, run, &breach);
    }
}

/// `case_file`: arbitrary bytes into the case-file parser. It must never
/// panic; a case it accepts must survive writing and reading back.
pub fn case_file(data: &[u8]) {
    if let Ok(case) = Case::parse(data) {
        let again = Case::parse(case.to_json().as_bytes());
        assert!(again.as_ref().is_ok_and(|c| *c == case), "case_file: a parsed case does not round-trip: {again:?}");
    }
}

/// Panics with the failure's story, from the function of its kind.
pub fn raise(failure: &Failure) -> ! {
    match failure.kind() {
        FailureKind::WrongNumber => wrong_number(failure),
        FailureKind::PatchedLeak => patched_leak(failure),
        FailureKind::PatchedHides => patched_hides(failure),
        FailureKind::PatchedBreach => patched_breach(failure),
        FailureKind::ExistenceOracle => existence_oracle(failure),
        FailureKind::PatchedDisagrees => patched_disagrees(failure),
        FailureKind::LegacyDisagrees => legacy_disagrees(failure),
        FailureKind::UnexplainedDivergence => unexplained_divergence(failure),
    }
}

// One function per kind; the distinct literal keeps the linker from folding
// identical bodies into one frame.
#[inline(never)]
#[cold]
fn wrong_number(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: wrong_number; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn patched_leak(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: patched_leak; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn patched_hides(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: patched_hides; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn patched_breach(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: patched_breach; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn existence_oracle(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: existence_oracle; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn patched_disagrees(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: patched_disagrees; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn legacy_disagrees(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: legacy_disagrees; reproduce with `privdiff replay <artifact>`")
}
#[inline(never)]
#[cold]
fn unexplained_divergence(f: &Failure) -> ! {
    panic!("{f}\nprivdiff bucket: unexplained_divergence; reproduce with `privdiff replay <artifact>`")
}

#[inline(never)]
#[cold]
fn legacy_loophole_found(step: usize, run: &Run, breach: &crate::oracle::checks::Breach) -> ! {
    panic!(
        "legacy_canary (INV-1) at step {step}: {}: the legacy model showed {} {} though {}'s settings allow neither seeing nor finding it\nprivdiff bucket: legacy_canary; the 2019 loophole is still visible",
        run.ops[step], breach.viewer, breach.link, breach.link.user
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> Option<String> {
        let err = std::panic::catch_unwind(f).err()?;
        err.downcast_ref::<String>().cloned()
    }

    #[test]
    fn differential_never_panics_on_seeded_inputs_of_correct_models() {
        let mut rng = crate::gen::seed::SplitMix64::new(99);
        for n in 0..1000 {
            let input = format::encode(&crate::gen::generate::gen_run(&mut rng)).unwrap();
            assert_eq!(panic_message(|| assert_eq!(differential(&input), Input::Ran)), None, "input {n}");
            // Raw inputs of the old format still run through the same body.
            let raw = Run::from_fuzz_bytes(&crate::gen::seed::fuzz_input(99, n, 256));
            assert_eq!(panic_message(|| differential_run(&raw)), None, "raw input {n}");
        }
    }

    #[test]
    fn undecodable_inputs_are_rejected_before_running() {
        assert_eq!(differential(&[]), Input::Rejected);
        assert_eq!(differential(&[0x00, 1, 2, 3]), Input::Rejected);
        assert_eq!(legacy_canary(&[format::FORMAT_V1, 99]), Input::Rejected);
    }

    #[test]
    fn canary_panics_with_a_first_line_naming_kind_rule_and_operation() {
        let mut found = None;
        let mut rng = crate::gen::seed::SplitMix64::new(3);
        for _ in 0..2000 {
            let input = format::encode(&crate::gen::generate::gen_run(&mut rng)).unwrap();
            if let Some(msg) = panic_message(|| {
                let _ = legacy_canary(&input);
            }) {
                found = Some(msg);
                break;
            }
        }
        let msg = found.expect("seeded inputs reach the legacy loophole");
        let first = msg.lines().next().unwrap();
        assert!(first.starts_with("legacy_canary (INV-1) at step "), "{first}");
        assert!(first.contains(" imports contacts ") || first.contains(" resolves "), "{first}");
    }

    #[test]
    fn each_failure_kind_panics_with_its_own_first_line() {
        use crate::world::ids::UserId;
        use crate::world::Op;
        let op = Op::ListMembers { viewer: UserId(0), group: crate::world::ids::GroupId(0) };
        let f = Failure::LegacyDisagrees {
            step: 2,
            op,
            expected: Err(crate::world::response::ErrorCode::ChannelInvalid),
            actual: Ok(crate::world::response::Response::Done),
        };
        let msg = panic_message(|| raise(&f)).unwrap();
        assert!(msg.starts_with("legacy_disagrees (D-2) at step 2: alice lists the members of #lobby"), "{msg}");
        assert!(msg.contains("privdiff bucket: legacy_disagrees"));
    }
}
