"""Decide between answering and the fallback from the fused evidence.

A logistic model over the top passage's word coverage and cosine similarity, the best
of each among all candidates, and the share of the question's weight carried by words
no document holds; when the candidates have passage vectors, also the passage model's
cosine of the top passage and the best one (a second model, COEF_PASSAGE). The
coefficients were fitted on the tuning half of bench/quality.py (`--calibrate` prints
them again); the held-out half only measures.
"""

from __future__ import annotations

import math
from typing import Any

NAMES = ["coverage", "cosine", "best_coverage", "best_cosine", "unknown"]
NAMES_PASSAGE = [*NAMES, "passage", "best_passage"]
# Fitted by `bench/quality.py --calibrate` on the tuning questions.
COEF = {
    "bias": -6.786,
    "coverage": 8.943,
    "cosine": 2.740,
    "best_coverage": -3.841,
    "best_cosine": 13.239,
    "unknown": -8.491,
}


COEF_PASSAGE = {
    "bias": -6.786,
    "coverage": 5.269,
    "cosine": -0.662,
    "best_coverage": -3.012,
    "best_cosine": 0.139,
    "unknown": -12.168,
    "passage": 11.637,
    "best_passage": 11.146,
}


def probability(features: list[float]) -> float:
    """Return the calibrated probability that the top passage answers the question
    (features as NAMES, or as NAMES_PASSAGE when the candidates had passage vectors)."""
    names, coef = (NAMES_PASSAGE, COEF_PASSAGE) if len(features) > len(NAMES) else (NAMES, COEF)
    z = coef["bias"] + sum(coef[name] * value for name, value in zip(names, features, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def threshold(config: Any) -> float:
    """Return the probability above which a bot answers (the RETRIEVAL_CONFIDENCE setting)."""
    return float(config["RETRIEVAL_CONFIDENCE"])
