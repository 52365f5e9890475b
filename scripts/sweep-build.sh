#!/usr/bin/env bash
# Builds peakd from one commit into a new folder of its own, for a sweep that must run on one build from start to end
# while the working tree moves on (a sweep refuses cells of another build: docs/sweeps.md, "The sweep folder").
# The same commit builds to the same bytes with the same .NET SDK wherever it is built, so a later session rebuilds
# it and the sweep resumes.
#   bash scripts/sweep-build.sh COMMIT OUT [dotnet publish options, e.g. -p:TorchBackend=cuda]
#   then: OUT/peakd sweep submit SPEC --slurm ...
set -euo pipefail
usage="usage: sweep-build.sh COMMIT OUT [dotnet publish options]"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
commit="$(git -C "$root" rev-parse --verify "${1:?$usage}^{commit}")"
out="${2:?$usage}"
shift 2
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "sweep-build: $out is not empty; a sweep may be running from it. Give a new folder." >&2
  exit 1
fi
source_tree="$(mktemp -d)"
trap 'rm -rf "$source_tree"' EXIT
git -C "$root" archive "$commit" | tar -x -C "$source_tree"
dotnet publish "$source_tree/PeaKd.Samples" -c Release -o "$out" -nologo -v quiet "$@"
echo "sweep-build: peakd of commit $commit in $out"
