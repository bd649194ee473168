#!/usr/bin/env bash
# The fuzzing paths of issue 22, end to end with real fuzz builds (run by
# .ci/run after scripts/ci-fuzz.sh, whose build it reuses):
#  1. an unusable PRIVDIFF_IMPL is a configuration error: scripts/fuzz.sh
#     exits 2 with one line naming it, and writes no crash artifact;
#  2. scripts/fuzz.sh interrupted (SIGINT) prints its summary, exits 130 and
#     leaves no fuzzer process behind;
#  3. an external crash (the SQLite example with its planted bug) is
#     reported with a replay command that, run as printed, reproduces it;
#  3b. PRIVDIFF_KEEP_GOING=1 keeps fuzzing after a crash and keeps one
#     minimised case per signature (each replays as expected);
#  4. reproducible campaigns: the same binary, seed and (empty) corpus give
#     the same coverage, features and corpus, for `differential` and for
#     `external` (the SQLite example).
# Usage: scripts/fuzz-workflows.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-toolchain.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== building the examples and the fuzz targets (shared with ci-fuzz.sh)"
# The SQLite server in the dev profile, as `cargo test` builds it (so CI
# reuses that build instead of compiling the dev-dependencies for release).
cargo build --release --quiet --bin privdiff
cargo build --quiet --example sqlite_server
sqlite=$PWD/target/debug/examples/sqlite_server
bug=$(bash scripts/planted-bug.sh)
"${FUZZ[@]}" build "${FUZZ_BUILD[@]}" >"$tmp/build.log" 2>&1 || { tail -n 20 "$tmp/build.log" >&2; fail "fuzz build"; }

echo "== 1. an unusable PRIVDIFF_IMPL is a configuration error, not a crash"
mkdir -p fuzz/artifacts/external
before=$(find fuzz/artifacts/external -type f | wc -l)
status=0
PRIVDIFF_IMPL=x=/nonexistent/server scripts/fuzz.sh external 5 >"$tmp/1.out" 2>&1 || status=$?
[ "$status" = 2 ] || { cat "$tmp/1.out" >&2; fail "fuzz.sh external with a missing server exited $status, not 2"; }
grep -q "configuration error: .*implementation x" "$tmp/1.out" || { cat "$tmp/1.out" >&2; fail "no 'configuration error' line naming the implementation"; }
after=$(find fuzz/artifacts/external -type f | wc -l)
[ "$before" = "$after" ] || fail "a crash artifact was written for a configuration error"
echo "ok: exit 2, '$(grep -o 'configuration error: .\{0,60\}' "$tmp/1.out")...', no artifact"

echo "== 2. fuzz.sh interrupted: a summary, exit 130, no fuzzer left"
# A background job starts with SIGINT ignored, which bash cannot trap:
# restore the default first, as a terminal's foreground job has it.
python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
  scripts/fuzz.sh differential 120 >"$tmp/2.out" 2>&1 &
script=$!
for _ in $(seq 1 60); do
  grep -q "^== [0-9]*/120 s:" "$tmp/2.out" 2>/dev/null && break
  sleep 1
done
kill -INT "$script"
status=0
wait "$script" || status=$?
[ "$status" = 130 ] || { cat "$tmp/2.out" >&2; fail "interrupted fuzz.sh exited $status, not 130"; }
grep -q "== summary of differential (interrupted after" "$tmp/2.out" || { cat "$tmp/2.out" >&2; fail "no summary after the interrupt"; }
grep -q "^executions: [1-9]" "$tmp/2.out" || fail "the summary has no executions"
sleep 1
if pgrep -f "$(fuzz_binary differential) " >/dev/null; then fail "a fuzzer process outlived the interrupt"; fi
echo "ok: exit 130, $(grep '^executions:' "$tmp/2.out"), no fuzzer left"

echo "== 3. an external crash is reported with a replay command that reproduces it"
rm -rf fuzz/corpus/external
status=0
PRIVDIFF_IMPL="sqlbug=$bug" scripts/fuzz.sh external 120 >"$tmp/3.out" 2>&1 || status=$?
[ "$status" = 1 ] || { tail -n 30 "$tmp/3.out" >&2; fail "the planted SQL bug was not found (fuzz.sh exited $status)"; }
replay=$(grep -m1 '^    replay: cargo' "$tmp/3.out" | sed 's/^    replay: //')
[[ $replay == *"--impl sqlbug="* ]] || fail "the replay command lacks --impl: $replay"
status=0
(eval "$replay") >"$tmp/3.replay" 2>&1 || status=$?
[ "$status" = 1 ] || { cat "$tmp/3.replay" >&2; fail "the printed replay command exited $status, not 1 (a failure)"; }
grep -q "FAIL .* in sqlbug" "$tmp/3.replay" || { cat "$tmp/3.replay" >&2; fail "the replay does not name sqlbug's failure"; }
echo "ok: $replay -> $(grep -m1 -o 'FAIL [a-z-]* ([A-Z0-9-]*) at step [0-9]* in sqlbug' "$tmp/3.replay")"

echo "== 3b. PRIVDIFF_KEEP_GOING=1 goes on after a crash and keeps one minimised case per signature"
rm -rf fuzz/findings/external
status=0
PRIVDIFF_KEEP_GOING=1 PRIVDIFF_IMPL="sqlbug=$bug" scripts/fuzz.sh external 30 >"$tmp/3b.out" 2>&1 || status=$?
[ "$status" = 1 ] || { tail -n 30 "$tmp/3b.out" >&2; fail "keep-going fuzz.sh exited $status, not 1"; }
line=$(grep -m1 '^== crashes of this run by signature' "$tmp/3b.out") || { tail -n 30 "$tmp/3b.out" >&2; fail "no crashes grouped by signature"; }
crashes=$(sed -E 's/.*\(([0-9]+) artifacts.*/\1/' <<<"$line")
[ "$crashes" -ge 2 ] || fail "keep-going stopped after $crashes crash(es)"
mapfile -t kept < <(find fuzz/findings/external -name '*.json')
[ "${#kept[@]}" -ge 1 ] || fail "no minimised case kept"
for c in "${kept[@]}"; do
  target/release/privdiff replay "$c" --impl "sqlbug=$bug" >"$tmp/3b.replay" 2>&1 || { cat "$tmp/3b.replay" >&2; fail "$c does not replay as expected"; }
  grep -q "(as expected)" "$tmp/3b.replay" || fail "$c: no expected verdict compared"
done
echo "ok: $line; ${#kept[@]} minimised case(s) replay as expected"

echo "== 4. reproducible campaigns"
campaign() { # TARGET RUNS PAD -> the final status line and a digest of the corpus
  local target=$1 runs=$2 dir
  dir=$(mktemp -d "$tmp/campaign.XXXX")
  # PAD moves the process's stack (the environment sits above it), as a
  # different shell or user would: the campaign must not notice.
  env PRIVDIFF_PAD="$3" "$(fuzz_binary "$target")" -seed=7 -runs="$runs" -max_len=4096 "$dir" 2>&1 | grep -a "^#$runs" | tail -n 1 | sed 's/exec\/s:.*//'
  find "$dir" -type f -printf '%f\n' | sort | md5sum | cut -c1-12
}
for spec in differential:30000 external:3000; do
  target=${spec%%:*}
  runs=${spec##*:}
  export PRIVDIFF_IMPL="sqlite=$sqlite"
  a=$(campaign "$target" "$runs" x | tr '\n' ' ')
  b=$(campaign "$target" "$runs" xxxxxxxxxxxxxxxxxxxxxxxxx | tr '\n' ' ')
  [ "$a" = "$b" ] || fail "$target: two campaigns with -seed=7 differ: '$a' vs '$b'"
  echo "ok: $target twice: $a"
done
echo "fuzz workflows: all checked"
