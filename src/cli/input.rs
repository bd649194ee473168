//! Reading what the user hands the CLI: a typed fuzz input (a libFuzzer
//! artifact of today's targets, `gen::format`), a raw fuzz input (an
//! artifact of the targets before issue 11, decoded by `arbitrary`) or a
//! case file.
//!
//! Auto-detection, so that a damaged file is refused instead of replayed
//! as some other run that happens to pass:
//! - readable UTF-8 text (after an optional byte-order mark; no control
//!   characters but tabs and line ends) is a case file and must be a valid
//!   one; a file that is empty or blank is refused as empty, and UTF-16
//!   text is refused with a note to save it as UTF-8. Typed inputs start
//!   with `0xB1`, which no UTF-8 text does.
//! - bytes that start with the typed format byte `0xB1` are a typed input
//!   and must decode strictly (exact length, every value in its world); a
//!   truncated or corrupted artifact is refused, not read as raw bytes.
//! - anything else is a raw input of the targets before issue 11.
//!
//! `--as raw` (any bytes, the old reading), `--as typed` and `--as case`
//! override the guess. What a file was read as is in [`Loaded::read_as`].

use std::path::Path;

use anyhow::Context;
use clap::ValueEnum;

use privdiff::corpus::case::{Case, UTF8_BOM};
use privdiff::gen::format::FORMAT_V1;
use privdiff::world::Run;

/// How to read an input file.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// A case file if it is text (and then it must be a valid case), a
    /// typed input if it starts with 0xB1 (and then it must decode), else
    /// raw bytes.
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
    /// What the file was read as: `Case`, `Typed` or `Raw`, never `Auto`.
    pub read_as: InputKind,
}

impl InputKind {
    /// The kind's name in `--as` and in `replay --json`'s `read_as`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Auto => "auto",
            InputKind::Typed => "typed",
            InputKind::Raw => "raw",
            InputKind::Case => "case",
        }
    }

    /// How the story and the JSON document name what a file was read as.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::Case => "case file",
            InputKind::Typed => "typed fuzz input",
            InputKind::Raw => "raw fuzz input (the targets' format before issue 11)",
            InputKind::Auto => "guessed",
        }
    }
}

/// Reads `path` as `kind`. Errors name the file and say what is wrong.
pub fn load(path: &Path, kind: InputKind) -> anyhow::Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let auto = kind == InputKind::Auto;
    let kind = match kind {
        InputKind::Auto => guess(path, &bytes)?,
        other => other,
    };
    match kind {
        InputKind::Case => {
            // A file that looks like JSON is a case file gone wrong: running
            // its text as raw fuzz bytes would not help, so say nothing of it.
            let json = {
                let text = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
                text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
            };
            let hint = if auto && !json {
                " (read as a case file because it is text; --as raw runs it as raw fuzz bytes)"
            } else {
                ""
            };
            let case = Case::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}{hint}", path.display()))?;
            Ok(Loaded { run: case.run(), case: Some(case), read_as: kind })
        }
        InputKind::Typed => {
            let run = privdiff::gen::format::decode(&bytes).map_err(|e| {
                let hint = if auto {
                    "truncated or corrupted? --as raw reads it as raw bytes of the targets before issue 11"
                } else {
                    "try --as raw"
                };
                anyhow::anyhow!("{} is not a whole typed fuzz input: {e} ({hint})", path.display())
            })?;
            Ok(Loaded { run, case: None, read_as: kind })
        }
        InputKind::Raw | InputKind::Auto => {
            Ok(Loaded { run: Run::from_fuzz_bytes(&bytes), case: None, read_as: InputKind::Raw })
        }
    }
}

/// Whether `bytes` (after a byte-order mark) look like JSON or other text
/// a person wrote: the first non-blank byte is `{` or `[`, or at least nine
/// in ten bytes are printable ASCII or blanks. Raw fuzz bytes hardly ever
/// are; a file that looks so and cannot be read as a case is refused
/// rather than run as raw bytes.
fn looks_like_text(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if matches!(text.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{') | Some(b'[')) {
        return true;
    }
    let printable = text.iter().filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()).count();
    text.len() >= 8 && printable * 10 >= text.len() * 9
}

/// What an input file is, by its bytes (see the module's doc). The one
/// place that decides; a file that looks like a case or text but is not
/// valid UTF-8 is refused instead of guessed to be raw bytes.
fn guess(path: &Path, bytes: &[u8]) -> anyhow::Result<InputKind> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        anyhow::bail!(
            "{} looks like UTF-16 text; save a case file as UTF-8 (--as raw runs it as raw fuzz bytes)",
            path.display()
        );
    }
    let bom = if bytes.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
    let text = &bytes[bom..];
    // Text a person could have written: UTF-8 without control characters
    // but tabs and line ends. Raw fuzz bytes are hardly ever that.
    let readable = |t: &str| t.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'));
    match std::str::from_utf8(text) {
        Ok(t) if t.trim().is_empty() => anyhow::bail!(
            "{} is empty: nothing to replay (--as raw runs it as an empty raw fuzz input)",
            path.display()
        ),
        Ok(t) if readable(t) || looks_like_text(bytes) => Ok(InputKind::Case),
        Ok(_) | Err(_) if bytes.first() == Some(&FORMAT_V1) => Ok(InputKind::Typed),
        Err(e) if looks_like_text(bytes) => anyhow::bail!(
            "{} looks like a case file but is not valid UTF-8 (byte {} is not UTF-8 text); save it as UTF-8 (--as raw runs it as raw fuzz bytes)",
            path.display(),
            bom + e.valid_up_to()
        ),
        Ok(_) | Err(_) => Ok(InputKind::Raw),
    }
}

pub use privdiff::oracle::lineup::{PatchedImpl, Seat};

/// Who sits in the patched seat of a run, decided once for every command
/// that runs a file: the built-in implementation for [`ImplArgs::engine`],
/// the seat the run is told and recorded with, and the seat the file's
/// case recorded (if it is a case).
#[derive(Debug, Clone)]
pub struct Seating {
    /// The built-in implementation of the patched seat (or beside an
    /// external one).
    pub builtin: PatchedImpl,
    /// The seat this run has: the external implementation, unless
    /// `--beside`, else the built-in one.
    pub seat: Seat,
    /// The seat a case file records.
    pub recorded: Option<Seat>,
}

impl Seating {
    /// The seating of `--patched-impl` (`flag`), `--impl` and the case
    /// being run. A case recorded against an external implementation needs
    /// `--impl` to run in its seat: without it, the command is refused
    /// (exit 2) rather than run with the built-in server and reported as
    /// a pass.
    pub fn choose(
        flag: Option<PatchedImpl>,
        implementation: &ImplArgs,
        case: Option<&Case>,
    ) -> anyhow::Result<Seating> {
        let recorded = case.map(Case::seat).transpose().map_err(|e| anyhow::anyhow!(e))?;
        let recorded_builtin = match &recorded {
            Some(Seat::Builtin(b)) => Some(*b),
            Some(Seat::External(_)) | None => None,
        };
        let builtin = flag.or(recorded_builtin).unwrap_or_default();
        let seat = match &implementation.external {
            Some(spec) if !implementation.beside => Seat::External(spec.name.clone()),
            Some(_) | None => Seat::Builtin(builtin),
        };
        if let (Some(Seat::External(name)), None) = (&recorded, &implementation.external) {
            let case = case.map(|c| c.name.as_str()).unwrap_or_default();
            anyhow::bail!(
                "case {case:?} was recorded against implementation {name}: run it with --impl {name}=COMMAND (the command that starts {name})"
            );
        }
        Ok(Seating { builtin, seat, recorded })
    }

    /// Whether the run's verdict is to be compared with the case's
    /// expected one ([`Seat::compares_with`]).
    pub fn compares(&self) -> bool {
        self.recorded.as_ref().is_some_and(|r| self.seat.compares_with(r))
    }

    /// The seat a case written from this run records; `--beside` is
    /// refused, since a case holds one implementation in the patched seat.
    pub fn for_new_case(&self, implementation: &ImplArgs) -> anyhow::Result<Seat> {
        if implementation.beside {
            anyhow::bail!(
                "a case records one implementation in the patched seat, so it cannot be written from a --beside run; use --impl alone"
            );
        }
        Ok(self.seat.clone())
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
        use privdiff::oracle::engine::Engine;
        use privdiff::oracle::lineup::Lineup;
        use privdiff::world::Era;

        let lineup = Lineup::from_env(patched)?;
        let Some(spec) = &self.external else { return Ok(lineup.engine()) };
        let timeout = timeout_from_env().map_err(|e| anyhow::anyhow!(e))?;
        let external = External::start(spec.clone(), timeout).map_err(|e| {
            let last = e.stderr_tail.lines().rev().find(|l| !l.trim().is_empty());
            match last {
                Some(line) => anyhow::anyhow!("{e} (its stderr ended with: {})", line.trim()),
                None => anyhow::anyhow!("{e}"),
            }
        })?;
        if self.beside {
            let mut sides = lineup.implementations();
            sides.push(Box::new(external));
            return Ok(Engine::new(lineup.references(), sides));
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
        Ok(lineup.engine_with(Box::new(external)))
    }
}
