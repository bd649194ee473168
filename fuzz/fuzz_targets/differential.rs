// Lockstep legacy / patched / reference run; panics on any D-1..D-4 failure.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| privdiff::targets::differential(data));
