//! Generators, level 2: how runs come from bytes and seeds. [`decode`]
//! turns raw fuzz bytes into valid runs (the legacy raw format); [`format`]
//! is the typed, versioned fuzz input; [`generate`] draws operations with
//! the world's state in view; [`mutate`] is the operation-level mutator and
//! crossover behind the fuzz targets; [`seed`] makes seeded byte streams
//! for tests, benchmarks and scripts.

pub mod decode;
pub mod format;
pub mod generate;
pub mod mutate;
pub mod seed;
