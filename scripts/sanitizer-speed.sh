#!/usr/bin/env bash
# Executions per second of a fuzz target built with AddressSanitizer (what
# the nightly job, ClusterFuzzLite and OSS-Fuzz run) and without (the main
# job's build, scripts/fuzz.sh), side by side in one run: both built with
# the same flags otherwise (-O -a, scripts/lib-toolchain.sh), run
# alternately over a copy of the same committed seeds, ROUNDS times each,
# with the same libFuzzer seed per round, so load from elsewhere hits both
# alike. Prints every run, then the median exec/s of each build and their
# ratio.
#
# Usage: scripts/sanitizer-speed.sh [TARGET] [SECONDS] [ROUNDS]
#   defaults: differential 20 3
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-differential}
seconds=${2:-20}
rounds=${3:-3}
usage() { echo "usage: scripts/sanitizer-speed.sh [TARGET] [SECONDS] [ROUNDS]" >&2; exit 2; }
[ -d "corpus/seeds/$target" ] || { echo "sanitizer-speed: no seeds for target '$target'" >&2; usage; }
for n in "$seconds" "$rounds"; do [[ $n =~ ^[1-9][0-9]{0,5}$ ]] || usage; done

declare -A bins=()
for san in address none; do
  # shellcheck source=scripts/lib-toolchain.sh
  PRIVDIFF_FUZZ_SANITIZER=$san . scripts/lib-toolchain.sh
  echo "== building $target with sanitizer $san" >&2
  "${FUZZ[@]}" build "${FUZZ_BUILD[@]}" "$target" >&2
  bins[$san]=$(fuzz_binary "$target")
done
mapfile -t flags < <(options_flags "$target")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A runs=()
for round in $(seq 1 "$rounds"); do
  for san in address none; do
    dir=$tmp/corpus-$san-$round
    mkdir -p "$dir"
    cp "corpus/seeds/$target/"* "$dir/"
    "${bins[$san]}" "$dir" "${flags[@]}" -seed="$round" -max_total_time="$seconds" -print_final_stats=1 \
      >"$tmp/$san-$round.log" 2>&1 || true
    eps=$(awk -F: '/stat::average_exec_per_sec/ {gsub(/ /, "", $NF); print $NF}' "$tmp/$san-$round.log")
    echo "round $round  sanitizer $san  exec/s ${eps:-?}"
    runs[$san]="${runs[$san]:-} ${eps:-0}"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=$(echo "${runs[address]}" | median)
n=$(echo "${runs[none]}" | median)
echo "median exec/s: address $a, none $n; none/address $(awk -v a="$a" -v n="$n" 'BEGIN { printf "%.2f", n / (a ? a : 1) }') ($target, $rounds x $seconds s each, over corpus/seeds/$target)"
