"""The serving benchmark's table from its JSON lines: median latency (ms) at batch 1, throughput (examples/s) at 32 x 128,
ONNX file sizes and test accuracy, per model and engine."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
timing = {}
for r in rows:
    if r["case"] == "serving":
        # the exports are named <model>-none, <model>-int8 (ONNX) and <model>-hf (the PyTorch peer's)
        exported = r["engine"] in ("onnx", "pytorch-fp32")
        engine = "onnx-" + ("int8" if r["model"].endswith("int8") else "fp32") if r["engine"] == "onnx" else r["engine"]
        key = (r["model"].rsplit("-", 1)[0] if exported else r["model"], engine)
        timing.setdefault(key, {})[(r["batch"], r["length"])] = statistics.median(r["step_seconds"])
names = {"kd-bert2": "bert2", "teacher": "teacher", "peabert2": "peabert2"}
accuracy = {(r["model"], r["engine"]): r["test_accuracy"] for r in rows if r["case"] == "serving-accuracy"}
size = {(r["model"], r["quantize"]): r["bytes"] for r in rows if r["case"] == "serving-size"}
print("| model | engine | latency 1 x 64 (ms) | latency 1 x 128 (ms) | throughput 32 x 128 (examples/s) | test accuracy | file (MB) |")
print("|---|---|---:|---:|---:|---:|---:|")
for model in ["teacher", "bert2", "peabert2"]:
    for engine in ["torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8", "pytorch-fp32"]:
        found = [v for k, v in timing.items() if names.get(k[0], k[0]) == model and k[1] == engine]
        if not found:
            continue
        t = found[0]
        mb = size.get((model, "int8" if engine == "onnx-int8" else "none"), 0) / 1e6 if engine.startswith("onnx") else float("nan")
        # the PyTorch peer computes TorchSharp's fp32 model (checked against its logits), so it shares that accuracy
        accuracy_engine = "torch-fp32" if engine == "pytorch-fp32" else engine
        print(f"| {model} | {engine} | {1000 * t[(1, 64)]:.1f} | {1000 * t[(1, 128)]:.1f} | {32 / t[(32, 128)]:.1f} | {accuracy.get((model, accuracy_engine), float('nan')):.4f} | {mb:.1f} |")
for r in rows:
    if r["case"] == "serving-agreement":
        print(f"{r['model']}: ONNX Runtime fp32 against TorchSharp fp32 on {r['texts']} test reviews: logits within {r['max_logit_difference']:.1e}, "
              f"{r['differing_predictions']} differing predictions")
    if r["case"] == "serving" and "max_logit_difference_to_peakd" in r and r["batch"] == 32:
        print(f"{r['model']}: PyTorch's logits within {r['max_logit_difference_to_peakd']:.1e} of TorchSharp's at 32 x 128")
