#!/usr/bin/env bash
# Builds the SQLite example server with its planted bug
# (examples/sqlite_server.bug.patch) applied to a copy of the crate, never
# to the tree, and prints the path of the binary on stdout.
#   scripts/planted-bug.sh            # build (incremental), print the path
# The copy lives in target/planted-bug/crate, where the patched server is
# the example `sqlite_server_planted`, built in the dev profile into the
# main target directory: it reuses the dependencies `cargo test` built
# (the copy's own privdiff and the example are all that compile), and its
# name keeps it from overwriting the correct server. File times are kept,
# so a second build only recompiles what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
copy=$root/target/planted-bug/crate
mkdir -p "$copy"
for item in Cargo.toml Cargo.lock src examples benches tests; do
  rm -rf "${copy:?}/$item.new"
  cp -rp "$item" "$copy/$item.new"
done
# Apply the patch inside the fresh copy of examples/.
patched=$(mktemp -d)
trap 'rm -rf "$patched"' EXIT
mkdir -p "$patched/examples"
cp -p examples/sqlite_server.rs "$patched/examples/"
(cd "$patched" && patch -s -p1 < "$root/examples/sqlite_server.bug.patch")
cp "$patched/examples/sqlite_server.rs" "$copy/examples.new/sqlite_server_planted.rs"
for item in Cargo.toml Cargo.lock src examples benches tests; do
  if [ -e "$copy/$item" ] && diff -rq "$copy/$item" "$copy/$item.new" >/dev/null 2>&1; then
    rm -rf "${copy:?}/$item.new"   # unchanged: keep the old file times
  else
    rm -rf "${copy:?}/$item"
    mv "$copy/$item.new" "$copy/$item"
  fi
done
cargo build --quiet --example sqlite_server_planted --manifest-path "$copy/Cargo.toml" \
  --target-dir "$root/target" >&2
echo "$root/target/debug/examples/sqlite_server_planted"
