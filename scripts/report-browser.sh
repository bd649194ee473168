#!/usr/bin/env bash
# `privdiff report` in a real browser (issue 24): renders the report of the
# committed corpus and of a planted crash in headless Chromium (Debian's,
# installed if missing), checks the DOM Chromium built (every case present,
# the planted crash's first difference highlighted, every in-page link
# resolving, nothing fetched from the network, the header's link to the
# fuzz target's source coverage resolving to a report of privdiff's own
# sources only), and takes a screenshot.
# Run by .ci/run. Prints the report's size and Chromium's render time.
# Usage: scripts/report-browser.sh [OUT_DIR]   (default target/ci-artifacts)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/ci-artifacts}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium (headless)"
  if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  $sudo apt-get install -y -qq chromium >/dev/null || fail "cannot install chromium"
fi
chromium_flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync)

cargo build --release --quiet --bin privdiff
privdiff=target/release/privdiff

echo "== a planted crash: the legacy server in the patched seat, found by explore"
mkdir -p "$tmp/crashes"
status=0
"$privdiff" explore --patched-impl legacy --depth 3 -o "$tmp/crashes/planted-legacy-seat.json" >"$tmp/explore.out" || status=$?
[ "$status" = 1 ] || { cat "$tmp/explore.out" >&2; fail "explore found no planted failure (exit $status)"; }

echo "== source coverage of the differential target over its seeds (scripts/coverage.sh)"
scripts/coverage.sh --out "$out/coverage" 2>"$tmp/coverage.log" | tee "$tmp/coverage.out" ||
  { tail "$tmp/coverage.log" >&2; fail "scripts/coverage.sh failed"; }
grep -q 'src/oracle/engine.rs' "$out/coverage/index.html" || fail "the coverage report lacks src/oracle/engine.rs"
if grep -qE '\.cargo/registry|/rustc/|fuzz_targets/' "$out/coverage/index.html"; then
  fail "the coverage report shows files that are not privdiff's own sources"
fi

page=$out/report.html
"$privdiff" report --corpus corpus/regressions --crashes "$tmp/crashes" -o "$page" --force \
  --spec "$(realpath docs/SPEC.md)" --coverage coverage/index.html
bytes=$(wc -c <"$page")

echo "== rendering in headless Chromium"
start=$(date +%s%N)
chromium "${chromium_flags[@]}" --user-data-dir="$tmp/profile1" --dump-dom "file://$(realpath "$page")" \
  >"$tmp/dom.html" 2>"$tmp/chromium.log" || { tail "$tmp/chromium.log" >&2; fail "chromium could not render the page"; }
ms=$((($(date +%s%N) - start) / 1000000))
chromium "${chromium_flags[@]}" --user-data-dir="$tmp/profile2" --window-size=1280,1400 \
  --screenshot="$out/report.png" "file://$(realpath "$page")" >/dev/null 2>&1 || fail "no screenshot"
[ -s "$out/report.png" ] || fail "the screenshot is empty"

echo "== checking the DOM Chromium rendered"
python3 - "$tmp/dom.html" corpus/regressions "$(dirname "$page")" <<'PY'
import html.parser, os, sys
dom_path, corpus, page_dir = sys.argv[1], sys.argv[2], sys.argv[3]

class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.remote = set(), [], []
        self.articles = []          # (id, classes)
        self.in_h2, self.h2 = None, {}
        self.first_diff_in = set()  # article ids with a highlighted first difference
        self.current = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        for key in ("src", "href"):
            v = a.get(key, "")
            if v.startswith(("http:", "https:", "//")):
                self.remote.append(v)
        if tag == "article":
            self.current = a.get("id")
            self.articles.append((a.get("id"), a.get("class", "")))
        if tag == "h2" and self.current:
            self.in_h2 = self.current
        if tag == "tr" and "first-diff" in a.get("class", "").split() and self.current:
            self.first_diff_in.add(self.current)
    def handle_data(self, data):
        if self.in_h2:
            self.h2[self.in_h2] = self.h2.get(self.in_h2, "") + data
    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = None
        if tag == "article":
            self.current = None

d = Dom()
d.feed(open(dom_path, encoding="utf-8").read())
problems = []
names = sorted(f[:-5] for f in os.listdir(corpus) if f.endswith(".json"))
shown = set(d.h2.values())
missing = [n for n in names if n not in shown]
if missing:
    problems.append(f"cases missing from the page: {missing}")
planted = [aid for aid, title in d.h2.items() if title == "planted-legacy-seat"]
if not planted:
    problems.append("the planted crash is not on the page")
elif planted[0] not in d.first_diff_in:
    problems.append("the planted crash has no highlighted first difference")
broken = [l for l in d.links if l.startswith("#") and l[1:] not in d.ids]
if broken:
    problems.append(f"broken in-page links: {broken[:5]}")
if d.remote:
    problems.append(f"the page would fetch from the network: {d.remote[:5]}")
files = {l.split("#")[0] for l in d.links if not l.startswith("#")}
dangling = [f for f in files if not os.path.exists(os.path.join(page_dir, f))]
if dangling:
    problems.append(f"links to files that do not exist: {dangling}")
if "coverage/index.html" not in files:
    problems.append("the header does not link the coverage report")
if problems:
    print("\n".join(problems)); sys.exit(1)
print(f"ok: {len(names)} cases and the planted crash present, first difference highlighted, "
      f"{sum(1 for l in d.links if l.startswith('#'))} in-page links resolve, {len(files)} file links "
      f"(SPEC, coverage) exist, nothing remote")
PY
echo "report: $bytes bytes, $(grep -c '<article' "$page") entries; rendered by Chromium in $ms ms; screenshot $out/report.png"
