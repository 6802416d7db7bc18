"""Fit the ranking weights (knowledge/fusion.py) and the answer-or-fallback model
(knowledge/confidence.py) on the tuning questions of bench/quality.py."""

from __future__ import annotations

import numpy as np

from knowledge import confidence, fusion


def _logistic(x: np.ndarray, y: np.ndarray, steps: int = 20000, rate: float = 0.5) -> np.ndarray:
    """Return class-balanced logistic regression weights (first column is the bias)."""
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    # Both kinds of mistake cost the same, however unequal the classes.
    balance = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= rate * (x.T @ ((p - y) * balance)) / len(y)
    return w


def fit_confidence(samples: list[tuple[list[float], int]]) -> None:
    """Fit and print confidence.COEF with the tuning trade-off at a few thresholds."""
    x = np.array([f for f, _ in samples], dtype=float)
    y = np.array([label for _, label in samples], dtype=float)
    w = _logistic(x, y)
    p = 1 / (1 + np.exp(-(w[0] + x @ w[1:])))
    names = ["bias", *confidence.NAMES]
    print(
        "confidence COEF = {"
        + ", ".join(f'"{n}": {v:.3f}' for n, v in zip(names, w, strict=False))
        + "}"
    )
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        print(
            f"  threshold {t}: related answered {np.mean(p[y == 1] >= t):.3f}, "
            f"others refused {np.mean(p[y == 0] < t):.3f} (tuning)"
        )


Candidates = list[tuple[int, bool, list[float]]]  # document id, right page?, signals


def _recall(questions: list[Candidates], coef: np.ndarray) -> tuple[float, float]:
    """Return document-level (R@1, R@5) over questions with the given weights."""
    r1 = r5 = 0
    for q in questions:
        ranked = sorted(q, key=lambda c: -float(np.dot(c[2], coef)))
        pages = list(dict.fromkeys((doc, right) for doc, right, _ in ranked))[:5]
        r1 += bool(pages and pages[0][1])
        r5 += any(right for _, right in pages)
    return r1 / len(questions), r5 / len(questions)


def fit_ranking(questions: list[Candidates], passes: int = 4) -> None:
    """Search fusion.COEF one weight at a time for the best tuning R@1 + R@5; print it."""
    alternatives = {
        "BM25 rank only": [1, 0, 0, 0, 0, 0],
        "cosine only": [0, 0, 1, 0, 0, 0],
        "word coverage only": [0, 0, 0, 1, 0, 0],
        "BM25 rank + cosine": [20, 0, 1, 0, 0, 0],
    }
    for name, weights in alternatives.items():
        r1, r5 = _recall(questions, np.array(weights, dtype=float))
        print(f"  {name}: tuning R@1 {r1:.3f}, R@5 {r5:.3f}")
    coef = np.array(fusion.COEF, dtype=float)
    best = sum(_recall(questions, coef))
    print(f"  current: tuning R@1, R@5 = {_recall(questions, coef)}")
    for _ in range(passes):
        for i in range(len(coef)):
            for factor in (0.0, 0.25, 0.5, 0.8, 1.25, 2.0, 4.0):
                trial = coef.copy()
                trial[i] = coef[i] * factor if coef[i] else factor * 0.5
                score = sum(_recall(questions, trial))
                if score > best + 1e-9:
                    best, coef = score, trial
    print("fusion COEF = np.array([" + ", ".join(f"{v:.4g}" for v in coef) + "])")
    print(f"  fitted: tuning R@1, R@5 = {_recall(questions, coef)}")
