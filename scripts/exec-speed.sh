#!/usr/bin/env bash
# Side-by-side exec/s of a fuzz target at a baseline revision and at the
# working tree, in one run on one machine: both are built the same way
# (AddressSanitizer, -O -a, as CI and ClusterFuzzLite build them; or
# PRIVDIFF_FUZZ_SANITIZER=none, the main job's build), then
# run alternately over the same committed seeds, ROUNDS times each, with
# the same libFuzzer seed, so that load from elsewhere hits both alike.
#
#   scripts/exec-speed.sh [BASE_REV] [TARGET] [SECONDS] [ROUNDS]
#   defaults: 88c2505 (the first engine) differential 20 3
#   PRIVDIFF_SPEED_HEAD=REV measures REV instead of the working tree (both
#   sides then come from temporary worktrees); PRIVDIFF_SPEED_SEEDS=base
#   takes the seeds from BASE_REV's tree instead of this one (to compare two
#   revisions that read the same, older, input format);
#   PRIVDIFF_SPEED_SEEDS=base-typed gives the baseline its own raw seeds and
#   the head the same runs encoded as typed inputs (`privdiff seeds --raw`),
#   to compare a raw-input baseline with a typed-input head from the same
#   runs; PRIVDIFF_SPEED_SEEDS=base-raw runs both on the baseline's raw
#   seeds, the head through a temporary copy of the target that decodes raw
#   bytes with libFuzzer's own mutator, as the baseline did (the engine's
#   speed alone; the head is then PRIVDIFF_SPEED_HEAD, or HEAD: committed
#   work only).
#
# Prints one line per run and the median exec/s of each side with their
# ratio. The baseline is checked out into a temporary git worktree; nothing
# in this tree changes. Seeds come from this tree's corpus/seeds/TARGET
# (a baseline that cannot read them still runs: libFuzzer decodes any
# bytes). Needs cargo-fuzz (installed if missing) and nightly or
# RUSTC_BOOTSTRAP=1 (scripts/lib-toolchain.sh picks).
set -euo pipefail
cd "$(dirname "$0")/.."
# Both sides under ASan unless PRIVDIFF_FUZZ_SANITIZER says otherwise
# (=none: the main job's build, scripts/fuzz.sh); each side builds into its
# own tree's fuzz/target/ (fuzz/target/sanitizer-none/ without ASan).
export PRIVDIFF_FUZZ_SANITIZER=${PRIVDIFF_FUZZ_SANITIZER:-address}
# shellcheck source=scripts/lib-toolchain.sh
. scripts/lib-toolchain.sh

base=${1:-88c2505}
target=${2:-differential}
seconds=${3:-20}
rounds=${4:-3}
usage() { echo "usage: scripts/exec-speed.sh [BASE_REV] [TARGET] [SECONDS] [ROUNDS]" >&2; exit 2; }
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || { echo "exec-speed: $base is not a revision here" >&2; usage; }
[ -d "corpus/seeds/$target" ] || { echo "exec-speed: no seeds for target '$target' (corpus/seeds/$target)" >&2; usage; }
case "$seconds$rounds" in *[!0-9]*) echo "exec-speed: SECONDS and ROUNDS must be whole numbers" >&2; usage ;; esac
if [ "$seconds" -eq 0 ] || [ "$rounds" -eq 0 ]; then
  echo "exec-speed: SECONDS and ROUNDS must be above 0" >&2
  usage
fi

case "${PRIVDIFF_SPEED_SEEDS:-}" in
  '' | base | base-typed | base-raw) ;;
  *) echo "exec-speed: PRIVDIFF_SPEED_SEEDS must be base, base-typed or base-raw" >&2; usage ;;
esac

tmp=$(mktemp -d)
cleanup() {
  git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true
  git worktree remove --force "$tmp/head" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
git worktree add --detach --quiet "$tmp/base" "$base"
head_dir=$PWD head_name="working tree" head_target=$target
[ "${PRIVDIFF_SPEED_SEEDS:-}" = base-raw ] && : "${PRIVDIFF_SPEED_HEAD:=HEAD}"
if [ -n "${PRIVDIFF_SPEED_HEAD:-}" ]; then
  git rev-parse --verify --quiet "$PRIVDIFF_SPEED_HEAD^{commit}" >/dev/null \
    || { echo "exec-speed: PRIVDIFF_SPEED_HEAD=$PRIVDIFF_SPEED_HEAD is not a revision here" >&2; exit 2; }
  git worktree add --detach --quiet "$tmp/head" "$PRIVDIFF_SPEED_HEAD"
  head_dir=$tmp/head head_name=$PRIVDIFF_SPEED_HEAD
fi
if [ "${PRIVDIFF_SPEED_SEEDS:-}" = base-raw ]; then
  [ "$target" = differential ] || { echo "exec-speed: base-raw measures the differential target only" >&2; exit 2; }
  head_target=speed_raw_differential
  cat >"$head_dir/fuzz/fuzz_targets/$head_target.rs" <<'RUST'
// exec-speed.sh's raw-input copy of `differential`: today's engine behind
// the first input format and libFuzzer's own mutator.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| privdiff::targets::differential_run(&privdiff::world::Run::from_fuzz_bytes(data)));
RUST
  printf '\n[[bin]]\nname = "%s"\npath = "fuzz_targets/%s.rs"\ntest = false\ndoc = false\n' \
    "$head_target" "$head_target" >>"$head_dir/fuzz/Cargo.toml"
fi

# The target directory below a side's tree (lib-toolchain.sh names this
# tree's), and the build flags with it.
target_rel=${FUZZ_TARGET_DIR#"$PWD"/}
side_build() { local f; for f in "${FUZZ_BUILD[@]}"; do echo "${f/#"$FUZZ_TARGET_DIR"/$1/$target_rel}"; done; }
binary() { echo "$1/$target_rel/x86_64-unknown-linux-gnu/release/$2"; }
mapfile -t base_build < <(side_build "$tmp/base")
mapfile -t head_build < <(side_build "$head_dir")
echo "== building $target at $base and $head_target at $head_name (${FUZZ[*]} build ${head_build[*]})"
(cd "$tmp/base" && "${FUZZ[@]}" build "${base_build[@]}" "$target" >"$tmp/base-build.log" 2>&1) \
  || { tail -n 20 "$tmp/base-build.log" >&2; echo "exec-speed: the baseline does not build" >&2; exit 1; }
(cd "$head_dir" && "${FUZZ[@]}" build "${head_build[@]}" "$head_target" >"$tmp/head-build.log" 2>&1) \
  || { tail -n 20 "$tmp/head-build.log" >&2; echo "exec-speed: $head_name does not build" >&2; exit 1; }

base_seeds=corpus/seeds/$target head_seeds=corpus/seeds/$target
case "${PRIVDIFF_SPEED_SEEDS:-}" in
  '') ;;
  base | base-raw) base_seeds=$tmp/base/corpus/seeds/$target head_seeds=$base_seeds ;;
  base-typed)
    base_seeds=$tmp/base/corpus/seeds/$target head_seeds=$tmp/typed-seeds
    mkdir -p "$tmp/no-cases"
    (cd "$head_dir" && cargo run --release --quiet -- seeds --cases "$tmp/no-cases" --generated 0 \
      --raw "$base_seeds" --out "$head_seeds") || { echo "exec-speed: cannot encode the base seeds" >&2; exit 1; }
    ;;
esac
mapfile -t flags < <(options_flags "$target")
run_one() { # side binary round -> prints exec/s
  local side=$1 bin=$2 round=$3 dir="$tmp/corpus-$1-$3" seeds=$base_seeds
  [ "$side" = head ] && seeds=$head_seeds
  mkdir -p "$dir"
  cp "$seeds"/* "$dir/"
  "$bin" "$dir" "${flags[@]}" -seed="$round" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$tmp/" >"$tmp/$side-$round.log" 2>&1 || true
  local eps
  eps=$(awk -F: '/stat::average_exec_per_sec/ {gsub(/ /, "", $NF); print $NF}' "$tmp/$side-$round.log")
  echo "${eps:-0}"
}

declare -a base_eps head_eps
for round in $(seq 1 "$rounds"); do
  b=$(run_one base "$(binary "$tmp/base" "$target")" "$round")
  h=$(run_one head "$(binary "$head_dir" "$head_target")" "$round")
  base_eps+=("$b"); head_eps+=("$h")
  echo "round $round: $base $b exec/s, $head_name $h exec/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
mb=$(median "${base_eps[@]}"); mh=$(median "${head_eps[@]}")
awk -v b="$mb" -v h="$mh" -v t="$target" -v r="$base" -v n="$head_name" \
  'BEGIN { printf "%s median exec/s: %s %d, %s %d, ratio %.2fx\n", t, r, b, n, h, (b > 0 ? h / b : 0) }'
