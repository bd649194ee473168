#!/usr/bin/env bash
# Every planted fault of the project (src/models/faults.rs, listed by
# `privdiff faults --list`: server bugs, state-departing bugs, common-mode
# misreadings) against `privdiff explore`, with and without user symmetry.
# Breadth first, so one run to MAX_DEPTH stops at the shortest failing
# level. Prints one table: fault, the length of the shortest failing case,
# its failure (kind, rule, implementation), the symmetry used, and the
# states and seconds with and without symmetry. Exit 1 if any fault is
# missed within the bound.
#
# Usage: scripts/explore-planted.sh [MAX_DEPTH] [USERS] [GROUPS] [UNOWNED] [FAULT...]
#   defaults: 6 3 1 1, every fault
# Builds privdiff with the faults feature into target/faults (a target dir
# of its own: the ordinary build, which has no faults, is untouched).
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/explore-planted.sh [MAX_DEPTH] [USERS] [GROUPS] [UNOWNED] [FAULT...]"
max_depth=${1:-6} users=${2:-3} groups=${3:-1} unowned=${4:-1}
for v in "$max_depth" "$users" "$groups" "$unowned"; do
  case $v in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
done
shift $(($# < 4 ? $# : 4))
echo "== building privdiff with its faults (target/faults)" >&2
cargo build --release --quiet --features faults --target-dir target/faults --bin privdiff
bin=target/faults/release/privdiff
if [ $# -gt 0 ]; then faults=("$@"); else mapfile -t faults < <("$bin" faults --list); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-32s %6s  %-44s %-9s %10s %7s %10s %7s\n' fault length failure symmetry states s nosym-st s
missed=0
for fault in "${faults[@]}"; do
  for mode in sym nosym; do
    flags=()
    [ "$mode" = nosym ] && flags=(--no-symmetry)
    status=0
    PRIVDIFF_FAULTS=$fault "$bin" explore --users "$users" --groups "$groups" --unowned "$unowned" \
      --depth "$max_depth" --json "${flags[@]}" >"$tmp/$mode.json" 2>"$tmp/err" || status=$?
    if [ "$status" -ne 1 ] && [ "$status" -ne 0 ]; then
      echo "$fault: explore exited $status: $(head -n 1 "$tmp/err")" >&2
      exit 2
    fi
  done
  python3 - "$tmp/sym.json" "$tmp/nosym.json" "$fault" <<'PY' || missed=$((missed + 1))
import json, sys
sym, nosym = (json.load(open(p)) for p in sys.argv[1:3])
name = sys.argv[3]
r, n = sym["report"], nosym["report"]
case = sym["case"]
s = r["symmetry"]["symmetry"]
if case is None or nosym["case"] is None:
    print(f"{name:<32} {'-':>6}  {'NOT FOUND up to the bound':<44} {s:<9} {r['states']:>10} {r['seconds']:>7.1f} {n['states']:>10} {n['seconds']:>7.1f}")
    sys.exit(1)
e = case["expected"]
what = f"{e['failure']} ({e['rule']}) in {e['implementation']}"
assert len(case["ops"]) == len(nosym["case"]["ops"]), "symmetry changed the shortest length"
print(f"{name:<32} {len(case['ops']):>6}  {what:<44} {s:<9} {r['states']:>10} {r['seconds']:>7.1f} {n['states']:>10} {n['seconds']:>7.1f}")
PY
done
[ "$missed" -eq 0 ] || { echo "FAIL: $missed fault(s) not found by explore within depth $max_depth" >&2; exit 1; }
