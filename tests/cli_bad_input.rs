//! Bad input at every door of the command line: damaged or empty files,
//! directories `seeds` must not replace, a missing `--dir`, a bad timeout,
//! an implementation whose answers depend on more than the run, options
//! that cannot go together. Each gets one error line and exit 2, and
//! nothing on disk is lost, half-written or run as some other input.

mod cli_common;

use std::path::Path;
use std::process::{Command, Output};

use cli_common::{privdiff, privdiff_in, root, stderr, stdout, tmpdir};

const CANARY: &str = "corpus/regressions/canary-minimal-loophole.json";
const HK: &str = "corpus/regressions/hong-kong-2019.json";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exit 2 with one `privdiff: ...` line on stderr and no story on stdout.
fn refused(o: &Output, says: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stdout: {}\nstderr: {err}", stdout(o));
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(says), "{err:?} should say {says:?}");
    assert!(!stdout(o).contains("verdict:"), "nothing ran: {}", stdout(o));
}

/// A case file an editor saved with a byte-order mark is still the case:
/// it replays as the case (not as raw bytes) and `corpus check` reads it.
#[test]
fn a_case_file_with_a_byte_order_mark_is_still_the_case() {
    let d = tmpdir("bom");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(root().join(CANARY)).unwrap());
    let file = d.join("canary-minimal-loophole.json");
    std::fs::write(&file, bytes).unwrap();
    let o = privdiff(&["replay", s(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("case canary-minimal-loophole:"), "{}", stdout(&o));
    assert!(stdout(&o).contains("(as expected)"), "{}", stdout(&o));
    let check = privdiff(&["corpus", "check", s(&d)]);
    assert!(stdout(&check).contains("corpus check: 1 passed, 0 failed"), "{}", stdout(&check));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Files that are no input at all, or a damaged one, are refused with the
/// reason instead of being replayed as some other run that passes.
#[test]
fn damaged_or_empty_inputs_are_refused_not_replayed_as_another_run() {
    let d = tmpdir("damaged");
    let case = privdiff::corpus::case::Case::parse(&std::fs::read(root().join(HK)).unwrap()).unwrap();
    let typed = privdiff::gen::format::encode(&case.run()).unwrap();
    let inputs: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "is empty"),
        ("blank", b"  \n\t\n".to_vec(), "is empty"),
        ("bom-only", b"\xEF\xBB\xBF".to_vec(), "is empty"),
        ("utf16", b"\xFF\xFE{\x00\"\x00".to_vec(), "UTF-16"),
        ("truncated", typed[..typed.len() - 1].to_vec(), "is not a whole typed fuzz input"),
        ("cut-early", typed[..typed.len() / 2].to_vec(), "truncated or corrupted"),
        ("array.json", b"[1, 2, 3]".to_vec(), "not a privdiff case file"),
        ("notes.txt", b"crash found last night, see the log\n".to_vec(), "read as a case file because it is text"),
    ];
    for (name, bytes, says) in &inputs {
        let file = d.join(name);
        std::fs::write(&file, bytes).unwrap();
        refused(&privdiff(&["replay", s(&file)]), says);
        refused(&privdiff(&["replay", "--json", s(&file)]), says);
    }
    // `corpus add` reads inputs the same way: nothing is added.
    let corpus = d.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let truncated = d.join("truncated");
    refused(&privdiff(&["corpus", "add", s(&truncated), "--name", "t", "--dir", s(&corpus), "--keep"]), "truncated");
    assert_eq!(std::fs::read_dir(&corpus).unwrap().count(), 0, "nothing added");
    // The whole artifact still replays as the run it encodes.
    let whole = d.join("whole");
    std::fs::write(&whole, &typed).unwrap();
    let o = privdiff(&["replay", s(&whole)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("typed fuzz input"), "{}", stdout(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

/// A case file with one byte that is not UTF-8 (a Latin-1 `é` in its
/// note) is refused as a damaged case, not replayed as 64 raw operations
/// that pass (issue 22, point 2); a JSON parse error does not suggest
/// `--as raw`, which would run the JSON text as bytes.
#[test]
fn a_case_file_that_is_not_utf8_is_refused_not_replayed_as_raw() {
    let d = tmpdir("latin1");
    let text = std::fs::read_to_string(root().join(CANARY)).unwrap();
    let at = text.find("\"note\": \"").unwrap() + "\"note\": \"".len();
    let mut bytes = text.as_bytes()[..at].to_vec();
    bytes.push(0xE9); // Latin-1 'é'
    bytes.extend(&text.as_bytes()[at..]);
    let file = d.join("latin1.json");
    std::fs::write(&file, &bytes).unwrap();
    refused(&privdiff(&["replay", s(&file)]), "is not valid UTF-8");
    refused(&privdiff(&["replay", "--json", s(&file)]), "is not valid UTF-8");
    let corpus = d.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    refused(&privdiff(&["corpus", "add", s(&file), "--name", "t", "--dir", s(&corpus), "--keep"]), "not valid UTF-8");
    assert_eq!(std::fs::read_dir(&corpus).unwrap().count(), 0, "nothing added");
    // A broken case file: the error is the parse error, with no `--as raw`.
    let broken = d.join("broken.json");
    std::fs::write(&broken, &text.as_bytes()[..text.len() / 2]).unwrap();
    let o = privdiff(&["replay", s(&broken)]);
    refused(&o, "not a valid case file");
    assert!(!stderr(&o).contains("--as raw"), "{}", stderr(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Bytes of the old raw format still replay, and the story and the JSON
/// document say that is how they were read.
#[test]
fn a_raw_input_says_it_was_read_as_raw() {
    let d = tmpdir("raw");
    let raw = d.join("crash-old");
    std::fs::write(&raw, [0x07, 0x13, 0x42, 0x99, 0x00, 0xFE]).unwrap();
    let o = privdiff(&["replay", s(&raw)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).lines().next().unwrap_or("").contains("raw fuzz input"), "{}", stdout(&o));
    let o = privdiff(&["replay", "--json", s(&raw)]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["read_as"], "raw");
    std::fs::remove_dir_all(&d).unwrap();
}

/// `seeds --out` replaces its directory whole, so it refuses any place that
/// holds something it did not write, and leaves that place as it was.
#[test]
fn seeds_refuses_to_replace_what_it_did_not_write() {
    let d = tmpdir("seeds");
    let cases = d.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::copy(root().join(CANARY), cases.join("canary-minimal-loophole.json")).unwrap();
    let other = d.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("thesis.txt"), "years of work").unwrap();
    std::fs::write(d.join("afile"), "a file").unwrap();
    let seeds = |out: &str| privdiff_in(&d, &["seeds", "--cases", "cases", "--generated", "2", "--out", out]);
    refused(&seeds("other"), "which privdiff seeds does not write");
    refused(&seeds("cases"), "which privdiff seeds does not write");
    refused(&seeds("."), "not . or ..");
    refused(&seeds("other/.."), "not . or ..");
    refused(&seeds("afile"), "not a directory");
    assert_eq!(std::fs::read_to_string(other.join("thesis.txt")).unwrap(), "years of work");
    assert!(cases.join("canary-minimal-loophole.json").is_file());
    assert_eq!(std::fs::read_to_string(d.join("afile")).unwrap(), "a file");
    assert!(!d.join("afile.privdiff-new").exists(), "nothing left beside it");
    // A seed directory, or a new one, is what it is for.
    let o = seeds("fresh");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = seeds("fresh");
    assert_eq!(o.status.code(), Some(0), "a seed directory is replaced: {}", stderr(&o));
    assert_eq!(std::fs::read_dir(d.join("fresh")).unwrap().count(), 3, "one case, two generated");
    std::fs::remove_dir_all(&d).unwrap();
}

/// `corpus add --dir` names a directory that must exist: a typo does not
/// create a new one that nobody replays.
#[test]
fn corpus_add_wants_an_existing_dir() {
    let d = tmpdir("add-dir");
    let missing = d.join("regresions");
    let o = privdiff(&["corpus", "add", CANARY, "--name", "x", "--keep", "--dir", s(&missing)]);
    refused(&o, "is not a directory");
    assert!(!missing.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

/// A timeout that is not a number of milliseconds is an error, not the
/// default.
#[test]
fn a_bad_timeout_is_refused() {
    for value in ["abc", "0", "-5", "99999999999999999999"] {
        let o = Command::new(env!("CARGO_BIN_EXE_privdiff"))
            .args(["replay", CANARY, "--impl", "x=/bin/cat"])
            .env("PRIVDIFF_IMPL_TIMEOUT_MS", value)
            .current_dir(root())
            .output()
            .unwrap();
        refused(&o, "PRIVDIFF_IMPL_TIMEOUT_MS must be a whole number of milliseconds");
    }
}

/// An implementation that fails by how many requests it has served, not by
/// the run, cannot leave a minimised case that does not reproduce: minimize
/// replays its result and refuses, writing nothing.
#[test]
fn minimize_refuses_a_case_its_implementation_does_not_reproduce() {
    let d = tmpdir("flaky");
    let server = d.join("flaky.sh");
    std::fs::write(
        &server,
        r#"read l; echo '{"type":"hello","protocol":1,"name":"flaky","era":"patched"}'; n=0
while read l; do case "$l" in *'"reset"'*) echo '{"type":"ready"}';; *) n=$((n+1)); [ $n -ge 3 ] && exit 1; echo '{"type":"ok","response":"Done"}';; esac; done
"#,
    )
    .unwrap();
    let set = |user: &str| format!(r#"{{"op":"SetPrivacy","user":"{user}","key":"PhoneNumber","rules":["AllowAll"]}}"#);
    let case = format!(
        r#"{{"format":"privdiff-case","version":1,"name":"settings","note":"","world":{{"users":3,"groups":1,"unowned_numbers":0}},"ops":[{},{},{},{}],"expected":{{"verdict":"pass","legacy_inv1_breaches":0}}}}"#,
        set("alice"),
        set("bob"),
        set("carol"),
        set("alice")
    );
    let file = d.join("settings.json");
    std::fs::write(&file, case).unwrap();
    let out = d.join("small.json");
    let spec = format!("flaky=sh {}", s(&server));
    let o = privdiff(&["minimize", s(&file), "-o", s(&out), "--impl", &spec]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("depend on more than the run; nothing written"), "{}", stderr(&o));
    assert!(!out.exists());
    std::fs::remove_dir_all(&d).unwrap();
}

/// Options are checked before any work: an output that `corpus check` could
/// not use, thread counts outside 1-256, options that cannot go together.
#[test]
fn explore_and_scenario_check_their_options_up_front() {
    let d = tmpdir("options");
    let txt = d.join("shortest.txt");
    refused(&privdiff(&["explore", "--depth", "6", "-o", s(&txt)]), "must end in .json");
    refused(&privdiff(&["explore", "--depth", "6", "-o", "/nonexistent-dir/x.json"]), "does not exist");
    for threads in ["0", "10000"] {
        let o = privdiff(&["explore", "--depth", "1", "--threads", threads]);
        assert_eq!(o.status.code(), Some(2), "--threads {threads}: {}", stderr(&o));
    }
    let o = privdiff(&["explore", "--depth", "1", "--canary", "--patched-impl", "legacy"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    let o = privdiff(&["scenario", "hk2019", "--force"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--plot"), "{}", stderr(&o));
    std::fs::remove_dir_all(&d).unwrap();
}

/// A reader that goes away early (`privdiff replay FILE | head`) ends
/// privdiff quietly, as it would any Unix tool: no panic, no backtrace.
#[test]
fn a_closed_pipe_ends_privdiff_quietly() {
    use std::io::Read;
    // A document far longer than a pipe holds (145 kB), so privdiff is
    // still writing when the reader goes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_privdiff"))
        .args(["replay", "--json", "corpus/regressions/s8-limits.json"])
        .current_dir(root())
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
}

/// A negative number is an invalid value, named as such, not an unknown
/// flag; a `PRIVDIFF_MAX_MEMORY` that is not a number is refused, not
/// ignored.
#[test]
fn negative_numbers_and_bad_memory_caps_are_named() {
    for args in [&["explore", "--depth", "-3"][..], &["seeds", "--generated", "-5"][..]] {
        let o = privdiff(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("invalid value '-") && !err.contains("unexpected argument"), "{args:?}: {err}");
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_privdiff"))
        .args(["scenario", "hk2019", "--members", "100", "--imports", "50"])
        .env("PRIVDIFF_MAX_MEMORY", "lots")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("PRIVDIFF_MAX_MEMORY must be a whole number of bytes"), "{}", stderr(&o));
}

/// Where a case will be written is checked before the work: a directory
/// that refuses new files (`/proc`, even for root) stops `explore -o`,
/// `minimize -o` and `corpus add --dir` at once, with one line, before any
/// search or shrinking.
#[test]
fn an_unwritable_output_directory_is_refused_before_the_work() {
    let canary = root().join("corpus/regressions/canary-minimal-loophole.json");
    let canary = canary.to_str().unwrap();
    for args in [
        &["explore", "--patched-impl", "legacy", "--depth", "3", "-o", "/proc/found.json"][..],
        &["minimize", canary, "-o", "/proc/found.json"][..],
        &["corpus", "add", canary, "--name", "found", "--dir", "/proc"][..],
    ] {
        let o = privdiff(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains("cannot write into /proc"), "{args:?}: {err}");
        assert!(!stdout(&o).contains("shortest") && !err.contains("minimised"), "no work was done: {args:?}");
    }
}

/// `privdiff report`: a missing directory, a foreign file and an existing
/// output are one line and exit 2, and nothing is written or replaced; a
/// good run writes one page naming every case.
#[test]
fn report_refuses_bad_input_and_never_overwrites() {
    let d = tmpdir("report");
    let page = d.join("report.html");
    let page_s = page.to_str().unwrap();
    let o = privdiff(&["report", "--crashes", d.join("nope").to_str().unwrap(), "-o", page_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a directory"), "{}", stderr(&o));
    assert!(!page.exists());
    let foreign = d.join("crashes");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "these are my notes about the crash\n").unwrap();
    let o = privdiff(&["report", "--crashes", foreign.to_str().unwrap(), "-o", page_s]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(!page.exists(), "nothing written");
    let o = privdiff(&["report", "-o", page_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    for case in std::fs::read_dir(root().join("corpus/regressions")).unwrap() {
        let name = case.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned();
        assert!(html.contains(&format!("<h2>{name}</h2>")), "{name} is on the page");
    }
    std::fs::write(&page, "mine").unwrap();
    let o = privdiff(&["report", "-o", page_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "mine", "never overwritten without --force");
    std::fs::remove_dir_all(&d).unwrap();
}
