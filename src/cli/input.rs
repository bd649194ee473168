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
    /// Case file if it is JSON naming the case format, raw bytes otherwise.
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
        let case = Case::parse(&bytes).with_context(|| format!("{}", path.display()))?;
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
    /// The engine this choice means: the references, the legacy server, and
    /// in the patched seat the patched server or the legacy one.
    pub fn engine(self) -> crate::oracle::engine::Engine {
        use crate::models::implementation::Seated;
        use crate::models::server::LegacyServer;
        use crate::oracle::engine::Engine;
        match self {
            PatchedImpl::Patched => Engine::standard(),
            PatchedImpl::Legacy => Engine::new(
                Engine::standard_references(),
                vec![
                    Box::new(LegacyServer::default()),
                    Box::new(Seated::new("patched", crate::world::Era::Patched, LegacyServer::default())),
                ],
            ),
        }
    }
}
