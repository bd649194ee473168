//! Which built-in implementations sit in the seats: the standard lineup
//! (legacy and patched servers), or the legacy server in the patched seat
//! too, to show what a failure looks like. Case files record the choice
//! (`patched_impl`), so replaying a case runs the lineup it was found with.

use crate::models::implementation::{Implementation, Seated};
use crate::models::server::{LegacyServer, PatchedServer};
use crate::oracle::engine::Engine;
use crate::world::Era;

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

    /// The engine this choice means: the references, the legacy server, and
    /// in the patched seat the patched server or the legacy one.
    pub fn engine(self) -> Engine {
        Engine::new(Engine::standard_references(), self.lineup())
    }

    /// The implementations under test this choice means, in lineup order.
    pub fn lineup(self) -> Vec<Box<dyn Implementation>> {
        match self {
            PatchedImpl::Patched => vec![Box::new(LegacyServer::default()), Box::new(PatchedServer::default())],
            PatchedImpl::Legacy => vec![
                Box::new(LegacyServer::default()),
                Box::new(Seated::new("patched", Era::Patched, LegacyServer::default())),
            ],
        }
    }
}
