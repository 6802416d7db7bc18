"""Query analysis shared by every backend: words, stop words, stems, weights."""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

import snowballstemmer

from knowledge.languages import DEFAULT, LANGUAGES, STOPWORDS, normalise

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 12
STOPWORDS_EN = STOPWORDS[DEFAULT]
# A Snowball stemmer keeps its state on the instance: sharing one between threads
# mixes their words. Each thread gets its own, per language.
_local = threading.local()


def _stemmer(language: str) -> snowballstemmer.Stemmer:
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = snowballstemmer.stemmer(LANGUAGES[language][1])
    return stemmer


@lru_cache(maxsize=200_000)
def _stem(word: str, language: str) -> str:
    # Cached results come from a thread's own stemmer, so every cached stem is right.
    return _stemmer(language).stemWord(word)


def stem(word: str, language: str = DEFAULT) -> str:
    """Return the Snowball stem of a lower-case word in the given language."""
    return _stem(word, normalise(language))


def query_words(question: str, language: str = DEFAULT) -> list[str]:
    """Return a question's searchable words, lower case, one per stem, in order."""
    language = normalise(language)
    stop = STOPWORDS[language] | STOPWORDS_EN if language != DEFAULT else STOPWORDS_EN
    seen: set[str] = set()
    words = []
    for word in WORD_RE.findall(question.lower()):
        if word in stop or (len(word) < 2 and not word.isdigit()):
            continue
        root = stem(word, language)
        if root not in seen:
            seen.add(root)
            words.append(word)
    return words[:MAX_TERMS]


def stems_of(text: str, language: str = DEFAULT) -> list[str]:
    """Return the stems of every word in text, in order."""
    language = normalise(language)
    return [_stem(w, language) for w in WORD_RE.findall(text.lower())]


def idf(doc_freq: int, total: int) -> float:
    """Return BM25's inverse document frequency, never below a small positive floor."""
    total = max(total, doc_freq, 1)
    return max(0.05, math.log(1 + (total - doc_freq + 0.5) / (doc_freq + 0.5)))
