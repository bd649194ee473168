//! Durable cases, level 4: the case-file format ([`case`]), runs told as
//! stories ([`story`]) and as the reviewer's HTML page ([`report`]), and
//! shrinking failing runs ([`minimize`]).

pub mod case;
pub mod check;
pub mod minimize;
pub mod report;
pub mod story;
