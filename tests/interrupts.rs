//! Ctrl-C (SIGINT) in the middle of a command (issue 22): no process the
//! command started survives it, the command says it was interrupted and
//! exits 130, and what it printed before stands. `scripts/fuzz.sh`'s
//! interrupt is checked by `scripts/fuzz-workflows.sh` (it needs a fuzz
//! build).

mod cli_common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_common::root;

/// Whether a process whose command line contains `needle` is alive.
fn alive(needle: &str) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else { return false };
    procs.filter_map(|e| e.ok()).any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(needle))
            .unwrap_or(false)
    })
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sigint(pid: u32) {
    let status = Command::new("kill").args(["-INT", &pid.to_string()]).status().expect("kill runs");
    assert!(status.success());
}

/// An implementation that answers the handshake and then hangs in a
/// grandchild (`sleep`), in its own process group: only privdiff can kill
/// it.
#[test]
fn an_interrupted_corpus_check_leaves_no_implementation_behind() {
    let marker = format!("{}", 4_000_000 + std::process::id());
    let hang = format!(
        r#"hang=sh -c 'read l; echo "{{\"type\":\"hello\",\"protocol\":1,\"name\":\"hang\",\"era\":\"patched\"}}"; sleep {marker}'"#
    );
    let child = Command::new(env!("CARGO_BIN_EXE_privdiff"))
        .args(["corpus", "check", "--impl", &hang])
        .current_dir(root())
        .env("PRIVDIFF_IMPL_TIMEOUT_MS", "60000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("privdiff starts");
    wait_until("the implementation to start", || alive(&format!("sleep {marker}")));
    std::thread::sleep(Duration::from_millis(200));
    sigint(child.id());
    let out = child.wait_with_output().expect("privdiff exits");
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("corpus: "), "what was done stands");
    wait_until("the implementation to be gone", || !alive(&format!("sleep {marker}")));
}

/// `explore` stops its search on SIGINT and reports what it covered.
#[test]
fn an_interrupted_explore_reports_what_it_covered() {
    let child = Command::new(env!("CARGO_BIN_EXE_privdiff"))
        .args(["explore", "--users", "3", "--depth", "7", "--threads", "1"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("privdiff starts");
    std::thread::sleep(Duration::from_millis(1500));
    sigint(child.id());
    let out = child.wait_with_output().expect("privdiff exits");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    assert!(stdout.contains("states"), "the report says how far it got: {stdout}");
}
