#!/usr/bin/env bash
# The serving target "PeaBERT-2 int8 (ONNX Runtime) serves 4x the teacher's TorchSharp fp32 throughput", measured in
# alternating pairs: each pair times both at 32 x 128 back to back (the order flips every pair, ABBA), so that the
# machine's slow drifts hit both sides of a ratio alike. Prints each pair's ratio, their geometric mean with a 95%
# interval (t over the pairs' log ratios) and the range. Needs the main job and bench/serving.sh's exports.
#   bash bench/serving-ratio.sh     # PAIRS (default 8), STEPS (default 20), THREADS (default all cores), TEACHER, STUDENT
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-20}"
pairs="${PAIRS:-8}"
(( pairs % 2 == 0 )) || { pairs=$((pairs + 1)); echo "serving-ratio.sh: $pairs pairs, so that each order runs as often (ABBA)" >&2; }
teacher="${TEACHER:-runs/main/kd-bert2/teacher}"   # TEACHER and STUDENT name other folders (another checkout's runs)
student="${STUDENT:-runs/serving/peabert2-int8}"
[ -f "$teacher/model.safetensors" ] || { echo "serving-ratio.sh: run the main job first ($teacher)." >&2; exit 1; }
[ -f "$student/model.onnx" ] || { echo "serving-ratio.sh: run bench/serving.sh first (it exports $student)." >&2; exit 1; }
dotnet build bench/PeaKd.Bench -c Release -v q -nologo >/dev/null || { echo "serving-ratio.sh: PeaKd.Bench does not build." >&2; exit 1; }
bench() { dotnet bench/PeaKd.Bench/bin/Release/net10.0/PeaKd.Bench.dll serving --threads "$threads" --steps "$steps" --batch 32 --length 128 "$@"; }
out="bench/results/serving-ratio-$(date -u +%Y%m%d-%H%M%S).jsonl"
mkdir -p bench/results
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; threads $threads; $pairs pairs of $steps steps" | tee "$out.txt"
for ((i = 0; i < pairs; i++)); do
  if ((i % 2 == 0)); then order="teacher student"; else order="student teacher"; fi
  for side in $order; do
    if [ "$side" = teacher ]; then bench --model "$teacher" --engine torch-fp32; else bench --model "$student" --engine onnx; fi \
      | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); r["pair"]=int(sys.argv[1]); r["side"]=sys.argv[2]; print(json.dumps(r))' "$i" "$side" >>"$out"
  done
done
python3 - "$out" <<'PY' | tee -a "$out.txt"
import json, math, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
speed = {}
for r in rows:
    speed.setdefault(r["pair"], {})[r["side"]] = r["batch"] / statistics.median(r["step_seconds"])
ratios = [p["student"] / p["teacher"] for _, p in sorted(speed.items())]
logs = [math.log(x) for x in ratios]
n = len(logs)
# Student's t, 97.5% quantile, by degrees of freedom (statistics tables); 2.0 beyond 30 errs wide, never narrow
t975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
half = (t975[n - 2] if n - 1 <= len(t975) else 2.0) * statistics.stdev(logs) / math.sqrt(n) if n > 1 else float("nan")
mean = statistics.mean(logs)
print("pair  teacher torch-fp32 (ex/s)  peabert2 onnx-int8 (ex/s)  ratio")
for i, p in sorted(speed.items()):
    print(f"{i:4d}  {p['teacher']:25.1f}  {p['student']:25.1f}  {p['student'] / p['teacher']:5.2f}")
print(f"ratio over {n} pairs: geometric mean {math.exp(mean):.2f}, 95% interval [{math.exp(mean - half):.2f}, {math.exp(mean + half):.2f}] "
      f"(t over the pairs' log ratios), range {min(ratios):.2f}-{max(ratios):.2f}, {sum(x >= 4 for x in ratios)} of {n} pairs at 4x or more")
PY
