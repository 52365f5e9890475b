"""The serving benchmark's table from its JSON lines: median latency (ms) at batch 1, throughput (examples/s) at 32 x 128,
ONNX file sizes and test accuracy, per model and engine; then the agreement checks."""
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
# folders as serving.sh names them: the run folders (kd-bert2 is BERT-2's) and the exports <model>-none, -int8, -hf
RUN_FOLDERS = {"kd-bert2": "bert2", "teacher": "teacher", "peabert2": "peabert2"}


def model_of(r):
    folder = r["model"]
    if r.get("engine") in ("onnx", "pytorch-fp32"):
        return folder.rsplit("-", 1)[0]
    return RUN_FOLDERS.get(folder, folder)


def engine_of(r):
    return "onnx-" + ("int8" if r["model"].endswith("int8") else "fp32") if r["engine"] == "onnx" else r["engine"]


timing = {}
for r in rows:
    if r["case"] == "serving":
        timing.setdefault((model_of(r), engine_of(r)), {})[(r["batch"], r["length"])] = statistics.median(r["step_seconds"])
accuracy = {(r["model"], r["engine"]): r["test_accuracy"] for r in rows if r["case"] == "serving-accuracy"}
size = {(r["model"], r["quantize"]): r["bytes"] for r in rows if r["case"] == "serving-size"}
print("| model | engine | latency 1 x 64 (ms) | latency 1 x 128 (ms) | throughput 32 x 128 (examples/s) | test accuracy | file (MB) |")
print("|---|---|---:|---:|---:|---:|---:|")
for model in ["teacher", "bert2", "peabert2"]:
    for engine in ["torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8", "pytorch-fp32"]:
        t = timing.get((model, engine))
        if t is None:
            continue
        file = f"{size[(model, 'int8' if engine == 'onnx-int8' else 'none')] / 1e6:.1f}" if engine.startswith("onnx") else ""
        # the PyTorch peer computes TorchSharp's fp32 model (checked against its logits), so it shares that accuracy
        test = accuracy.get((model, "torch-fp32" if engine == "pytorch-fp32" else engine))
        test = f"{test:.4f}" if test is not None else ""
        print(f"| {model} | {engine} | {1000 * t[(1, 64)]:.1f} | {1000 * t[(1, 128)]:.1f} | {32 / t[(32, 128)]:.1f} | {test} | {file} |")
for r in rows:
    if r["case"] == "serving-agreement":
        print(f"{model_of(r)}: ONNX Runtime fp32 against TorchSharp fp32 on {r['texts']} test reviews: logits within "
              f"{r['max_logit_difference']:.1e}, {r['differing_predictions']} differing predictions")
    if r["case"] == "serving" and "max_logit_difference_to_peakd" in r and r["batch"] == 32:
        print(f"{model_of(r)}: PyTorch's logits within {r['max_logit_difference_to_peakd']:.1e} of TorchSharp's at 32 x 128")
