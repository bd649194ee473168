# shellcheck shell=bash disable=SC2034  # FUZZ, FUZZ_BUILD: used by the sourcing scripts
# Shared by scripts/fuzz.sh, scripts/ci-fuzz.sh and scripts/make-seeds.sh
# (sourced, not run). Sets up cargo-fuzz and defines:
#   FUZZ          the cargo fuzz command, as an array: "${FUZZ[@]}" run ...
#   FUZZ_TARGET_DIR, fuzz_binary TARGET: where the build puts a fuzzer
#   FUZZ_BUILD    build flags every script uses, so they share one build:
#                 -O -a (optimised, debug assertions and overflow checks on),
#                 without AddressSanitizer (-s none) into
#                 fuzz/target/sanitizer-none/: the main job's build, several
#                 times the exec/s (scripts/sanitizer-speed.sh,
#                 docs/FUZZING.md). privdiff's fuzzed path is safe Rust, so
#                 ASan adds no check there that safe Rust lacks.
#                 PRIVDIFF_FUZZ_SANITIZER=address builds with ASan (cargo
#                 fuzz's default) into fuzz/target/, as
#                 .clusterfuzzlite/build.sh, OSS-Fuzz and the nightly
#                 workflow do.
#   options_flags TARGET   libFuzzer flags from fuzz/options/TARGET.options
# The caller must already be at the repository root.

# cargo fuzz needs nightly-only flags (-Z, sanitizers): use the nightly
# toolchain when rustup has one, else let stable accept them.
# cargo-fuzz instruments every function to track the lowest stack address
# (-sanitizer-coverage-stack-depth), which libFuzzer turns into a feature:
# with Rust frames realigned to 32 bytes and libFuzzer's own to 16, the
# depth it measures depends on where the process's stack starts (the
# environment's size, ASLR), and so does the whole campaign. privdiff's
# fuzzed code does not recurse, so depth says nothing of its behaviour:
# it is switched off (the last -Cllvm-args value wins; cargo-fuzz appends
# RUSTFLAGS after its own), and the same binary, seed and corpus give the
# same campaign (scripts/fuzz-workflows.sh checks it; docs/FUZZING.md).
fuzz_rustflags="${RUSTFLAGS:-} -Cllvm-args=-sanitizer-coverage-stack-depth=false"
if command -v rustup >/dev/null && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  FUZZ=(env "RUSTFLAGS=$fuzz_rustflags" cargo +nightly fuzz)
else
  FUZZ=(env "RUSTFLAGS=$fuzz_rustflags" RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
FUZZ_BUILD=(-O -a)
FUZZ_TARGET_DIR=$PWD/fuzz/target
PRIVDIFF_FUZZ_SANITIZER=${PRIVDIFF_FUZZ_SANITIZER:-none}
if [ "$PRIVDIFF_FUZZ_SANITIZER" != address ]; then
  FUZZ_TARGET_DIR=$PWD/fuzz/target/sanitizer-$PRIVDIFF_FUZZ_SANITIZER
  FUZZ_BUILD+=(-s "$PRIVDIFF_FUZZ_SANITIZER" --target-dir "$FUZZ_TARGET_DIR")
fi
# fuzz_binary TARGET: where `cargo fuzz build "${FUZZ_BUILD[@]}" TARGET`
# puts the fuzzer (release, for the host), so that scripts run it directly:
# `cargo fuzz run` would rebuild it whenever the environment differs.
fuzz_binary() {
  local triple
  triple=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')
  echo "$FUZZ_TARGET_DIR/${triple:-x86_64-unknown-linux-gnu}/release/$1"
}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: installing it (cargo install cargo-fuzz --locked)" >&2
  cargo install cargo-fuzz --locked
fi

# libFuzzer itself without AddressSanitizer. libfuzzer-sys compiles the
# libFuzzer sources it bundles with the C++ compiler, and the cc crate
# carries rustc's -Zsanitizer=address over to them, so in an ASan build
# libFuzzer's own loop (feature collection, corpus upkeep, malloc hooks)
# runs instrumented: about a quarter of each execution of `differential`
# (docs/FUZZING.md). clang's -fsanitize=fuzzer links an uninstrumented
# engine instead. This builds the same sources (the libfuzzer-sys version
# fuzz/Cargo.lock pins) once, without sanitizer, into
# fuzz/target/libfuzzer-plain/VERSION/, and points libfuzzer-sys at it
# (its CUSTOM_LIBFUZZER_PATH); the targets themselves are instrumented as
# before. PRIVDIFF_LIBFUZZER=bundled keeps the bundled build; a
# CUSTOM_LIBFUZZER_PATH already set is left alone. If no C++ compiler or
# no libfuzzer-sys source is at hand it says so and keeps the bundled one.
plain_libfuzzer() {
  case "${PRIVDIFF_LIBFUZZER:-plain}" in
    plain) ;;
    bundled) return 0 ;;
    *) echo "PRIVDIFF_LIBFUZZER must be plain or bundled, not '$PRIVDIFF_LIBFUZZER'" >&2; return 2 ;;
  esac
  [ "${PRIVDIFF_FUZZ_SANITIZER:-address}" = none ] && return 0
  [ -n "${CUSTOM_LIBFUZZER_PATH:-}" ] && return 0
  local manifest src version dir cxx
  manifest=$(cargo metadata --manifest-path fuzz/Cargo.toml --format-version 1 2>/dev/null \
    | grep -o '"manifest_path":"[^"]*/libfuzzer-sys-[0-9][^"/]*/Cargo.toml"' | head -n 1 \
    | sed 's/^"manifest_path":"//; s/"$//') || true
  src=${manifest%/Cargo.toml}/libfuzzer
  if [ -z "$manifest" ] || [ ! -d "$src" ]; then
    echo "note: libfuzzer-sys's sources not found; libFuzzer stays instrumented (slower)" >&2
    return 0
  fi
  cxx=${CXX:-}
  [ -n "$cxx" ] || cxx=$(command -v c++ || command -v g++ || command -v clang++ || true)
  if [ -z "$cxx" ] || ! command -v ar >/dev/null; then
    echo "note: no C++ compiler or ar; libFuzzer stays instrumented (slower)" >&2
    return 0
  fi
  version=${manifest%/Cargo.toml}
  version=${version##*/libfuzzer-sys-}
  dir=$PWD/fuzz/target/libfuzzer-plain/$version
  if [ ! -f "$dir/libfuzzer.a" ]; then
    echo "building libFuzzer $version without sanitizer (once) into $dir" >&2
    mkdir -p "$(dirname "$dir")"
    local tmp f ok=1
    tmp=$(mktemp -d "$dir.tmp.XXXXXX")
    local -a pids=()
    for f in "$src"/*.cpp; do
      "$cxx" -O2 -g -std=c++17 -fPIC -fno-omit-frame-pointer -w -c "$f" -o "$tmp/$(basename "$f" .cpp).o" &
      pids+=("$!")
    done
    for f in "${pids[@]}"; do wait "$f" || ok=0; done
    if [ "$ok" = 1 ] && ar rcs "$tmp/libfuzzer.a" "$tmp"/*.o; then
      rm -f "$tmp"/*.o
      rm -rf "$dir"
      mv "$tmp" "$dir"
    else
      rm -rf "$tmp"
      echo "note: libFuzzer did not compile with $cxx; it stays instrumented (slower)" >&2
      return 0
    fi
  fi
  export CUSTOM_LIBFUZZER_PATH=$dir/libfuzzer.a
}
plain_libfuzzer

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
