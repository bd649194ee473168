//! `privdiff report`: the reviewer's page (`corpus::report`) for a corpus
//! of case files and/or directories of crash artifacts, written as one
//! self-contained HTML file. Every file is loaded as `replay` loads it and
//! run in the seat it records; a missing directory, an unreadable or
//! foreign file, or an existing output (without `--force`) is one line and
//! exit 2, with nothing written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;

use super::input::{load, ImplArgs, InputKind, Seating};
use privdiff::corpus::case::Expected;
use privdiff::corpus::report::{render, Entry};

/// Options of `report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A directory of case files (`*.json`); repeatable. Default, when no
    /// --crashes either: corpus/regressions at the repository root.
    #[arg(long, value_name = "DIR")]
    pub corpus: Vec<PathBuf>,
    /// A directory of crash artifacts (every file in it: raw, typed or case
    /// files); repeatable.
    #[arg(long, value_name = "DIR")]
    pub crashes: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Where `docs/SPEC.md` is, as the page links it (a path relative to
    /// the page, or a URL). Default: the repository's, relative to the page.
    #[arg(long, value_name = "HREF")]
    pub spec: Option<String>,
    /// The fuzz target's source-coverage report to link from the page's
    /// header (a path relative to the page, or a URL; `scripts/coverage.sh`
    /// writes one).
    #[arg(long, value_name = "HREF")]
    pub coverage: Option<String>,
    /// The page's title.
    #[arg(long, default_value = "privdiff: cases and crashes")]
    pub title: String,
    /// An external implementation (`--impl NAME=COMMAND`), for the cases and
    /// crashes recorded against it.
    #[command(flatten)]
    pub implementation: ImplArgs,
}

/// The files of `dir` the report shows, in name order: case files of a
/// corpus, every regular file of a crash directory (hidden files and
/// READMEs aside).
fn files_of(dir: &Path, cases_only: bool) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && !name.eq_ignore_ascii_case("README.md")
        })
        .filter(|p| !cases_only || p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads and runs one file into an entry.
fn entry_of(path: &Path, args: &ReportArgs) -> anyhow::Result<Entry> {
    let loaded = load(path, InputKind::Auto)?;
    let seating = Seating::choose(None, &args.implementation, loaded.case.as_ref())?;
    let trace = args.implementation.engine(seating.builtin)?.trace(&loaded.run);
    let got = Expected::of(&trace);
    let expected = loaded.case.as_ref().filter(|_| seating.compares()).map(|c| c.expected.clone());
    let title = match &loaded.case {
        Some(case) => case.name.clone(),
        None => path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
    };
    let mut reproduce = format!("privdiff replay {}", path.display());
    if let Some(spec) = &args.implementation.external {
        reproduce.push_str(&format!(" --impl {}=COMMAND", spec.name));
    }
    Ok(Entry {
        title,
        source: path.display().to_string(),
        read_as: loaded.read_as.as_str(),
        note: loaded.case.as_ref().map(|c| c.note.clone()).filter(|n| !n.is_empty()),
        seat: seating.seat.name().to_string(),
        expected,
        got,
        reproduce,
        run: loaded.run,
        trace,
    })
}

/// `docs/SPEC.md` of the repository, relative to the page's directory.
fn default_spec_href(output: &Path) -> String {
    let root = super::corpus::repository_root().ok();
    let page_dir = output.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match (root, std::fs::canonicalize(page_dir)) {
        (Some(root), Ok(dir)) => {
            let spec = root.join("docs/SPEC.md");
            // Up from the page's directory to a common ancestor, then down.
            let mut up = String::new();
            let mut base = dir.as_path();
            loop {
                if let Ok(rest) = spec.strip_prefix(base) {
                    return format!("{up}{}", rest.display());
                }
                match base.parent() {
                    Some(p) => {
                        up.push_str("../");
                        base = p;
                    }
                    None => return spec.display().to_string(),
                }
            }
        }
        _ => "docs/SPEC.md".to_string(),
    }
}

/// Writes the report; exit 0 when written.
pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if args.output.exists() && !args.force {
        bail!("{} already exists; pass --force to replace it", args.output.display());
    }
    privdiff::files::check_output_file(&args.output, args.force).map_err(|e| anyhow::anyhow!(e))?;
    let mut sources: Vec<PathBuf> = Vec::new();
    for dir in &args.corpus {
        sources.extend(files_of(dir, true)?);
    }
    for dir in &args.crashes {
        sources.extend(files_of(dir, false)?);
    }
    if args.corpus.is_empty() && args.crashes.is_empty() {
        let dir = super::corpus::repository_root()?.join(super::corpus::REGRESSIONS);
        sources.extend(files_of(&dir, true)?);
    }
    if sources.is_empty() {
        bail!("nothing to report: no case files or artifacts in the directories given");
    }
    let mut entries = sources.iter().map(|path| entry_of(path, &args)).collect::<anyhow::Result<Vec<_>>>()?;
    // What needs a reviewer first: verdicts not as expected, then failures,
    // then passes; in file order within each.
    entries.sort_by_key(|e| match (e.as_expected(), e.signature()) {
        (Some(false), _) => 0,
        (_, Some(_)) => 1,
        (_, None) => 2,
    });
    let spec = args.spec.clone().unwrap_or_else(|| default_spec_href(&args.output));
    let html = render(&args.title, &entries, &spec, args.coverage.as_deref());
    privdiff::files::write_whole(&args.output, html.as_bytes(), args.force)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let fails = entries.iter().filter(|e| e.signature().is_some()).count();
    let unexpected = entries.iter().filter(|e| e.as_expected() == Some(false)).count();
    println!(
        "wrote {} ({} entries: {} pass, {fails} fail, {unexpected} not as expected; {} bytes)",
        args.output.display(),
        entries.len(),
        entries.len() - fails,
        html.len()
    );
    Ok(ExitCode::SUCCESS)
}
