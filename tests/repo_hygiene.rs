//! What the scripts and recipes write stays out of the repository and out
//! of the ClusterFuzzLite image: every local output directory the root
//! `.gitignore` names is in `.dockerignore` too, and no documented recipe
//! writes a coverage profile into the working directory (issue 22).

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lines(file: &str) -> Vec<String> {
    std::fs::read_to_string(root().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .lines()
        .map(|l| l.trim().trim_start_matches('/').trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn every_ignored_output_directory_stays_out_of_the_image() {
    let docker = lines(".dockerignore");
    let missing: Vec<String> =
        lines(".gitignore").into_iter().filter(|l| !l.contains('*')).filter(|l| !docker.contains(l)).collect();
    assert!(missing.is_empty(), ".dockerignore lacks {missing:?}");
}

#[test]
fn no_recipe_writes_a_profile_into_the_working_directory() {
    let mut bad = Vec::new();
    let docs = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"));
    for path in docs.chain([root().join("README.md")]) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(rest) = line.split("LLVM_PROFILE_FILE=").nth(1) {
                let value = rest.trim_start_matches(['"', '\'']);
                if !value.starts_with('$') && !value.starts_with('/') {
                    bad.push(format!("{}:{}: {line}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(bad.is_empty(), "profiles written into the working directory: {bad:?}");
}

/// The crash-bucket functions of `src/targets.rs` (one `#[inline(never)]
/// #[cold]` panicking function per failure kind), read from the source.
fn bucket_functions() -> Vec<String> {
    let src = std::fs::read_to_string(root().join("src/targets.rs")).unwrap();
    let lines: Vec<&str> = src.lines().collect();
    lines
        .windows(3)
        .filter(|w| w[0].trim() == "#[inline(never)]" && w[1].trim() == "#[cold]")
        .filter_map(|w| w[2].trim().strip_prefix("fn ").and_then(|r| r.split('(').next()).map(str::to_string))
        .collect()
}

/// The docs that tell a nightly operator how crashes are bucketed name the
/// functions that are the buckets, every one of them, and none that is
/// gone (`patched_leak`, `legacy_disagrees` were, once).
#[test]
fn the_docs_name_the_crash_buckets_that_exist() {
    let buckets = bucket_functions();
    assert!(buckets.len() >= 11, "{buckets:?}");
    for doc in ["docs/NIGHTLY.md", "docs/FUZZING.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        let missing: Vec<&String> = buckets.iter().filter(|b| !text.contains(&format!("`{b}`"))).collect();
        assert!(missing.is_empty(), "{doc} does not name the buckets {missing:?}");
        for gone in ["patched_leak", "legacy_disagrees", "patched_disagrees", "legacy_leak"] {
            assert!(!text.contains(gone), "{doc} names {gone}, which is no bucket");
        }
    }
}
