# shellcheck shell=bash
# Sourced by scripts/fuzz.sh (and its test, tests/cli_fuzz_script.rs),
# under `set -euo pipefail`, so nothing here fails on a missing match:
# reading libFuzzer's log so the user sees a progress line and a summary
# instead of thousands of lines.
#
# fuzz_status LOG
#   One line from the last status line libFuzzer wrote ("#N ... cov: C ...
#   corp: K/..b ... exec/s: E"): "N execs, E exec/s, coverage C, corpus K",
#   or "starting" before the first one.
# fuzz_summary LOG [REPLAY_EXTRA]
#   The end-of-run figures, one per line: executions and exec/s (from
#   -print_final_stats=1, else the last status line), coverage, corpus
#   size, and the artifacts libFuzzer wrote ("Test unit written to ..."),
#   each with its replay command (REPLAY_EXTRA, if given, is appended to
#   it: the --impl of an external implementation).

# The last status line of LOG, if any ("#N ..." or, in fork mode, "#N: ...").
fuzz_last_status() {
  { grep -aE '^#[0-9]+:?[[:space:]]' "$1" 2>/dev/null || true; } | tail -n 1
}

# The value after KEY (e.g. "cov:") in LINE.
fuzz_field() {
  awk -v key="$2" '{ for (i = 1; i < NF; i++) if ($i == key) { v = $(i + 1) } } END { print v }' <<<"$1"
}

fuzz_status() {
  local last
  last=$(fuzz_last_status "$1")
  if [ -z "$last" ]; then
    echo "starting"
    return
  fi
  local execs cov corp eps
  execs=$(awk '{ sub(/^#/, "", $1); sub(/:$/, "", $1); print $1 }' <<<"$last")
  cov=$(fuzz_field "$last" cov:)
  corp=$(fuzz_field "$last" corp:)
  eps=$(fuzz_field "$last" exec/s:)
  echo "${execs} execs, ${eps:-?} exec/s, coverage ${cov:-?}, corpus ${corp%%/*}"
}

fuzz_summary() {
  local log=$1 replay_extra=${2:-} last execs eps cov corp
  last=$(fuzz_last_status "$log")
  execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log" | tail -n 1)
  eps=$(awk '/^stat::average_exec_per_sec:/ { print $2 }' "$log" | tail -n 1)
  [ -n "$execs" ] || execs=$(awk '{ sub(/^#/, "", $1); sub(/:$/, "", $1); print $1 }' <<<"$last")
  [ -n "$eps" ] || eps=$(fuzz_field "$last" exec/s:)
  cov=$(fuzz_field "$last" cov:)
  corp=$(fuzz_field "$last" corp:)
  echo "executions: ${execs:-0}"
  echo "exec/s:     ${eps:-0}"
  echo "coverage:   ${cov:-unknown} (libFuzzer's cov: edges reached)"
  echo "corpus:     ${corp:-unknown} (inputs/bytes)"
  local crashes
  crashes=$({ grep -aoE 'Test unit written to [^ ]+' "$log" || true; } | awk '{ print $NF }' | sort -u)
  if [ -z "$crashes" ]; then
    echo "crashes:    0"
  else
    echo "crashes:    $(wc -l <<<"$crashes")"
    while IFS= read -r a; do
      echo "  $a"
      echo "    replay: cargo run --release -- replay $a$replay_extra"
    done <<<"$crashes"
  fi
}
