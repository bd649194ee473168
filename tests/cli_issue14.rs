//! Issue 14, "a newcomer's first hour": every command tells the truth.
//! Each test drives the built binary the way a new user would.

mod cli_common;

use std::path::PathBuf;
use std::process::{Command, Output};

use cli_common::{privdiff, privdiff_in, root, stderr, stdout, tmpdir};

use serde_json::Value;

const HK: &str = "corpus/regressions/hong-kong-2019.json";
const CANARY: &str = "corpus/regressions/canary-minimal-loophole.json";

fn canary_text() -> String {
    std::fs::read_to_string(root().join(CANARY)).unwrap()
}

/// Exit 2 with one line on stderr, no panic; returns the line.
fn unusable(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit 2: {err}\n{}", stdout(o));
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("privdiff: "), "{err}");
    err
}

// ---- Errors that say too little ----

/// Every case-file error prints its detail once.
#[test]
fn case_file_errors_print_their_detail_once() {
    let d = tmpdir("once");
    let bad = d.join("bad.json");
    std::fs::write(&bad, canary_text().replace("\"bob\"", "\"mallory\"")).unwrap();
    let cut = d.join("cut.json");
    std::fs::write(&cut, &canary_text()[..120]).unwrap();
    for (file, detail) in [(&bad, "unknown user name \"mallory\""), (&cut, "EOF while parsing")] {
        let err = unusable(&privdiff(&["replay", file.to_str().unwrap()]));
        assert_eq!(err.matches(detail).count(), 1, "{err}");
        let check = privdiff(&["corpus", "check", d.to_str().unwrap()]);
        assert_eq!(check.status.code(), Some(1));
        let out = stdout(&check);
        let line = out.lines().find(|l| l.contains(file.to_str().unwrap())).unwrap();
        assert_eq!(line.matches(detail).count(), 1, "{line}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A case file holds at most 64 operations, as a run does.
#[test]
fn a_case_file_with_more_than_64_operations_is_refused() {
    let d = tmpdir("ops");
    let mut case: Value = serde_json::from_str(&canary_text()).unwrap();
    let op = case["ops"][1].clone();
    let ops = case["ops"].as_array_mut().unwrap();
    while ops.len() < 64 {
        ops.push(op.clone());
    }
    let ok = d.join("ok.json");
    std::fs::write(&ok, serde_json::to_string(&case).unwrap()).unwrap();
    let o = privdiff(&["replay", ok.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(2), "64 operations are fine: {}", stderr(&o));
    case["ops"].as_array_mut().unwrap().push(op);
    let long = d.join("long.json");
    std::fs::write(&long, serde_json::to_string(&case).unwrap()).unwrap();
    let err = unusable(&privdiff(&["replay", long.to_str().unwrap()]));
    assert!(err.contains("65 operations; a run holds at most 64"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// clap's errors are shown in full: the missing argument is named.
#[test]
fn usage_errors_are_shown_in_full() {
    let err = unusable(&privdiff(&["replay"]));
    assert!(err.starts_with("privdiff: the following required arguments were not provided: <FILE>"), "{err}");
    assert!(err.contains("(usage: privdiff replay <FILE>)"), "{err}");
    let err = unusable(&privdiff(&["minimize", CANARY]));
    assert!(err.contains("not provided: --output <OUTPUT>"), "{err}");
    let err = unusable(&privdiff(&["replay", "--frobnicate", CANARY]));
    assert!(err.contains("unexpected argument '--frobnicate' found; tip:"), "{err}");
}

/// A bare `privdiff` prints the help on stdout, not an error.
#[test]
fn bare_privdiff_prints_help() {
    let o = privdiff(&[]);
    assert_eq!(o.status.code(), Some(2), "nothing was asked, nothing done");
    let out = stdout(&o);
    assert!(out.contains("Usage: privdiff <COMMAND>") && out.contains("replay"), "{out}");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

/// Negative numbers are values, refused with the real limit.
#[test]
fn negative_and_absurd_counts_are_refused_with_the_real_limit() {
    for (args, needle) in [
        (vec!["--members", "-5"], "members must be between 1 and 99,999,999 (the size of the numbering plan), got -5"),
        (vec!["--members", "1000000000000"], "members must be between 1 and 99,999,999"),
        (vec!["--seed", "-1"], "the seed must be between 0 and"),
        (vec!["--imports", "-3"], "got '-3'"),
        (vec!["--members", "100", "--hide-share", "-0.5"], "hide share must be between 0 and 1, got -0.5"),
    ] {
        let mut all = vec!["scenario", "hk2019"];
        all.extend(args.iter());
        let first = unusable(&privdiff(&all));
        assert!(first.contains(needle), "{args:?}: {first}");
        assert!(!first.contains("unexpected argument"), "{first}");
        assert!(!first.contains("4294967295"), "not the u32 range: {first}");
    }
}

/// What cannot fit in memory is refused before anything is allocated.
#[test]
fn members_that_cannot_fit_in_memory_are_refused_up_front() {
    let o = Command::new(env!("CARGO_BIN_EXE_privdiff"))
        .args(["scenario", "hk2019", "--members", "99999999"])
        .env("PRIVDIFF_MAX_MEMORY", "1000000000")
        .output()
        .unwrap();
    let err = unusable(&o);
    assert!(err.contains("needs about 35.0 GB of memory") && err.contains("1.0 GB is available"), "{err}");
    assert!(stdout(&o).is_empty());
}

/// More member numbers than members: refused, not silently turned into
/// numbers of nobody.
#[test]
fn imports_above_the_member_count_are_refused() {
    let err = unusable(&privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "5000"]));
    assert!(err.contains("are 5000 members' numbers, but the group has only 1000 members"), "{err}");
    let o = privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "2000", "--member-share", "0.5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---- Silent wrong answers ----

/// JSON that is not a valid case is refused with the reason, not run as
/// raw bytes; `--as raw` still runs it.
#[test]
fn replay_refuses_json_that_is_not_a_case() {
    let d = tmpdir("json");
    let typo = d.join("typo.json");
    std::fs::write(&typo, canary_text().replace("\"privdiff-case\"", "\"privdiff-cas\"")).unwrap();
    let other = d.join("other.json");
    std::fs::write(&other, "{\"hello\": [1, 2, 3]}\n").unwrap();
    let err = unusable(&privdiff(&["replay", typo.to_str().unwrap()]));
    assert!(err.contains("not a privdiff case file") && err.contains("\"privdiff-cas\""), "{err}");
    assert!(!err.contains("--as raw"), "a JSON case gone wrong is not raw bytes: {err}");
    let err = unusable(&privdiff(&["replay", other.to_str().unwrap()]));
    assert!(err.contains("no \"format\" field"), "{err}");
    let raw = privdiff(&["replay", "--as", "raw", other.to_str().unwrap()]);
    assert_eq!(raw.status.code(), Some(0), "{}", stderr(&raw));
    // Bytes that are not JSON are still raw input.
    let bin = d.join("crash-1");
    std::fs::write(&bin, [0u8, 7, 255, 3, 1, 9]).unwrap();
    assert_ne!(privdiff(&["replay", bin.to_str().unwrap()]).status.code(), Some(2));
    std::fs::remove_dir_all(&d).unwrap();
}

/// A case whose verdict is not as expected exits 1, with or without --json.
#[test]
fn replay_exits_1_when_a_case_is_not_as_expected() {
    let d = tmpdir("notexp");
    let wrong = d.join("canary-minimal-loophole.json");
    std::fs::write(&wrong, canary_text().replace("\"legacy_inv1_breaches\": 1", "\"legacy_inv1_breaches\": 0"))
        .unwrap();
    let o = privdiff(&["replay", wrong.to_str().unwrap()]);
    assert!(stdout(&o).contains("(NOT as expected)"), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1));
    let o = privdiff(&["replay", "--json", wrong.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let o = privdiff(&["replay", CANARY]);
    assert_eq!(o.status.code(), Some(0), "as expected: {}", stdout(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

/// `replay --json` carries the world, the case name, expected vs got, and
/// no `{"verdict": {"verdict": ..}}`.
#[test]
fn replay_json_carries_world_case_and_expected_vs_got() {
    let o = privdiff(&["replay", "--json", CANARY]);
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["case"], "canary-minimal-loophole");
    assert_eq!(doc["world"]["users"], 2);
    assert_eq!(doc["patched_impl"], "patched");
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(doc["expected"], serde_json::json!({"verdict": "pass", "legacy_inv1_breaches": 1}));
    assert_eq!(doc["got"], doc["expected"]);
    assert_eq!(doc["as_expected"], true);
    assert_eq!(doc["steps"].as_array().unwrap().len(), 2);
    assert!(!stdout(&o).contains("\"verdict\": {"), "no nested verdict");
    let o = privdiff(&["replay", "--json", "--patched-impl", "legacy", CANARY]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["failure"]["kind"], "leak");
    assert_eq!(doc["as_expected"], Value::Null, "recorded for patched, run on legacy: not compared");
}

/// corpus add and check use corpus/ at the repository root from any
/// directory inside it, say which, and refuse outside it.
#[test]
fn corpus_commands_resolve_the_repository_root() {
    let docs = root().join("docs");
    let o = privdiff_in(&docs, &["corpus", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let regressions = root().join("corpus/regressions");
    assert_eq!(stdout(&o).lines().next().unwrap(), format!("corpus: {}", regressions.display()));
    let o = privdiff_in(&docs, &["corpus", "add", CANARY_FROM_DOCS, "--name", "hong-kong-2019"]);
    let err = unusable(&o);
    assert!(err.contains(&format!("{} already exists", regressions.join("hong-kong-2019.json").display())), "{err}");
    assert!(!docs.join("corpus").exists(), "nothing created under docs/");
    let outside = tmpdir("outside");
    let err = unusable(&privdiff_in(&outside, &["corpus", "check"]));
    assert!(err.contains("not inside the privdiff repository"), "{err}");
    let artifact = root().join(CANARY);
    let err = unusable(&privdiff_in(&outside, &["corpus", "add", artifact.to_str().unwrap(), "--name", "x"]));
    assert!(err.contains("not inside the privdiff repository"), "{err}");
    assert!(!outside.join("corpus").exists());
    std::fs::remove_dir_all(&outside).unwrap();
}

const CANARY_FROM_DOCS: &str = "../corpus/regressions/canary-minimal-loophole.json";

/// Names and paths are checked before any work (the input is not even
/// read), so a written case is always one corpus check takes.
#[test]
fn minimize_checks_names_and_paths_first() {
    let d = tmpdir("minpaths");
    let missing = d.join("no-such-artifact");
    let m = missing.to_str().unwrap();
    let out = |name: &str| d.join(name).to_str().unwrap().to_string();
    for (args, needle) in [
        (vec!["minimize", m, "-o", &out("Upper.json")], "invalid case name \"Upper\""),
        (vec!["minimize", m, "--name", "foo", "-o", &out("bar.json")], "\"foo\" and the file name \"bar\" differ"),
        (vec!["minimize", m, "-o", &out("case.txt")], "must end in .json"),
        (vec!["minimize", m, "-o", &out("nodir/case.json")], "does not exist"),
    ] {
        let err = unusable(&privdiff(&args));
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0, "nothing written");
    std::fs::remove_dir_all(&d).unwrap();
}

/// A case minimised with `--patched-impl legacy` records the
/// implementation; replay, corpus add and corpus check take it.
#[test]
fn a_legacy_minimised_case_records_its_implementation() {
    let d = tmpdir("legacy");
    let case = d.join("leak.json");
    let o = privdiff(&["minimize", "--patched-impl", "legacy", HK, "-o", case.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    assert_eq!(doc["patched_impl"], "legacy");
    assert_eq!(doc["expected"]["failure"], "leak");
    let check = privdiff(&["corpus", "check", d.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let replay = privdiff(&["replay", case.to_str().unwrap()]);
    assert!(stdout(&replay).contains("(as expected)"), "{}", stdout(&replay));
    let kept = d.join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    let add =
        privdiff(&["corpus", "add", case.to_str().unwrap(), "--name", "leak-kept", "--dir", kept.to_str().unwrap()]);
    assert_eq!(add.status.code(), Some(0), "{}", stderr(&add));
    let check = privdiff(&["corpus", "check", kept.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    // Patched-server cases carry no field: existing files are unchanged.
    assert!(!canary_text().contains("patched_impl"));
    std::fs::remove_dir_all(&d).unwrap();
}

/// corpus add names an existing case with the same run.
#[test]
fn corpus_add_warns_about_duplicates() {
    let d = tmpdir("dup");
    let dir = d.to_str().unwrap();
    let first = privdiff(&["corpus", "add", CANARY, "--name", "first", "--dir", dir]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(!stderr(&first).contains("warning"));
    let second = privdiff(&["corpus", "add", CANARY, "--name", "second", "--dir", dir]);
    assert_eq!(second.status.code(), Some(0));
    let err = stderr(&second);
    assert!(
        err.contains(&format!(
            "warning: this case has the same world and operations as {}",
            d.join("first.json").display()
        )),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// `corpus add --keep` keeps a reviewed story as written, with the verdict
/// it gets, even a pass without any legacy leak.
#[test]
fn corpus_add_keep_keeps_the_story_as_written() {
    let d = tmpdir("keep");
    let dir = d.to_str().unwrap();
    let o = privdiff(&["corpus", "add", HK, "--name", "hk-kept", "--dir", dir, "--keep"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(d.join("hk-kept.json")).unwrap()).unwrap();
    let original: Value = serde_json::from_str(&std::fs::read_to_string(root().join(HK)).unwrap()).unwrap();
    assert_eq!(kept["ops"], original["ops"], "not minimised");
    assert_eq!(kept["note"], original["note"], "the reviewed note is kept");
    assert_eq!(kept["expected"], original["expected"]);
    // A quiet story: nobody hides, nothing leaks.
    let quiet = d.join("quiet.json");
    let mut story: Value = serde_json::from_str(&canary_text()).unwrap();
    story["ops"] = serde_json::json!([{"op": "JoinGroup", "user": "alice", "group": "#lobby"}]);
    story["expected"] = serde_json::json!({"verdict": "pass", "legacy_inv1_breaches": 0});
    std::fs::write(&quiet, serde_json::to_string_pretty(&story).unwrap()).unwrap();
    let sub = d.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let o = privdiff(&[
        "corpus",
        "add",
        quiet.to_str().unwrap(),
        "--name",
        "quiet",
        "--dir",
        sub.to_str().unwrap(),
        "--keep",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(sub.join("quiet.json")).unwrap()).unwrap();
    assert_eq!(written["expected"], serde_json::json!({"verdict": "pass", "legacy_inv1_breaches": 0}));
    assert_eq!(written["ops"].as_array().unwrap().len(), 1);
    assert_eq!(privdiff(&["corpus", "check", sub.to_str().unwrap()]).status.code(), Some(0));
    std::fs::remove_dir_all(&d).unwrap();
}

// ---- scenario ----

fn temp_file(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("privdiff-issue14-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// `--plot` never overwrites without `--force`; bad paths are refused in
/// one line before the run (no table printed).
#[test]
fn scenario_plot_checks_its_path_before_the_run() {
    let svg = temp_file("keep.svg");
    std::fs::write(&svg, "precious").unwrap();
    let s = svg.to_str().unwrap();
    let err = unusable(&privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "100,200", "--plot", s]));
    assert!(err.contains("already exists; pass --force"), "{err}");
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), "precious");
    let o = privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "100,200", "--plot", s, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    std::fs::remove_file(&svg).unwrap();
    let missing = std::env::temp_dir().join(format!("privdiff-issue14-nodir-{}", std::process::id())).join("p.svg");
    let o = privdiff(&[
        "scenario",
        "hk2019",
        "--members",
        "1000",
        "--imports",
        "100,200",
        "--plot",
        missing.to_str().unwrap(),
    ]);
    let err = unusable(&o);
    assert!(err.contains("does not exist"), "{err}");
    assert!(stdout(&o).is_empty(), "refused before the run");
}

/// `by_class` is an object keyed by class, with the numbers of nobody.
#[test]
fn scenario_json_by_class_is_keyed_by_class() {
    let o =
        privdiff(&["scenario", "hk2019", "--members", "1000", "--imports", "500", "--member-share", "0.6", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let by_class = doc["runs"][0]["eras"][0]["by_class"].as_object().unwrap();
    let keys: Vec<&str> = by_class.keys().map(String::as_str).collect();
    assert_eq!(keys, ["hides_and_restricts", "hides_number", "numbers_of_nobody", "shows_number"]);
    assert_eq!(by_class["numbers_of_nobody"], serde_json::json!({"imported": 200, "matched": 0}));
}

/// The plot states its knobs, shows the gap between the eras, separates
/// thousands, refuses a single point and says when a lone size becomes a
/// sweep.
#[test]
fn scenario_plot_states_knobs_gap_and_refuses_a_single_point() {
    let svg = temp_file("knobs.svg");
    let s = svg.to_str().unwrap();
    let o = privdiff(&["scenario", "hk2019", "--members", "20000", "--imports", "4000", "--seed", "7", "--plot", s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("the single size 4000 runs as the sweep 1000,2000,3000,4000"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    for needle in [
        "20,000 members",
        "member share 1, hide share 0.5, restrict share 0.5, seed 7",
        "INV-1 breaches (the loophole)",
        "4,000",
    ] {
        assert!(text.contains(needle), "{needle} in the SVG");
    }
    std::fs::remove_file(&svg).unwrap();
    let err = unusable(&privdiff(&["scenario", "hk2019", "--members", "100", "--imports", "1", "--plot", s]));
    assert!(err.contains("--plot needs at least two import sizes"), "{err}");
    assert!(!svg.exists());
}

// ---- What people expect ----

/// "Exactly N INV-1 breaches" counts events (viewer-number pairs); the
/// story shows both those and the distinct hidden numbers exposed.
#[test]
fn breach_counts_say_events_and_distinct_numbers() {
    let d = tmpdir("events");
    let mut case: Value = serde_json::from_str(&canary_text()).unwrap();
    case["name"] = "two-viewers".into();
    case["world"]["users"] = 3.into();
    case["ops"].as_array_mut().unwrap().push(serde_json::json!(
        {"op": "ImportContacts", "owner": "carol", "phones": ["+852 5100 0001"]}
    ));
    case["expected"]["legacy_inv1_breaches"] = 2.into();
    let file = d.join("two-viewers.json");
    std::fs::write(&file, serde_json::to_string_pretty(&case).unwrap()).unwrap();
    let o = privdiff(&["replay", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("legacy committed 2 INV-1 breach event(s) (a viewer learning a hidden number), exposing 1 distinct hidden number(s)"),
        "{out}"
    );
    assert!(out.contains("(as expected)"), "the case counts events: {out}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// Presets are written as the apps set them: the minimiser keeps a preset
/// whole (Nobody stays `["DisallowAll"]`, never `[]`; My Contacts stays
/// `["AllowContacts", "DisallowAll"]`), and the rule lists mean what
/// docs/CASE-FORMAT.md says: `[]` hides like Nobody for "who can see my
/// number" and is refused for "who can find me".
#[test]
fn presets_are_written_whole_and_mean_what_the_docs_say() {
    let d = tmpdir("presets");
    let out = d.join("hk-min.json");
    let o = privdiff(&["minimize", HK, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(case["ops"][0]["rules"], serde_json::json!(["AllowContacts", "DisallowAll"]), "{case}");
    let docs = std::fs::read_to_string(root().join("docs/CASE-FORMAT.md")).unwrap();
    for row in [
        "| Everybody | `[\"AllowAll\"]` |",
        "| My Contacts | `[\"AllowContacts\", \"DisallowAll\"]` |",
        "| Nobody | `[\"DisallowAll\"]` |",
    ] {
        assert!(docs.contains(row), "docs give {row}");
    }
    // `[]` and Nobody: the same story for PhoneNumber; refused for AddedByPhone.
    let story = |key: &str, rules: Value| {
        let mut c: Value = serde_json::from_str(&canary_text()).unwrap();
        c["ops"] = serde_json::json!([
            {"op": "JoinGroup", "user": "alice", "group": "#lobby"},
            {"op": "SetPrivacy", "user": "alice", "key": key, "rules": rules},
            {"op": "JoinGroup", "user": "bob", "group": "#lobby"},
            {"op": "ListMembers", "viewer": "bob", "group": "#lobby"},
        ]);
        c["expected"] = serde_json::json!({"verdict": "pass", "legacy_inv1_breaches": 0});
        let f = d.join("story.json");
        std::fs::write(&f, serde_json::to_string(&c).unwrap()).unwrap();
        let o = privdiff(&["replay", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        stdout(&o).lines().filter(|l| l.contains("all sides")).map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(story("PhoneNumber", serde_json::json!([])), story("PhoneNumber", serde_json::json!(["DisallowAll"])));
    let refused = story("AddedByPhone", serde_json::json!([]));
    assert!(refused[1].contains("PRIVACY_VALUE_INVALID"), "{refused:?}");
    std::fs::remove_dir_all(&d).unwrap();
}
