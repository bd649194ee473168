//! `--impl NAME=COMMAND` on the command line: unusable input is one line
//! and exit code 2; the SQLite example passes `corpus check`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn privdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_privdiff")).args(args).output().expect("run privdiff")
}

fn one_error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "stderr: {err}");
    err
}

/// `cargo test` builds the examples beside the test binaries; a filtered
/// run does not, so build it then.
fn sqlite_server() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>/deps");
    let path = dir.join("examples").join("sqlite_server");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = Command::new(cargo).args(["build", "--example", "sqlite_server"]).status().expect("run cargo");
        assert!(status.success());
    }
    path
}

#[test]
fn an_impl_without_name_equals_command_is_refused() {
    let err = one_error_line(&privdiff(&["corpus", "check", "--impl", "sqlite"]));
    assert!(err.contains("--impl expects NAME=COMMAND"), "{err}");
}

#[test]
fn a_command_that_does_not_start_is_one_line_with_its_stderr() {
    let err = one_error_line(&privdiff(&["corpus", "check", "--impl", "sqlite=/nonexistent/privdiff-server"]));
    assert!(err.contains("implementation sqlite"), "{err}");
    assert!(err.contains("exited with status 127"), "{err}");
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn a_wrong_protocol_version_is_one_line() {
    let fake = r#"sh -c 'read l; echo "{\"type\":\"hello\",\"protocol\":7,\"name\":\"x\",\"era\":\"patched\"}"'"#;
    let err = one_error_line(&privdiff(&["corpus", "check", "--impl", &format!("old={fake}")]));
    assert!(err.contains("speaks protocol version 7; privdiff speaks version 1"), "{err}");
}

#[test]
fn a_legacy_implementation_cannot_take_the_patched_seat() {
    let cmd = format!("sqlite={} --era legacy", sqlite_server().display());
    let err = one_error_line(&privdiff(&["corpus", "check", "--impl", &cmd]));
    assert!(err.contains("announces the legacy era"), "{err}");
}

#[test]
fn the_sqlite_example_passes_corpus_check_in_the_patched_seat() {
    let cmd = format!("sqlite={}", sqlite_server().display());
    let out = privdiff(&["corpus", "check", "--impl", &cmd]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
