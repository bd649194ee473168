//! The 2019 attack at the scale it was run, level 4 ([`scenario`]).

pub mod scenario;
