#!/usr/bin/python3
"""Summarises the JSON lines of bench/run.sh: per case the median examples/s of PeaKd and PyTorch, their ratio with
a 95% interval over the rounds (each round runs both runtimes back to back, so a round is a pair), model FLOP/s and
its share of the matrix-multiply peak measured in the same run for the case's dtype. Last line:
ratio_vs_pytorch=<min over cases> mfu=<PeaKd's fp32 training step at width 768> mfu_bf16=<the same in bf16>.

    /usr/bin/python3 bench/summarize.py bench/cases.json results.jsonl
"""
import json
import math
import statistics
import sys

# Student's t, 0.975 quantile, by degrees of freedom (standard tables): the paired interval over rounds.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086}


def paired_interval(peakd_lines, pytorch_lines):
    """Geometric mean of the per-round ratios (PeaKd examples/s over PyTorch's, each the round's median step) and
    its 95% t interval on the log scale; None unless both ran every round, at least twice. Lines are in run order,
    one per runtime and round."""
    if len(peakd_lines) != len(pytorch_lines) or len(peakd_lines) - 1 not in T975:
        return None
    # PeaKd's rate over PyTorch's = PyTorch's step time over PeaKd's
    logs = [math.log(statistics.median(theirs["step_seconds"]) / statistics.median(ours["step_seconds"]))
            for ours, theirs in zip(peakd_lines, pytorch_lines)]
    mean, half = statistics.mean(logs), T975[len(logs) - 1] * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half), len(logs)


def forward_flops(bench, model_name, sequence):
    """Matrix-multiply FLOPs of one example's forward pass: per effective layer the six projections
    (Q, K, V, attention output: 4 H^2; FFN: 2 H I) over S tokens and the two attention products (2 S^2 H each),
    then the pooler and classifier. Embedding lookups, LayerNorm and softmax are not counted."""
    model = bench["models"][model_name]
    h, i, s = model["hidden"], model["intermediate"], sequence
    layers = len(model["layers"].split())
    per_layer = 2 * s * (4 * h * h + 2 * h * i) + 2 * 2 * s * s * h
    return layers * per_layer + 2 * h * h + 2 * h * bench["num_labels"]


def case_flops(bench, spec):
    """Model FLOPs per example of a case: training is forward + backward = 3 x forward."""
    student = forward_flops(bench, spec["model"], spec["sequence"])
    if spec["kind"] == "inference":
        return student
    flops = 3 * student
    if spec["kind"] == "kd-epoch" and spec.get("teacher_mode") == "live":
        flops += forward_flops(bench, spec["teacher"], spec["sequence"])
    return flops


def main():
    bench = json.load(open(sys.argv[1]))
    lines = [json.loads(line) for line in open(sys.argv[2]) if line.startswith("{")]
    runs = {}
    for line in lines:
        runs.setdefault((line["case"], line["runtime"]), []).append(line)

    def peak_of(case):  # the median rate of each library's products; the machine's peak is the best of them
        rates = {runtime: statistics.median([r for line in runs[(case, runtime)] for r in line["flops_per_second"]])
                 for runtime in ("peakd", "pytorch", "numpy") if (case, runtime) in runs}
        return rates, max(rates.values()) if rates else float("nan")

    paths = sorted({line.get("mkl_fast_path", "not recorded") for line in lines if line["runtime"] == "peakd"})
    print("PeaKd's MKL fast path (docs/building.md): " + ", ".join(paths))
    peaks = {}
    for dtype, case in (("fp32", "matmul-peak"), ("bf16", "matmul-peak-bf16")):
        rates, peaks[dtype] = peak_of(case)
        if rates:
            print(f"{dtype} matrix-multiply peak (2048^3, median): " + ", ".join(f"{k} {v / 1e9:.0f} GFLOP/s" for k, v in rates.items())
                  + f"; used below: {peaks[dtype] / 1e9:.0f} GFLOP/s")
    print()
    print("| case | PeaKd examples/s | PyTorch examples/s | PeaKd / PyTorch | per-round ratio, 95% interval | PeaKd GFLOP/s | share of peak (same dtype) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    ratios, mfu, rates = {}, {}, {}
    for name, spec in bench["cases"].items():
        if spec["kind"] == "memory":
            continue
        row = {}
        for runtime in ("peakd", "pytorch"):
            steps = [s for line in runs.get((name, runtime), []) for s in line["step_seconds"]]
            row[runtime] = spec["batch"] / statistics.median(steps) if steps else None
        rates[name] = row
        if row["peakd"] is None:
            continue
        flops = case_flops(bench, spec) * row["peakd"]
        mfu[name] = flops / peaks[spec.get("precision", "fp32")]
        ratio = row["peakd"] / row["pytorch"] if row["pytorch"] else None
        if ratio is not None:
            ratios[name] = ratio
        paired = paired_interval(runs.get((name, "peakd"), []), runs.get((name, "pytorch"), []))
        spread = f"{paired[0]:.2f} [{paired[1]:.2f}, {paired[2]:.2f}] ({paired[3]} rounds)" if paired else "-"
        print(f"| {name} | {row['peakd']:.2f} | {row['pytorch']:.2f} | {ratio:.2f} | {spread} | {flops / 1e9:.0f} | {mfu[name]:.0%} |"
              if ratio is not None else f"| {name} | {row['peakd']:.2f} | - | - | - | {flops / 1e9:.0f} | {mfu[name]:.0%} |")
    print()

    for name, spec in bench["cases"].items():  # each record case against the live case of the same setting
        live_name = name.replace("-record", "-live")
        if spec["kind"] != "kd-epoch" or spec["teacher_mode"] != "record" or live_name not in rates:
            continue
        for runtime in ("peakd", "pytorch"):
            record, live = rates[name].get(runtime), rates[live_name].get(runtime)
            if not (record and live):
                continue
            record_pass = statistics.median([line["record_seconds"] for line in runs[(name, runtime)]])
            examples = spec["batch"] * (spec["warmup"] + spec["steps"])
            with_pass = 1 / record + record_pass / examples  # seconds per example when the record's pass is paid in this one epoch
            print(f"{runtime} {spec['teacher']} -> {spec['model']}: a KD epoch reading the teacher record costs {live / record:.2f} of one "
                  f"running the teacher ({live * with_pass:.2f} if the record's single teacher pass is charged to that one epoch)")
    for line in runs.get(("memory", "peakd"), []):
        samples = ", ".join(f"step {s['step']}: {s['rss_mib']:.0f} MiB, {s['live_tensors']} tensors" for s in line["samples"])
        print(f"memory over {line['steps']} training steps ({bench['cases']['memory']['model']}): peak RSS {line['peak_rss_mib']:.0f} MiB; {samples}")
    for line in runs.get(("generator", "peakd"), []):
        print(f"generator over {line['students']} students: cold {line['cold_ms']:.0f} ms, warm full run median "
              f"{statistics.median(line['full_run_ms']):.0f} ms, after an unrelated edit median {statistics.median(line['unrelated_edit_ms']):.0f} ms, "
              f"{line['outputs_cached']}/{line['outputs_after_unrelated_edit']} outputs cached")
    print()
    print(f"ratio_vs_pytorch={min(ratios.values()):.2f} mfu={mfu.get('train-step-768', float('nan')):.2f} "
          f"mfu_bf16={mfu.get('train-step-768-bf16', float('nan')):.2f}")


if __name__ == "__main__":
    main()
