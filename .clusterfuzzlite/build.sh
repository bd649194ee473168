#!/bin/bash -eu
# Builds privdiff's nightly fuzz targets for ClusterFuzzLite and OSS-Fuzz.
#
# OSS-Fuzz's `compile` runs this as `bash -eux $SRC/build.sh` inside
# gcr.io/oss-fuzz-base/base-builder-rust, where nightly Rust and cargo-fuzz
# are installed and SRC, OUT, WORK, SANITIZER are set. .ci/nightly-check.sh
# runs it the same way by hand, without Docker. See docs/NIGHTLY.md.
set -euo pipefail

# legacy_canary is never built here: it is meant to fail at once (it proves
# the harness still sees the 2019 loophole), so nightly fuzzing would only
# report that known failure again and again.
targets=(differential case_file)

cd "$SRC/privdiff"

# OSS-Fuzz supports only AddressSanitizer for Rust, plus coverage builds.
case "${SANITIZER:-address}" in
  address | leak | memory | thread | none) sanitizer=${SANITIZER:-address} ;;
  # In the real image, base-builder's `cargo` wrapper turns `cargo fuzz build`
  # into a plain `cargo build --bins` with the coverage RUSTFLAGS `compile`
  # exported, and copies the result to .../release, so the loop below works
  # unchanged. Run by hand, RUSTFLAGS from the environment must carry the
  # coverage flags, and cargo fuzz must add no sanitizer.
  coverage) sanitizer=none ;;
  *)
    echo "build.sh: SANITIZER=$SANITIZER is not supported for Rust" >&2
    exit 1
    ;;
esac

for t in "${targets[@]}"; do
  # -O: optimised build (what cargo fuzz calls release); -a: keep debug
  # assertions on, so overflow checks and debug_assert! fire while fuzzing.
  cargo fuzz build -O -a --sanitizer "$sanitizer" "$t"
done

# cargo fuzz always passes --target (the host triple); CARGO_BUILD_TARGET is
# not set in the image, so this is where the binaries land.
bin_dir=${CARGO_TARGET_DIR:-fuzz/target}/x86_64-unknown-linux-gnu/release

for t in "${targets[@]}"; do
  cp "$bin_dir/$t" "$OUT/$t"

  seeds=corpus/seeds/$t
  if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    echo "build.sh: no seed inputs in $seeds" >&2
    exit 1
  fi
  rm -f "$OUT/${t}_seed_corpus.zip"
  # -j: no directories inside the zip; libFuzzer reads a flat corpus.
  zip -q -j -r "$OUT/${t}_seed_corpus.zip" "$seeds"

  # A target may have no dictionary or options; fuzzing works without them.
  for ext in dict options; do
    src=fuzz/$ext/$t.$ext
    if [ -f "$src" ]; then
      cp "$src" "$OUT/$t.$ext"
    else
      echo "build.sh: no $src, skipped" >&2
    fi
  done
done
