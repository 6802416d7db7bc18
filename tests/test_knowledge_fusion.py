"""The BM25 signal computed for PostgreSQL, whose ts_rank has none."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from knowledge import fusion


def chunk(cid: int, title: str, content: str, heading: str = "", rank: float = 0.0):
    return SimpleNamespace(id=cid, title=title, heading=heading, content=content, rank=rank)


def test_bm25_matches_words_as_the_index_does():
    terms = fusion._Terms(["embed", "widget"], "en")
    weights = {"emb": 2.0, "widget": 1.0}
    # "embed" is "emb" to the stemmer; "Embedding" is "embed": matched as a prefix.
    embedding = chunk(1, "Guide", "Embedding the widget takes one line.")
    unrelated = chunk(2, "Guide", "Prices are listed on the plans page.")
    widget_only = chunk(3, "Guide", "The widget shows sources.")
    scores = [fusion.bm25(c, weights, terms, "en") for c in (embedding, unrelated, widget_only)]
    assert scores[1] == 0.0
    assert scores[0] > scores[2] > 0.0


def test_bm25_weighs_rare_words_and_titles_more():
    terms = fusion._Terms(["refund", "order"], "en")
    weights = {"refund": 3.0, "order": 0.5}
    rare = chunk(1, "Help", "A refund takes a week.")
    common = chunk(2, "Help", "An order takes a week.")
    titled = chunk(3, "Refunds", "It takes a week.")
    score = {c.id: fusion.bm25(c, weights, terms, "en") for c in (rare, common, titled)}
    assert score[1] > score[2] > 0.0
    assert score[3] > score[1]


def test_features_use_the_computed_bm25_only_when_given_the_words():
    rows = {
        1: chunk(1, "Help", "An order takes a week.", rank=0.9),
        2: chunk(2, "Help", "A refund takes a week.", rank=0.1),
    }
    weights = {"refund": 3.0, "order": 0.5}
    args = (rows, {1: 0, 2: 1}, {1: 0.2, 2: 0.2}, {1: 0.0, 2: 0.0}, weights, "en")
    column = fusion.NAMES.index("bm25")
    _, database = fusion.features(*args)
    assert np.allclose(database[:, column], [1.0, 0.1 / 0.9])
    _, computed = fusion.features(*args, bm25_words=["refund", "order"])
    assert computed[1, column] == 1.0 and 0.0 < computed[0, column] < 1.0
