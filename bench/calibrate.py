"""Fit the ranking weights (knowledge/fusion.py) and the answer-or-fallback model
(knowledge/confidence.py) on the tuning questions of bench/quality.py.

Each fit is also cross-validated inside the tuning half: fitted on all folds but one,
measured on that one, so that a gain that only memorises the tuning questions shows.
The folds split by question (an unrelated question is asked of every bot, and all its
trials fall in the same fold).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

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


THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def fold_of(question: str, folds: int, seed: int = 0) -> int:
    """Return the fold of a tuning question (a fixed hash, independent of the halves' split)."""
    return zlib.crc32(f"{seed}:{question}".encode()) % folds


def _probability(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + x @ w[1:])))


def fit_confidence(
    samples: list[tuple[list[float], int]], groups: list[str] | None = None, folds: int = 5
) -> None:
    """Fit and print confidence.COEF with the tuning trade-off at a few thresholds.

    Given each sample's question (groups), also print the trade-off of models fitted
    without the question's fold, over three different fold assignments.
    """
    x = np.array([f for f, _ in samples], dtype=float)
    y = np.array([label for _, label in samples], dtype=float)
    passage = x.shape[1] > len(confidence.NAMES)
    w = _logistic(x, y)
    p = _probability(w, x)
    names = ["bias", *(confidence.NAMES_PASSAGE if passage else confidence.NAMES)]
    print(
        f"confidence {'COEF_PASSAGE' if passage else 'COEF'} = {{"
        + ", ".join(f'"{n}": {v:.3f}' for n, v in zip(names, w, strict=False))
        + "}"
    )
    for t in THRESHOLDS:
        print(
            f"  threshold {t}: related answered {np.mean(p[y == 1] >= t):.3f}, "
            f"others refused {np.mean(p[y == 0] < t):.3f} (tuning, fitted on all of it)"
        )
    if not groups:
        return
    held = []  # each sample's probability from a model that did not see its question
    for seed in range(3):
        fold = np.array([fold_of(g, folds, seed) for g in groups])
        out = np.zeros(len(y))
        for k in range(folds):
            test = fold == k
            out[test] = _probability(_logistic(x[~test], y[~test]), x[test])
        held.append(out)
    for t in THRESHOLDS:
        answered = [np.mean(p[y == 1] >= t) for p in held]
        refused = [np.mean(p[y == 0] < t) for p in held]
        print(
            f"  threshold {t}: related answered {min(answered):.3f}-{max(answered):.3f}, "
            f"others refused {min(refused):.3f}-{max(refused):.3f} "
            f"({folds}-fold cross-validation, three splits)"
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


def _search(questions: list[Candidates], coef: np.ndarray, passes: int) -> np.ndarray:
    """Return the weights found one at a time, from coef, for the best R@1 + R@5."""
    best = sum(_recall(questions, coef))
    for _ in range(passes):
        for i in range(len(coef)):
            for factor in (0.0, 0.25, 0.5, 0.8, 1.25, 2.0, 4.0):
                trial = coef.copy()
                trial[i] = coef[i] * factor if coef[i] else factor * 0.5
                score = sum(_recall(questions, trial))
                if score > best + 1e-9:
                    best, coef = score, trial
    return coef


def cross_validate(
    questions: list[Candidates],
    texts: list[str],
    fit: Callable[[list[Candidates]], np.ndarray],
    folds: int = 2,
    seeds: int = 3,
) -> tuple[float, float]:
    """Return the mean (R@1, R@5) on each fold of weights fitted on the other folds."""
    total = np.zeros(2)
    for seed in range(seeds):
        fold = [fold_of(t, folds, seed) for t in texts]
        for k in range(folds):
            train = [q for q, f in zip(questions, fold, strict=True) if f != k]
            test = [q for q, f in zip(questions, fold, strict=True) if f == k]
            if train and test:
                total += np.array(_recall(test, fit(train))) * len(test)
    r1, r5 = total / (len(questions) * seeds)
    return float(r1), float(r5)


def fit_ranking(
    questions: list[Candidates], passes: int = 4, texts: list[str] | None = None
) -> None:
    """Search fusion.COEF (or COEF_PASSAGE, when the candidates had passage vectors) one
    weight at a time for the best tuning R@1 + R@5; print it.

    Given the questions' texts, also print the recall of the search cross-validated on
    two folds (weights searched on one half of the tuning questions, measured on the other).
    """
    # Questions whose candidates had passage vectors are fitted from the weights with them.
    passage = any(c[2][fusion.NAMES.index("passage")] for q in questions for c in q)
    alternatives = {
        "BM25 rank only": [1, 0, 0, 0, 0, 0, 0],
        "cosine only": [0, 0, 1, 0, 0, 0, 0],
        "word coverage only": [0, 0, 0, 1, 0, 0, 0],
        "BM25 rank + cosine": [20, 0, 1, 0, 0, 0, 0],
        "passage cosine only": [0, 0, 0, 0, 0, 0, 1],
    }
    for name, weights in alternatives.items():
        r1, r5 = _recall(questions, np.array(weights, dtype=float))
        print(f"  {name}: tuning R@1 {r1:.3f}, R@5 {r5:.3f}")
    start = np.array(fusion.COEF_PASSAGE if passage else fusion.COEF, dtype=float)
    print(f"  current: tuning R@1, R@5 = {_recall(questions, start)}")
    coef = _search(questions, start, passes)
    name = "COEF_PASSAGE" if passage else "COEF"
    print(f"fusion {name} = np.array([" + ", ".join(f"{v:.4g}" for v in coef) + "])")
    print(f"  fitted: tuning R@1, R@5 = {_recall(questions, coef)}")
    if texts:
        r1, r5 = cross_validate(questions, texts, lambda train: _search(train, start, passes))
        print(f"  searched on one fold, measured on the other: R@1 {r1:.3f}, R@5 {r5:.3f}")
