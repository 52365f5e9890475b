#!/usr/bin/env bash
# The Fine Foods grid of docs/results.md, under the authors' protocol (PEA-KD.md): the all-MiniLM-L6-v2 teacher fine-tuned here,
# students of MiniLM width initialised from the *pretrained* MiniLM (embeddings, pooler, first k layers), PTP at lr 2e-5
# for 2 epochs, dev checked every 20 steps in every stage with the best check kept. Not part of the test suite.
#
# Phases, in order (PHASES picks some); every run is skipped when its summary.json exists and resumes when a run was
# killed, so the script continues where it stopped, across sessions:
#   tune       the KD learning rate, chosen once from dev for all variants: PKD-2 and SPS-2 (seed 0, which the
#              grid does not report) at each of TUNE_LRS; the rate with the best mean dev accuracy wins
#              (written to $out/tuning.txt and used by the phases below)
#   main       for each seed and k: PKD-k (KD-1: a 1-layer plain student has no layer to match), SPS-k, PeaBERT-k,
#              and SPS without shuffle at k = 3
#   ablation   SPS-k and PeaBERT-k initialised from the fine-tuned teacher (PeaKd 0.1's start; the rest as above):
#              the first three seeds here, the others after the PTP study (so that every phase has three seeds first)
#   baselines  FT-k and KD-k (k >= 2) for the first three seeds
#   ptp        PTP's learnability (PeaBERT-3, first three seeds: k = 3 is where the ablation's students, started from
#              the teacher, learned PTP's task, and where one main-phase seed came closest): the authors' fixed
#              thresholds 0.98/0.8, PTP for 4 epochs, the teacher with the lowest dev loss (the authors' pick) instead
#              of the best accuracy (with SPS-3 distilled from that teacher, to pair with), and PTP at the KD rate (not
#              the authors' setting: does PTP at 2e-5 learn too little? scripts/ptp-references.py gives the losses to
#              read it against)
# Then peakd report over $out/grid, and over it with $out/ptp-study.
#   SEEDS="1 2 3 4 5" KS="1 2 3" PHASES="tune main ablation baselines ptp" [DATA=folder] bash scripts/results.sh [runs-folder]
# About 50 minutes per seed for the main phase on 2 CPU cores, 40 for the ablation, 15 for the baselines, 55 for the PTP
# study; 12 hours in all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$(mkdir -p "${1:-runs/protocol}" && cd "${1:-runs/protocol}" && pwd)"
seeds="${SEEDS:-1 2 3 4 5}"
ks="${KS:-1 2 3}"
phases="${PHASES:-tune main ablation baselines ptp}"
tune_lrs="${TUNE_LRS:-5e-5 1e-4 2e-4}"
epochs=2
# Every run uses the data the teacher was fine-tuned on, as recorded in its options.json: a run's options name the data
# folder, and a run resumed or grouped with the others must name the same one (a grid started from another checkout
# keeps its path). A new grid takes DATA, or this checkout's data/fine-foods.
data="${DATA:-$root/data/fine-foods}"
if [ -f "$out/teacher/options.json" ]; then
  recorded="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("data") or "")' "$out/teacher/options.json")"
  [ -n "$recorded" ] || { echo "results.sh: $out/teacher/options.json names no data folder; start a new grid folder." >&2; exit 1; }
  if [ -n "${DATA:-}" ] && [ "$DATA" != "$recorded" ]; then
    echo "results.sh: DATA is $DATA, but the grid's teacher was fine-tuned on $recorded ($out/teacher/options.json); drop DATA or start a new grid folder." >&2
    exit 1
  fi
  data="$recorded"
fi
if [ "$data" = "$root/data/fine-foods" ] && [ ! -f "$data/train.tsv" ]; then bash scripts/fetch-data.sh; fi
[ -f "$data/train.tsv" ] || { echo "results.sh: the grid's data folder $data has no train.tsv; restore it or start a new grid folder." >&2; exit 1; }
# F1 of "great" (a 5-star review): the class every committed record's F1 scores (the second label of train's first
# appearance order, before the positive label was explicit; train's first row is "other")
common=(--task tsv --data "$data" --positive-label great --max-length 96 --batch-size 32 --eval-every 20 --device auto)

dotnet build PeaKd.Samples -c Release -v q -nologo >/dev/null
peakd() { dotnet "$root/PeaKd.Samples/bin/Release/net10.0/peakd.dll" "$@"; }
has() { [[ " $phases " == *" $1 "* ]]; }

[ -f "$out/minilm/model.safetensors" ] || peakd import --minilm --out "$out/minilm"
# the teacher: 2 epochs at 5e-5 (PeaKd's earlier grid), dev every 20 steps, the best accuracy kept; it records minilm/ as its base
[ -f "$out/teacher/summary.json" ] || peakd finetune "${common[@]}" --model "$out/minilm" --out "$out/teacher" --epochs 2 --lr 5e-5 --seed 1 --resume

distill() { # folder student preset seed lr [extra...]; TEACHER and RECORDS name another teacher and its records
  local folder=$1 student=$2 preset=$3 seed=$4 lr=$5; shift 5
  [ -f "$folder/summary.json" ] && return 0
  echo "== $(date -u +%H:%M:%S) $folder"
  peakd distill "${common[@]}" --teacher "${TEACHER:-$out/teacher}" --records "${RECORDS:-$out/records}" --student "$student" --preset "$preset" \
    --epochs "$epochs" --lr "$lr" --seed "$seed" --out "$folder" --resume "$@" | tail -1
  bash "$root/scripts/collect-results.sh" "$out" >/dev/null # the run's record into docs/results/protocol, to commit as they come
}

if has tune; then
  for lr in $tune_lrs; do
    distill "$out/tune/pkd-2-lr$lr" Bert2 pkd 0 "$lr" --no-ptp
    distill "$out/tune/sps-2-lr$lr" PeaBert2 pkd 0 "$lr" --no-ptp
  done
  # mean best dev accuracy of the two variants at each rate; the highest wins (ties: the lower rate)
  for lr in $tune_lrs; do
    python3 -c 'import json,sys; v=[json.load(open(f))["stages"]["kd"]["best_dev"]["accuracy"] for f in sys.argv[2:]]; print(sys.argv[1], sum(v)/len(v), *v)' \
      "$lr" "$out/tune/pkd-2-lr$lr/summary.json" "$out/tune/sps-2-lr$lr/summary.json"
  done | sort -k2,2gr -k1,1g | tee "$out/tuning.txt"
fi
[ -f "$out/tuning.txt" ] || { echo "results.sh: no $out/tuning.txt; run the tune phase first." >&2; exit 1; }
lr="$(head -1 "$out/tuning.txt" | cut -d' ' -f1)"
echo "KD learning rate from dev: $lr"

grid="$out/grid"
if has main; then
  for seed in $seeds; do
    for k in $ks; do
      if [ "$k" = 1 ]; then distill "$grid/kd-1-s$seed" Bert1 kd "$seed" "$lr" --no-ptp
      else distill "$grid/pkd-$k-s$seed" "Bert$k" pkd "$seed" "$lr" --no-ptp; fi
      distill "$grid/sps-$k-s$seed" "PeaBert$k" pkd "$seed" "$lr" --no-ptp
      distill "$grid/peabert-$k-s$seed" "PeaBert$k" pkd "$seed" "$lr"
      if [ "$k" = 3 ]; then distill "$grid/sps-noshuffle-3-s$seed" SpsNoShuffle3 pkd "$seed" "$lr" --no-ptp; fi
    done
  done
fi
first3="$(echo $seeds | cut -d' ' -f1-3)"
rest="$(echo $seeds | cut -d' ' -f4- -s)"
ablation() { # seeds...
  for seed in "$@"; do
    for k in $ks; do
      distill "$grid/sps-$k-teacher-s$seed" "PeaBert$k" pkd "$seed" "$lr" --no-ptp --init-from teacher
      distill "$grid/peabert-$k-teacher-s$seed" "PeaBert$k" pkd "$seed" "$lr" --init-from teacher
    done
  done
}
if has ablation; then ablation $first3; fi
if has baselines; then
  for seed in $first3; do
    for k in $ks; do
      distill "$grid/ft-$k-s$seed" "Bert$k" ft "$seed" "$lr" --no-ptp
      if [ "$k" != 1 ]; then distill "$grid/kd-$k-s$seed" "Bert$k" kd "$seed" "$lr" --no-ptp; fi
    done
  done
fi
study="$out/ptp-study"
if has ptp; then
  [ -f "$out/teacher-loss/summary.json" ] || peakd finetune "${common[@]}" --model "$out/minilm" --out "$out/teacher-loss" --epochs 2 --lr 5e-5 --seed 1 --select-by loss --resume
  for seed in $first3; do
    distill "$study/thresholds-0.98-0.8/peabert-3-s$seed" PeaBert3 pkd "$seed" "$lr" --ptp-thresholds 0.98,0.8
    distill "$study/ptp-4-epochs/peabert-3-s$seed" PeaBert3 pkd "$seed" "$lr" --ptp-epochs 4
    distill "$study/ptp-lr-kd/peabert-3-s$seed" PeaBert3 pkd "$seed" "$lr" --ptp-lr "$lr"
    TEACHER="$out/teacher-loss" RECORDS="$out/records-loss" distill "$study/teacher-lowest-loss/peabert-3-s$seed" PeaBert3 pkd "$seed" "$lr"
    TEACHER="$out/teacher-loss" RECORDS="$out/records-loss" distill "$study/teacher-lowest-loss/sps-3-s$seed" PeaBert3 pkd "$seed" "$lr" --no-ptp
  done
fi
if has ablation; then ablation $rest; fi
if [ -d "$grid" ]; then peakd report --runs "$grid" --out "$out/report"; fi
# the PTP study beside the grid: each PTP setting's PeaBERT-3 pairs with the grid's SPS-3 and PKD-3, and the teacher
# selected by loss with its own SPS-3 (its runs distil from another teacher, so they pair with nothing in the grid)
if [ -d "$grid" ] && [ -d "$study" ]; then peakd report --runs "$grid" "$study" --out "$out/report-ptp" >/dev/null; fi
