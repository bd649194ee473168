//! `privdiff scenario hk2019` through the built binary, at small sizes:
//! JSON counts follow from the settings (S15, S16, INV-1), sweeps run in
//! order, bad values exit 2 with one line, plots are written.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn privdiff(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_privdiff")).args(args).output().expect("the privdiff binary runs")
}

fn hk2019(extra: &[&str]) -> Output {
    let mut args = vec!["scenario", "hk2019"];
    args.extend_from_slice(extra);
    privdiff(&args)
}

fn json(extra: &[&str]) -> Value {
    let mut args = extra.to_vec();
    args.push("--json");
    let out = hk2019(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "no progress bar or chatter when piped: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("--json prints one JSON document")
}

/// The counts of one class in an era report: `by_class` is an object
/// keyed by class.
fn class(era: &Value, name: &str) -> Value {
    era["by_class"].get(name).unwrap_or_else(|| panic!("no class {name} in {era}")).clone()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn one_line_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "bad values exit 2");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    err
}

fn temp_path(name: &str) -> PathBuf {
    let unique = format!("privdiff-cli-scenario-{}-{name}", std::process::id());
    std::env::temp_dir().join(unique)
}

/// S15/S16/INV-1: legacy matches every member number imported and unmasks
/// every imported hider; patched skips the restricting hiders; the JSON
/// carries the config and both eras.
#[test]
fn json_counts_follow_from_the_settings() {
    let doc = json(&["--members", "3000", "--imports", "500", "--member-share", "0.8", "--seed", "11"]);
    assert_eq!(doc["scenario"], "hk2019");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let config = &runs[0]["config"];
    assert_eq!(n(&config["members"]), 3000);
    assert_eq!(n(&config["imports"]), 500);
    assert_eq!(n(&config["seed"]), 11);
    assert_eq!(config["hide_share"], 0.5);
    let eras = runs[0]["eras"].as_array().unwrap();
    let (legacy, patched) = (&eras[0], &eras[1]);
    assert_eq!(legacy["era"], "legacy");
    assert_eq!(patched["era"], "patched");

    let classes = ["shows_number", "hides_number", "hides_and_restricts"];
    let total = |era: &Value, field: &str| classes.iter().map(|c| n(&class(era, c)[field])).sum::<u64>();
    assert_eq!(total(legacy, "members"), 3000);
    assert_eq!(total(legacy, "imported"), 400, "80% of 500 are members' numbers");
    assert_eq!(n(&legacy["imported"]), 500);
    assert_eq!(n(&patched["imported"]), 500);

    let hides = n(&class(legacy, "hides_number")["imported"]);
    let restricts = n(&class(legacy, "hides_and_restricts")["imported"]);
    assert!(hides > 0 && restricts > 0);
    assert_eq!(n(&legacy["matched"]), 400);
    assert_eq!(n(&legacy["unmasked"]), hides + restricts);
    assert_eq!(n(&legacy["inv1_breaches"]), restricts);
    assert_eq!(n(&patched["matched"]), 400 - restricts);
    assert_eq!(n(&patched["unmasked"]), hides);
    assert_eq!(n(&class(patched, "hides_and_restricts")["number_shown"]), 0);
    assert_eq!(n(&class(patched, "shows_number")["number_shown"]), n(&class(patched, "shows_number")["members"]));
    assert_eq!(n(&patched["inv1_breaches"]), 0);
    assert_eq!(n(&class(legacy, "numbers_of_nobody")["imported"]), 100, "the table's last row");
    assert_eq!(n(&class(patched, "numbers_of_nobody")["matched"]), 0);
}

/// A comma list is a sweep: ascending, without repeats, on the same members.
#[test]
fn a_comma_list_runs_a_sweep() {
    let doc = json(&["--members", "2000", "--imports", "400,100,200,100"]);
    let runs = doc["runs"].as_array().unwrap();
    let sizes: Vec<u64> = runs.iter().map(|r| n(&r["config"]["imports"])).collect();
    assert_eq!(sizes, vec![100, 200, 400]);
    let legacy: Vec<u64> = runs.iter().map(|r| n(&r["eras"][0]["unmasked"])).collect();
    assert!(legacy.windows(2).all(|w| w[0] <= w[1]), "more numbers unmask no fewer: {legacy:?}");
    for r in runs {
        let hiders = n(&class(&r["eras"][0], "hides_number")["members"]);
        assert_eq!(hiders, n(&class(&runs[0]["eras"][0], "hides_number")["members"]), "same members");
    }
}

/// The default output: a table per era with every member class.
#[test]
fn the_table_shows_each_era_and_class() {
    let out = hk2019(&["--members", "1000", "--imports", "200,100"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "no progress bar when piped");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("hk2019: 1000 members;"), "{text}");
    assert_eq!(text.matches("legacy era: ").count(), 2, "{text}");
    assert_eq!(text.matches("patched era: ").count(), 2, "{text}");
    for label in ["shows number", "hides number", "hides and restricts finding"] {
        assert_eq!(text.matches(label).count(), 4, "{label}");
    }
    assert!(text.contains("patched era: 100 numbers imported"));
    assert!(text.contains("sweep: members unmasked by numbers imported"));
}

#[test]
fn a_share_out_of_range_exits_2_with_one_line() {
    let err = one_line_error(&hk2019(&["--members", "100", "--hide-share", "1.5"]));
    assert_eq!(err.trim_end(), "privdiff: error: hide share must be between 0 and 1, got 1.5");
    let err = one_line_error(&hk2019(&["--members", "100", "--member-share=-0.5", "--json"]));
    assert!(err.contains("member share must be between 0 and 1"), "{err}");
}

#[test]
fn zero_members_and_bad_plot_names_exit_2_with_one_line() {
    let err = one_line_error(&hk2019(&["--members", "0"]));
    assert!(err.contains("members must be between 1 and"), "{err}");
    let err = one_line_error(&hk2019(&["--members", "10", "--plot", "out.pdf"]));
    assert!(err.contains("--plot") && err.contains(".png or .svg"), "{err}");
}

/// A malformed count is a usage error (clap's message, exit 2).
#[test]
fn a_malformed_import_list_exits_2() {
    let out = hk2019(&["--imports", "1000,10k"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.lines().next().unwrap().contains("'10k'"), "{err}");
}

/// `--plot` writes a PNG and an SVG with a line per era.
#[test]
fn plot_writes_png_and_svg() {
    let png = temp_path("plot.png");
    let svg = temp_path("plot.svg");
    for (path, sizes) in [(&png, "400"), (&svg, "100,200,400")] {
        let _ = std::fs::remove_file(path);
        let out = hk2019(&["--members", "1000", "--imports", sizes, "--plot", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("plot written to"), "{text}");
        // Three or four sizes ran: the single size became a sweep.
        assert!(text.contains("sweep:"), "{text}");
    }
    let png_bytes = std::fs::read(&png).unwrap();
    assert!(png_bytes.len() > 1000);
    assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.starts_with("<svg"));
    for label in ["legacy era", "patched era", "numbers imported", "members unmasked"] {
        assert!(svg_text.contains(label), "{label} in the SVG");
    }
    let _ = std::fs::remove_file(&png);
    let _ = std::fs::remove_file(&svg);
}

/// With `--json` a plot is still written, and stdout stays one document;
/// the note that a single size became a sweep goes to stderr.
#[test]
fn plot_with_json_keeps_stdout_json() {
    let svg = temp_path("json-plot.svg");
    let _ = std::fs::remove_file(&svg);
    let out = hk2019(&["--members", "500", "--imports", "100", "--plot", svg.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err.trim_end(),
        "privdiff: note: --plot needs several points: the single size 100 runs as the sweep 25,50,75,100"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sizes: Vec<u64> = doc["runs"].as_array().unwrap().iter().map(|r| n(&r["config"]["imports"])).collect();
    assert_eq!(sizes, vec![25, 50, 75, 100], "a single plotted size N runs N/4, N/2, 3N/4, N");
    assert!(std::fs::metadata(&svg).unwrap().len() > 0);
    let _ = std::fs::remove_file(&svg);
}
