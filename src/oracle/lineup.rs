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

    /// The choice a case's `patched_impl` field records (`None`: the
    /// patched server); an unknown name is an error naming the known ones.
    pub fn recorded(patched_impl: Option<&str>, case: &str) -> Result<PatchedImpl, String> {
        match patched_impl {
            None | Some("patched") => Ok(PatchedImpl::Patched),
            Some("legacy") => Ok(PatchedImpl::Legacy),
            Some(other) => Err(format!(
                "case {case:?} records patched_impl {other:?}, which this privdiff does not have (patched, legacy)"
            )),
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
