// Legacy model against INV-1 alone: must crash fast (the 2019 loophole).
// Never built for nightly fuzzing; see docs/FUZZING.md. Same typed input and
// structure-aware mutator as `differential`.
#![no_main]

privdiff::typed_fuzz_target!(privdiff::targets::legacy_canary);
