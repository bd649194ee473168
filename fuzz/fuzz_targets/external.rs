// Lockstep legacy / reference with the implementation of PRIVDIFF_IMPL
// (docs/PROTOCOL.md) in the patched seat; panics on any failure.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| privdiff::targets::external(data));
