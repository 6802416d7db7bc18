"""Query analysis: stems right under threads, stop words and stemmers per language."""

from __future__ import annotations

import random
import threading

import snowballstemmer

from knowledge import terms
from knowledge.terms import query_words, stem

WORDS = (
    "running shipped refunds connections generously happily organisational cancelling "
    "international warehouses tracking delivered answering documentation configurations "
    "expected replacements installation rationalisation packaging"
).split()


def test_eight_threads_get_the_same_stems_as_one():
    reference = snowballstemmer.stemmer("english")
    rng = random.Random(5)
    # 20,000 fresh words defeat the cache, so every call reaches a stemmer.
    endings = ["ing", "ed", "s", "ation", "ly", "ness", "ement"]
    jobs = [
        [
            rng.choice(WORDS)
            + "".join(rng.choice("abcdefghij") for _ in range(3))
            + rng.choice(endings)
            for _ in range(2500)
        ]
        for _ in range(8)
    ]
    expected = {w: reference.stemWord(w) for job in jobs for w in job}
    terms._stem.cache_clear()
    wrong: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(words: list[str]) -> None:
        start.wait()
        try:
            for word in words:
                got = stem(word)
                if got != expected[word]:
                    wrong.append((word, got))
        except BaseException as exc:  # noqa: BLE001 - an IndexError is what this test is for
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and wrong == []
    # What the cache kept is right too.
    assert all(stem(w) == expected[w] for job in jobs for w in job[:200])


def test_stemmer_and_stop_words_follow_the_language():
    assert stem("livraisons", "fr") == stem("livraison", "fr")
    assert stem("Lieferungen".lower(), "de") == stem("lieferung", "de")
    assert stem("unknown-language-falls-back", "xx") == stem("unknown-language-falls-back")
    assert query_words("Combien de temps prend la livraison ?", "fr") == [
        "temps",
        "prend",
        "livraison",
    ]
    assert query_words("Wie lange dauert die Lieferung?", "de") == ["lange", "dauert", "lieferung"]
    assert query_words("How long does shipping take?") == ["long", "shipping", "take"]
