"""The passage model: loads from its wheel with no network, and reads passages by meaning."""

from __future__ import annotations

import numpy as np

from knowledge import passage_model
from tests.test_knowledge_embeddings import run_offline

SCRIPT = """
from knowledge.passage_model import encode

vectors = encode(["Orders ship within two business days.", "When will my parcel arrive?",
                  "The boiling point of tungsten"])
print(vectors.shape[1], round(float(vectors[0] @ vectors[1]), 3),
      round(float(vectors[0] @ vectors[2]), 3))
"""


def test_the_model_loads_with_the_network_unreachable(tmp_path):
    result = run_offline(SCRIPT, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    width, related, unrelated = result.stdout.split()
    assert width == "384"
    assert float(related) > float(unrelated) + 0.2
    assert not any(tmp_path.rglob("*")), "nothing may be downloaded, extracted or cached"


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch():
    texts = ["How do I reset my password?", "Refunds take fourteen days.", ""]
    together = passage_model.encode(texts)
    alone = np.vstack([passage_model.encode([t]) for t in texts])
    assert together.dtype == np.float32 and together.shape == (3, passage_model.DIMENSIONS)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-6)


def test_a_long_passage_is_read_up_to_the_models_length():
    long = "Refunds are issued within fourteen days. " * 200  # about 1,400 tokens
    head = "Refunds are issued within fourteen days. " * 40  # past 256 tokens already
    vectors = passage_model.encode([long, head])
    assert float(vectors[0] @ vectors[1]) > 0.999


def test_questions_find_their_passage_in_other_words():
    passages = [
        "Orders ship within two business days; international delivery takes a week.",
        "Refunds are issued within fourteen days of receiving the returned item.",
        "Gift cards never expire and can be combined with discount codes.",
    ]
    questions = [
        "when will my parcel get here",
        "how long until I get my money back",
        "is there a date after which a voucher stops working",
    ]
    cosine = passage_model.encode(questions) @ passage_model.encode(passages).T
    assert list(cosine.argmax(axis=1)) == [0, 1, 2]


def test_a_missing_wheel_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(passage_model, "PACKAGE", "no_such_passage_model_package")
    assert passage_model.available() is False
    try:
        passage_model.archive()
    except passage_model.ModelMissing as exc:
        assert "requirements-model.txt" in str(exc)
    else:
        raise AssertionError("archive() found a package that is not installed")
