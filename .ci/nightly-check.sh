#!/usr/bin/env bash
# Checks the ClusterFuzzLite/OSS-Fuzz build without Docker: runs
# .clusterfuzzlite/build.sh the way OSS-Fuzz's `compile` does (SRC, OUT, WORK
# in a temporary directory), then runs every fuzzer it left in $OUT over its
# seed corpus (-runs=0) and for a few thousand more inputs with its .options
# and .dict. Fails on any crash. Usage: .ci/nightly-check.sh
# Env: NIGHTLY_CHECK_RUNS (default 5000), NIGHTLY_CHECK_SEED (default 1),
#      SANITIZER (default address), RUSTFLAGS (default: OSS-Fuzz's, below).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${NIGHTLY_CHECK_RUNS:-5000}
seed=${NIGHTLY_CHECK_SEED:-1}
start=$SECONDS

# The real image builds with nightly; stable can stand in for it with
# RUSTC_BOOTSTRAP=1 (cargo fuzz needs -Z flags).
if command -v rustup >/dev/null && rustup toolchain list | grep -q '^nightly'; then
  export RUSTUP_TOOLCHAIN=nightly
else
  export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zip unzip >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SRC=$tmp/src OUT=$tmp/out WORK=$tmp/work
mkdir -p "$SRC" "$OUT" "$WORK"
# A symlink, not a copy: fuzz/target survives between runs, so rebuilds are
# incremental. The Dockerfile COPYs the repository to the same place.
ln -s "$repo" "$SRC/privdiff"
cp "$repo/.clusterfuzzlite/build.sh" "$SRC/build.sh"
export SANITIZER=${SANITIZER:-address} FUZZING_ENGINE=libfuzzer
export FUZZING_LANGUAGE=rust ARCHITECTURE=x86_64
# What `compile` exports for a Rust address build (cargo fuzz adds
# -Zsanitizer=address and the coverage flags itself).
export RUSTFLAGS=${RUSTFLAGS-"--cfg fuzzing -Cdebuginfo=1 -Cforce-frame-pointers"}

echo "== build.sh (RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-} RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-} SANITIZER=$SANITIZER)"
(cd "$SRC/privdiff" && bash -eux "$SRC/build.sh")
build_done=$SECONDS
echo "== \$OUT holds:"
ls -l "$OUT"

# The nightly set is exactly these two; the canary must never be shipped.
for t in differential case_file; do
  [ -x "$OUT/$t" ] || { echo "FAIL: $OUT/$t missing" >&2; exit 1; }
done
if [ -e "$OUT/legacy_canary" ]; then
  echo "FAIL: legacy_canary is in \$OUT" >&2
  exit 1
fi

# libFuzzer flags from a .options file; a relative dict path is relative to
# $OUT, as on OSS-Fuzz.
# shellcheck source=scripts/libfuzzer-options.sh
. "$repo/scripts/libfuzzer-options.sh"
options_flags() { options_file_flags "$1" "$OUT"; }

failed=()
for bin in "$OUT"/*; do
  # Only the fuzzers: skip the .zip, .dict and .options files.
  if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
  name=$(basename "$bin")
  corpus=$WORK/corpus/$name
  mkdir -p "$corpus" "$WORK/artifacts"
  unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$corpus"
  flags=()
  if [ -f "$OUT/$name.options" ]; then
    mapfile -t flags < <(options_flags "$OUT/$name.options")
  fi
  # The .dict, unless the .options already names one.
  if [ -f "$OUT/$name.dict" ] && [[ " ${flags[*]} " != *" -dict="* ]]; then
    flags+=("-dict=$OUT/$name.dict")
  fi
  # Keep crash files out of the working directory.
  flags+=("-artifact_prefix=$WORK/artifacts/$name-")

  echo "== $name: $(find "$corpus" -type f | wc -l) seeds, flags: ${flags[*]}"
  # -runs and -seed come last: libFuzzer keeps the last value of a flag.
  if ! "$bin" "${flags[@]}" -runs=0 "$corpus"; then
    failed+=("$name (seed corpus)")
    continue
  fi
  if ! "$bin" "${flags[@]}" -print_final_stats=1 -seed="$seed" -runs="$runs" "$corpus"; then
    failed+=("$name (-runs=$runs)")
  fi
done

echo "== nightly-check: build $((build_done - start)) s, total $((SECONDS - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAIL: crashed: ${failed[*]}" >&2
  ls -l "$WORK/artifacts" >&2
  exit 1
fi
echo "nightly-check: OK"
