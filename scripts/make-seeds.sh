#!/usr/bin/env bash
# Regenerates the committed seed corpora corpus/seeds/<target>/ (replacing
# what is there) for `differential` and `case_file`:
#  differential: `privdiff seeds`: every case of corpus/regressions/ plus 200
#    generated runs, encoded as typed fuzz inputs (src/gen/format.rs), then
#    (PRIVDIFF_SEED_RUNS=N, default 0) optionally grown by N fuzzing runs and
#    minimised (cargo fuzz cmin);
#  case_file: the case files in corpus/regressions/ plus a few hand-written
#    cases (valid and invalid, below), minimised; no fuzzing by default (the
#    fuzzer finds the JSON syntax errors in seconds; hundreds of them would
#    only bloat the corpus), PRIVDIFF_CASE_SEED_RUNS=N adds N runs first.
# Minimisation keeps one input per covered edge (-use_counters=0), so the
# committed corpora stay small; the fuzzer regrows the rest in seconds.
# Rerun this script whenever the typed format (its FORMAT byte) or the cases
# change: the seeds are regenerated from the cases, never lost.
#
# Usage: scripts/make-seeds.sh [differential|case_file]... (default: both)
# Env: PRIVDIFF_SEED_RUNS (differential, default 0),
#      PRIVDIFF_CASE_SEED_RUNS (case_file, default 0), PRIVDIFF_SEED (1).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-toolchain.sh
. scripts/lib-toolchain.sh

seed=${PRIVDIFF_SEED:-1}
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(differential case_file)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Hand-written case files for case_file: one of each operation, rule form
# and verdict form, and one of each way a file is refused.
write_cases() {
  local d=$1 head='"format": "privdiff-case", "version": 1'
  local world='"world": {"users": 3, "groups": 2, "unowned_numbers": 1}'
  local pass='"expected": {"verdict": "pass", "legacy_inv1_breaches": 0}'
  cat >"$d/all-ops.json" <<EOF
{$head, "name": "all-ops", "note": "one of each operation", $world, "ops": [
 {"op": "JoinGroup", "user": "alice", "group": "#lobby"},
 {"op": "LeaveGroup", "user": "alice", "group": "#news"},
 {"op": "ImportContacts", "owner": "bob", "phones": ["+852 5100 0001", "+85259000001"]},
 {"op": "AddContact", "owner": "bob", "target": "carol", "share_phone": true},
 {"op": "DeleteContact", "owner": "bob", "target": "carol"},
 {"op": "SetPrivacy", "user": "carol", "key": "PhoneNumber", "rules": ["DisallowAll"]},
 {"op": "QueryMember", "viewer": "bob", "group": "#lobby", "member": "alice"},
 {"op": "ListMembers", "viewer": "bob", "group": "#news"},
 {"op": "ResolvePhone", "viewer": "carol", "phone": "+852 5100 0002"}
], $pass}
EOF
  cat >"$d/all-rules.json" <<EOF
{$head, "name": "all-rules", "note": "every rule form", $world, "ops": [
 {"op": "SetPrivacy", "user": "u0", "key": "PhoneNumber", "rules": [
  {"AllowUsers": ["bob"]}, {"DisallowUsers": ["u2"]},
  {"AllowChatParticipants": ["#lobby"]}, {"DisallowChatParticipants": ["#g1"]},
  "AllowContacts", "DisallowContacts", "AllowAll", "DisallowAll"]},
 {"op": "SetPrivacy", "user": "bob", "key": "AddedByPhone", "rules": ["AllowContacts", "DisallowAll"]}
], "expected": {"verdict": "fail", "failure": "patched_leak"}}
EOF
  cat >"$d/empty.json" <<EOF
{$head, "name": "empty", "note": "", "world": {"users": 1, "groups": 1, "unowned_numbers": 0}, "ops": [], $pass}
EOF
  # Refused: other version, no format tag, unknown field, out of the world.
  sed 's/"version": 1/"version": 2/' "$d/empty.json" >"$d/bad-version.json"
  echo '{"version": 1, "ops": []}' >"$d/bad-format.json"
  sed 's/"note": ""/"note": "", "extra": 1/' "$d/empty.json" >"$d/bad-field.json"
  sed 's/"ops": \[\]/"ops": [{"op": "JoinGroup", "user": "heidi", "group": "#market"}]/' \
    "$d/empty.json" >"$d/bad-world.json"
}

for target in "${targets[@]}"; do
  work=$tmp/$target
  mkdir -p "$work"
  case $target in
    differential)
      runs=${PRIVDIFF_SEED_RUNS:-0}
      cargo run --release --quiet -- seeds --out "$work"
      if [ "$runs" -eq 0 ]; then
        rm -rf corpus/seeds/differential
        cp -r "$work" corpus/seeds/differential
        echo "corpus/seeds/differential: $(find corpus/seeds/differential -type f | wc -l) files"
        continue
      fi
      ;;
    case_file)
      runs=${PRIVDIFF_CASE_SEED_RUNS:-0}
      cp corpus/regressions/*.json "$work/" 2>/dev/null || true
      write_cases "$work"
      ;;
    *)
      echo "usage: $0 [differential|case_file]..." >&2
      exit 2
      ;;
  esac
  mapfile -t flags < <(options_flags "$target")
  echo "== $target: $(find "$work" -type f | wc -l) starting inputs, $runs runs, -seed=$seed" >&2
  if [ "$runs" -gt 0 ]; then
    "${FUZZ[@]}" run "${FUZZ_BUILD[@]}" "$target" "$work" -- "${flags[@]}" \
      -seed="$seed" -runs="$runs" -print_final_stats=1 -artifact_prefix="$tmp/" 2>"$tmp/$target.log" ||
      { tail -n 40 "$tmp/$target.log" >&2; echo "$target crashed while growing seeds" >&2; exit 1; }
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$tmp/$target.log" >&2
  fi
  "${FUZZ[@]}" cmin "${FUZZ_BUILD[@]}" "$target" "$work" -- "${flags[@]}" -use_counters=0 \
    2>"$tmp/$target-cmin.log" || { tail -n 20 "$tmp/$target-cmin.log" >&2; exit 1; }
  grep 'MERGE-OUTER: .* new files' "$tmp/$target-cmin.log" >&2
  rm -rf "corpus/seeds/$target"
  mkdir -p "corpus/seeds/$target"
  cp "$work"/* "corpus/seeds/$target/"
  echo "corpus/seeds/$target: $(find "corpus/seeds/$target" -type f | wc -l) files," \
    "$(cat "corpus/seeds/$target"/* | wc -c) bytes"
done
