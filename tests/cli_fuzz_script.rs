//! `scripts/fuzz.sh`, the main job (issue 14): bad arguments are named
//! before anything is built, and libFuzzer's log is read into a progress
//! line and a summary. The script runs with a `cargo` that fails loudly, so
//! nothing here builds or fuzzes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A directory with `cargo` and `rustup` stand-ins that exit 99.
fn fake_toolchain() -> PathBuf {
    let d = std::env::temp_dir().join(format!("privdiff-fuzz-script-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    for tool in ["cargo", "rustup"] {
        let path = d.join(tool);
        std::fs::write(&path, "#!/bin/sh\necho \"fake $0 $*\" >&2\nexit 99\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    d
}

fn fuzz_sh(args: &[&str], tools: &Path) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/fuzz.sh"))
        .args(args)
        .env("PATH", format!("{}:/usr/bin:/bin", tools.display()))
        .env_remove("PRIVDIFF_FUZZ_SECONDS")
        .output()
        .unwrap()
}

#[test]
fn bad_arguments_are_named_before_anything_runs() {
    let tools = fake_toolchain();
    for (args, needle) in [
        (vec!["0"], "fuzz.sh: SECONDS must be at least 1 (libFuzzer would read 0 as no time limit)"),
        (vec!["differential", "0"], "SECONDS must be at least 1"),
        (
            vec!["nosuch"],
            "fuzz.sh: unknown target 'nosuch' (targets: differential, case_file, legacy_canary or external)",
        ),
        (vec!["5m"], "fuzz.sh: SECONDS must be a whole number of seconds, got '5m'"),
        (vec!["case_file", "ten"], "got 'ten'"),
        (vec!["differential", "60", "-fork=2"], "expected '--' before libFuzzer flags, got '-fork=2'"),
        (vec!["-5"], "SECONDS must be a whole number of seconds, got '-5'"),
        (vec!["differential", "99999999999999999999"], "SECONDS must be at most 999999999"),
    ] {
        let o = fuzz_sh(&args, &tools);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with("fuzz.sh: ") && first.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("fake"), "nothing ran: {err}");
    }
    std::fs::remove_dir_all(&tools).unwrap();
}

/// A shortened libFuzzer log: status lines, a crash, the final stats.
const LOG: &str = "\
INFO: Seed: 1234
#2\tINITED cov: 812 ft: 1400 corp: 41/2210b exec/s: 0 rss: 48Mb
#4096\tpulse  cov: 830 ft: 1502 corp: 44/2301b lim: 40 exec/s: 2048 rss: 52Mb
#65536\tNEW    cov: 851 ft: 1630 corp: 52/2840b lim: 120 exec/s: 3120 rss: 61Mb L: 9/40 MS: 2 ChangeBit-CopyPart-
==77== ERROR: libFuzzer: deadly signal
artifact_prefix='fuzz/artifacts/differential/'; Test unit written to fuzz/artifacts/differential/crash-0a1b2c
stat::number_of_executed_units: 65601
stat::average_exec_per_sec:     3123
";

fn lib(call: &str) -> String {
    let dir = std::env::temp_dir().join(format!("privdiff-fuzz-log-{}-{}", std::process::id(), call.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("run.log");
    std::fs::write(&log, LOG).unwrap();
    let script = format!("set -euo pipefail; . scripts/lib-fuzz-log.sh; {call} {}", log.display());
    let o = Command::new("bash").arg("-c").arg(script).current_dir(root()).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn the_log_becomes_a_progress_line_and_a_summary() {
    assert_eq!(lib("fuzz_status").trim_end(), "65536 execs, 3120 exec/s, coverage 851, corpus 52");
    let summary = lib("fuzz_summary");
    for line in [
        "executions: 65601",
        "exec/s:     3123",
        "coverage:   851 (libFuzzer's cov: edges reached)",
        "corpus:     52/2840b (inputs/bytes)",
        "crashes:    1",
        "  fuzz/artifacts/differential/crash-0a1b2c",
        "    replay: cargo run --release -- replay fuzz/artifacts/differential/crash-0a1b2c",
    ] {
        assert!(summary.lines().any(|l| l == line), "{line:?} in\n{summary}");
    }
}

/// Before libFuzzer has printed a status line, and with no crash.
#[test]
fn an_empty_log_is_not_an_error() {
    let dir = std::env::temp_dir().join(format!("privdiff-fuzz-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("empty.log");
    std::fs::write(&log, "").unwrap();
    let script =
        format!("set -euo pipefail; . scripts/lib-fuzz-log.sh; fuzz_status {0}; fuzz_summary {0}", log.display());
    let o = Command::new("bash").arg("-c").arg(script).current_dir(root()).output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("starting\n") && out.contains("crashes:    0"), "{out}");
}
