#!/usr/bin/python3
"""Writes the tiny-BERT reference fixture that PeaKd.Tests compares its modeling code against.

An independent BERT forward pass written directly in PyTorch (explicit attention with softmax, no
Hugging Face code), with fixed random weights. Run with Debian's python3-torch:

    apt-get install python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/make_reference_fixture.py PeaKd.Tests/Fixtures

Writes:
  tiny-bert/           config.json, model.safetensors (BertForSequenceClassification names), vocab.txt
  tiny-bert/reference.safetensors   inputs and expected outputs (hidden state after every layer,
                                    pooled output, logits) in float32
  tiny-bert-backbone/  the same backbone as a bare BertModel pytorch_model.bin with legacy
                       LayerNorm gamma/beta names, a position_ids buffer and a pretraining head
"""
import json
import math
import os
import struct
import sys

import torch

CONFIG = {
    "architectures": ["BertForSequenceClassification"],
    "model_type": "bert",
    "vocab_size": 50,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 48,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 24,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "initializer_range": 0.02,
    "pad_token_id": 0,
    "id2label": {"0": "negative", "1": "neutral", "2": "positive"},
    "label2id": {"negative": 0, "neutral": 1, "positive": 2},
}


def random_weights(generator):
    c = CONFIG
    h, i = c["hidden_size"], c["intermediate_size"]

    def normal(*shape, std=0.3):
        return torch.randn(*shape, generator=generator) * std

    w = {
        "bert.embeddings.word_embeddings.weight": normal(c["vocab_size"], h),
        "bert.embeddings.position_embeddings.weight": normal(c["max_position_embeddings"], h),
        "bert.embeddings.token_type_embeddings.weight": normal(c["type_vocab_size"], h),
        "bert.embeddings.LayerNorm.weight": 1 + normal(h, std=0.1),
        "bert.embeddings.LayerNorm.bias": normal(h, std=0.1),
    }
    for n in range(c["num_hidden_layers"]):
        p = f"bert.encoder.layer.{n}."
        for name in ("query", "key", "value"):
            w[p + f"attention.self.{name}.weight"] = normal(h, h)
            w[p + f"attention.self.{name}.bias"] = normal(h, std=0.1)
        w[p + "attention.output.dense.weight"] = normal(h, h)
        w[p + "attention.output.dense.bias"] = normal(h, std=0.1)
        w[p + "attention.output.LayerNorm.weight"] = 1 + normal(h, std=0.1)
        w[p + "attention.output.LayerNorm.bias"] = normal(h, std=0.1)
        w[p + "intermediate.dense.weight"] = normal(i, h)
        w[p + "intermediate.dense.bias"] = normal(i, std=0.1)
        w[p + "output.dense.weight"] = normal(h, i)
        w[p + "output.dense.bias"] = normal(h, std=0.1)
        w[p + "output.LayerNorm.weight"] = 1 + normal(h, std=0.1)
        w[p + "output.LayerNorm.bias"] = normal(h, std=0.1)
    w["bert.pooler.dense.weight"] = normal(h, h)
    w["bert.pooler.dense.bias"] = normal(h, std=0.1)
    w["classifier.weight"] = normal(len(CONFIG["id2label"]), h)
    w["classifier.bias"] = normal(len(CONFIG["id2label"]), std=0.1)
    return {k: v.float().contiguous() for k, v in w.items()}


def layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + CONFIG["layer_norm_eps"]) * weight + bias


def linear(x, w, prefix):
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def forward(w, input_ids, attention_mask, token_type_ids):
    """BERT in eval mode, written out by hand: returns (hidden state after each layer, pooled, logits)."""
    c = CONFIG
    heads, h = c["num_attention_heads"], c["hidden_size"]
    d = h // heads
    batch, length = input_ids.shape
    positions = torch.arange(length).unsqueeze(0).expand(batch, length)
    x = (w["bert.embeddings.word_embeddings.weight"][input_ids]
         + w["bert.embeddings.position_embeddings.weight"][positions]
         + w["bert.embeddings.token_type_embeddings.weight"][token_type_ids])
    x = layer_norm(x, w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"])
    # padding keys get -inf-like scores; computed in float64 from the mask
    bias = (1.0 - attention_mask.to(torch.float32))[:, None, None, :] * torch.finfo(torch.float32).min

    states = []
    for n in range(c["num_hidden_layers"]):
        p = f"bert.encoder.layer.{n}."

        def heads_of(t):
            return t.view(batch, length, heads, d).permute(0, 2, 1, 3)

        q = heads_of(linear(x, w, p + "attention.self.query"))
        k = heads_of(linear(x, w, p + "attention.self.key"))
        v = heads_of(linear(x, w, p + "attention.self.value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
        probs = torch.softmax(scores, dim=-1)
        context = (probs @ v).permute(0, 2, 1, 3).reshape(batch, length, h)
        attended = layer_norm(linear(context, w, p + "attention.output.dense") + x,
                              w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        inner = linear(attended, w, p + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + torch.erf(inner / math.sqrt(2.0)))  # BERT's exact GELU
        x = layer_norm(linear(inner, w, p + "output.dense") + attended,
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        states.append(x)
    pooled = torch.tanh(linear(x[:, 0], w, "bert.pooler.dense"))
    logits = linear(pooled, w, "classifier")
    return states, pooled, logits


def write_safetensors(path, tensors, metadata=None):
    """The safetensors format, written by hand: u64 header size, JSON header, raw little-endian data."""
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def main(out):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(20200930)
    w = random_weights(generator)

    # three rows: a full sentence pair, and two padded ones
    input_ids = torch.tensor([
        [2, 11, 12, 13, 3, 21, 22, 23, 24, 3],
        [2, 31, 32, 33, 34, 35, 3, 0, 0, 0],
        [2, 41, 42, 3, 43, 3, 0, 0, 0, 0],
    ])
    attention_mask = (input_ids != 0).long()
    token_type_ids = torch.tensor([
        [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 1, 1, 0, 0, 0, 0],
    ])
    with torch.no_grad():
        states, pooled, logits = forward(w, input_ids, attention_mask, token_type_ids)

    model_dir = os.path.join(out, "tiny-bert")
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    write_safetensors(os.path.join(model_dir, "model.safetensors"), w, {"format": "pt"})
    with open(os.path.join(model_dir, "vocab.txt"), "w") as f:
        f.write("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"tok{i}" for i in range(5, 50)]) + "\n")
    expected = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids,
                "pooled_output": pooled, "logits": logits}
    for n, state in enumerate(states):
        expected[f"hidden_states.{n}"] = state
    write_safetensors(os.path.join(model_dir, "reference.safetensors"), expected,
                      {"generator": "tools/make_reference_fixture.py", "torch": torch.__version__})

    # The same backbone as an old-style BertForPreTraining checkpoint: bare keys, gamma/beta, extra entries.
    backbone_dir = os.path.join(out, "tiny-bert-backbone")
    os.makedirs(backbone_dir, exist_ok=True)
    config = {k: v for k, v in CONFIG.items() if k not in ("id2label", "label2id", "architectures")}
    with open(os.path.join(backbone_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    bare = {}
    for key, value in w.items():
        if key.startswith("classifier."):
            continue
        key = key[len("bert."):]
        key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        bare[key] = value
    bare["embeddings.position_ids"] = torch.arange(CONFIG["max_position_embeddings"]).unsqueeze(0)
    bare["cls.seq_relationship.weight"] = torch.randn(2, CONFIG["hidden_size"], generator=generator)
    bare["cls.seq_relationship.bias"] = torch.zeros(2)
    torch.save(bare, os.path.join(backbone_dir, "pytorch_model.bin"))
    print(f"wrote {model_dir} and {backbone_dir}; logits[0] = {logits[0].tolist()}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "PeaKd.Tests/Fixtures")
