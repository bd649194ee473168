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

use crate::corpus::case::{looks_like_case, Case};
use crate::world::Run;

/// How to read an input file.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// Case file if it is JSON naming the case format, else a typed input
    /// if it decodes, else raw bytes.
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
    let kind = match kind {
        InputKind::Auto if looks_like_case(&bytes) => InputKind::Case,
        InputKind::Auto if crate::gen::format::decode(&bytes).is_ok() => InputKind::Typed,
        InputKind::Auto => InputKind::Raw,
        other => other,
    };
    match kind {
        InputKind::Case => {
            let case = Case::parse(&bytes).with_context(|| format!("{}", path.display()))?;
            Ok(Loaded { run: case.run(), case: Some(case) })
        }
        InputKind::Typed => {
            let run = crate::gen::format::decode(&bytes)
                .with_context(|| format!("{} is not a typed fuzz input (try --as raw)", path.display()))?;
            Ok(Loaded { run, case: None })
        }
        _ => Ok(Loaded { run: Run::from_fuzz_bytes(&bytes), case: None }),
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
