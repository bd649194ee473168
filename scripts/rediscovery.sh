#!/usr/bin/env bash
# How fast is the 2019 loophole rediscovered? (issue 5)
#
# libFuzzer: the `legacy_canary` target (fuzz/fuzz_targets/legacy_canary.rs)
# from an EMPTY corpus, once per seed (-seed=1..N), recording executions
# (stat::number_of_executed_units) and wall seconds (measured outside, with
# date) to the first crash. proptest: examples/proptest_baseline.rs, the same
# seeds and the same budget, counting generated cases to the first failure.
# A trial that finds nothing within the budget is censored at the budget and
# counted as such (not dropped). Prints one table: median, min and max per
# engine, and the libFuzzer/proptest ratio of the medians.
#
# libFuzzer runs the binary built as the other fuzz scripts build it
# (scripts/lib-toolchain.sh) with the target's options file, if any.
#
# Usage: scripts/rediscovery.sh [--seeds N] [--budget RUNS] [--max-time SECONDS]
#   defaults: 10 seeds, 1000000 executions/cases, 120 s per libFuzzer trial.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=10 budget=1000000 max_time=120
while [ $# -gt 0 ]; do
  case $1 in
    --seeds) seeds=$2 ;;
    --budget) budget=$2 ;;
    --max-time) max_time=$2 ;;
    *) echo "usage: $0 [--seeds N] [--budget RUNS] [--max-time SECONDS]" >&2; exit 2 ;;
  esac
  shift 2
done
if ! [ "$seeds" -ge 1 ] || ! [ "$budget" -ge 1 ] || ! [ "$max_time" -ge 1 ]; then
  echo "$0: counts must be whole numbers >= 1" >&2
  exit 2
fi

cd "$repo"
# FUZZ (nightly if rustup has it, else RUSTC_BOOTSTRAP=1), FUZZ_BUILD and
# options_flags come from the shared helper; it installs cargo-fuzz if absent.
# shellcheck source=scripts/lib-toolchain.sh
. "$repo/scripts/lib-toolchain.sh"
mapfile -t target_flags < <(options_flags legacy_canary)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building fuzz target legacy_canary and the proptest baseline..." >&2
"${FUZZ[@]}" build "${FUZZ_BUILD[@]}" legacy_canary >&2
target_bin=$(fuzz_binary legacy_canary)
cargo build --release --quiet --example proptest_baseline >&2

# libFuzzer trials: one line "seed status execs seconds" each.
for seed in $(seq 1 "$seeds"); do
  mkdir "$work/corpus-$seed" "$work/artifacts-$seed"
  log="$work/fuzz-$seed.log"
  start=$(date +%s.%N)
  rc=0
  # The target's own options first (fuzz/options/legacy_canary.options), so these win.
  "$target_bin" "${target_flags[@]}" -seed="$seed" -runs="$budget" -max_total_time="$max_time" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts-$seed/" "$work/corpus-$seed" >"$log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if compgen -G "$work/artifacts-$seed/crash-*" >/dev/null; then
    status=found
  elif [ "$rc" -eq 0 ]; then
    status=censored
  else
    echo "$0: libFuzzer seed $seed failed (exit $rc) without a crash artifact:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  echo "libfuzzer seed=$seed status=$status execs=${execs:-?} seconds=$secs" >&2
  echo "$seed $status ${execs:-0} $secs" >>"$work/libfuzzer.txt"
done

# proptest trials: the example prints "seed=S status=X cases=C seconds=T".
"$repo/target/release/examples/proptest_baseline" --seeds "$seeds" --budget "$budget" >"$work/proptest.raw"
sed 's/^/proptest /' "$work/proptest.raw" >&2
sed 's/[a-z]*=//g' "$work/proptest.raw" >"$work/proptest.txt"

# "median min max found" of column $2 (3 = runs, 4 = seconds) of results file $1.
stats() {
  local found
  found=$(awk '$2 == "found"' "$1" | wc -l)
  awk -v col="$2" '{ print $(col) }' "$1" | sort -g |
    awk -v f="$found" '{ v[NR] = $1 }
      END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.6g %.6g %.6g %d\n", m, v[1], v[NR], f }'
}
read -r lf_x lf_x_min lf_x_max lf_found < <(stats "$work/libfuzzer.txt" 3)
read -r lf_s lf_s_min lf_s_max _ < <(stats "$work/libfuzzer.txt" 4)
read -r pt_x pt_x_min pt_x_max pt_found < <(stats "$work/proptest.txt" 3)
read -r pt_s pt_s_min pt_s_max _ < <(stats "$work/proptest.txt" 4)

echo
echo "Rediscovery of the 2019 loophole (legacy canary, INV-1): seeds 1..$seeds, budget $budget runs, libFuzzer also ${max_time} s"
echo "Censored trials count at the budget; a median over half censored is a lower bound."
printf '%-10s %7s %14s %21s %11s %19s\n' engine found "median runs" "(min..max)" "median s" "(min..max)"
printf '%-10s %4s/%-2s %14s %21s %11s %19s\n' libFuzzer "$lf_found" "$seeds" "$lf_x" "($lf_x_min..$lf_x_max)" \
  "$lf_s" "($lf_s_min..$lf_s_max)"
printf '%-10s %4s/%-2s %14s %21s %11s %19s\n' proptest "$pt_found" "$seeds" "$pt_x" "($pt_x_min..$pt_x_max)" \
  "$pt_s" "($pt_s_min..$pt_s_max)"
awk -v a="$lf_x" -v b="$pt_x" -v c="$lf_s" -v d="$pt_s" \
  'BEGIN { printf "%-10s %7s %14.2f %21s %11.2f\n", "ratio", "lf/pt", a / (b ? b : 1), "", c / (d ? d : 1e-9) }'
echo "(libFuzzer runs = executions, seconds timed outside the process; proptest runs = generated cases, seconds timed inside.)"
