//! `privdiff seeds`: regenerates the `differential` seed corpus from the
//! reviewed cases plus generated runs, in the typed fuzz format
//! (`gen::format`). A format change reruns this command instead of losing
//! the corpus (docs/FUZZING.md, "Seed corpora"). `--raw` carries a corpus
//! of the first, raw format over run for run. The directory is replaced
//! whole: the files are written beside it first, so a failure leaves the
//! old seeds in place.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use privdiff::corpus::case::Case;
use privdiff::gen::format::{encode, MAX_INPUT_LEN};
use privdiff::gen::generate::gen_run;
use privdiff::gen::seed::SplitMix64;
use privdiff::world::Run;

/// Options of `seeds`.
#[derive(Args, Debug)]
pub struct SeedsArgs {
    /// Reviewed case files to encode (every `*.json` in it).
    #[arg(long, default_value = "corpus/regressions")]
    pub cases: PathBuf,
    /// The seed directory to replace: a new path, or a directory holding
    /// only files this command writes (case-*, raw-*, gen-*).
    #[arg(long, default_value = "corpus/seeds/differential")]
    pub out: PathBuf,
    /// How many generated runs to add.
    #[arg(long, default_value_t = 200)]
    pub generated: u64,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A directory of raw fuzz inputs (the first input format, such as an
    /// old libFuzzer corpus) to carry over: each file is decoded as raw
    /// bytes and encoded as the same run, typed (`raw-<file name>`).
    #[arg(long)]
    pub raw: Option<PathBuf>,
    /// The longest seed written: the fuzz targets' `max_len`. A case that
    /// encodes longer is left out (and named): libFuzzer would truncate it
    /// into bytes that no longer decode.
    #[arg(long, default_value_t = MAX_INPUT_LEN)]
    pub max_len: usize,
}

/// The files of `dir` that `keep` accepts, in name order.
fn sorted_files(dir: &Path, keep: impl Fn(&Path) -> bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    paths.sort();
    Ok(paths)
}

/// The prefixes of the files `seeds` writes.
const SEED_PREFIXES: [&str; 3] = ["case-", "raw-", "gen-"];

/// Refuses to replace `dir` unless it is missing, or a directory holding
/// nothing but files `seeds` writes: `--out` replaces its directory whole,
/// so a mistyped path (the repository, the cases, a home directory) must
/// fail before anything is written or removed.
fn replaceable(dir: &Path) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        Ok(meta) => meta,
    };
    if !meta.is_dir() {
        anyhow::bail!("{} is not a seed directory (it is not a directory); refusing to replace it", dir.display());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !SEED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            anyhow::bail!(
                "{} holds {name:?}, which privdiff seeds does not write; refusing to replace it (give --out a seed directory or a new path)",
                dir.display()
            );
        }
    }
    Ok(())
}

/// Replaces `out` with one file per case (`case-<name>`), per raw input
/// carried over (`raw-<name>`) and per generated run (`gen-<n>`), each a
/// typed fuzz input.
pub fn run(args: SeedsArgs) -> anyhow::Result<ExitCode> {
    // The new seeds are written beside the old directory, then swapped in:
    // a failure on the way leaves the old seeds whole. Both places are
    // checked before any work.
    if args.out.file_name().is_none() {
        anyhow::bail!("--out {} must name a directory by its name, not . or ..", args.out.display());
    }
    let fresh = args.out.with_extension("privdiff-new");
    replaceable(&args.out)?;
    replaceable(&fresh)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let paths = sorted_files(&args.cases, |p| p.extension().is_some_and(|x| x == "json"))?;
    let too_long = case_seeds(&paths, args.max_len, &mut files)?;
    let raw = match &args.raw {
        Some(dir) => raw_seeds(dir, args.max_len, &mut files)?,
        None => 0,
    };
    let mut rng = SplitMix64::new(args.seed);
    for n in 0..args.generated {
        let encoded = encode(&gen_run(&mut rng))?;
        if encoded.len() <= args.max_len {
            files.push((format!("gen-{n:04}"), encoded));
        }
    }
    let total = swap_in(&fresh, &args.out, &files)?;
    println!(
        "{}: {} files ({} cases, {raw} raw inputs, {} generated), {total} bytes{}",
        args.out.display(),
        files.len(),
        paths.len() - too_long,
        args.generated,
        if too_long > 0 {
            format!("; {too_long} case(s) left out as longer than {} bytes", args.max_len)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Appends the seed of each case file in `paths` to `files`, leaving out
/// (with a note on stderr) those longer than `max_len`; returns how many
/// were left out.
fn case_seeds(paths: &[PathBuf], max_len: usize, files: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<usize> {
    let mut too_long = 0;
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let case = Case::parse(&bytes).with_context(|| format!("{}", path.display()))?;
        let encoded = encode(&case.run()).with_context(|| format!("{}", path.display()))?;
        if encoded.len() > max_len {
            eprintln!(
                "privdiff: left out {}: its seed is {} bytes, longer than --max-len {} (libFuzzer would truncate it); it stays a regression case",
                path.display(),
                encoded.len(),
                max_len
            );
            too_long += 1;
            continue;
        }
        files.push((format!("case-{}", case.name), encoded));
    }
    Ok(too_long)
}

/// Appends each raw fuzz input in `dir`, typed, to `files`, leaving out
/// (with a note on stderr) those longer than `max_len`; returns how many
/// inputs there were.
fn raw_seeds(dir: &Path, max_len: usize, files: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<usize> {
    let inputs = sorted_files(dir, Path::is_file)?;
    for path in &inputs {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let encoded = encode(&Run::from_fuzz_bytes(&bytes)).with_context(|| format!("{}", path.display()))?;
        if encoded.len() > max_len {
            eprintln!("privdiff: left out {}: {} bytes typed, longer than --max-len", path.display(), encoded.len());
            continue;
        }
        let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        files.push((format!("raw-{name}"), encoded));
    }
    Ok(inputs.len())
}

/// Writes `files` into the directory `fresh` (made anew), then moves it
/// to `out` in place of the old seeds; returns the bytes written.
fn swap_in(fresh: &Path, out: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<usize> {
    if fresh.exists() {
        std::fs::remove_dir_all(fresh).with_context(|| format!("cannot clear {}", fresh.display()))?;
    }
    std::fs::create_dir_all(fresh).with_context(|| format!("cannot create {}", fresh.display()))?;
    let mut total = 0;
    for (name, bytes) in files {
        total += bytes.len();
        std::fs::write(fresh.join(name), bytes).with_context(|| format!("cannot write {name}"))?;
    }
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("cannot replace {}", out.display()))?;
    }
    std::fs::rename(fresh, out).with_context(|| format!("cannot move the seeds into {}", out.display()))?;
    Ok(total)
}
