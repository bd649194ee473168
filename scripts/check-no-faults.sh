#!/usr/bin/env bash
# A release build of privdiff contains no planted fault: none of the fault
# names `privdiff faults --list` gives (from a build with the `faults`
# feature, target/faults) appears in target/release/privdiff, and the
# release binary itself says it has none. Exit 1 naming any name found.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin privdiff
cargo build --release --quiet --features faults --target-dir target/faults --bin privdiff
mapfile -t names < <(target/faults/release/privdiff faults --list)
[ "${#names[@]}" -gt 0 ] || { echo "FAIL: the faults build lists no fault" >&2; exit 1; }
found=()
for name in "${names[@]}"; do
  if grep -a -q -F -- "$name" target/release/privdiff; then found+=("$name"); fi
done
# The check can fail: the faults build must contain every name it lists.
for name in "${names[@]}"; do
  grep -a -q -F -- "$name" target/faults/release/privdiff || { echo "FAIL: self-check: $name not in the faults build" >&2; exit 1; }
done
if target/release/privdiff faults --list >/dev/null 2>&1; then
  echo "FAIL: the release build answers 'faults --list'" >&2
  exit 1
fi
if [ "${#found[@]}" -gt 0 ]; then
  echo "FAIL: the release build contains fault names: ${found[*]}" >&2
  exit 1
fi
echo "no fault in the release build (${#names[@]} names checked, all present in the faults build)"
