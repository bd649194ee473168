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
use crate::oracle::canary;
use crate::oracle::engine::{self, Verdict};
use crate::oracle::failure::{Failure, FailureKind};
use crate::world::Run;

/// `differential`: decode a run, drive the lockstep runner, panic on any
/// D-1..D-4 failure. The legacy loophole is a pass, never a panic.
pub fn differential(data: &[u8]) {
    let run = Run::from_fuzz_bytes(data);
    if let Verdict::Fail { failure } = engine::run(&run).verdict {
        raise(&failure);
    }
}

/// `legacy_canary`: panic as soon as the legacy model breaks INV-1. Must
/// crash fast from an empty corpus; never shipped to nightly fuzzing.
pub fn legacy_canary(data: &[u8]) {
    let run = Run::from_fuzz_bytes(data);
    if let Some((step, breach)) = canary::first_legacy_breach(&run) {
        legacy_loophole_found(step, &run, &breach);
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
        for n in 0..2000 {
            let input = crate::gen::seed::fuzz_input(99, n, 256);
            assert_eq!(panic_message(|| differential(&input)), None, "input {n}");
        }
    }

    #[test]
    fn canary_panics_with_a_first_line_naming_kind_rule_and_operation() {
        let mut found = None;
        for n in 0..20_000 {
            let input = crate::gen::seed::fuzz_input(3, n, 256);
            if let Some(msg) = panic_message(|| legacy_canary(&input)) {
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
