#!/usr/bin/python3
"""Checks summarize.py's FLOP formula against an independent count: PyTorch's profiler counts the FLOPs of every
matrix product (aten::mm, addmm, bmm, matmul) that a forward pass of the reference model actually runs.
Exits non-zero when they differ by more than 0.5%, so bench/run.sh never reports shares of peak from a wrong count.

    /usr/bin/python3 bench/check_flops.py bench/cases.json
"""
import json
import sys

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import reference  # noqa: E402
import summarize  # noqa: E402


def main():
    bench = json.load(open(sys.argv[1]))
    sequence = 32  # small enough to run fast; the formula's S and S^2 terms are both exercised
    failed = False
    for name, spec in bench["models"].items():
        model = reference.Bert(spec, bench["vocab_size"], bench["max_position_embeddings"], bench["num_labels"]).eval()
        ids = torch.randint(1000, bench["vocab_size"], (1, sequence))
        with torch.no_grad(), profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
            model(ids, torch.ones_like(ids), torch.zeros_like(ids))
        counted = sum(event.flops for event in prof.key_averages() if event.flops)
        formula = summarize.forward_flops(bench, name, sequence)
        off = abs(counted - formula) / counted
        failed |= off > 0.005
        print(f"{name}: profiler {counted:,} FLOPs, formula {formula:,} ({off:.2%} apart)")
    sys.exit("check_flops.py: the FLOP formula disagrees with the profiler." if failed else 0)


if __name__ == "__main__":
    main()
