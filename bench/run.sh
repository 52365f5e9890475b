#!/usr/bin/env bash
# PeaKd against PyTorch on this machine: every case of bench/cases.json, run alternately by PeaKd.Bench and by
# bench/reference.py (Debian's PyTorch 1.13) at the same thread count, for several rounds (warm-up steps excluded),
# then the fp32 and bf16 matrix-multiply peaks, memory over 500 training steps and the generator's cost. Prints the summary;
# the raw JSON lines stay in bench/results/. Takes about 26 minutes on 2 cores. Not part of the test suite.
#   bash bench/run.sh   # defaults: ROUNDS=3 THREADS=$(nproc) CASES="<every case of CASES_FILE>" CASES_FILE=bench/cases.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cores="$(nproc)"
threads="${THREADS:-$cores}"
rounds="${ROUNDS:-3}"
cases_file="${CASES_FILE:-bench/cases.json}"

bash bench/install-pytorch.sh # the PyTorch peer
cases="${CASES:-$(/usr/bin/python3 -c 'import json; print(" ".join(k for k, v in json.load(open("'"$cases_file"'"))["cases"].items() if v["kind"] != "memory"))')}"

/usr/bin/python3 bench/check_flops.py "$cases_file" >&2  # the FLOP formula against PyTorch's profiler, or stop
dotnet build bench/PeaKd.Bench -c Release -v q -nologo >/dev/null
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
peakd() { dotnet bench/PeaKd.Bench/bin/Release/net10.0/PeaKd.Bench.dll "$@" --threads "$threads"; }
# Each runtime with its best OpenMP wait policy: Debian's PyTorch has OpenMP threads and OpenBLAS's own, and spinning
# OpenMP threads fight OpenBLAS's for the cores (PyTorch 15-25% slower here, teacher-inference 5.3 s a step against
# 4.3 s passive); PeaKd's libtorch (OpenMP only) was as fast or faster spinning where checked (teacher-inference,
# train-step-384, batch-1 serving), so it keeps the default.
pytorch() { OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/reference.py --threads "$threads" "$@"; }

mkdir -p bench/results
out="bench/results/$(date -u +%Y%m%d-%H%M%S).jsonl"
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
flags="$(grep -o -w -E 'avx2|fma|avx512[a-z_0-9]*|amx[a-z_0-9]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "machine: $cpu ($(lscpu | sed -n 's/^Vendor ID: *//p' | head -1); ${flags% }), $cores cores; threads $threads; rounds $rounds; PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); $(dotnet --version | sed 's/^/.NET SDK /')" | tee "$out.txt"

both() { # alternate which runtime goes first, so neither always runs on a warmer machine
  if (( round % 2 )); then peakd "$@" >>"$out"; pytorch "$@" >>"$out"; else pytorch "$@" >>"$out"; peakd "$@" >>"$out"; fi
}
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds: peak $cases" >&2
  both peak
  pytorch peak --engine numpy >>"$out" # NumPy's BLAS, where it differs from PyTorch's, can raise the fp32 peak
  both peak --dtype bf16
  for name in $cases; do both case "$name" --cases "$cases_file"; done
done
peakd case memory --cases "$cases_file" >>"$out"
peakd generator >>"$out"
/usr/bin/python3 bench/summarize.py "$cases_file" "$out" | tee -a "$out.txt"
