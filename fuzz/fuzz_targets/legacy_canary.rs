// Legacy model against INV-1 alone: must crash fast (the 2019 loophole).
// Never built for nightly fuzzing; see docs/FUZZING.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| privdiff::targets::legacy_canary(data));
