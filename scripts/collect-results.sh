#!/usr/bin/env bash
# Copies what a finished grid run records (summary.json, options.json, metrics.jsonl: a few kilobytes each, no weights)
# from the runs folder into docs/results/protocol/, where they are committed as they come; `peakd report` reads the
# copies as it reads the runs.   bash scripts/collect-results.sh [runs-folder]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="$(cd "${1:-$root/runs/protocol}" && pwd)"
target="$root/docs/results/protocol"
find "$runs" -name summary.json | sort | while read -r summary; do
  run="$(dirname "$summary")"
  relative="${run#"$runs"/}"
  mkdir -p "$target/$relative"
  cp "$run/summary.json" "$run/options.json" "$target/$relative/"
  [ -f "$run/metrics.jsonl" ] && cp "$run/metrics.jsonl" "$target/$relative/"
done
[ -f "$runs/tuning.txt" ] && cp "$runs/tuning.txt" "$target/"
echo "collected $(find "$target" -name summary.json | wc -l) finished runs into $target"
