#!/usr/bin/env bash
# The main fuzzing job: fuzzes one target (default `differential`) for a
# while, from a working copy of its committed seeds, then lists every crash
# artifact with the commands that replay it. Exits 1 on a crash, 2 on bad
# arguments or a configuration error, 130 when interrupted.
# libFuzzer's output goes to fuzz/logs/TARGET-DATE.log; the terminal gets a
# progress line every 10 s and a summary (executions, exec/s, coverage,
# corpus size, crashes with their replay commands).
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
  [ $# -eq 0 ] || echo "fuzz.sh: $*" >&2
  sed -n '9,14p' "$0" >&2
  exit 2
}

targets="differential, case_file, legacy_canary or external"
target=differential
seconds=${PRIVDIFF_FUZZ_SECONDS:-300}
# A first argument that is not a number is the target; a number with a
# unit (5m, 10s) is a duration written wrong, not a target.
if [ $# -gt 0 ] && [[ $1 != -* && ! $1 =~ ^[0-9] ]]; then
  target=$1
  shift
fi
# A negative number is a duration written wrong, not a libFuzzer flag.
if [ $# -gt 0 ] && { [[ $1 != -* ]] || [[ $1 =~ ^-[0-9]+$ ]]; }; then
  seconds=$1
  shift
fi
if [ $# -gt 0 ]; then
  [ "$1" = -- ] || usage "expected '--' before libFuzzer flags, got '$1'"
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
  *) usage "unknown target '$target' (targets: $targets)" ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || usage "SECONDS must be a whole number of seconds, got '$seconds'"
# Beyond nine digits (31 years) the shell's arithmetic would overflow.
[ "${#seconds}" -le 9 ] || usage "SECONDS must be at most 999999999, got '$seconds'"
# libFuzzer reads -max_total_time=0 as "no limit": refuse it.
[ "$seconds" -ge 1 ] || usage "SECONDS must be at least 1 (libFuzzer would read 0 as no time limit)"

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
flags+=(-max_total_time="$seconds" -print_final_stats=1)
# PRIVDIFF_KEEP_GOING=1: go on after a crash (libFuzzer's fork mode, one
# job unless the flags say more), so that one run finds more than the
# shallowest bug; the summary then groups the crashes by signature.
keep_going=${PRIVDIFF_KEEP_GOING:-0}
case $keep_going in
  0) ;;
  1) flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1) ;;
  *) usage "PRIVDIFF_KEEP_GOING must be 0 or 1, got '$keep_going'" ;;
esac
flags+=("$@")

# libFuzzer's own output (thousands of lines) and the build's go to a log
# file; the terminal gets a progress line and a summary.
logdir=fuzz/logs
mkdir -p "$logdir"
log=$logdir/$target-$(date +%Y%m%d-%H%M%S).log
# shellcheck source=scripts/lib-fuzz-log.sh
. scripts/lib-fuzz-log.sh

echo "== building $target (${FUZZ_BUILD[*]}); a first build with AddressSanitizer takes several minutes; log: $log" >&2
build_start=$SECONDS
if ! "${FUZZ[@]}" build "${FUZZ_BUILD[@]}" "$target" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "== $target: the build failed (whole log: $log)" >&2
  exit 2
fi
echo "== built in $((SECONDS - build_start)) s" >&2

# The fuzzer is run as built (not through `cargo fuzz run`, which would
# rebuild whenever the environment differs), in a process group of its
# own so that an interrupt stops it and every process it started.
bin=$(fuzz_binary "$target")
[ -x "$bin" ] || { echo "== $target: the build left no fuzzer at $bin" >&2; exit 2; }
# The replay commands an external crash needs: its --impl, quoted for the
# shell (a bare PRIVDIFF_IMPL command is named `external`, as the target
# names it).
replay_extra=
impl_env=
# The targets whose inputs are runs with a story (replay --json, minimize).
runs_target=0
[[ $target == differential || $target == external ]] && runs_target=1
if [ "$target" = external ]; then
  impl=$PRIVDIFF_IMPL
  [[ $impl =~ ^[A-Za-z0-9_-]+= ]] || impl="external=$impl"
  replay_extra=" --impl $(printf '%q' "$impl")"
  impl_env="PRIVDIFF_IMPL=$(printf '%q' "$PRIVDIFF_IMPL") "
fi

echo "== fuzzing $target for $seconds s over $corpus ($(find "$corpus" -type f | wc -l) inputs); libFuzzer's log: $log" >&2
echo "== $bin -artifact_prefix=$artifacts/ ${flags[*]} $corpus" >>"$log"
marker=$(mktemp)
fuzzer=
interrupted=
stop_fuzzer() {
  if [ -n "$fuzzer" ]; then
    kill -TERM -- "-$fuzzer" 2>/dev/null || kill -TERM "$fuzzer" 2>/dev/null || true
  fi
}
cleanup() {
  rm -f "$marker"
  stop_fuzzer
}
trap cleanup EXIT
# An interrupt stops the fuzzer and falls through to the summary of what
# was done; the script then exits 130.
trap 'interrupted=1; stop_fuzzer' INT TERM
setsid "$bin" -artifact_prefix="$artifacts/" "${flags[@]}" "$corpus" >>"$log" 2>&1 &
fuzzer=$!
# A progress line every 10 s: rewritten in place on a terminal, one line
# each time otherwise.
start=$SECONDS
while [ -z "$interrupted" ] && kill -0 "$fuzzer" 2>/dev/null; do
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    if [ -n "$interrupted" ] || ! kill -0 "$fuzzer" 2>/dev/null; then break; fi
    sleep 1
  done
  elapsed=$((SECONDS - start))
  [ "$elapsed" -le "$seconds" ] || elapsed=$seconds
  line="== $elapsed/$seconds s: $(fuzz_status "$log")"
  if [ -t 2 ]; then printf '\r%s\033[K' "$line" >&2; else echo "$line" >&2; fi
done
status=0
while :; do
  wait "$fuzzer" && break
  status=$?
  # A trapped signal interrupts `wait` (status > 128) before the fuzzer
  # has gone: wait again for it.
  kill -0 "$fuzzer" 2>/dev/null || break
done
fuzzer=
[ -t 2 ] && echo >&2

# An unusable setup (PRIVDIFF_IMPL that does not start, a bad fault name)
# stops the target before its first input with one line and exit code 2:
# a configuration error, not a crash.
if [ -z "$interrupted" ] && [ "$status" -eq 2 ] && ! grep -aq 'Test unit written to' "$log"; then
  reason=$({ grep -aE '^privdiff[a-z_ ]*: ' "$log" || true; } | tail -n 1)
  echo "== $target: configuration error: ${reason:-the fuzzer stopped before its first input (log: $log)}" >&2
  exit 2
fi

echo
if [ -n "$interrupted" ]; then
  echo "== summary of $target (interrupted after $((SECONDS - start)) of $seconds s; log: $log)"
else
  echo "== summary of $target ($seconds s; log: $log)"
fi
fuzz_summary "$log" "$replay_extra"

# Every artifact (crash-*, leak-*, timeout-*, oom-*), newest last, with the
# commands that replay it. `privdiff replay` runs a raw input (or a case
# file) through legacy, patched and reference and prints the failure; the
# fuzzer line runs the built fuzzer on it alone.
mapfile -t found < <(find "$artifacts" -maxdepth 1 -type f -printf '%T@ %p\n' | sort -n | cut -d' ' -f2-)
if [ "${#found[@]}" -gt 0 ]; then
  echo
  echo "== artifacts in $artifacts (* = from this run):"
  for a in "${found[@]}"; do
    new=" "
    [ "$a" -nt "$marker" ] && new="*"
    echo "$new $a"
    echo "    replay:   cargo run --release -- replay $a$replay_extra"
    if [ "$runs_target" = 1 ]; then
      echo "    minimise: cargo run --release -- minimize $a -o /tmp/$(basename "$a").json$replay_extra"
    fi
    echo "    fuzzer:   $impl_env$bin $a"
  done
fi
# Crashes of this run grouped by their full signature (kind, rule,
# operation kind, implementation, and the first cause: its operation kind
# and rule, who departs, the verdict pair; `privdiff replay --json`'s
# "signature"), each group's smallest artifact
# minimised once into fuzz/findings/<target>/, with the group's count.
if [ "$keep_going" = 1 ] && [ "$runs_target" = 1 ]; then
  mapfile -t fresh < <(find "$artifacts" -maxdepth 1 -type f -newer "$marker" -printf '%s %p\n' | sort -n | cut -d' ' -f2-)
  if [ "${#fresh[@]}" -gt 0 ]; then
    cargo build --release --quiet --bin privdiff
    findings=fuzz/findings/$target
    mkdir -p "$findings"
    impl_args=()
    [ "$target" = external ] && impl_args=(--impl "$impl")
    declare -A count=() first=()
    for a in "${fresh[@]}"; do
      # replay exits 1 on a failure: its JSON is what is read here, through
      # a pipe (a long run's story is more than one argument may hold).
      sig=$({ target/release/privdiff replay --json "$a" "${impl_args[@]}" 2>/dev/null || true; } | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin).get("signature")
except ValueError:
    print("unreadable"); sys.exit()
print(s or "pass")')
      count[$sig]=$(( ${count[$sig]:-0} + 1 ))
      [ -n "${first[$sig]:-}" ] || first[$sig]=$a
    done
    echo
    echo "== crashes of this run by signature (${#fresh[@]} artifacts, ${#count[@]} signatures); one minimised case each in $findings/:"
    for sig in "${!count[@]}"; do
      # A readable prefix and a checksum of the whole signature: two
      # signatures that share the prefix keep two files.
      name=$(printf '%s' "$sig" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9' '-' | tr -s '-' | sed 's/^-//; s/-$//' | cut -c1-48)
      name=$name-$(printf '%s' "$sig" | cksum | cut -d' ' -f1)
      case_file=$findings/$name.json
      if [ "$sig" != pass ] && [ "$sig" != unreadable ] && [ ! -e "$case_file" ]; then
        target/release/privdiff minimize "${first[$sig]}" -o "$case_file" "${impl_args[@]}" >/dev/null 2>&1 || true
      fi
      printf '%6d  %s  %s\n' "${count[$sig]}" "$sig" "$( [ -e "$case_file" ] && echo "$case_file" || echo "${first[$sig]}")"
    done | sort -rn
  fi
fi
if [ -n "$interrupted" ]; then
  echo "== $target: interrupted" >&2
  exit 130
fi
if [ "$status" -ne 0 ]; then
  # libFuzzer's own codes (77 for a crash, others for a timeout or an
  # out-of-memory) are all "it found something": exit 1, as documented.
  echo "== $target: libFuzzer exited with status $status (a crash, see above; log: $log)" >&2
  exit 1
fi
echo "== $target: no crash in $seconds s" >&2
