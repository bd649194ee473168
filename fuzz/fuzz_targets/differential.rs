// Lockstep legacy / patched / reference run; panics on any D-1..D-4 or
// INV-1..4 failure. Input: a typed run (privdiff::gen::format);
// structure-aware mutation and crossover (privdiff::gen::mutate), one
// mutation in eight left to libFuzzer.
#![no_main]

privdiff::typed_fuzz_target!(privdiff::targets::differential, init: privdiff::targets::differential_setup);
