#!/usr/bin/env python3
"""Reference losses for PTP's task, to read a run's best dev PTP loss against.

PTP's label (right/wrong x confident/unsure) is the teacher's top probability up to whether the teacher was right.
Three predictors, each fitted on train and scored on dev (nats, add-one smoothed):
  - knowing the teacher's confidence: a predictor given the teacher's own dev probabilities knows the confident bit
    and only has to guess whether the teacher was right, P(right | predicted class, confidence decile); and the same
    with one constant P(right). Neither is reachable from the text alone (a student would have to reproduce the
    teacher's confidence on unseen reviews closely enough to place it against t1 and t2), nor a bound: they say how
    much of the task is the teacher's confidence.
  - knowing only the text's length (quintiles of characters): a trivial text feature, the floor a student should beat.

It re-derives the labels from the teacher record independently of PeaKd's code and checks them against the run's
summary (the median thresholds recomputed, the dev label counts), so it also cross-checks the runtime. Standard
library only; fp32 teacher records and tsv data.

    python3 scripts/ptp-references.py RUN_FOLDER [RECORD_FOLDER]
RUN_FOLDER is a finished PTP run; RECORD_FOLDER its teacher record (default: RUN_FOLDER/record).
"""
import json
import math
import os
import struct
import sys


def fail(message):
    sys.exit(f"ptp-references.py: {message}")


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        fail(f"{path} not found; give a finished run folder.")


def read_logits(path):
    """The 'logits' tensor of a safetensors file, as rows of floats."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        fail(f"{path} not found; give the run's teacher record folder.")
    with f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        entry = header.get("logits")
        if entry is None or entry["dtype"] != "F32":
            fail(f"{path}: no F32 'logits' tensor; is this a PeaKd teacher record?")
        start, end = entry["data_offsets"]
        rows, columns = entry["shape"]
        f.seek(8 + header_length + start)
        values = struct.unpack(f"<{rows * columns}f", f.read(end - start))
    return [values[i * columns:(i + 1) * columns] for i in range(rows)]


def read_tsv(path, label_names):
    """(text, label index) per row, split as PeaKd's TsvFile does: lines on \\n, fields on tabs, a BOM skipped."""
    with open(path, encoding="utf-8-sig") as f:
        lines = [line.rstrip("\r") for line in f.read().split("\n") if line.strip()]
    header = lines[0].split("\t")
    if "text" not in header or "label" not in header:
        fail(f"{path}: no text and label columns in the header {header}.")
    text, label = header.index("text"), header.index("label")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if fields[label] not in label_names:
            fail(f"{path}, line {number}: label '{fields[label]}' is not one of the teacher's {label_names}.")
        rows.append((fields[text], label_names.index(fields[label])))
    return rows


def float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def top(logits):
    """The teacher's prediction and its softmax probability (T = 1), rounded to fp32 as the runtime computes it."""
    peak = max(logits)
    exps = [math.exp(v - peak) for v in logits]
    k = max(range(len(logits)), key=lambda i: logits[i])
    return k, float32(exps[k] / sum(exps))


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def label(predicted, confidence, gold, t1, t2):
    if predicted == gold:
        return 0 if confidence > t1 else 1
    return 2 if confidence > t2 else 3


def quantile_edges(values, parts):
    ordered = sorted(values)
    return [ordered[len(ordered) * i // parts] for i in range(1, parts)]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    run = sys.argv[1]
    records = sys.argv[2] if len(sys.argv) == 3 else os.path.join(run, "record")
    options = read_json(os.path.join(run, "options.json"))
    ptp = read_json(os.path.join(run, "summary.json"))["stages"].get("ptp")
    if not ptp:
        fail(f"{run}: the run has no PTP stage.")
    if options.get("limit_train"):
        fail(f"{run}: the run used --limit-train; this script reads the whole train split.")
    if options["task"] != "tsv":
        fail(f"{run}: task {options['task']}; this script reads tsv data only.")
    if options.get("precision", "fp32") != "fp32" or options.get("record_dtype", "fp32") != "fp32":
        fail(f"{run}: a bf16 run keeps its record in other files; this script reads fp32 records only.")
    config = read_json(os.path.join(options["teacher"], "config.json"))
    names = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]

    splits = {}
    for split in ("train", "dev"):
        logits = read_logits(os.path.join(records, f"record-{split}.safetensors"))
        rows = read_tsv(os.path.join(options["data"], f"{split}.tsv"), names)
        if len(logits) != len(rows):
            fail(f"{records}: {len(logits)} {split} logits for {len(rows)} {split}.tsv rows; the record is of other data.")
        splits[split] = ([top(row) for row in logits], rows)

    t1, t2 = ptp["t1"], ptp["t2"]
    tops, rows = splits["train"]
    checked = []
    if options.get("ptp_thresholds") == "median":
        right = [c for (k, c), (_, g) in zip(tops, rows) if k == g]
        wrong = [c for (k, c), (_, g) in zip(tops, rows) if k != g]
        medians = (median(right) if right else 0.5, median(wrong) if wrong else 0.5)
        if abs(medians[0] - t1) > 1e-6 or abs(medians[1] - t2) > 1e-6:
            fail(f"{run}: the medians re-derived from the record are {medians}, the summary says ({t1}, {t2}).")
        checked.append("median thresholds")
        # label with the medians derived here: the example at a median (an odd count) is then "not above" it, as in the
        # runtime, where this script's softmax may differ from the runtime's in the last fp32 bit
        t1, t2 = medians
    labels = {s: [label(k, c, g, t1, t2) for (k, c), (_, g) in zip(*splits[s])] for s in splits}
    for split in ("train", "dev"):
        counts = [labels[split].count(c) for c in range(4)]
        recorded = ptp.get(f"{split}_label_counts")
        if recorded is not None:
            if counts != recorded:
                fail(f"{run}: {split} label counts {counts} differ from the summary's {recorded}.")
            checked.append(f"{split} label counts")

    # knowing the teacher's confidence: P(right | predicted class, confidence decile) from train
    edges = quantile_edges([c for _, c in tops], 10)
    cells = {}
    for (k, c), (_, g) in zip(tops, rows):
        cell = cells.setdefault((k, sum(c > e for e in edges)), [0, 0])
        cell[0] += k == g
        cell[1] += 1
    overall = (sum(k == g for (k, _), (_, g) in zip(tops, rows)) + 1) / (len(rows) + 2)

    def confidence_loss(p_right_of):
        dev_tops, _ = splits["dev"]
        total = 0.0
        for (k, c), y in zip(dev_tops, labels["dev"]):
            p_right = p_right_of(k, c)
            total -= math.log(p_right if y in (0, 1) else 1 - p_right)
        return total / len(labels["dev"])

    def decile_p_right(k, c):
        correct, seen = cells.get((k, sum(c > e for e in edges)), (0, 0))
        return (correct + 1) / (seen + 2)

    # knowing only the text's length: P(label | length quintile) from train
    length_edges = quantile_edges([len(text) for text, _ in rows], 5)
    by_length = {}
    for (text, _), y in zip(rows, labels["train"]):
        by_length.setdefault(sum(len(text) > e for e in length_edges), [0, 0, 0, 0])[y] += 1
    length_loss = 0.0
    for (text, _), y in zip(splits["dev"][1], labels["dev"]):
        counts = by_length.get(sum(len(text) > e for e in length_edges), [0, 0, 0, 0])
        length_loss -= math.log((counts[y] + 1) / (sum(counts) + 4))
    length_loss /= len(labels["dev"])

    print(f"{run}: t1 {t1:.4f}, t2 {t2:.4f}; labels re-derived from {records}"
          + (f" match the summary's {', '.join(checked)}" if checked else " (the summary records nothing to check them against)"))
    print(f"  teacher's top probability at most: train {max(c for _, c in tops):.5f}, dev {max(c for _, c in splits['dev'][0]):.5f}")
    print(f"  train label counts {[labels['train'].count(c) for c in range(4)]}, dev {[labels['dev'].count(c) for c in range(4)]}")
    print("  dev PTP loss (nats):")
    print(f"    train's label frequencies alone             {ptp['dev_prior_loss']:.4f}")
    print(f"    dev's own label entropy                     {ptp['dev_prior_entropy']:.4f}")
    print(f"    knowing only the text's length (quintiles)  {length_loss:.4f}")
    print(f"    the student's best check                    {ptp['best_dev_loss']:.4f}")
    print(f"    knowing the teacher's confidence (deciles)  {confidence_loss(decile_p_right):.4f}")
    print(f"    the same with one constant P(right)         {confidence_loss(lambda k, c: overall):.4f}")


if __name__ == "__main__":
    main()
