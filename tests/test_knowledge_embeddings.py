"""The local embedding model: loads from its wheel with no network, and means something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Any attempt to reach the network raises.
NO_NETWORK = """
import socket

def refuse(*args, **kwargs):
    raise OSError("network access attempted")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
"""
SCRIPT = """
from knowledge.embeddings import embed_local

vectors = embed_local(["Orders ship within two business days.", "How long does delivery take?",
                       "The boiling point of tungsten"])
print(vectors.shape[1], round(float(vectors[0] @ vectors[1]), 3),
      round(float(vectors[0] @ vectors[2]), 3))
"""


def run_offline(script: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run script in a new Python with the network refused and home as an empty HOME,
    so that no model cache can help."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_", "HUGGINGFACE", "XDG_", "SENTENCE_TRANSFORMERS"))
    }
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", NO_NETWORK + script],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_model_loads_with_the_network_unreachable(tmp_path):
    result = run_offline(SCRIPT, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    width, related, unrelated = result.stdout.split()
    assert width == "256"
    assert float(related) > float(unrelated) + 0.2
    assert not any(tmp_path.rglob("*.safetensors")), "nothing may be downloaded or cached"


def test_vectors_are_wordllamas_own():
    """The unpadded batch gives the vectors WordLlama's own embed() gives, for odd text too."""
    import numpy as np

    from knowledge import embeddings

    texts = [
        "Orders ship within two business days.",
        "a    b  ",
        "tab\there\nnew  line\r\nend",
        "日本語のテキスト です, emoji 🎉🎉, café ﬁne",
        "<s> special </s> and <unk>",
        "x" * 3000,
    ]
    embeddings._recent.clear()
    ours = embeddings.embed_local(texts)
    theirs = embeddings.local_model().embed(texts, norm=True)
    assert np.allclose(ours, theirs, atol=1e-5)
