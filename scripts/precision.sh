#!/usr/bin/env bash
# The precision comparison of docs/precision.md: a PeaBERT student (STUDENT, default PeaBert1) distilled from the Fine Foods
# MiniLM teacher (the grid sweep's: `peakd sweep prepare docs/results/protocol/grid.json` fine-tunes it) three ways, same seeds: fp32; bf16 compute (--precision bf16); fp32
# compute from a teacher record whose [CLS] states are stored in bf16 (--record-dtype bf16). All share one records
# folder: each variant keeps its own file.
# About 25 minutes on 2 CPU cores for PeaBert1, 45 for PeaBert3. Not part of the test suite.
#   SEEDS="1 2 3" STUDENT=PeaBert1 bash scripts/precision.sh [runs-folder] [teacher-folder]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-runs/precision}"
teacher="${2:-runs/sweeps/protocol/teacher}"
seeds="${SEEDS:-1 2 3}"
student="${STUDENT:-PeaBert1}"
runs="$out/${student,,}"
epochs=2
if [ ! -f "$teacher/summary.json" ]; then
  echo "precision.sh: no fine-tuned teacher at $teacher; peakd sweep prepare docs/results/protocol/grid.json fine-tunes it (its shared steps only)" >&2
  exit 1
fi
dotnet build PeaKd.sln -c Release -v q -nologo >/dev/null
peakd() { dotnet PeaKd.Samples/bin/Release/net10.0/peakd.dll "$@"; }

distill() { # name seed [extra...]
  local name=$1 seed=$2; shift 2
  [ -f "$runs/$name/summary.json" ] && return 0
  peakd distill --task tsv --data data/fine-foods --max-length 96 --batch-size 32 --device auto \
    --teacher "$teacher" --records "$out/records" --student "$student" --preset pkd \
    --epochs "$epochs" --lr 1e-4 --ptp-epochs 1 --seed "$seed" --out "$runs/$name" --resume "$@"
}
for seed in $seeds; do
  distill "fp32-s$seed"        "$seed" --precision fp32
  distill "bf16-s$seed"        "$seed" --precision bf16
  distill "bf16-record-s$seed" "$seed" --precision fp32 --record-dtype bf16
done

python3 - "$out" "$runs" "$epochs" $seeds <<'PY'
import json, os, statistics, sys
out, runs_folder, epochs, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
print(f"{'variant':<14} " + " ".join(f"seed {s:>2}" for s in seeds) + "   mean   KD s/epoch")
for variant in ["fp32", "bf16", "bf16-record"]:
    runs = [json.load(open(os.path.join(runs_folder, f"{variant}-s{s}", "summary.json"))) for s in seeds]
    acc = [100 * r["metrics"]["test"]["accuracy"] for r in runs]
    kd = statistics.mean(r["stages"]["kd"]["seconds"] / epochs for r in runs)
    print(f"{variant:<14} " + " ".join(f"{a:7.1f}" for a in acc) + f" {statistics.mean(acc):6.2f}   {kd:6.1f}")
for name in sorted(os.listdir(os.path.join(out, "records"))):
    if name.endswith(".safetensors"):
        print(f"{name}: {os.path.getsize(os.path.join(out, 'records', name)):,} bytes")
PY
