// Legacy model against INV-1 alone: must crash fast (the 2019 loophole).
// Never built for nightly fuzzing; see docs/FUZZING.md. Same typed input and
// structure-aware mutator as `differential`.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target, fuzzer_mutate, Corpus};
use privdiff::{gen::mutate, targets};

fuzz_target!(|data: &[u8]| -> Corpus {
    match targets::legacy_canary(data) {
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
