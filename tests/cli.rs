//! The `privdiff` command's contract: exit 0 pass, 1 fail, 2 unusable
//! input, one-line errors, atomic writes that never overwrite.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn privdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_privdiff")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("privdiff-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stderr_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr).lines().map(str::to_string).collect()
}

const HK: &str = "corpus/regressions/hong-kong-2019.json";
const CANARY: &str = "corpus/regressions/canary-minimal-loophole.json";

#[test]
fn replay_tells_the_story_and_exits_0_on_a_pass() {
    let o = privdiff(&["replay", HK]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("alice imports contacts ["), "{out}");
    assert!(out.contains("LOOPHOLE (legacy, INV-1): alice obtained bob's hidden number +852 5100 0002"), "{out}");
    assert!(out.contains("verdict: PASS after 20 step(s); legacy committed 3 INV-1 breach event(s) (a viewer learning a hidden number), exposing 3 distinct hidden number(s)"), "{out}");
}

#[test]
fn replay_exits_1_on_a_failure_and_names_kind_rule_and_step() {
    let o = privdiff(&["replay", "--patched-impl", "legacy", CANARY]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("verdict: FAIL leak (D-1) in patched at step 1: bob imports contacts [+852 5100 0001]"),
        "{out}"
    );
}

#[test]
fn replay_json_prints_a_parseable_trace() {
    let o = privdiff(&["replay", "--json", CANARY]);
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps: Vec<privdiff::oracle::engine::StepTrace> = serde_json::from_value(doc["steps"].clone()).unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].legacy_breaches.len(), 1);
}

#[test]
fn unusable_inputs_exit_2_with_one_line() {
    let d = tmpdir("bad");
    let v2 = d.join("v2.json");
    let text = std::fs::read_to_string(CANARY_PATH()).unwrap().replace("\"version\": 1", "\"version\": 7");
    std::fs::write(&v2, text).unwrap();
    let truncated = d.join("cut.json");
    std::fs::write(&truncated, &std::fs::read(CANARY_PATH()).unwrap()[..120]).unwrap();
    for (args, needle) in [
        (vec!["replay", d.join("missing").to_str().unwrap()], "cannot read"),
        (vec!["replay", v2.to_str().unwrap()], "unsupported case file version 7"),
        (vec!["replay", truncated.to_str().unwrap()], "EOF while parsing"),
        (vec!["replay", "--as", "case", "Cargo.toml"], "not a valid case file"),
        (vec!["replay", "--frobnicate", CANARY], "unexpected argument '--frobnicate'"),
        (vec!["corpus", "add", CANARY, "--name", "Bad Name"], "invalid case name"),
    ] {
        let o = privdiff(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let lines = stderr_lines(&o);
        assert!(lines[0].starts_with("privdiff: ") && lines[0].contains(needle), "{args:?}: {lines:?}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"), "{args:?}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[allow(non_snake_case)]
fn CANARY_PATH() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CANARY)
}

#[test]
fn minimize_writes_a_minimal_case_with_the_same_failure_kind() {
    let d = tmpdir("min");
    let out = d.join("leak.json");
    let o = privdiff(&["minimize", "--patched-impl", "legacy", HK, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{:?}", stderr_lines(&o));
    let case = privdiff::corpus::case::Case::parse(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(case.ops.len(), 2, "{case:#?}");
    let kind = privdiff::oracle::failure::FailureKind::Leak;
    let expected = privdiff::corpus::case::Expected::Fail {
        failure: kind,
        rule: Some("D-1".to_string()),
        op: Some("ImportContacts".to_string()),
        implementation: Some("patched".to_string()),
    };
    assert_eq!(case.expected, expected);
    // Refuses to overwrite; the file is untouched.
    let before = std::fs::read(&out).unwrap();
    let o = privdiff(&["minimize", HK, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&out).unwrap(), before);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn corpus_add_writes_once_and_corpus_check_accepts_it() {
    let d = tmpdir("add");
    let dir = d.to_str().unwrap();
    let o = privdiff(&["corpus", "add", HK, "--name", "hk-again", "--dir", dir, "--note", "test"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", stderr_lines(&o));
    let again = privdiff(&["corpus", "add", CANARY, "--name", "hk-again", "--dir", dir]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr_lines(&again)[0].contains("already exists"));
    let names: Vec<_> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("hk-again.json")], "no temporary files left");
    let check = privdiff(&["corpus", "check", dir]);
    assert_eq!(check.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&check.stdout).contains("corpus check: 1 passed, 0 failed"));
    std::fs::write(d.join("zz.json"), "not json").unwrap();
    let check = privdiff(&["corpus", "check", dir]);
    assert_eq!(check.status.code(), Some(1));
    std::fs::remove_dir_all(&d).unwrap();
}
