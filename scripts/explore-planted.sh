#!/usr/bin/env bash
# Every planted bug of the benchmark (src/models/planted.rs) found by
# `privdiff explore` at a small bound: for each bug, depth 1, 2, ... up to
# MAX_DEPTH over USERS users, GROUPS groups and UNOWNED unowned numbers,
# until explore reports a failure. Prints one table: bug, the bound that
# found it, the time at that bound, the length of the shortest failing case
# and its failure kind. Breadth first, so that case is a shortest one.
#
# Usage: scripts/explore-planted.sh [MAX_DEPTH] [USERS] [GROUPS] [UNOWNED]
#   defaults: 5 3 1 1
# Builds privdiff with the planted-bugs feature into target/planted-explore
# (a target dir of its own: the ordinary build is untouched).
set -euo pipefail
cd "$(dirname "$0")/.."
max_depth=${1:-5} users=${2:-3} groups=${3:-1} unowned=${4:-1}
for v in "$max_depth" "$users" "$groups" "$unowned"; do
  case $v in '' | *[!0-9]*) echo "usage: scripts/explore-planted.sh [MAX_DEPTH] [USERS] [GROUPS] [UNOWNED]" >&2; exit 2 ;; esac
done
echo "== building privdiff with the planted bugs (target/planted-explore)" >&2
cargo build --release --quiet --features planted-bugs --target-dir target/planted-explore
bin=target/planted-explore/release/privdiff
mapfile -t bugs < <(sed -n 's/^    ("\([a-z-]*\)", ".*/\1/p' src/models/planted.rs)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-34s %-12s %9s %8s  %s\n' bug bound seconds length failure
missed=0
for bug in "${bugs[@]}"; do
  found=
  for depth in $(seq 1 "$max_depth"); do
    status=0
    PRIVDIFF_BUG=$bug "$bin" explore --users "$users" --groups "$groups" --unowned "$unowned" \
      --depth "$depth" --json >"$tmp/out.json" 2>"$tmp/err" || status=$?
    if [ "$status" -eq 1 ]; then
      python3 - "$tmp/out.json" "$bug" "$users/$groups/$unowned d$depth" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
case, report = d["case"], d["report"]
e = case["expected"]
print(f"{sys.argv[2]:<34} {sys.argv[3]:<12} {report['seconds']:>9.2f} {len(case['ops']):>8}  {e['failure']} ({e['rule']}) in {e['implementation']}")
EOF
      found=1
      break
    elif [ "$status" -ne 0 ]; then
      echo "$bug: explore exited $status at depth $depth: $(head -n 1 "$tmp/err")" >&2
      break
    fi
  done
  if [ -z "$found" ]; then
    printf '%-34s %-12s %9s %8s  %s\n' "$bug" "-" "-" "-" "not found up to depth $max_depth"
    missed=$((missed + 1))
  fi
done
[ "$missed" -eq 0 ] || exit 1
