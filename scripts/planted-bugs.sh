#!/usr/bin/env bash
# The planted-bug benchmark (issues 11 and 23, in the style of Magma and
# Etna): for each planted bug of the server model (src/models/faults.rs,
# listed by `privdiff faults --list`; a guarded line in src/models/server.rs,
# built only with the `faults` feature and switched on by PRIVDIFF_BUG=<name>),
# run side by side, seed by seed:
#   libFuzzer: the `differential` target from an EMPTY corpus, -seed=S, at
#     most BUDGET executions and MAX_TIME seconds per trial;
#   proptest:  examples/proptest_baseline.rs --property differential, the
#     same seed and budget (generated cases), one process per trial;
# both timed outside the process (process start included). One CSV row per
# trial (bug, engine, seed, status, executions, seconds), then, per bug and
# engine: solve rate within the budget, median, 90th percentile and censored
# mean (an unsolved trial counted at the budget) of executions and of wall
# seconds, and the libFuzzer/proptest ratio of the median executions.
#
# Usage: scripts/planted-bugs.sh [--seeds N] [--budget RUNS] [--max-time S]
#          [--csv FILE] [--plot FILE.svg] [--require-all] [BUG...]
#        scripts/planted-bugs.sh --summary FILE [--budget RUNS] [--max-time S] [--plot FILE.svg]
#   --summary prints the table of trials already in FILE (a CSV this script
#   wrote, e.g. docs/planted-bugs-trials.csv) without running any.
#   defaults: 30 seeds, 200000 runs, 60 s; all bugs; CSV in
#   target/planted-bugs/trials.csv. --plot draws the ECDF of executions to
#   the bug per engine, one panel per bug (examples/ecdf_plot.rs, plotters).
#   --require-all exits 1 unless libFuzzer found every bug on every seed (CI).
#   Medians are the middle trial, or the mean of the two middle ones for an
#   even count (censored trials count at the budget); the "ahead" count
#   compares these medians.
# The fuzz target is built as scripts/fuzz.sh builds it (the main job's
# build: PRIVDIFF_FUZZ_SANITIZER, scripts/lib-toolchain.sh), with the
# `faults` feature; only privdiff recompiles.
# Env: PRIVDIFF_FEEDBACK=1 builds the fuzz target with the semantic
#   feedback counters (fuzz crate feature `feedback`), to measure with and
#   without; PRIVDIFF_BENCH_FLAGS adds libFuzzer flags (an A/B of options);
#   PRIVDIFF_BASELINE_PROFILE=dev builds the proptest baseline in the dev profile
#   (CI's smoke run: its seconds are then not comparable).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seeds=30 budget=200000 max_time=60 bugs=() require_all=0 csv='' plot='' summary=''
usage() {
  echo "usage: $0 [--seeds N] [--budget RUNS] [--max-time S] [--csv FILE] [--plot FILE.svg] [--require-all] [BUG...]" >&2
  echo "       $0 --summary FILE [--budget RUNS] [--max-time S] [--plot FILE.svg]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --seeds | --budget | --max-time | --csv | --plot | --summary) [ $# -ge 2 ] || usage ;;&
    --summary) summary=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --max-time) max_time=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --plot) plot=$2; shift 2 ;;
    --require-all) require_all=1; shift ;;
    -*) usage ;;
    *) bugs+=("$1"); shift ;;
  esac
done
for n in "$seeds" "$budget" "$max_time"; do
  [[ $n =~ ^[1-9][0-9]{0,8}$ ]] || { echo "planted-bugs.sh: $n is not a positive count" >&2; exit 2; }
done
cd "$repo"
if [ -n "$summary" ]; then
  if [ "${#bugs[@]}" -ne 0 ] || [ -n "$csv" ] || [ $require_all = 1 ]; then usage; fi
  if ! { [ -f "$summary" ] && head -n 1 "$summary" | grep -qx 'bug,engine,seed,status,executions,seconds'; }; then
    echo "planted-bugs.sh: $summary is not a trials CSV of this script" >&2
    exit 2
  fi
  csv=$summary
fi
if [ -z "$summary" ]; then
# shellcheck source=scripts/lib-toolchain.sh
. scripts/lib-toolchain.sh
if [ "${#bugs[@]}" -eq 0 ]; then
  cargo build --release --quiet --features faults --target-dir target/faults --bin privdiff >&2
  mapfile -t bugs < <(target/faults/release/privdiff faults --list)
fi

features=faults
if [ "${PRIVDIFF_FEEDBACK:-0}" = 1 ]; then features=faults,feedback; fi
echo "building differential (features $features, sanitizer $PRIVDIFF_FUZZ_SANITIZER) and the proptest baseline..." >&2
"${FUZZ[@]}" build "${FUZZ_BUILD[@]}" --features "$features" differential >&2
bin=$(fuzz_binary differential)
# The baseline is timed, so it is a release build; CI's smoke run
# (scripts/ci-fuzz.sh) sets PRIVDIFF_BASELINE_PROFILE=dev to reuse the
# build `cargo test` made instead of compiling the dev-dependencies again.
case ${PRIVDIFF_BASELINE_PROFILE:-release} in
  release) profile_dir=release ;;
  dev) profile_dir=debug ;;
  *) echo "planted-bugs.sh: PRIVDIFF_BASELINE_PROFILE is release or dev, not ${PRIVDIFF_BASELINE_PROFILE}" >&2; exit 2 ;;
esac
cargo build --profile "${PRIVDIFF_BASELINE_PROFILE:-release}" --quiet --example proptest_baseline --features faults >&2
pt="$repo/target/$profile_dir/examples/proptest_baseline"
mapfile -t flags < <(options_flags differential)
# shellcheck disable=SC2206  # word splitting of extra flags is the point
extra=(${PRIVDIFF_BENCH_FLAGS:-})
[ -n "$csv" ] || csv=target/planted-bugs/trials.csv
mkdir -p "$(dirname "$csv")"
echo "bug,engine,seed,status,executions,seconds" >"$csv.tmp"

work=$(mktemp -d)
trap 'rm -rf "$work" "$csv.tmp"' EXIT
now() { date +%s.%N; }
for bug in "${bugs[@]}"; do
  echo "== $bug: $seeds seed(s) per engine" >&2
  for s in $(seq 1 "$seeds"); do
    d="$work/$bug-$s"
    mkdir -p "$d/corpus" "$d/art"
    start=$(now)
    PRIVDIFF_BUG=$bug "$bin" "${flags[@]}" "${extra[@]}" -seed="$s" -runs="$budget" -max_total_time="$max_time" \
      -print_final_stats=1 -artifact_prefix="$d/art/" "$d/corpus" >"$d/log" 2>&1 || true
    end=$(now)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -n 1)
    status=censored
    compgen -G "$d/art/crash-*" >/dev/null && status=found
    [ $status = found ] || execs=$budget
    echo "$bug,libfuzzer,$s,$status,${execs:-0},$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" >>"$csv.tmp"
    rm -rf "$d"
    start=$(now)
    line=$(PRIVDIFF_BUG=$bug "$pt" --seeds 1 --first-seed "$s" --budget "$budget" --property differential)
    end=$(now)
    # seed=S status=found cases=N seconds=T (seconds timed inside: not used)
    if [[ $line =~ status=([a-z]+)\ cases=([0-9]+) ]]; then
      pstatus=${BASH_REMATCH[1]} pcases=${BASH_REMATCH[2]}
    else
      echo "planted-bugs.sh: unexpected line from the proptest baseline: $line" >&2
      exit 1
    fi
    echo "$bug,proptest,$s,$pstatus,$pcases,$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')" >>"$csv.tmp"
  done
done
mv "$csv.tmp" "$csv"
echo "trials: $csv" >&2
fi

missed_file=$(mktemp)
python3 - "$csv" "$budget" "$max_time" "$missed_file" <<'PY'
import csv, math, sys
path, budget, max_time, missed_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rows = list(csv.DictReader(open(path)))
bugs = list(dict.fromkeys(r["bug"] for r in rows))
def stats(vals, cap):
    # vals: (found, value); censored trials count at the cap.
    v = sorted(x if f else cap for f, x in vals)
    n = len(v)
    censored = not all(f for f, _ in vals)
    def shown(x):  # a censored rank is only known to reach the cap
        return ">" + fmt(cap) if censored and x >= cap else fmt(x)
    p90 = v[max(0, math.ceil(0.9 * n) - 1)]  # nearest rank
    return shown(median(v)), shown(p90), fmt(sum(v) / n)
def median(v):  # v sorted: the middle value, or the mean of the two middle ones
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
def fmt(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.3g}"
hdr = f"{'bug':31} {'engine':9} {'solved':>7} {'med execs':>10} {'p90 execs':>10} {'cmean execs':>11} {'med s':>7} {'p90 s':>7} {'cmean s':>8}"
print(hdr)
missed, worse = [], []
PROBES = 2  # libFuzzer's own first executions from an empty corpus
runs_ahead, runs_level, runs_behind = 0, [], []
for b in bugs:
    med = {}
    for e in ("libfuzzer", "proptest"):
        t = [r for r in rows if r["bug"] == b and r["engine"] == e]
        found = [r["status"] == "found" for r in t]
        ex = [(f, float(r["executions"])) for f, r in zip(found, t)]
        se = [(f, float(r["seconds"])) for f, r in zip(found, t)]
        cap_s = max(max_time, max(x for _, x in se))
        m, p9, cm = stats(ex, budget)
        ms, p9s, cms = stats(se, cap_s)
        med[e] = median(sorted(x if f else budget for f, x in ex))
        print(f"{b:31} {e:9} {sum(found):>3}/{len(t):<3} {m:>10} {p9:>10} {cm:>11} {ms:>7} {p9s:>7} {cms:>8}")
        if e == "libfuzzer" and sum(found) < len(t):
            missed.append(b)
    ratio = med["libfuzzer"] / max(med["proptest"], 1)
    if ratio >= 1:
        worse.append(b)
    # Runs tried: from an empty corpus libFuzzer executes two inputs of its
    # own ("" and "\n") before its first mutation; neither is a run (the
    # target rejects both), so its k-th run is execution k + 2.
    runs = med["libfuzzer"] - PROBES
    if runs < med["proptest"]:
        runs_ahead += 1
    elif runs == med["proptest"]:
        runs_level.append(b)
    else:
        runs_behind.append(b)
    print(f"{'':31} {'lf/pt':9} {'':7} {ratio:>10.2f}   runs tried: {fmt(runs)} vs {fmt(med['proptest'])}")
print(f"({len(bugs)} bugs; executions: libFuzzer's executed units, proptest's generated cases; seconds: wall, "
      f"timed outside each process, start included; budget {budget} runs, libFuzzer also {max_time:g} s; "
      f"censored trials count at the budget; median of an even count: mean of the two middle trials; p90 by nearest rank)")
print(f"libFuzzer median below proptest's on {len(bugs) - len(worse)} of {len(bugs)} bugs"
      + (f"; not on: {' '.join(worse)}" if worse else ""))
print(f"in runs tried (libFuzzer's executions less its {PROBES} fixed first ones): below on {runs_ahead} of {len(bugs)}"
      + (f", level on {len(runs_level)} ({' '.join(runs_level)})" if runs_level else "")
      + (f", above on {len(runs_behind)} ({' '.join(runs_behind)})" if runs_behind else ""))
open(missed_path, "w").write(" ".join(missed))
PY
missed=$(cat "$missed_file"); rm -f "$missed_file"
if [ -n "$plot" ]; then
  cargo run --release --quiet --example ecdf_plot -- "$csv" "$plot" "$budget" >&2
  echo "plot: $plot" >&2
fi
if [ "$require_all" = 1 ] && [ -n "$missed" ]; then
  echo "FAIL: libFuzzer missed planted bugs on some seed: $missed" >&2
  exit 1
fi
