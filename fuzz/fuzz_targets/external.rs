// Lockstep legacy / reference with the implementation of PRIVDIFF_IMPL
// (docs/PROTOCOL.md) in the patched seat; panics on any failure. Reads the
// typed inputs of `differential` and mutates them the same way.
#![no_main]

privdiff::typed_fuzz_target!(privdiff::targets::external, init: privdiff::targets::external_setup);
