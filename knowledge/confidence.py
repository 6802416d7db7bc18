"""Decide between answering and the fallback from the fused evidence.

A logistic model over the top passage's word coverage and cosine similarity, the best
of each among all candidates, and the share of the question's weight carried by words
no document holds. Its coefficients were fitted on the tuning half of
bench/quality.py (`--calibrate` prints them again); the held-out half only measures.
"""

from __future__ import annotations

import math
from typing import Any

NAMES = ["coverage", "cosine", "best_coverage", "best_cosine", "unknown"]
# Fitted by `bench/quality.py --calibrate` on the tuning questions.
COEF = {
    "bias": -6.786,
    "coverage": 8.943,
    "cosine": 2.740,
    "best_coverage": -3.841,
    "best_cosine": 13.239,
    "unknown": -8.491,
}


def probability(features: list[float]) -> float:
    """Return the calibrated probability that the top passage answers the question."""
    z = COEF["bias"] + sum(COEF[name] * value for name, value in zip(NAMES, features, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def threshold(config: Any) -> float:
    """Return the probability above which a bot answers (the RETRIEVAL_CONFIDENCE setting)."""
    return float(config["RETRIEVAL_CONFIDENCE"])
