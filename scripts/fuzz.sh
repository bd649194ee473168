#!/usr/bin/env bash
# The main fuzzing job: fuzzes one target (default `differential`) for a
# while, from a working copy of its committed seeds, then lists every crash
# artifact with the commands that replay it. Exits non-zero on a crash.
#
# Usage: scripts/fuzz.sh [TARGET] [SECONDS] [-- LIBFUZZER_FLAGS...]
#   TARGET   differential (default), case_file, legacy_canary, or external
#            (your implementation: PRIVDIFF_IMPL=NAME=COMMAND, docs/PROTOCOL.md)
#   SECONDS  default $PRIVDIFF_FUZZ_SECONDS, else 300
# e.g. scripts/fuzz.sh; scripts/fuzz.sh 60; scripts/fuzz.sh case_file 60;
#      scripts/fuzz.sh differential 3600 -- -fork=2
# See docs/FUZZING.md.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '6,11p' "$0" >&2
  exit 2
}

target=differential
seconds=${PRIVDIFF_FUZZ_SECONDS:-300}
if [ $# -gt 0 ] && [[ $1 != -* && ! $1 =~ ^[0-9]+$ ]]; then
  target=$1
  shift
fi
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
if [ $# -gt 0 ]; then
  [ "$1" = -- ] || usage
  shift
fi
case $target in
  differential | case_file | legacy_canary) ;;
  external)
    if [ -z "${PRIVDIFF_IMPL:-}" ]; then
      echo "fuzz.sh: external needs PRIVDIFF_IMPL=NAME=COMMAND (docs/PROTOCOL.md)" >&2
      exit 2
    fi
    ;;
  *) usage ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || usage

# shellcheck source=scripts/lib-toolchain.sh
. scripts/lib-toolchain.sh

# The working corpus is gitignored and persists between runs, so a second
# run continues where the first stopped; the committed seeds are only read.
corpus=fuzz/corpus/$target
artifacts=fuzz/artifacts/$target
mkdir -p "$corpus" "$artifacts"
seeds=corpus/seeds/$target
# `external` reads the same inputs as `differential`: it shares its seeds.
[ "$target" = external ] && seeds=corpus/seeds/differential
if [ -d "$seeds" ]; then
  cp -n "$seeds/"* "$corpus/" 2>/dev/null || true
fi

# Flags: the target's .options (max_len, dict, ...), its dictionary if the
# options did not name one, then ours; the user's extra flags come last
# (libFuzzer keeps the last value of a repeated flag).
mapfile -t flags < <(options_flags "$target")
if [ -f "fuzz/dict/$target.dict" ] && [[ " ${flags[*]} " != *" -dict="* ]]; then
  flags+=("-dict=fuzz/dict/$target.dict")
fi
flags+=(-max_total_time="$seconds" -print_final_stats=1 "$@")

echo "== fuzzing $target for $seconds s over $corpus ($(find "$corpus" -type f | wc -l) inputs)" >&2
echo "== ${FUZZ[*]} run ${FUZZ_BUILD[*]} $target $corpus -- ${flags[*]}" >&2
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT
status=0
"${FUZZ[@]}" run "${FUZZ_BUILD[@]}" "$target" "$corpus" -- "${flags[@]}" || status=$?

# Every artifact (crash-*, leak-*, timeout-*, oom-*), newest last, with the
# commands that replay it. `privdiff replay` runs a raw input (or a case
# file) through legacy, patched and reference and prints the failure.
mapfile -t found < <(find "$artifacts" -maxdepth 1 -type f -printf '%T@ %p\n' | sort -n | cut -d' ' -f2-)
if [ "${#found[@]}" -gt 0 ]; then
  echo
  echo "== artifacts in $artifacts (* = from this run):"
  for a in "${found[@]}"; do
    new=" "
    [ "$a" -nt "$marker" ] && new="*"
    echo "$new $a"
    if [ "$target" = external ]; then
      echo "    replay:   cargo run --release -- replay $a --impl '${PRIVDIFF_IMPL:-NAME=COMMAND}'"
    else
      echo "    replay:   cargo run --release -- replay $a"
    fi
    echo "    fuzzer:   ${FUZZ[*]} run ${FUZZ_BUILD[*]} $target $a"
  done
fi
if [ "$status" -ne 0 ]; then
  echo "== $target: libFuzzer exited with status $status (a crash, see above)" >&2
  exit "$status"
fi
echo "== $target: no crash in $seconds s" >&2
