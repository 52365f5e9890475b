#!/usr/bin/env bash
# Serving the main job's models (runs/main: the fine-tuned MiniLM-L6 teacher, the KD BERT-2 and the PeaBERT-2 students):
# latency of one text (64 and 128 tokens) and throughput at 32 x 128, for TorchSharp fp32 and bf16, ONNX Runtime fp32
# and int8 on the ONNX exports, and PyTorch 1.13 eager fp32 (bench/reference.py) on the Hugging Face exports, which must
# first reproduce TorchSharp's logits; each export's file size and test accuracy on Fine Foods, and ONNX Runtime's fp32
# logits against TorchSharp's on every test review. Not part of the test suite.
#   bash bench/serving.sh      # after the main job (dotnet run --project PeaKd.Samples -c Release); THREADS, STEPS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-20}"
[ -f runs/main/peabert2/summary.json ] || { echo "serving.sh: run the main job first (runs/main/peabert2)." >&2; exit 1; }
bash bench/install-pytorch.sh
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
dotnet build PeaKd.Samples -c Release -v q -nologo >/dev/null || { echo "serving.sh: PeaKd.Samples does not build." >&2; exit 1; }
dotnet build bench/PeaKd.Bench -c Release -v q -nologo >/dev/null || { echo "serving.sh: PeaKd.Bench does not build." >&2; exit 1; }
peakd() { dotnet PeaKd.Samples/bin/Release/net10.0/peakd.dll "$@"; }
bench() { dotnet bench/PeaKd.Bench/bin/Release/net10.0/PeaKd.Bench.dll serving --threads "$threads" --steps "$steps" "$@"; }
# each runtime with its best OpenMP wait policy, as in bench/run.sh: passive for PyTorch (its OpenMP and OpenBLAS threads
# fight when spinning: single calls up to 10x the median), the default for TorchSharp (passive slowed its batch-1 calls
# by a quarter: the teacher at 1 x 64 took 18.8 ms against 13.7)
pytorch() { OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/reference.py --threads "$threads" serving --steps "$steps" "$@"; }

out="bench/results/serving-$(date -u +%Y%m%d-%H%M%S).jsonl"
mkdir -p bench/results runs/serving
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; threads $threads; PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); $(dotnet --version | sed 's/^/.NET SDK /')" | tee "$out.txt"
declare -A models=([teacher]=runs/main/kd-bert2/teacher [bert2]=runs/main/kd-bert2 [peabert2]=runs/main/peabert2)
for name in teacher bert2 peabert2; do
  for q in none int8; do
    peakd export --model "${models[$name]}" --out "runs/serving/$name-$q" --format onnx --quantize "$q" >&2
  done
  peakd export --model "${models[$name]}" --out "runs/serving/$name-hf" --format hf >&2 # the PyTorch peer's input
done
for name in teacher bert2 peabert2; do
  for shape in "1 64" "1 128" "32 128"; do
    set -- $shape
    bench --model "${models[$name]}" --engine torch-fp32 --batch "$1" --length "$2" --write-logits "runs/serving/$name-logits.json" >>"$out"
    pytorch --model "runs/serving/$name-hf" --batch "$1" --length "$2" --expect "runs/serving/$name-logits.json" >>"$out"
    bench --model "${models[$name]}" --engine torch-bf16 --batch "$1" --length "$2" >>"$out"
    bench --model "runs/serving/$name-none" --engine onnx --batch "$1" --length "$2" >>"$out"
    bench --model "runs/serving/$name-int8" --engine onnx --batch "$1" --length "$2" >>"$out"
  done
  # test accuracy of each way of serving it (the exports through ONNX Runtime, the folder through TorchSharp)
  for way in "torch-fp32 ${models[$name]} fp32" "torch-bf16 ${models[$name]} bf16" "onnx-fp32 runs/serving/$name-none fp32" "onnx-int8 runs/serving/$name-int8 fp32"; do
    set -- $way
    accuracy="$(peakd evaluate --task tsv --data data/fine-foods --model "$2" --split test --precision "$3" --predictions "runs/serving/$name-$1.tsv" 2>>"runs/serving/evaluate.log" | sed -n 's/^test: accuracy \([0-9.]*\).*/\1/p')"
    [[ -n $accuracy ]] || { echo "serving.sh: no test accuracy for $name through $1 (see runs/serving/evaluate.log)" >&2; exit 1; }
    echo "{\"runtime\":\"peakd\",\"case\":\"serving-accuracy\",\"model\":\"$name\",\"engine\":\"$1\",\"test_accuracy\":$accuracy}" >>"$out"
  done
  # ONNX Runtime fp32 against TorchSharp fp32 on every test review: the largest logit difference, differing predictions
  dotnet bench/PeaKd.Bench/bin/Release/net10.0/PeaKd.Bench.dll serving-agreement --threads "$threads" --model "${models[$name]}" \
    --export "runs/serving/$name-none" --texts data/fine-foods/test.tsv >>"$out"
  for q in none int8; do
    echo "{\"runtime\":\"peakd\",\"case\":\"serving-size\",\"model\":\"$name\",\"quantize\":\"$q\",\"bytes\":$(stat -c %s "runs/serving/$name-$q/model.onnx")}" >>"$out"
  done
done
python3 bench/serving_summary.py "$out" | tee -a "$out.txt"
