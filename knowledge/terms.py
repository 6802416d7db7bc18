"""Query analysis shared by every backend: words, stop words, stems, weights."""

from __future__ import annotations

import math
import re
from functools import lru_cache

import snowballstemmer

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_TERMS = 12
# English function words plus the filler of questions typed into a chat box.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each either else etc ever every few for from further get gets got had hadn
    has hasn have haven having he her here hers herself him himself his how however i if in
    into is isn it its itself just let like ll me might more most must my myself no nor not now
    of off on once one only or other otherwise our ours ourselves out over own per please re
    same shall she should shouldn so some such than that the their theirs them themselves then
    there these they this those through thus to too under until up upon us ve very via was
    wasn we were weren what whatever when where whether which while who whom whose why will
    with within without won would wouldn yes yet you your yours yourself yourselves
    anyone anything someone something tell know want wanted need needs explain hi hello hey
    thanks thank possible way ways""".split()
)
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the Snowball (Porter 2) stem of a lower-case word."""
    return _stemmer.stemWord(word)


def query_words(question: str) -> list[str]:
    """Return a question's searchable words, lower case, one per stem, in order."""
    seen: set[str] = set()
    words = []
    for word in WORD_RE.findall(question.lower()):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        root = stem(word)
        if root not in seen:
            seen.add(root)
            words.append(word)
    return words[:MAX_TERMS]


def stems_of(text: str) -> list[str]:
    """Return the stems of every word in text, in order."""
    return [stem(w) for w in WORD_RE.findall(text.lower())]


def idf(doc_freq: int, total: int) -> float:
    """Return BM25's inverse document frequency, never below a small positive floor."""
    total = max(total, doc_freq, 1)
    return max(0.05, math.log(1 + (total - doc_freq + 0.5) / (doc_freq + 0.5)))
