#!/usr/bin/env bash
# The README's real-data results: MiniLM-L6 teacher fine-tuned on Fine Foods, then students of MiniLM width with
# k owned layers initialised from it: FT-k, KD-k, PKD-k, SPS-k (no PTP) and PeaBERT-k (SPS + PTP), for each seed.
# Long: about 40 minutes per seed for k = 1, 2, 3 on 2 CPU cores. Not part of the test suite.
#   SEEDS="1 2 3" KS="1 2 3" bash scripts/results.sh [runs-folder]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-runs/results}"
seeds="${SEEDS:-1 2 3}"
ks="${KS:-1 2 3}"
common=(--task tsv --data data/fine-foods --max-length 96 --batch-size 32 --device auto)

[ -f data/fine-foods/train.tsv ] || bash scripts/fetch-data.sh
dotnet build PeaKd.sln -c Release -v q -nologo >/dev/null
peakd() { dotnet PeaKd.Samples/bin/Release/net10.0/peakd.dll "$@"; }

[ -f "$out/minilm/model.safetensors" ] || peakd import --minilm --out "$out/minilm"
[ -f "$out/teacher/summary.json" ] || peakd finetune "${common[@]}" --model "$out/minilm" --out "$out/teacher" --epochs 2 --lr 5e-5 --seed 1 --resume

distill() { # name student preset [extra...]
  local name=$1 student=$2 preset=$3; shift 3
  [ -f "$out/$name/summary.json" ] && return 0
  peakd distill "${common[@]}" --teacher "$out/teacher" --records "$out/records" --student "$student" --preset "$preset" \
    --epochs 2 --lr 1e-4 --ptp-epochs 1 --out "$out/$name" --resume "$@"
}
for seed in $seeds; do
  for k in $ks; do
    distill "ft-$k-s$seed"      "Bert$k"    ft  --no-ptp --seed "$seed"
    distill "kd-$k-s$seed"      "Bert$k"    kd  --no-ptp --seed "$seed"
    distill "pkd-$k-s$seed"     "Bert$k"    pkd --no-ptp --seed "$seed"
    distill "sps-$k-s$seed"     "PeaBert$k" pkd --no-ptp --seed "$seed"
    distill "peabert-$k-s$seed" "PeaBert$k" pkd          --seed "$seed"
  done
done
peakd report --runs "$out" --out "$out/report"
