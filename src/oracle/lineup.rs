//! Which built-in implementations sit in the seats: the standard lineup
//! (legacy and patched servers), or the legacy server in the patched seat
//! too, to show what a failure looks like. Case files record the choice
//! (`patched_impl`), so replaying a case runs the lineup it was found with.

use crate::models::faults::Faults;
use crate::models::implementation::{Implementation, Seated};
use crate::models::reference::Reference;
use crate::models::server::{LegacyServer, PatchedServer};
use crate::oracle::engine::{ByEra, Engine};
use crate::world::Era;

/// Which implementations sit in which seat, and the faults they carry:
/// the one place an engine's sides are built (the engine's standard
/// lineup, the fuzz targets, the command line and explore all come here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lineup {
    /// The built-in implementation in the patched seat.
    pub patched: PatchedImpl,
    /// Faults planted on purpose: readings go to the references and the
    /// servers, server bugs to the servers ([`Faults::for_server`]).
    pub faults: Faults,
}

impl Lineup {
    /// The standard lineup, faults taken from the environment
    /// ([`Faults::from_env`]; none in a build without faults).
    pub fn from_env(patched: PatchedImpl) -> Result<Lineup, crate::models::faults::FaultError> {
        Ok(Lineup { patched, faults: Faults::from_env()? })
    }

    /// The references of SPEC, one per era, with the lineup's readings.
    pub fn references(&self) -> ByEra<Box<dyn Implementation>> {
        ByEra {
            legacy: Box::new(Reference::with_reading(Era::Legacy, self.faults)),
            patched: Box::new(Reference::with_reading(Era::Patched, self.faults)),
        }
    }

    /// The legacy server, the first seat of every lineup.
    pub fn legacy_server(&self) -> LegacyServer {
        LegacyServer::with_faults(self.faults)
    }

    /// The implementations under test, in lineup order: the legacy server,
    /// then the patched seat.
    pub fn implementations(&self) -> Vec<Box<dyn Implementation>> {
        match self.patched {
            PatchedImpl::Patched => {
                vec![Box::new(self.legacy_server()), Box::new(PatchedServer::with_faults(self.faults))]
            }
            PatchedImpl::Legacy => vec![
                Box::new(self.legacy_server()),
                Box::new(Seated::new("patched", Era::Patched, self.legacy_server())),
            ],
        }
    }

    /// The engine of this lineup.
    pub fn engine(&self) -> Engine {
        Engine::new(self.references(), self.implementations())
    }

    /// The engine with `external` in the patched seat, beside this
    /// lineup's references and legacy server.
    pub fn engine_with(&self, external: Box<dyn Implementation>) -> Engine {
        Engine::new(self.references(), vec![Box::new(self.legacy_server()), external])
    }
}

/// Which built-in implementation stands in the patched seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
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

    /// The engine this choice means, without faults.
    pub fn engine(self) -> Engine {
        Lineup { patched: self, faults: Faults::NONE }.engine()
    }

    /// The implementations under test this choice means, in lineup order.
    pub fn lineup(self) -> Vec<Box<dyn Implementation>> {
        Lineup { patched: self, faults: Faults::NONE }.implementations()
    }
}

/// Who sat in the patched seat when a case's verdict was recorded: a
/// built-in implementation, or an external one under the name its
/// `--impl NAME=COMMAND` gave it. A case file records it (`patched_impl`)
/// and every command that writes a case writes it, so that the case
/// replays in the seat it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seat {
    /// A built-in implementation.
    Builtin(PatchedImpl),
    /// An external implementation, by name; replaying needs its command.
    External(String),
}

impl Default for Seat {
    fn default() -> Seat {
        Seat::Builtin(PatchedImpl::Patched)
    }
}

impl Seat {
    /// The seat a case's `patched_impl` field records: none or
    /// `"patched"` is the patched server, `"legacy"` the legacy one, any
    /// other valid implementation name an external implementation.
    pub fn recorded(patched_impl: Option<&str>, case: &str) -> Result<Seat, String> {
        match patched_impl {
            None | Some("patched") => Ok(Seat::Builtin(PatchedImpl::Patched)),
            Some("legacy") => Ok(Seat::Builtin(PatchedImpl::Legacy)),
            Some(other) if crate::models::external::valid_impl_name(other) => Ok(Seat::External(other.to_string())),
            Some(other) => Err(format!(
                "case {case:?} records patched_impl {other:?}, which is neither a built-in implementation (patched, legacy) nor an implementation name (1-32 of a-z 0-9 _ -)"
            )),
        }
    }

    /// The implementation's name, as failures and case files spell it.
    pub fn name(&self) -> &str {
        match self {
            Seat::Builtin(b) => b.name(),
            Seat::External(name) => name,
        }
    }

    /// What a case file writes in `patched_impl` (nothing for the patched
    /// server).
    pub fn record(&self) -> Option<String> {
        match self {
            Seat::Builtin(PatchedImpl::Patched) => None,
            other => Some(other.name().to_string()),
        }
    }

    /// Whether a verdict recorded in seat `recorded` is what a run in this
    /// seat must get: the same seat, or a case recorded with the patched
    /// server checked against an external implementation (a regression
    /// suite run against a team's server, as `corpus check --impl` does).
    pub fn compares_with(&self, recorded: &Seat) -> bool {
        self == recorded || (matches!(self, Seat::External(_)) && *recorded == Seat::Builtin(PatchedImpl::Patched))
    }
}
