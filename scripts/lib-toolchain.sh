# shellcheck shell=bash disable=SC2034  # FUZZ, FUZZ_BUILD: used by the sourcing scripts
# Shared by scripts/fuzz.sh, scripts/ci-fuzz.sh and scripts/make-seeds.sh
# (sourced, not run). Sets up cargo-fuzz and defines:
#   FUZZ          the cargo fuzz command, as an array: "${FUZZ[@]}" run ...
#   FUZZ_BUILD    build flags every script uses, so they share one build:
#                 -O -a (optimised, debug assertions and overflow checks on),
#                 AddressSanitizer (cargo fuzz's default), as in
#                 .clusterfuzzlite/build.sh and the nightly workflow.
#                 PRIVDIFF_FUZZ_SANITIZER=none (about 4.7x the exec/s, see
#                 docs/FUZZING.md) builds into a target dir of its own, so
#                 switching back and forth does not rebuild everything.
#   options_flags TARGET   libFuzzer flags from fuzz/options/TARGET.options
# The caller must already be at the repository root.

# cargo fuzz needs nightly-only flags (-Z, sanitizers): use the nightly
# toolchain when rustup has one, else let stable accept them.
if command -v rustup >/dev/null && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  FUZZ=(cargo +nightly fuzz)
else
  FUZZ=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
FUZZ_BUILD=(-O -a)
if [ "${PRIVDIFF_FUZZ_SANITIZER:-address}" != address ]; then
  FUZZ_BUILD+=(-s "$PRIVDIFF_FUZZ_SANITIZER" --target-dir "$PWD/fuzz/target/sanitizer-$PRIVDIFF_FUZZ_SANITIZER")
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: installing it (cargo install cargo-fuzz --locked)" >&2
  cargo install cargo-fuzz --locked
fi

# Prints one libFuzzer flag per line from the [libfuzzer] section of
# fuzz/options/$1.options (the OSS-Fuzz format): `key = value` becomes
# -key=value, and a relative dict path is looked up in fuzz/dict/ (OSS-Fuzz
# keeps the .dict next to the binary instead). Prints nothing if no file.
# shellcheck source=scripts/libfuzzer-options.sh
. "$(dirname "${BASH_SOURCE[0]}")/libfuzzer-options.sh"
options_flags() {
  local file=fuzz/options/$1.options
  [ -f "$file" ] || return 0
  options_file_flags "$file" "$PWD/fuzz/dict"
}
