//! Durable cases, level 4: the case-file format ([`case`]), runs told as
//! stories ([`story`]) and shrinking failing runs ([`minimize`]).

pub mod case;
pub mod check;
pub mod minimize;
pub mod story;
