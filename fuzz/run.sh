#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser family (or the ones named), seeded from the fixtures.
#
#   fuzz/run.sh [SECONDS_PER_FAMILY] [FAMILY...]      default: 600 s, every family
#
# Working corpus and crashes live outside the repository (FUZZ_WORKDIR, default
# /tmp/chatsignals-fuzz): corpus/<family>/ grows between runs, artifacts/ holds one
# <parser>-<sig>.bin + .txt per distinct crash. Turn a crash into a test by copying the .bin to
# tests/fuzz/crashers/ (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-600}
shift || true
FAMILIES=("$@")
if [ ${#FAMILIES[@]} -eq 0 ]; then
  FAMILIES=(whatsapp email generic alibaba wechat telegram skype meta line signal)
fi
WORK=${FUZZ_WORKDIR:-/tmp/chatsignals-fuzz}
PY=${PYTHON:-.venv/bin/python}
export FUZZ_ARTIFACTS="$WORK/artifacts"
mkdir -p "$WORK/logs" "$FUZZ_ARTIFACTS"
for family in "${FAMILIES[@]}"; do
  corpus="$WORK/corpus/$family"
  "$PY" fuzz/seed_corpus.py "$family" "$corpus" --realdata
  start=$(date +%s)
  # the harness keeps going after Python crashes; a libFuzzer timeout/OOM ends the process,
  # so restart it until the family's time is spent
  while :; do
    left=$(( SECONDS_PER - ($(date +%s) - start) ))
    [ "$left" -le 5 ] && break
    "$PY" fuzz/fuzz_parsers.py "$family" "$corpus" \
      -max_total_time="$left" -timeout=30 -rss_limit_mb=3072 -max_len=131072 \
      -artifact_prefix="$FUZZ_ARTIFACTS/$family-" -print_final_stats=1 \
      >>"$WORK/logs/$family.log" 2>&1 || echo "$family: fuzzer exited $? (see $WORK/logs/$family.log)"
  done
  echo "$family: $(ls "$corpus" | wc -l) corpus files, $(grep -c '=== new crash' "$WORK/logs/$family.log" || true) crash signature(s) logged"
done
ls -1 "$FUZZ_ARTIFACTS"
