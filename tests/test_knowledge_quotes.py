"""The offline engine quotes the sentence that answers, with the option or signature it is about."""

from __future__ import annotations

from engine.providers import compose
from knowledge.passages import Passage
from knowledge.quotes import best_sentences


def passage(text: str, title: str = "Manual", n: int = 1) -> Passage:
    return Passage(n, n, title, "", text, None, None, None, 0.8)


GREP = (
    "‘--no-ignore-case’ Do not ignore case distinctions in patterns and input data. "
    "This is the default. This option is useful for passing to shell scripts that already "
    "use ‘-i’, in order to cancel its effects because the two options override each other.\n\n"
    "‘-v’ ‘--invert-match’ Invert the sense of matching, to select non-matching lines.\n\n"
    "‘-w’ ‘--word-regexp’ Select only those lines containing matches that form whole words."
)

# pydoc's rendering of a class, as ingestion stores it: its lines joined by " | ".
NORMAL_DIST = (
    "class NormalDist(builtins.object) | NormalDist(mu=0.0, sigma=1.0) | | Normal "
    "distribution of a random variable | | Methods defined here: | | samples(self, n, *, "
    "seed=None) | Generate *n* samples for a given mean and standard deviation. | | "
    "zscore(self, x) | Compute the Standard Score. | | "
    "---------------------------------------------------------------------- | Readonly "
    "properties defined here: | | mean | Arithmetic mean of the normal distribution. | | "
    "stdev | Standard deviation of the normal distribution. | | variance | Square of the "
    "standard deviation."
)

GLOB = (
    "FUNCTIONS escape(pathname) Escape all special characters.\n\n"
    "glob(pathname, *, root_dir=None, recursive=False) Return a list of paths matching a "
    "pathname pattern.\n\n"
    "The pattern may contain simple shell-style wildcards a la fnmatch.\n\n"
    "If `recursive` is true, the pattern '**' will match any files and zero or more "
    "directories and subdirectories."
)


def test_an_option_line_keeps_its_option_and_not_the_sentence_before():
    quotes = best_sentences("which option selects the non-matching lines", [passage(GREP)], 3)
    assert quotes[0].text.startswith("‘-v’ ‘--invert-match’ Invert the sense of matching")
    # "This is the default." is a sentence, not an option name to put before the next one.
    assert not any(q.text.startswith("This is the default. This option") for q in quotes)
    assert all(q.text != "‘-v’ ‘--invert-match’" for q in quotes)  # never the name alone


def test_an_api_reference_entry_is_quoted_with_its_name():
    quotes = best_sentences("standard deviation of a list of floats", [passage(NORMAL_DIST)], 3)
    texts = [q.text for q in quotes]
    assert "stdev Standard deviation of the normal distribution." in texts
    assert all(" | " not in t for t in texts)
    assert all(len(t) < 120 for t in texts)  # one entry each, not the whole class


def test_a_class_header_stays_with_its_description():
    quotes = best_sentences("a normal distribution of a random variable", [passage(NORMAL_DIST)], 1)
    assert quotes[0].text == (
        "class NormalDist(builtins.object) NormalDist(mu=0.0, sigma=1.0) "
        "Normal distribution of a random variable"
    )


def test_a_later_sentence_of_an_entry_says_which_entry():
    answer = compose("find all files ending in .txt using a wildcard", [passage(GLOB, "glob")])
    assert "glob(pathname, *, root_dir=None, recursive=False) Return a list of paths" in answer
    assert "The pattern may contain simple shell-style wildcards a la fnmatch." in answer
    assert answer.index("glob(pathname") < answer.index("The pattern may contain")
    assert "FUNCTIONS" not in answer
    assert answer.count("Return a list of paths matching") == 1


def test_quotes_stop_at_the_budget_but_the_best_is_always_quoted():
    question = "which option selects the non-matching lines"
    full = compose(question, [passage(GREP)])
    assert full.count("[1]") == 3
    short = compose(question, [passage(GREP)], budget=20)
    assert short.count("[1]") == 1
    assert short.startswith("‘-v’ ‘--invert-match’ Invert the sense of matching")


def test_a_further_passage_of_the_first_page_is_quoted_and_cited_as_that_page():
    first = passage("The grep command searches files for lines that match patterns.", "grep", 1)
    first.more = [passage(GREP, "grep", 2)]
    other = passage("The diff command compares files line by line.", "diff", 3)
    answer = compose("which option selects the non-matching lines", [first, other])
    assert "‘-v’ ‘--invert-match’ Invert the sense of matching" in answer
    assert answer.split("Invert the sense of matching")[1].split("[")[1].startswith("1]")
    # Without the further passage the option is nowhere to quote.
    first.more = []
    assert "--invert-match" not in compose(
        "which option selects the non-matching lines", [first, other]
    )


def test_a_rule_of_dashes_is_not_taken_for_option_names():
    # A failed match on a long run of dashes used to be retried split every possible way
    # (seconds for a rule of a few hundred); the passage is quoted as any other.
    rule = "-" * 400
    text = f"{rule} x\n\nThe ‘-c’ option counts the matching lines.\n\n{rule}"
    quotes = best_sentences("how do I count matching lines", [passage(text)], 2)
    assert quotes[0].text == "The ‘-c’ option counts the matching lines."
