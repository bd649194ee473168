//! The implementations that answer operations, level 2: the trait every
//! implementation under test speaks ([`implementation`]), the reference of
//! SPEC ([`reference`]) and the legacy and patched server models
//! ([`server`], with [`usermap`]).

pub mod external;
pub mod faults;
pub mod implementation;
pub mod protocol;
pub mod reference;
pub mod server;
pub mod spec_state;
pub mod usermap;
