//! Every reviewed case file and every committed seed input replays through
//! the same entry points the fuzz targets use, so every past finding stays
//! a regression test.

use std::path::{Path, PathBuf};

use privdiff::corpus::case::Case;
use privdiff::corpus::check::check_dir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Each case in corpus/regressions gets its expected verdict (D-1..D-4,
/// INV-1 legacy breach counts).
#[test]
fn regression_cases_get_their_expected_verdicts() {
    let results = check_dir(&root().join("corpus/regressions")).unwrap();
    assert!(results.len() >= 8, "the reviewed corpus has its cases");
    let bad: Vec<String> =
        results.iter().filter_map(|r| r.mismatch.as_ref().map(|m| format!("{}: {m}", r.path.display()))).collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The Hong Kong case is there and shows the loophole (legacy leaks,
/// patched passes).
#[test]
fn hong_kong_case_is_kept() {
    let bytes = std::fs::read(root().join("corpus/regressions/hong-kong-2019.json")).unwrap();
    let case = Case::parse(&bytes).unwrap();
    assert_eq!(case.expected, privdiff::corpus::case::Expected::Pass { legacy_inv1_breaches: 3 });
}

/// Committed seed inputs run through the differential entry point without a
/// panic (the fuzz target's body), and case_file seeds through the parser.
#[test]
fn committed_seeds_replay_through_the_fuzz_entry_points() {
    let diff = files(&root().join("corpus/seeds/differential"));
    assert!(diff.len() >= 100, "the differential seeds are there ({})", diff.len());
    for f in &diff {
        let input = privdiff::targets::differential(&std::fs::read(f).unwrap());
        assert_eq!(input, privdiff::targets::Input::Ran, "{} is not a typed input (run `privdiff seeds`)", f.display());
    }
    let cases = files(&root().join("corpus/seeds/case_file"));
    for f in &cases {
        privdiff::targets::case_file(&std::fs::read(f).unwrap());
    }
    // Regression cases are also valid case_file inputs.
    for f in files(&root().join("corpus/regressions")) {
        privdiff::targets::case_file(&std::fs::read(f).unwrap());
    }
}

/// A case whose expected verdict is wrong is reported as a mismatch.
#[test]
fn corpus_check_reports_a_wrong_expectation() {
    let dir = std::env::temp_dir().join(format!("privdiff-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(root().join("corpus/regressions/canary-minimal-loophole.json")).unwrap();
    let wrong = good.replace("\"legacy_inv1_breaches\": 1", "\"legacy_inv1_breaches\": 0");
    std::fs::write(dir.join("canary-minimal-loophole.json"), wrong).unwrap();
    std::fs::write(dir.join("broken.json"), "{\"format\": \"privdiff-case\", \"version\": 1").unwrap();
    let results = check_dir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let msgs: Vec<String> = results.iter().map(|r| r.mismatch.clone().unwrap_or_default()).collect();
    assert!(msgs[0].starts_with("unreadable: "), "{msgs:?}");
    assert_eq!(msgs[1], "expected pass (legacy INV-1 breaches: 0), got pass (legacy INV-1 breaches: 1)");
}

/// The `differential` seeds carry every reviewed case, encoded typed as
/// `privdiff seeds` writes it (`case-<name>`), so a case added to
/// corpus/regressions without regenerating the seeds fails here instead of
/// going unfuzzed.
#[test]
fn every_case_is_a_differential_seed() {
    let seeds = root().join("corpus/seeds/differential");
    let mut missing = Vec::new();
    for path in files(&root().join("corpus/regressions")) {
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let case = Case::parse(&std::fs::read(&path).unwrap()).unwrap();
        let want = privdiff::gen::format::encode(&case.run()).unwrap();
        let seed = seeds.join(format!("case-{}", case.name));
        let have = std::fs::read(&seed).ok();
        // A case longer than the targets' max_len is left out: libFuzzer
        // would truncate it into bytes that do not decode.
        let fits = want.len() <= privdiff::gen::format::MAX_INPUT_LEN;
        if (fits && have != Some(want)) || (!fits && have.is_some()) {
            missing.push(case.name.clone());
        }
    }
    assert!(missing.is_empty(), "regenerate the seeds (scripts/make-seeds.sh differential) for: {missing:?}");
}

/// The `max_len` of a target's options file.
fn max_len(target: &str) -> usize {
    let text = std::fs::read_to_string(root().join(format!("fuzz/options/{target}.options"))).unwrap();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "max_len")
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{target}.options sets max_len"))
}

/// No committed seed is longer than its target's `max_len` (libFuzzer
/// would truncate it, and a truncated typed input does not decode), and
/// `privdiff seeds` leaves out what the typed targets' max_len would cut.
#[test]
fn every_committed_seed_fits_its_targets_max_len() {
    assert_eq!(max_len("differential"), privdiff::gen::format::MAX_INPUT_LEN);
    assert_eq!(max_len("external"), privdiff::gen::format::MAX_INPUT_LEN);
    let mut too_long = Vec::new();
    for target in ["differential", "case_file"] {
        let limit = max_len(target);
        for path in files(&root().join("corpus/seeds").join(target)) {
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            if len > limit {
                too_long.push(format!("{} ({len} > {limit})", path.display()));
            }
        }
    }
    assert!(too_long.is_empty(), "seeds longer than max_len: {too_long:?}");
}
