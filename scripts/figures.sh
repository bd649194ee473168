#!/usr/bin/env bash
# Prints the speed and memory figures of issue 5 in one table:
#   - the default scenario (200,000 members, 10,000 imports): wall time and
#     peak resident memory of `privdiff scenario hk2019`;
#   - the same at 2,000,000 members / 100,000 imports, and the ratio of the
#     two wall times (10x the work; 10 means linear);
#   - the lockstep runner's overhead: decode + lockstep run over decode only,
#     on the same 256 fuzz inputs (criterion, benches/runner.rs).
# Wall times are medians of --repeat runs of the release binary, timed with
# date; peak memory is GNU time's %M (installed with apt-get if missing,
# else read from examples/scale.rs's VmHWM).
# Usage: scripts/figures.sh [--repeat N] [--skip-bench]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repeat=5 bench=1
while [ $# -gt 0 ]; do
  case $1 in
    --repeat) repeat=$2; shift ;;
    --skip-bench) bench=0 ;;
    *) echo "usage: $0 [--repeat N] [--skip-bench]" >&2; exit 2 ;;
  esac
  shift
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
if [ ! -x /usr/bin/time ] && [ "$(id -u)" -eq 0 ]; then
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null 2>&1 || true
fi
cargo build --release --quiet --bin privdiff --example scale >&2
bin=$repo/target/release/privdiff

# Median of the numbers on stdin.
median() {
  sort -g | awk '{ v[NR] = $1 } END { printf "%.4f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure MEMBERS IMPORTS: prints "median_seconds peak_MiB".
measure() {
  local i start end kib=0 k
  : >"$work/times"
  for ((i = 0; i < repeat; i++)); do
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f %M -o "$work/rss" "$bin" scenario hk2019 --members "$1" --imports "$2" >/dev/null
      k=$(tail -n 1 "$work/rss")
      if [ "$k" -gt "$kib" ]; then kib=$k; fi
    else
      "$bin" scenario hk2019 --members "$1" --imports "$2" >/dev/null
    fi
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }' >>"$work/times"
  done
  if [ "$kib" -eq 0 ]; then # no GNU time: the example's own VmHWM reading
    kib=$("$repo/target/release/examples/scale" "$1" "$2" | sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p' |
      awk '{ printf "%d", $1 * 1024 }')
  fi
  echo "$(median <"$work/times") $(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')"
}

echo "measuring the scenario (median of $repeat runs each)..." >&2
read -r t_default m_default < <(measure 200000 10000)
read -r t_big m_big < <(measure 2000000 100000)
ratio=$(awk -v a="$t_big" -v b="$t_default" 'BEGIN { printf "%.1f", a / b }')

# Criterion's mean time per iteration (ns) of runner/$1.
estimate() {
  sed -E 's/.*"mean":\{"confidence_interval":\{[^}]*\},"point_estimate":([0-9.eE+-]+).*/\1/' \
    "$work/criterion/runner/$1/new/estimates.json"
}
if [ "$bench" -eq 1 ]; then
  echo "benchmarking the runner (cargo bench --bench runner)..." >&2
  CRITERION_HOME="$work/criterion" cargo bench --quiet --bench runner >&2
  decode=$(estimate decode_only) lockstep=$(estimate lockstep) canary=$(estimate canary)
  sides=$(estimate implementations)
fi

row() { printf '%-46s %14s   %s\n' "$@"; }
echo
row figure value "measured by"
row "default scenario wall time (200,000 / 10,000)" "$t_default s" "privdiff scenario hk2019"
row "default scenario peak memory" "$m_default MiB" "/usr/bin/time -f %M"
row "2,000,000 members / 100,000 imports wall time" "$t_big s" "privdiff scenario hk2019 --members 2000000 --imports 100000"
row "  its peak memory" "$m_big MiB" "/usr/bin/time -f %M"
row "10x ratio (2,000,000 over 200,000 wall time)" "${ratio}x" "linear scaling would be 10x"
if [ "$bench" -eq 1 ]; then
  per_run() { awk -v t="$1" 'BEGIN { printf "%.2f us", t / 256 / 1000 }'; }
  over() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
  row "decode only, per fuzz input" "$(per_run "$decode")" "cargo bench --bench runner (runner/decode_only)"
  row "decode + lockstep run, per fuzz input" "$(per_run "$lockstep")" "runner/lockstep"
  row "decode + canary, per fuzz input" "$(per_run "$canary")" "runner/canary"
  row "decode + the four sides, no checks" "$(per_run "$sides")" "runner/implementations"
  row "runner overhead (lockstep / decode only)" "$(over "$lockstep" "$decode")" "same 256 inputs, seed::fuzz_input"
  row "  of it, the sides alone (implementations / decode)" "$(over "$sides" "$decode")" "the floor of any engine that runs them"
  row "  the checks and judges (lockstep / implementations)" "$(over "$lockstep" "$sides")" ""
  row "canary overhead (canary / decode only)" "$(over "$canary" "$decode")" ""
fi
