"""The quality benchmark's questions fit its corpora: a miss is the engine's, not the key's.

Every label names exactly one page, and every fact asked for is in the page that
answers it (bench/quality.py counts an offline answer as holding the fact by the same
regular expression). A corpus whose files this machine lacks is skipped.
"""

from __future__ import annotations

import re

import pytest

from bench import corpora, questions

SETS = {"reference": questions.REFERENCE, "guide": questions.GUIDE, "faq": questions.FAQ}


def _matches(label: str, title: str, kind: str) -> bool:
    # As bench/quality.matches: a FAQ label is a unique part of its question's title.
    return label in title if kind == "faq" else title == label


@pytest.fixture(scope="module", params=list(SETS))
def corpus(request):
    pages = corpora.CORPORA[request.param]()
    if not pages:
        pytest.skip(f"the {request.param} corpus's files are not installed here")
    return request.param, pages


def test_every_label_names_exactly_one_page(corpus):
    kind, pages = corpus
    for question, label, *_ in SETS[kind]:
        found = [t for t in pages if _matches(label, t, kind)]
        assert len(found) == 1, (question, label, found)


def test_every_fact_is_in_the_page_that_answers(corpus):
    kind, pages = corpus
    asked = [(q, label) for q, label, *_ in SETS[kind] if q in questions.FACTS]
    assert asked
    for question, label in asked:
        page = next(body for title, body in pages.items() if _matches(label, title, kind))
        assert re.search(questions.FACTS[question], page), (question, questions.FACTS[question])


def test_every_fact_belongs_to_a_question_and_questions_are_unique():
    related = [q for s in SETS.values() for q, *_ in s]
    asked = related + questions.UNRELATED + questions.LOOKALIKE
    assert len(asked) == len(set(asked))
    assert set(questions.FACTS) <= set(related)
