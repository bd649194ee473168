//! Reading what the user hands the CLI: a typed fuzz input (a libFuzzer
//! artifact of today's targets, `gen::format`), a raw fuzz input (an
//! artifact of the targets before issue 11, decoded by `arbitrary`) or a
//! case file.
//!
//! Auto-detection: a case file if the bytes are JSON naming the case
//! format; else a typed input if the bytes decode strictly (format byte
//! `0xB1`, exact length, every value in its world); else raw. Any byte
//! string is a raw input, so an old raw artifact that happens to be a
//! valid typed encoding would be read as typed: `--as raw` forces the old
//! reading.

use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;

use privdiff::corpus::case::{looks_like_case, Case};
use privdiff::world::Run;

/// How to read an input file.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// Case file if it is a JSON object (and then it must be a valid case),
    /// else a typed input if it decodes, else raw bytes.
    #[default]
    Auto,
    /// A typed fuzz input (format byte 0xB1, `gen::format`): what the
    /// fuzz targets store since issue 11.
    Typed,
    /// A raw fuzz input of the targets before issue 11: any bytes decode to
    /// a run (`arbitrary`).
    Raw,
    /// A case file.
    Case,
}

/// A run read from a file, with its case when it came from one.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The run.
    pub run: Run,
    /// The case file's content, if the input was one.
    pub case: Option<Case>,
}

/// Reads `path` as `kind`. Errors name the file and say what is wrong.
pub fn load(path: &Path, kind: InputKind) -> anyhow::Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let auto = kind == InputKind::Auto;
    let kind = match kind {
        InputKind::Auto if looks_like_case(&bytes) => InputKind::Case,
        InputKind::Auto if privdiff::gen::format::decode(&bytes).is_ok() => InputKind::Typed,
        InputKind::Auto => InputKind::Raw,
        other => other,
    };
    match kind {
        InputKind::Case => {
            let hint = if auto { " (it looks like JSON; --as raw runs it as raw fuzz bytes)" } else { "" };
            let case = Case::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}{hint}", path.display()))?;
            Ok(Loaded { run: case.run(), case: Some(case) })
        }
        InputKind::Typed => {
            let run = privdiff::gen::format::decode(&bytes)
                .with_context(|| format!("{} is not a typed fuzz input (try --as raw)", path.display()))?;
            Ok(Loaded { run, case: None })
        }
        InputKind::Raw | InputKind::Auto => Ok(Loaded { run: Run::from_fuzz_bytes(&bytes), case: None }),
    }
}

pub use privdiff::oracle::lineup::PatchedImpl;

/// The choice a case records, as a command-line error.
pub fn of_case(case: &Case) -> anyhow::Result<PatchedImpl> {
    PatchedImpl::recorded(case.patched_impl.as_deref(), &case.name).map_err(|e| anyhow::anyhow!(e))
}

/// `--impl NAME=COMMAND` and `--beside`: an implementation of the user's
/// own, in another process behind the JSON-lines protocol
/// (`docs/PROTOCOL.md`), judged by the same engine as the built-in models.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ImplArgs {
    /// An external implementation, started with `sh -c COMMAND` and judged
    /// in the patched seat (or beside the built-in models with --beside).
    #[arg(long = "impl", value_name = "NAME=COMMAND")]
    pub external: Option<privdiff::models::external::ImplSpec>,
    /// Run --impl as an additional implementation, judged against the
    /// reference of the era it announces, beside legacy and patched.
    #[arg(long, requires = "external")]
    pub beside: bool,
}

impl ImplArgs {
    /// The engine these options and `--patched-impl` ask for. An external
    /// implementation is started and handshaken here, so that a command
    /// that does not start, or speaks another protocol version, is one
    /// error line (exit 2) before anything runs.
    pub fn engine(&self, patched: PatchedImpl) -> anyhow::Result<privdiff::oracle::engine::Engine> {
        use privdiff::models::external::{timeout_from_env, External};
        use privdiff::models::implementation::Implementation;
        use privdiff::models::server::LegacyServer;
        use privdiff::oracle::engine::Engine;
        use privdiff::world::Era;

        let Some(spec) = &self.external else { return Ok(patched.engine()) };
        if spec.name == "legacy" || spec.name == "patched" || spec.name.starts_with("reference") {
            anyhow::bail!("--impl name {:?} is taken by a built-in implementation; choose another", spec.name);
        }
        let external = External::start(spec.clone(), timeout_from_env()).map_err(|e| {
            let last = e.stderr_tail.lines().rev().find(|l| !l.trim().is_empty());
            match last {
                Some(line) => anyhow::anyhow!("{e} (its stderr ended with: {})", line.trim()),
                None => anyhow::anyhow!("{e}"),
            }
        })?;
        if self.beside {
            let mut lineup = patched.lineup();
            lineup.push(Box::new(external));
            return Ok(Engine::new(Engine::standard_references(), lineup));
        }
        if patched != PatchedImpl::Patched {
            anyhow::bail!("--impl and --patched-impl legacy both want the patched seat; add --beside to run both");
        }
        if external.era() != Era::Patched {
            anyhow::bail!(
                "implementation {} announces the {} era; the patched seat needs a patched implementation (add --beside to judge it against the {} reference)",
                spec.name,
                external.era(),
                external.era()
            );
        }
        Ok(Engine::new(Engine::standard_references(), vec![Box::new(LegacyServer::default()), Box::new(external)]))
    }
}
