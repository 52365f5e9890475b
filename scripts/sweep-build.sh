#!/usr/bin/env bash
# Builds peakd from one commit into a folder of its own, for a sweep that must run on one build from start to end
# while the working tree moves on (a sweep refuses cells of another build; see docs/sweeps.md, "builds").
# The same commit builds to the same bytes wherever it is built, so a later session rebuilds it and the sweep resumes.
#   bash scripts/sweep-build.sh COMMIT OUT      then: OUT/peakd sweep submit SPEC --slurm ...
set -euo pipefail
commit="${1:?usage: sweep-build.sh COMMIT OUT}"
out="${2:?usage: sweep-build.sh COMMIT OUT}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_tree="$(mktemp -d)"
trap 'rm -rf "$source_tree"' EXIT
git -C "$root" archive "$commit" | tar -x -C "$source_tree"
dotnet publish "$source_tree/PeaKd.Samples" -c Release -o "$out" -nologo -v quiet
echo "sweep-build: peakd of $commit in $out"
