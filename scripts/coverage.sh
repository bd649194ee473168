#!/usr/bin/env bash
# Source coverage of a fuzz target over a corpus, restricted to privdiff's
# own sources (src/: not its dependencies, not the standard library, not the
# fuzz glue), as an llvm-cov HTML report and a one-line summary. The
# nightly workflow runs it after fuzzing and links the page from the
# reviewer's report (`privdiff report --coverage`); docs/NIGHTLY.md.
#
# Usage: scripts/coverage.sh [--target T] [--out DIR] [CORPUS_DIR...]
#   T        a fuzz target (default differential)
#   DIR      where index.html goes (default target/coverage/T); replaced
#   CORPUS   input directories (default corpus/seeds/T)
# Needs cargo-fuzz (installed if missing) and llvm-cov/llvm-profdata from
# the nightly toolchain's llvm-tools component (added if missing).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=differential out='' corpora=()
usage() { echo "usage: $0 [--target T] [--out DIR] [CORPUS_DIR...]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --target) [ $# -ge 2 ] || usage; target=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -*) usage ;;
    *) corpora+=("$1"); shift ;;
  esac
done
cd "$repo"
[ -f "fuzz/fuzz_targets/$target.rs" ] || { echo "coverage.sh: no fuzz target $target (fuzz/fuzz_targets/)" >&2; exit 2; }
[ -n "$out" ] || out=target/coverage/$target
[ "${#corpora[@]}" -gt 0 ] || corpora=("corpus/seeds/$target")
for c in "${corpora[@]}"; do
  [ -d "$c" ] || { echo "coverage.sh: $c is not a directory" >&2; exit 2; }
done
# shellcheck source=scripts/lib-toolchain.sh
. scripts/lib-toolchain.sh

toolchain=stable
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then toolchain=nightly; fi
sysroot=$(rustc "+$toolchain" --print sysroot)
host=$(rustc "+$toolchain" -vV | sed -n 's/^host: //p')
bin_dir=$sysroot/lib/rustlib/$host/bin
if [ ! -x "$bin_dir/llvm-cov" ]; then
  echo "coverage.sh: adding the llvm-tools component to $toolchain" >&2
  rustup component add llvm-tools-preview --toolchain "$toolchain" >&2
fi

# cargo fuzz coverage builds with -Cinstrument-coverage, runs every input of
# the corpora once and merges the profiles into coverage.profdata.
rm -rf "fuzz/coverage/$target"
"${FUZZ[@]}" coverage "$target" "${corpora[@]}" >&2
profile=fuzz/coverage/$target/coverage.profdata
# (`|| true`: on a fresh clone fuzz/target does not exist, and find fails.)
binary=$(find target fuzz/target -path "*/coverage/*/release/$target" -type f -perm -u+x 2>/dev/null | head -1 || true)
if [ ! -s "$profile" ] || [ -z "$binary" ]; then
  echo "coverage.sh: cargo fuzz coverage left no profile or binary" >&2
  exit 1
fi

# Only privdiff's own sources: llvm-cov shows the files under the paths
# given after the binary.
rm -rf "$out.tmp"
"$bin_dir/llvm-cov" show "$binary" -instr-profile="$profile" -format=html -output-dir="$out.tmp" \
  -show-line-counts-or-regions -Xdemangler=rustfilt "$repo/src" 2>/dev/null ||
  "$bin_dir/llvm-cov" show "$binary" -instr-profile="$profile" -format=html -output-dir="$out.tmp" \
    -show-line-counts-or-regions "$repo/src"
rm -rf "$out"
mv "$out.tmp" "$out"
total=$("$bin_dir/llvm-cov" report "$binary" -instr-profile="$profile" "$repo/src" | awk '/^TOTAL/ { print }')
files=$(find "$out" -name '*.html' -path '*/src/*' | wc -l)
# TOTAL columns: regions, missed, cover, functions, missed, executed, lines, missed, cover, ...
echo "$target coverage of src/ over ${corpora[*]}: $(echo "$total" | awk '{ printf "regions %s, functions %s, lines %s", $4, $7, $10 }') ($files source files)"
echo "report: $out/index.html"
