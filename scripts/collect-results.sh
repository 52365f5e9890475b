#!/usr/bin/env bash
# Copies what a sweep's finished cells record into the repository, to commit as they come (docs/sweeps.md, "Committing
# a sweep's results"): sweep.json (its identity), results/ (each cell's sealed ID.json, what `peakd sweep report`
# reads), the teacher records' descriptors, and the summary.json, options.json and metrics.jsonl of the fine-tuned
# teacher and of every finished cell (a few kilobytes each, no weights), under the same paths; `peakd report --runs TARGET/cells` reads the copies as it
# reads the runs. Run it again as cells finish: it copies what is new or changed.
#   bash scripts/collect-results.sh SWEEP-FOLDER TARGET     e.g. runs/sweeps/protocol docs/results/protocol/sweep
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bash scripts/collect-results.sh SWEEP-FOLDER TARGET (docs/sweeps.md)" >&2; exit 2; }
sweep="$(cd "$1" && pwd)"
[ -f "$sweep/sweep.json" ] || { echo "collect-results.sh: $sweep has no sweep.json; is it a sweep's folder (the spec's \"folder\")?" >&2; exit 1; }
target="$(realpath -m "$2")"
case "$target/" in "$sweep"/*) echo "collect-results.sh: $target is inside the sweep folder $sweep; copy it elsewhere." >&2; exit 1;; esac
mkdir -p "$target"
cp "$sweep/sweep.json" "$target/"
if [ -d "$sweep/results" ]; then mkdir -p "$target/results" && cp "$sweep/results/"*.json "$target/results/" 2>/dev/null || true; fi
# each teacher record's descriptor (its key and the SHA-256 of its tensors), to check a recomputed record against
for descriptor in "$sweep"/records/L*/record-*.json; do
  [ -f "$descriptor" ] || continue
  relative="${descriptor#"$sweep"/}"
  mkdir -p "$target/$(dirname "$relative")" && cp "$descriptor" "$target/$relative"
done
for run in "$sweep/teacher" "$sweep"/cells/*; do
  # a cell counts once done: its result is the done marker (its summary.json may be there before its serving measurement)
  if [ "$run" != "$sweep/teacher" ] && [ ! -f "$sweep/results/$(basename "$run").json" ]; then continue; fi
  [ -f "$run/summary.json" ] || continue
  relative="${run#"$sweep"/}"
  mkdir -p "$target/$relative"
  cp "$run/summary.json" "$run/options.json" "$target/$relative/"
  if [ -f "$run/metrics.jsonl" ]; then cp "$run/metrics.jsonl" "$target/$relative/"; fi
done
echo "collected $(find "$target/results" -name '*.json' 2>/dev/null | wc -l) finished cells of $sweep into $target"
