//! The rule ids cited in this repository are the ones `docs/SPEC.md`
//! defines, and `docs/SPEC.md` defines exactly S1-S17, INV-1..INV-4 and
//! D-1..D-4, each once, as a heading.
//!
//! An id is a whole word `S<n>`, `INV-<n>` or `D-<n>`: the brief's pattern
//! `\b(S1[0-7]|S[1-9]|INV-[0-9]+|D-[0-9]+)\b`, widened to any number after
//! `S` so that a number past S17 is caught too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SPEC: &str = "docs/SPEC.md";

/// Where ids are cited: code, tests and their data, docs, case files.
const CITING: [&str; 8] =
    ["src", "tests", "benches", "examples", "fuzz/fuzz_targets", "docs", "corpus/regressions", "README.md"];

const TEXT: [&str; 7] = ["rs", "md", "json", "toml", "sh", "yml", "yaml"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every id cited in `text`, in order.
fn ids_in(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let boundary_before = i == 0 || !is_word(chars[i - 1]);
        let prefix = ["INV-", "D-", "S"].into_iter().find(|p| {
            let p: Vec<char> = p.chars().collect();
            chars[i..].starts_with(&p)
        });
        if let (true, Some(prefix)) = (boundary_before, prefix) {
            let start = i + prefix.len();
            let mut end = start;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            let boundary_after = end == chars.len() || !is_word(chars[end]);
            if end > start && boundary_after {
                ids.push(chars[i..end].iter().collect());
                i = end;
                continue;
            }
        }
        i += 1;
    }
    ids
}

/// The ids SPEC must define, in order.
fn canonical() -> Vec<String> {
    let mut ids: Vec<String> = (1..=17).map(|n| format!("S{n}")).collect();
    ids.extend((1..=4).map(|n| format!("INV-{n}")));
    ids.extend((1..=4).map(|n| format!("D-{n}")));
    ids
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// to hyphens.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

struct Spec {
    text: String,
    /// id -> how many headings define it.
    defined: BTreeMap<String, usize>,
    /// Anchors of all headings.
    anchors: BTreeSet<String>,
}

fn spec() -> Spec {
    let text = std::fs::read_to_string(root().join(SPEC)).expect("docs/SPEC.md");
    let mut defined = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for line in text.lines() {
        let Some(heading) = line.strip_prefix('#').map(|h| h.trim_start_matches('#').trim()) else { continue };
        anchors.insert(slug(heading));
        // A definition is a heading that starts with its id: "### S11. AddContact".
        let first = heading.split([' ', '.']).next().unwrap_or_default();
        if ids_in(first) == [first] {
            *defined.entry(first.to_string()).or_insert(0) += 1;
        }
    }
    Spec { text, defined, anchors }
}

fn files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(path).expect("readable dir").map(|e| e.expect("dir entry").path()).collect();
        entries.sort();
        for p in entries {
            files(&p, out);
        }
    } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| TEXT.contains(&e)) {
        out.push(path.to_path_buf());
    }
}

#[test]
fn the_id_scanner_finds_whole_ids_only() {
    assert_eq!(
        ids_in("S1 S17 INV-4 D-4 (S11) `S9`, S10-S14"),
        ["S1", "S17", "INV-4", "D-4", "S11", "S9", "S10", "S14"]
    );
    // Built at run time, so that this file itself cites no undefined id.
    let undefined = format!("S{} S{} INV-{} D-{}", 18, 0, 9, 12);
    assert_eq!(ids_in(&undefined), undefined.split(' ').collect::<Vec<_>>());
    assert!(ids_in("ES1 S1x s1_defaults INV- D-x S PS3 D-4a fooS2").is_empty());
    assert_eq!(ids_in("INV-1..4, D-1..D-4"), ["INV-1", "D-1", "D-4"]);
}

#[test]
fn the_typed_ids_are_the_canonical_ones() {
    let typed: Vec<String> = privdiff::world::SpecId::ALL.iter().map(|id| id.to_string()).collect();
    assert_eq!(typed, canonical(), "privdiff::world::SpecId::ALL, in SPEC's order");
    // The report links each id to its heading: the anchor must be there.
    let text = std::fs::read_to_string(root().join(SPEC)).expect("docs/SPEC.md");
    for id in privdiff::world::SpecId::ALL {
        let heading = text
            .lines()
            .filter_map(|l| l.strip_prefix("###").map(str::trim))
            .find(|h| h.split([' ', '.']).next() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("{id} has a heading"));
        assert_eq!(id.anchor(), slug(heading), "{id}'s anchor");
    }
}

#[test]
fn spec_defines_exactly_the_canonical_ids_each_once_as_a_heading() {
    let spec = spec();
    let want: BTreeSet<String> = canonical().into_iter().collect();
    let have: BTreeSet<String> = spec.defined.keys().cloned().collect();
    assert_eq!(have, want, "ids defined by headings of {SPEC}");
    let twice: Vec<_> = spec.defined.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "defined more than once: {twice:?}");
}

#[test]
fn spec_cites_only_ids_it_defines_and_its_links_resolve() {
    let spec = spec();
    let undefined: BTreeSet<String> =
        ids_in(&spec.text).into_iter().filter(|id| !spec.defined.contains_key(id)).collect();
    assert!(undefined.is_empty(), "{SPEC} cites ids it does not define: {undefined:?}");
    // The table at the top lists every id, linked to its heading.
    for id in canonical() {
        assert!(spec.text.contains(&format!("| [{id}](#")), "the table of ids does not list {id}");
    }
    let mut rest = spec.text.as_str();
    while let Some(at) = rest.find("](#") {
        let tail = &rest[at + 3..];
        let anchor = &tail[..tail.find(')').expect("closed link")];
        assert!(spec.anchors.contains(anchor), "{SPEC} links to #{anchor}, which is no heading");
        rest = tail;
    }
}

#[test]
fn the_repository_cites_only_ids_spec_defines() {
    let spec = spec();
    let mut paths = Vec::new();
    for place in CITING {
        files(&root().join(place), &mut paths);
    }
    assert!(paths.len() > 20, "found only {} files to scan", paths.len());
    let mut undefined = Vec::new();
    let mut cited = BTreeSet::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        for (n, line) in text.lines().enumerate() {
            for id in ids_in(line) {
                if !spec.defined.contains_key(&id) {
                    let shown = path.strip_prefix(root()).unwrap_or(path).display().to_string();
                    undefined.push(format!("{shown}:{}: {id}", n + 1));
                }
                cited.insert(id);
            }
        }
    }
    assert!(undefined.is_empty(), "ids that {SPEC} does not define:\n{}", undefined.join("\n"));
    // The scan does see the citations (a broken scanner would pass above).
    for id in ["S1", "S11", "S17", "INV-1", "INV-3", "D-4"] {
        assert!(cited.contains(id), "no file cites {id}: is the scan looking?");
    }
}
