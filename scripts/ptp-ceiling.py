#!/usr/bin/env python3
"""How learnable PTP's task is: the dev PTP loss of a predictor that knows the teacher's confidence.

PTP's label (right/wrong x confident/unsure) is a function of the teacher's top probability and of whether the teacher
was right. A student that reproduced the teacher's probabilities would know the confident bit exactly and could only
be unsure whether the teacher was right; the best it can do is P(right | predicted class, confidence), estimated here on
train (deciles of confidence, add-one smoothed) and scored on dev. That loss is a ceiling for what PTP can teach, to
read against the run's best dev PTP loss and the loss of train's label frequencies alone.

It re-derives the labels from the teacher record independently of PeaKd's code and checks them against the run's
summary (thresholds, label counts), so it also cross-checks the runtime. Standard library only.

    python3 scripts/ptp-ceiling.py RUN_FOLDER [RECORD_FOLDER]
RUN_FOLDER is a finished PTP run; RECORD_FOLDER its teacher record (default: RUN_FOLDER/record).
"""
import csv
import json
import math
import os
import struct
import sys


def read_logits(path):
    """The 'logits' tensor of a safetensors file, as rows of floats."""
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        entry = header.get("logits")
        if entry is None or entry["dtype"] != "F32":
            sys.exit(f"{path}: no F32 'logits' tensor; is this a PeaKd teacher record?")
        start, end = entry["data_offsets"]
        rows, columns = entry["shape"]
        f.seek(8 + header_length + start)
        values = struct.unpack(f"<{rows * columns}f", f.read(end - start))
    return [values[i * columns:(i + 1) * columns] for i in range(rows)]


def read_gold(path, label_names, column):
    with open(path, newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [label_names.index(row[column]) for row in rows]


def top(logits):
    """The teacher's prediction and its softmax probability (T = 1)."""
    peak = max(logits)
    exps = [math.exp(v - peak) for v in logits]
    total = sum(exps)
    k = max(range(len(logits)), key=lambda i: logits[i])
    return k, exps[k] / total


def label(predicted, confidence, gold, t1, t2):
    if predicted == gold:
        return 0 if confidence > t1 else 1
    return 2 if confidence > t2 else 3


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    run = sys.argv[1]
    records = sys.argv[2] if len(sys.argv) == 3 else os.path.join(run, "record")
    options = json.load(open(os.path.join(run, "options.json")))
    ptp = json.load(open(os.path.join(run, "summary.json")))["stages"].get("ptp")
    if not ptp:
        sys.exit(f"{run}: the run has no PTP stage.")
    if options.get("limit_train"):
        sys.exit(f"{run}: the run used --limit-train; this script reads the whole train split.")
    config = json.load(open(os.path.join(options["teacher"], "config.json")))
    names = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    label_column = "label"  # the tsv task's default; other tasks are not supported here
    if options["task"] != "tsv":
        sys.exit(f"{run}: task {options['task']}; this script reads tsv data only.")

    t1, t2 = ptp["t1"], ptp["t2"]
    splits = {}
    for split in ("train", "dev"):
        logits = read_logits(os.path.join(records, f"record-{split}.safetensors"))
        gold = read_gold(os.path.join(options["data"], f"{split}.tsv"), names, label_column)
        if len(logits) != len(gold):
            sys.exit(f"{records}: {len(logits)} {split} logits for {len(gold)} {split}.tsv rows; the record is of other data.")
        tops = [top(row) for row in logits]
        labels = [label(k, c, g, t1, t2) for (k, c), g in zip(tops, gold)]
        splits[split] = (tops, gold, labels)
        counts = [labels.count(c) for c in range(4)]
        recorded = ptp.get(f"{split}_label_counts")
        if recorded is not None and counts != recorded:
            sys.exit(f"{run}: {split} label counts {counts} differ from the summary's {recorded}.")

    tops, gold, _ = splits["train"]
    ordered = sorted(c for _, c in tops)
    edges = [ordered[len(ordered) * i // 10] for i in range(1, 10)]
    def cell(k, c):
        return k, sum(c > e for e in edges)
    right = {}
    for (k, c), g in zip(tops, gold):
        counts = right.setdefault(cell(k, c), [0, 0])
        counts[0] += k == g
        counts[1] += 1

    tops, gold, labels = splits["dev"]
    loss = 0.0
    for (k, c), y in zip(tops, labels):
        correct, seen = right.get(cell(k, c), (0, 0))
        p_right = (correct + 1) / (seen + 2)
        loss -= math.log(p_right if y in (0, 1) else 1 - p_right)
    ceiling = loss / len(labels)

    print(f"{run}: t1 {t1:.4f}, t2 {t2:.4f}; labels re-derived from {records} match the summary's counts")
    print(f"  dev PTP loss, train's label frequencies alone: {ptp['dev_prior_loss']:.4f}")
    print(f"  dev PTP loss, dev's own label entropy:        {ptp['dev_prior_entropy']:.4f}")
    print(f"  dev PTP loss, the student's best check:       {ptp['best_dev_loss']:.4f}")
    print(f"  dev PTP loss, knowing the teacher's confidence (ceiling): {ceiling:.4f}")


if __name__ == "__main__":
    main()
