#!/usr/bin/env bash
# The planted-bug benchmark (issue 11, in the style of Magma and Etna): for
# each planted bug of the server model (src/models/faults.rs, listed by `privdiff faults --list`; a guarded
# line in src/models/server.rs, built only with the `faults` feature
# and switched on by PRIVDIFF_BUG=<name>), run
#   libFuzzer: the `differential` target from an EMPTY corpus, -seed=1..N,
#     at most BUDGET executions and MAX_TIME seconds per trial;
#   proptest:  examples/proptest_baseline.rs --property differential, the
#     same seeds and budget (generated cases);
# and print one table: bug, found/N, median executions and seconds to
# detection per engine, and the libFuzzer/proptest ratio of the median
# executions. A trial that finds nothing counts as censored at the budget.
#
# Usage: scripts/planted-bugs.sh [--seeds N] [--budget RUNS] [--max-time S] [--require-all] [BUG...]
#   defaults: 5 seeds, 200000 runs, 60 s; all bugs. --require-all exits 1
#   unless libFuzzer found every bug on every seed (CI).
# The fuzz target and the example are built in the usual target dirs with
# the feature on (only privdiff recompiles); the next ordinary build
# relinks them without it.
# Env: PRIVDIFF_FEEDBACK=1 builds the fuzz target with the semantic
#   feedback counters (fuzz crate feature `feedback`; off by default), to
#   measure with and without.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=5 budget=200000 max_time=60 bugs=() require_all=0
while [ $# -gt 0 ]; do
  case $1 in
    --seeds) seeds=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --max-time) max_time=$2; shift 2 ;;
    --require-all) require_all=1; shift ;;
    -*) echo "usage: $0 [--seeds N] [--budget RUNS] [--max-time S] [BUG...]" >&2; exit 2 ;;
    *) bugs+=("$1"); shift ;;
  esac
done
cd "$repo"
# shellcheck source=scripts/lib-toolchain.sh
. scripts/lib-toolchain.sh
if [ "${#bugs[@]}" -eq 0 ]; then
  cargo build --release --quiet --features faults --target-dir target/faults --bin privdiff >&2
  mapfile -t bugs < <(target/faults/release/privdiff faults --list)
fi

features=faults
if [ "${PRIVDIFF_FEEDBACK:-0}" = 1 ]; then features=faults,feedback; fi
echo "building differential (features $features) and the proptest baseline..." >&2
"${FUZZ[@]}" build -O -a --features "$features" differential >&2
host=$(rustc -vV | sed -n 's/^host: //p')
bin="$repo/fuzz/target/$host/release/differential"
cargo build --release --quiet --example proptest_baseline --no-default-features --features faults >&2
pt="$repo/target/release/examples/proptest_baseline"
mapfile -t flags < <(options_flags differential)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "median found" of column $2 of file $1 (lines: status value).
median() {
  sort -g -k"$2" "$1" | awk -v col="$2" '{ v[NR] = $(col); if ($1 == "found") f++ }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g %d\n", m, f }'
}

missed=()
printf '%-30s %7s %12s %9s %7s %12s %9s %8s\n' bug "lf" "lf execs" "lf s" "pt" "pt cases" "pt s" "lf/pt"
for bug in "${bugs[@]}"; do
  : >"$work/lf" && : >"$work/pt"
  for s in $(seq 1 "$seeds"); do
    d="$work/$bug-$s"
    mkdir -p "$d/corpus" "$d/art"
    start=$(date +%s.%N)
    PRIVDIFF_BUG=$bug "$bin" "${flags[@]}" -seed="$s" -runs="$budget" -max_total_time="$max_time" \
      -print_final_stats=1 -artifact_prefix="$d/art/" "$d/corpus" >"$d/log" 2>&1 || true
    end=$(date +%s.%N)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -n 1)
    status=censored
    compgen -G "$d/art/crash-*" >/dev/null && status=found
    [ $status = found ] || execs=$budget
    echo "$status ${execs:-0} $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" >>"$work/lf"
    rm -rf "$d"
  done
  PRIVDIFF_BUG=$bug "$pt" --seeds "$seeds" --budget "$budget" --property differential |
    sed 's/^seed=[0-9]* status=\([a-z]*\) cases=\([0-9]*\) seconds=\(.*\)$/\1 \2 \3/' >"$work/pt"
  read -r lx lf < <(median "$work/lf" 2)
  [ "$lf" = "$seeds" ] || missed+=("$bug")
  read -r ls _ < <(median "$work/lf" 3)
  read -r px pf < <(median "$work/pt" 2)
  read -r ps _ < <(median "$work/pt" 3)
  printf '%-30s %4s/%-2s %12s %9s %4s/%-2s %12s %9s %8.2f\n' "$bug" "$lf" "$seeds" "$lx" "$ls" "$pf" "$seeds" \
    "$px" "$ps" "$(awk -v a="$lx" -v b="$px" 'BEGIN { print a / (b ? b : 1) }')"
done
echo "(lf = libFuzzer differential from an empty corpus, executions and wall seconds timed outside; pt = proptest" \
  "baseline, generated cases and seconds timed inside; budget $budget, libFuzzer also ${max_time} s; censored trials count at the budget)"
if [ "$require_all" = 1 ] && [ "${#missed[@]}" -gt 0 ]; then
  echo "FAIL: libFuzzer missed planted bugs on some seed: ${missed[*]}" >&2
  exit 1
fi
