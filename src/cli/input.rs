//! Reading what the user hands the CLI: a raw fuzz input (a libFuzzer
//! artifact) or a case file.

use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;

use crate::corpus::case::{looks_like_case, Case};
use crate::world::Run;

/// How to read an input file.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// Case file if it is a JSON object (and then it must be a valid case),
    /// raw bytes otherwise.
    #[default]
    Auto,
    /// A raw fuzz input: any bytes decode to a run.
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
    let as_case = match kind {
        InputKind::Auto => looks_like_case(&bytes),
        InputKind::Raw => false,
        InputKind::Case => true,
    };
    if as_case {
        let hint =
            if kind == InputKind::Auto { " (it looks like JSON; --as raw runs it as raw fuzz bytes)" } else { "" };
        let case = Case::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}{hint}", path.display()))?;
        Ok(Loaded { run: case.run(), case: Some(case) })
    } else {
        Ok(Loaded { run: Run::from_fuzz_bytes(&bytes), case: None })
    }
}

/// Which implementation stands in as the patched model under test.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatchedImpl {
    /// The patched server: the real system under test.
    #[default]
    Patched,
    /// The legacy server posing as patched: a known-broken model, for
    /// seeing what a failure looks like and checking the harness catches it.
    Legacy,
}

impl PatchedImpl {
    /// The implementation's name, as case files record it.
    pub fn name(self) -> &'static str {
        match self {
            PatchedImpl::Patched => "patched",
            PatchedImpl::Legacy => "legacy",
        }
    }

    /// The implementation a case records (`None`: the patched server).
    pub fn of_case(case: &Case) -> anyhow::Result<PatchedImpl> {
        match case.patched_impl.as_deref() {
            None | Some("patched") => Ok(PatchedImpl::Patched),
            Some("legacy") => Ok(PatchedImpl::Legacy),
            Some(other) => {
                anyhow::bail!(
                    "case {:?} records patched_impl {other:?}, which this privdiff does not have (patched, legacy)",
                    case.name
                )
            }
        }
    }

    /// The engine this choice means: the references, the legacy server, and
    /// in the patched seat the patched server or the legacy one.
    pub fn engine(self) -> crate::oracle::engine::Engine {
        use crate::oracle::engine::Engine;
        Engine::new(Engine::standard_references(), self.lineup())
    }

    /// The implementations under test this choice means, in lineup order.
    pub fn lineup(self) -> Vec<Box<dyn crate::models::implementation::Implementation>> {
        use crate::models::implementation::Seated;
        use crate::models::server::{LegacyServer, PatchedServer};
        match self {
            PatchedImpl::Patched => vec![Box::new(LegacyServer::default()), Box::new(PatchedServer::default())],
            PatchedImpl::Legacy => vec![
                Box::new(LegacyServer::default()),
                Box::new(Seated::new("patched", crate::world::Era::Patched, LegacyServer::default())),
            ],
        }
    }
}

/// `--impl NAME=COMMAND` and `--beside`: an implementation of the user's
/// own, in another process behind the JSON-lines protocol
/// (`docs/PROTOCOL.md`), judged by the same engine as the built-in models.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ImplArgs {
    /// An external implementation, started with `sh -c COMMAND` and judged
    /// in the patched seat (or beside the built-in models with --beside).
    #[arg(long = "impl", value_name = "NAME=COMMAND")]
    pub external: Option<crate::models::external::ImplSpec>,
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
    pub fn engine(&self, patched: PatchedImpl) -> anyhow::Result<crate::oracle::engine::Engine> {
        use crate::models::external::{timeout_from_env, External};
        use crate::models::implementation::Implementation;
        use crate::models::server::LegacyServer;
        use crate::oracle::engine::Engine;
        use crate::world::Era;

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
