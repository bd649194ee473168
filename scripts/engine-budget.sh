#!/usr/bin/env bash
# Where the lockstep engine's time per fuzz input goes, in counts that a
# shared, noisy machine does not move (issue 9's "lockstep <= 2x decode"):
# instructions and simulated branch mispredictions per input, from
# cachegrind (valgrind), for the three loops of examples/engine_budget.rs
# over the bench's 256 inputs:
#   decode           Run::from_fuzz_bytes alone (runner/decode_only)
#   implementations  decode + both references and both servers answering,
#                    no check, no judge (runner/implementations)
#   lockstep         decode + the full verdict (runner/lockstep)
# Each loop runs twice (ROUNDS_LOW and ROUNDS_HIGH rounds of 256 inputs)
# and the per-input figure is the difference over the extra inputs, so
# start-up and input generation cancel out. Then each loop runs natively
# for its wall time (noisy; criterion's side-by-side ratios are the figure
# of record: cargo bench --bench runner).
# Usage: scripts/engine-budget.sh   (installs valgrind with apt-get if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] || { echo "usage: $0 (no arguments)" >&2; exit 2; }
low=2 high=6
if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null
  else
    echo "engine-budget: valgrind is missing (apt-get install valgrind)" >&2
    exit 2
  fi
fi
cargo build --release --quiet --example engine_budget
bin=target/release/examples/engine_budget
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# counts MODE ROUNDS: prints "instructions mispredicts" of a whole run.
counts() {
  valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes --cachegrind-out-file=/dev/null \
    "$bin" "$1" "$2" >/dev/null 2>"$tmp/vg"
  awk '/I *refs:/ { gsub(",", "", $4); i = $4 } /Mispredicts:/ { gsub(",", "", $3); m = $3 }
       END { print i, m }' "$tmp/vg"
}

inputs=$(( (high - low) * 256 ))
printf '%-16s %14s %16s %12s\n' loop "instr/input" "mispred/input" "wall us/input"
for mode in decode implementations lockstep; do
  read -r i1 m1 < <(counts "$mode" "$low")
  read -r i2 m2 < <(counts "$mode" "$high")
  wall=$("$bin" "$mode" 2000 | awk '{ print $2 }')
  awk -v m="$mode" -v i1="$i1" -v i2="$i2" -v m1="$m1" -v m2="$m2" -v n="$inputs" -v w="$wall" \
    'BEGIN { printf "%-16s %14.0f %16.0f %12s\n", m, (i2 - i1) / n, (m2 - m1) / n, w }'
done
