//! Generators, level 2: how runs come from bytes and seeds. [`decode`]
//! turns raw fuzz bytes into valid runs; [`seed`] makes seeded byte streams
//! for tests, benchmarks and scripts.

pub mod decode;
pub mod seed;
