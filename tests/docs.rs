//! The command examples of the documentation, checked: every ```console
//! block of README.md and docs/*.md is run by trycmd against the `privdiff`
//! binary of this build, and its output compared with what the block shows
//! (`[..]` elides part of a line, `...` whole lines, `? N` is the exit
//! code). Blocks tagged ```sh are not run: long fuzzing runs, scripts, and
//! commands that need nightly or a server built first.
//!
//! Every command runs from the repository root (the test's working
//! directory: trycmd uses it for a markdown file that has no `.in/`
//! directory beside it), so paths in the docs read as from a checkout.
//! `TRYCMD=overwrite cargo test --test docs` rewrites the expected output.

#[test]
fn docs() {
    let cases = trycmd::TestCases::new();
    cases
        // What `cargo_bin!("privdiff")` expands to: the binary cargo built
        // for this test, whatever the profile or target directory.
        .register_bin("privdiff", std::path::Path::new(env!("CARGO_BIN_EXE_privdiff")))
        // The examples show a plain run: no faults planted from the
        // environment, no colour, no backtraces.
        .env("PRIVDIFF_FAULTS", "")
        .env("PRIVDIFF_BUG", "")
        .env("PRIVDIFF_PLANT", "")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .case("README.md")
        .case("docs/*.md");
    cases.run();
}
