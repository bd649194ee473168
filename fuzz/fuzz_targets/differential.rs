// Lockstep legacy / patched / reference run; panics on any D-1..D-4 failure.
// Input: a typed run (privdiff::gen::format); structure-aware mutation and
// crossover (privdiff::gen::mutate), one mutation in eight left to libFuzzer.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target, fuzzer_mutate, Corpus};
use privdiff::{gen::mutate, targets};

fuzz_target!(|data: &[u8]| -> Corpus {
    match targets::differential(data) {
        targets::Input::Ran => Corpus::Keep,
        targets::Input::Rejected => Corpus::Reject,
    }
});
fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    mutate::mutate(data, size, max_size, seed).unwrap_or_else(|| fuzzer_mutate(data, size, max_size))
});
fuzz_crossover!(|a: &[u8], b: &[u8], out: &mut [u8], seed: u32| {
    mutate::crossover(a, b, out, seed)
});
