# shellcheck shell=bash
# Sourced by scripts/lib-toolchain.sh and .ci/nightly-check.sh: one reader
# of OSS-Fuzz .options files for every script that runs a fuzzer.
#
# options_file_flags FILE DICTDIR
#   Prints one libFuzzer flag per line from FILE's [libfuzzer] section:
#   `key = value` becomes -key=value, and a relative dict path is taken
#   relative to DICTDIR (fuzz/dict here; $OUT next to the binary on OSS-Fuzz).
options_file_flags() {
  awk -v dictdir="$2" '
    /^[ \t]*[#;]/ { next }
    /^[ \t]*\[/ { in_lf = ($0 ~ /^[ \t]*\[libfuzzer\]/); next }
    in_lf && /=/ {
      k = $0; sub(/=.*/, "", k); gsub(/[ \t]/, "", k)
      v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t\r]+$/, "", v)
      if (k == "dict" && v !~ /^\//) v = dictdir "/" v
      print "-" k "=" v
    }' "$1"
}
