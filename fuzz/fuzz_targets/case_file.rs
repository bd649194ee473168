// Case-file parser: never panics; accepted cases round-trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| privdiff::targets::case_file(data));
