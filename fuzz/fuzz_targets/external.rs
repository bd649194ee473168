// Lockstep legacy / reference with the implementation of PRIVDIFF_IMPL
// (docs/PROTOCOL.md) in the patched seat; panics on any failure. Reads the
// typed inputs of `differential` (privdiff::gen::format) and mutates them
// the same way.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target, fuzzer_mutate, Corpus};
use privdiff::{gen::mutate, targets};

fuzz_target!(|data: &[u8]| -> Corpus {
    match targets::external(data) {
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
