//! The oracle, level 3: the lockstep [`engine`], the [`checks`] it runs
//! after every step, the [`failure`] kinds they report, and the legacy
//! [`canary`].

pub mod canary;
pub mod cause;
pub mod checks;
pub mod engine;
pub mod failure;
pub mod fields;
pub mod inv1;
pub mod judge;
pub mod lineup;
