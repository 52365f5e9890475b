"""The serving benchmark's table from its JSON lines: median latency (ms) at batch 1, throughput (examples/s) at 32 x 128,
ONNX file sizes and test accuracy, per model and engine."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
timing = {}
for r in rows:
    if r["case"] == "serving":
        key = (r["model"].rsplit("-", 1)[0] if r["engine"] == "onnx" else r["model"], r["engine"] if r["engine"] != "onnx" else "onnx-" + ("int8" if r["model"].endswith("int8") else "fp32"))
        timing.setdefault(key, {})[(r["batch"], r["length"])] = statistics.median(r["step_seconds"])
names = {"kd-bert2": "bert2", "teacher": "teacher", "peabert2": "peabert2"}
accuracy = {(r["model"], r["engine"]): r["test_accuracy"] for r in rows if r["case"] == "serving-accuracy"}
size = {(r["model"], r["quantize"]): r["bytes"] for r in rows if r["case"] == "serving-size"}
print("| model | engine | latency 1 x 64 (ms) | latency 1 x 128 (ms) | throughput 32 x 128 (examples/s) | test accuracy | file (MB) |")
print("|---|---|---:|---:|---:|---:|---:|")
for model in ["teacher", "bert2", "peabert2"]:
    for engine in ["torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8"]:
        found = [v for k, v in timing.items() if names.get(k[0], k[0]) == model and k[1] == engine]
        if not found:
            continue
        t = found[0]
        mb = size.get((model, "int8" if engine == "onnx-int8" else "none"), 0) / 1e6 if engine.startswith("onnx") else float("nan")
        print(f"| {model} | {engine} | {1000 * t[(1, 64)]:.1f} | {1000 * t[(1, 128)]:.1f} | {32 / t[(32, 128)]:.1f} | {accuracy.get((model, engine), float('nan')):.4f} | {mb:.1f} |")
for r in rows:
    if r["case"] == "serving-agreement":
        print(f"{r['model']}: ONNX Runtime fp32 and TorchSharp fp32 differ on {r['differing_test_predictions']} of the test reviews")
