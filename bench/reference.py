#!/usr/bin/python3
"""The PyTorch peer of PeaKd.Bench: the same cases (bench/cases.json), the same shapes, initialisation, loss,
clipping and AdamW step, at the same thread count, written the way a PyTorch user writes BERT (Hugging Face's
modeling_bert.py: eager attention, exact GELU). Prints one JSON line per measurement, like PeaKd.Bench.

    /usr/bin/python3 bench/reference.py case train-step-768 --threads 2
    /usr/bin/python3 bench/reference.py peak --threads 2
    /usr/bin/python3 bench/reference.py serving --model runs/serving/peabert2-hf --batch 32 --length 128
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CLS_ID, SEP_ID, PAD_ID = 101, 102, 0


class Layer(nn.Module):
    """One BERT encoder layer; shuffled=True runs it with the Query and Key projections exchanged (SPS)."""

    def __init__(self, hidden, heads, intermediate, dropout):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def split(self, x):
        b, s, h = x.shape
        return x.view(b, s, self.heads, h // self.heads).transpose(1, 2)

    def forward(self, hidden, mask, shuffled):
        query, key = (self.key, self.query) if shuffled else (self.query, self.key)
        q, k, v = self.split(query(hidden)), self.split(key(hidden)), self.split(self.value(hidden))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask
        context = self.dropout(scores.softmax(-1)) @ v
        context = context.transpose(1, 2).reshape(hidden.shape)
        attended = self.attention_norm(self.dropout(self.attention_output(context)) + hidden)
        return self.output_norm(self.dropout(self.output(F.gelu(self.intermediate(attended)))) + attended)


class Bert(nn.Module):
    """BertForSequenceClassification whose encoder runs `layers` ("0 1 2 0' 1' 2'": owned layer, ' = shuffled)."""

    def __init__(self, spec, vocab, positions, labels, dropout=0.1):
        super().__init__()
        hidden = spec["hidden"]
        self.uses = [(int(u.rstrip("'")), u.endswith("'")) for u in spec["layers"].split()]
        owned = max(owner for owner, _ in self.uses) + 1
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(Layer(hidden, spec["heads"], spec["intermediate"], dropout) for _ in range(owned))
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, labels)
        self.dropout = nn.Dropout(dropout)
        for module in self.modules():  # BERT's initialisation, as PeaKd's BertInitializer
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.data.normal_(0.0, 0.02)
            if isinstance(module, nn.Linear):
                module.bias.data.zero_()

    def forward(self, ids, mask, types):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        hidden = self.dropout(self.embedding_norm(self.word(ids) + self.position(positions) + self.token_type(types)))
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        states = []
        for owner, shuffled in self.uses:
            hidden = self.layers[owner](hidden, additive, shuffled)
            states.append(hidden)
        pooled = torch.tanh(self.pooler(hidden[:, 0]))
        return self.classifier(self.dropout(pooled)), states


def adamw(model):
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "norm" in n)]
    rest = [p for n, p in model.named_parameters() if n.endswith("bias") or "norm" in n]
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=1e-4, eps=1e-8)


def examples(count, length, vocab, labels, seed):
    generator = random.Random(seed)
    ids = [[CLS_ID] + [generator.randrange(1000, vocab) for _ in range(length - 2)] + [SEP_ID] for _ in range(count)]
    return torch.tensor(ids), torch.tensor([generator.randrange(labels) for _ in range(count)])


def batch(ids, labels, index, size):
    rows = slice(index * size, (index + 1) * size)
    return ids[rows], torch.ones_like(ids[rows]), torch.zeros_like(ids[rows]), labels[rows], torch.arange(rows.start, rows.stop)


def time_steps(warmup, steps, step):
    seconds = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        step(i)
        if i >= warmup:
            seconds.append(time.perf_counter() - start)
    return seconds


def train_step(model, optimizer, loss):
    value = loss()
    value.item()  # PeaKd reads every loss term to check it is finite; so does this
    value.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad()


def with_autocast(autocast, loss):
    with autocast():
        return loss()


def kd_loss(student_logits, teacher_logits, labels, student_cls, teacher_cls, alpha=0.7, temperature=10.0, beta=100.0):
    soft = F.kl_div(F.log_softmax(student_logits / temperature, 1), F.log_softmax(teacher_logits / temperature, 1),
                    reduction="batchmean", log_target=True) * temperature ** 2
    hard = F.cross_entropy(student_logits, labels)
    patient = F.mse_loss(F.normalize(torch.stack(student_cls, 1), dim=2), F.normalize(torch.stack(teacher_cls, 1), dim=2))
    return alpha * soft + (1 - alpha) * hard + beta * patient


def patient_map(student_depth, teacher_layers):
    """PeaKd's rule (PatientMaps.Evenly): effective layers 0..D-2 meet teacher layers round((i+1)L/D)-1."""
    student = list(range(student_depth - 1))
    return student, [int(math.floor((i + 1) * teacher_layers / student_depth + 0.5)) - 1 for i in student]


def run_case(bench, name):
    spec = bench["cases"][name]
    build = lambda model: Bert(bench["models"][model], bench["vocab_size"], bench["max_position_embeddings"], bench["num_labels"])
    ids, labels = examples(spec["batch"] * (spec["warmup"] + spec["steps"]), spec["sequence"], bench["vocab_size"], bench["num_labels"], seed=1)
    result = {"runtime": "pytorch", "case": name, "examples_per_step": spec["batch"]}
    model = build(spec["model"])
    # bf16 cases: what a PyTorch user runs, autocast around the forward pass and the loss (backward outside it)
    autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=spec.get("precision", "fp32") == "bf16")
    if spec["kind"] == "train-step":
        model.train()
        optimizer = adamw(model)

        def step(i):
            x, mask, types, y, _ = batch(ids, labels, i, spec["batch"])
            train_step(model, optimizer, lambda: with_autocast(autocast, lambda: F.cross_entropy(model(x, mask, types)[0], y)))
    elif spec["kind"] == "inference":
        model.eval()

        def step(i):
            with torch.no_grad(), autocast():
                x, mask, types, _, _ = batch(ids, labels, i, spec["batch"])
                model(x, mask, types)[0].argmax(1).tolist()
    elif spec["kind"] == "kd-epoch":
        teacher = build(spec["teacher"]).eval()
        model.train()
        optimizer = adamw(model)
        student_layers, teacher_layers = patient_map(len(model.uses), len(teacher.uses))
        result["patient_map"] = " ".join(f"{s}->{t}" for s, t in zip(student_layers, teacher_layers))

        def run_teacher(x, mask, types):
            with torch.no_grad(), autocast():
                logits, states = teacher(x, mask, types)
                return logits.float(), torch.stack([state[:, 0] for state in states], 1).float()

        record = None
        if spec["teacher_mode"] == "record":
            start = time.perf_counter()
            parts = [run_teacher(*batch(ids, labels, i, spec["batch"])[:3]) for i in range(spec["warmup"] + spec["steps"])]
            record = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
            result["record_seconds"] = time.perf_counter() - start

        def step(i):
            x, mask, types, y, rows = batch(ids, labels, i, spec["batch"])
            teacher_logits, teacher_cls = (record[0][rows], record[1][rows]) if record else run_teacher(x, mask, types)

            def loss():
                logits, states = model(x, mask, types)
                return kd_loss(logits, teacher_logits, y, [states[s][:, 0] for s in student_layers],
                               [teacher_cls[:, t] for t in teacher_layers])
            train_step(model, optimizer, lambda: with_autocast(autocast, loss))
    else:
        sys.exit(f"reference.py: case kind '{spec['kind']}' has no PyTorch peer.")
    result["step_seconds"] = time_steps(spec["warmup"], spec["steps"], step)
    return result


def peak(size, repetitions, dtype, engine="torch"):
    """The n^3 product's rate in PyTorch, or (fp32) in NumPy, whose BLAS may differ from PyTorch's: the summary takes
    the best of every library measured as the machine's peak, so one slow library cannot lower the bar."""
    torch.manual_seed(1)
    kind = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    a, b = torch.randn(size, size).to(kind), torch.randn(size, size).to(kind)
    if engine == "numpy":
        import numpy
        if dtype != "fp32":
            sys.exit("reference.py: NumPy has no bf16 product; use --engine numpy with --dtype fp32.")
        a, b = numpy.ascontiguousarray(a.numpy()), numpy.ascontiguousarray(b.numpy())
    rates = []
    for i in range(repetitions + 2):
        start = time.perf_counter()
        a @ b
        seconds = time.perf_counter() - start
        if i >= 2:
            rates.append(2.0 * size ** 3 / seconds)
    runtime = "pytorch" if engine == "torch" else "numpy"
    if engine == "numpy":  # NumPy's BLAS takes its threads from the environment (run.sh sets OPENBLAS_NUM_THREADS)
        return {"runtime": runtime, "case": "matmul-peak", "size": size, "dtype": dtype, "flops_per_second": rates,
                "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0")) or None}
    return {"runtime": runtime, "case": "matmul-peak" + ("-bf16" if dtype == "bf16" else ""), "size": size, "dtype": dtype, "flops_per_second": rates}


def load_hf(folder):
    """A Hugging Face BERT classifier folder (config.json, model.safetensors; `peakd export --format hf`) as a Bert with
    its layers in order, read without transformers or safetensors (Debian has neither): an 8-byte header length, a JSON
    header of names, dtypes, shapes and offsets, then the raw little-endian data."""
    with open(f"{folder}/config.json") as f:
        config = json.load(f)
    if config.get("hidden_act", "gelu") != "gelu" or config.get("layer_norm_eps", 1e-12) != 1e-12:
        sys.exit(f"reference.py: {folder}/config.json: the peer computes BERT's exact GELU and LayerNorm eps 1e-12 only.")
    with open(f"{folder}/model.safetensors", "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
        data = f.read()
    header.pop("__metadata__", None)

    def tensor(name):
        if name not in header:
            sys.exit(f"reference.py: {folder}/model.safetensors has no {name}.")
        meta = header[name]
        if meta["dtype"] != "F32":
            sys.exit(f"reference.py: {folder}/model.safetensors: {name} is {meta['dtype']}; the peer reads F32 only.")
        start, end = meta["data_offsets"]
        return torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(meta["shape"])
    layers = config["num_hidden_layers"]
    spec = {"hidden": config["hidden_size"], "heads": config["num_attention_heads"], "intermediate": config["intermediate_size"],
            "layers": " ".join(str(i) for i in range(layers))}
    model = Bert(spec, config["vocab_size"], config["max_position_embeddings"], len(config["id2label"]), dropout=0.0)
    names = {"word.": "bert.embeddings.word_embeddings.", "position.": "bert.embeddings.position_embeddings.",
             "token_type.": "bert.embeddings.token_type_embeddings.", "embedding_norm.": "bert.embeddings.LayerNorm.",
             "pooler.": "bert.pooler.dense.", "classifier.": "classifier."}
    per_layer = {"query.": "attention.self.query.", "key.": "attention.self.key.", "value.": "attention.self.value.",
                 "attention_output.": "attention.output.dense.", "attention_norm.": "attention.output.LayerNorm.",
                 "intermediate.": "intermediate.dense.", "output.": "output.dense.", "output_norm.": "output.LayerNorm."}
    state, used = {}, set()
    for ours in model.state_dict():
        if ours.startswith("layers."):
            _, index, rest = ours.split(".", 2)
            prefix = next(p for p in per_layer if rest.startswith(p) and rest[len(p):] in ("weight", "bias"))
            theirs = f"bert.encoder.layer.{index}.{per_layer[prefix]}{rest[len(prefix):]}"
        else:
            prefix = next(p for p in names if ours.startswith(p))
            theirs = names[prefix] + ours[len(prefix):]
        state[ours] = tensor(theirs)
        used.add(theirs)
    unused = sorted(set(header) - used - {"bert.embeddings.position_ids"})  # HF's index buffer, not a weight
    if unused:
        sys.exit(f"reference.py: {folder}/model.safetensors holds tensors the peer's BERT has no place for: {', '.join(unused[:5])}")
    model.load_state_dict(state)
    return model.eval()


def serving(folder, batch_size, length, steps, expect):
    """Logits of `batch_size` random texts of `length` tokens, timed like PeaKd.Bench serving (3 warm-up calls); with
    `expect`, PeaKd's token ids and logits for the same model, which this model must reproduce (within 1e-4) first."""
    model = load_hf(folder)
    result = {"runtime": "pytorch", "case": "serving", "engine": "pytorch-fp32", "model": folder.rstrip("/").split("/")[-1],
              "batch": batch_size, "length": length}
    with torch.inference_mode():
        if expect:
            with open(expect) as f:
                expected = json.load(f)
            ids = torch.tensor(expected["input_ids"])
            logits, _ = model(ids, torch.ones_like(ids), torch.zeros_like(ids))
            difference = (logits - torch.tensor(expected["logits"])).abs().max().item()
            if not difference <= 1e-4:  # NaN fails too
                sys.exit(f"reference.py: {folder}: logits differ from {expect} by {difference:.2e}; the peer does not compute PeaKd's model.")
            result["max_logit_difference_to_peakd"] = difference
        generator = random.Random(1)
        ids = torch.tensor([[generator.randrange(1000, model.word.num_embeddings) for _ in range(length)] for _ in range(batch_size)])
        mask, types = torch.ones_like(ids), torch.zeros_like(ids)
        result["examples_per_step"] = batch_size
        result["step_seconds"] = time_steps(3, steps, lambda i: model(ids, mask, types))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    sub = parser.add_subparsers(dest="command", required=True)
    case = sub.add_parser("case")
    case.add_argument("name")
    case.add_argument("--cases", default="bench/cases.json")
    peak_parser = sub.add_parser("peak")
    peak_parser.add_argument("--size", type=int, default=2048)
    peak_parser.add_argument("--repetitions", type=int, default=10)
    peak_parser.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    peak_parser.add_argument("--engine", choices=["torch", "numpy"], default="torch")
    serving_parser = sub.add_parser("serving")
    serving_parser.add_argument("--model", required=True, help="a Hugging Face folder (peakd export --format hf)")
    serving_parser.add_argument("--batch", type=int, default=1)
    serving_parser.add_argument("--length", type=int, default=128)
    serving_parser.add_argument("--steps", type=int, default=20)
    serving_parser.add_argument("--expect", help="PeaKd.Bench serving --write-logits output to reproduce first")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    if args.command == "peak":
        result = peak(args.size, args.repetitions, args.dtype, args.engine)
    elif args.command == "serving":
        result = serving(args.model, args.batch, args.length, args.steps, args.expect)
    else:
        with open(args.cases) as f:
            bench = json.load(f)
        if args.name not in bench["cases"]:
            sys.exit(f"reference.py: unknown case '{args.name}'; {args.cases} has {', '.join(bench['cases'])}.")
        result = run_case(bench, args.name)
    result.setdefault("threads", torch.get_num_threads())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
