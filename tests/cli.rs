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
        rule: Some(privdiff::world::SpecId::D1),
        op: Some(privdiff::world::OpKind::ImportContacts),
        implementation: Some("patched".to_string()),
        // The first cause is the import itself: the legacy server in the
        // patched seat matches a number the patched find rule refuses.
        cause: Some(privdiff::oracle::failure::CauseSignature {
            op: privdiff::world::OpKind::ImportContacts,
            rule: privdiff::world::SpecId::S15,
            part: None,
            departing: vec!["patched".to_string()],
            legacy: privdiff::oracle::failure::SeatVerdict::Pass,
            patched: privdiff::oracle::failure::SeatVerdict::Fail,
        }),
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

/// A typed fuzz input (what the targets store since issue 11) replays as
/// the run it encodes; `--as raw` reads the same bytes the old way (any
/// bytes are a raw run); `--as typed` refuses bytes that are not typed.
#[test]
fn replay_reads_typed_inputs_and_still_reads_raw_ones() {
    use privdiff::corpus::case::Case;
    let case = Case::parse(&std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(HK)).unwrap()).unwrap();
    let dir = tmpdir("typed");
    let typed = dir.join("typed");
    std::fs::write(&typed, privdiff::gen::format::encode(&case.run()).unwrap()).unwrap();
    let o = privdiff(&["replay", typed.to_str().unwrap()]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("verdict: PASS after 20 step(s); legacy committed 3 INV-1 breach event(s)"), "{out}");
    let o = privdiff(&["replay", "--as", "raw", typed.to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{:?}", stderr_lines(&o));
    assert!(!String::from_utf8(o.stdout).unwrap().contains("after 20 step(s)"));
    let raw = dir.join("raw");
    std::fs::write(&raw, [0x07, 0x13, 0x42, 0x99]).unwrap();
    let o = privdiff(&["replay", raw.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{:?}", stderr_lines(&o));
    let o = privdiff(&["replay", "--as", "typed", raw.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let first = &stderr_lines(&o)[0];
    assert!(first.contains("is not a whole typed fuzz input") && first.contains("try --as raw"), "{first}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `seeds --raw` carries an old raw corpus over run for run: each typed
/// seed decodes to the very run its raw file decoded to; a directory it
/// cannot read leaves the old seeds whole and exits non-zero.
#[test]
fn seeds_carry_a_raw_corpus_over_run_for_run() {
    let d = tmpdir("seeds-raw");
    let (raw, cases, out) = (d.join("raw"), d.join("cases"), d.join("out"));
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::create_dir_all(&cases).unwrap();
    let inputs: Vec<Vec<u8>> = (0..5).map(|n| privdiff::gen::seed::fuzz_input(9, n, 300)).collect();
    for (n, bytes) in inputs.iter().enumerate() {
        std::fs::write(raw.join(format!("in{n}")), bytes).unwrap();
    }
    let args = |raw_dir: &Path| {
        let p = |x: &Path| x.to_str().unwrap().to_string();
        vec![
            "seeds".to_string(),
            "--cases".to_string(),
            p(&cases),
            "--generated".to_string(),
            "0".to_string(),
            "--raw".to_string(),
            p(raw_dir),
            "--out".to_string(),
            p(&out),
        ]
    };
    let run = |a: Vec<String>| {
        Command::new(env!("CARGO_BIN_EXE_privdiff")).args(&a).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
    };
    let o = run(args(&raw));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for (n, bytes) in inputs.iter().enumerate() {
        let typed = std::fs::read(out.join(format!("raw-in{n}"))).unwrap();
        let run = privdiff::gen::format::decode(&typed).unwrap();
        assert_eq!(run, privdiff::world::Run::from_fuzz_bytes(bytes), "input {n}");
    }
    let o = run(args(&d.join("missing")));
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(stderr_lines(&o).len(), 1, "{:?}", stderr_lines(&o));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 5, "the old seeds stay whole");
}

/// `replay --json` carries the loophole finding both ways the story tells
/// it: breach events (three strangers learning alice's number are three)
/// and distinct hidden numbers exposed (one).
#[test]
fn replay_json_counts_breach_events_and_distinct_numbers() {
    let dir = tmpdir("json-counts");
    let import = |owner: &str| format!(r#"{{"op":"ImportContacts","owner":"{owner}","phones":["+852 5100 0001"]}}"#);
    let case = format!(
        r#"{{"format":"privdiff-case","version":1,"name":"three-strangers","note":"","world":{{"users":4,"groups":1,"unowned_numbers":0}},"ops":[{{"op":"SetPrivacy","user":"alice","key":"AddedByPhone","rules":["AllowContacts","DisallowAll"]}},{},{},{}],"expected":{{"verdict":"pass","legacy_inv1_breaches":3}}}}"#,
        import("bob"),
        import("carol"),
        import("dave")
    );
    let file = dir.join("three-strangers.json");
    std::fs::write(&file, case).unwrap();
    let o = privdiff(&["replay", "--json", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{:?}", stderr_lines(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((doc["legacy_breach_events"].as_u64(), doc["legacy_distinct_numbers"].as_u64()), (Some(3), Some(1)));
    std::fs::remove_dir_all(&dir).unwrap();
}
