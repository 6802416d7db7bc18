"""Pick the sentences of retrieved passages that best answer a question.

Each sentence is scored on the question's weighted words it holds and on the cosine
similarity of its vector (the local model) to the question's, so that a sentence that
answers in other words still wins. A sentence keeps the option names or code that
introduce it (a definition list's term, an API reference entry's signature), and
sentences that name an option, a command or a code span are preferred: that is usually
what the asker will type next. A later sentence of such an entry carries the entry's
first sentence, which names the option or function it is about. Where a sentence stands
in its passage does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from knowledge.chunking import split_sentences
from knowledge.embeddings import embed_local
from knowledge.passages import Passage
from knowledge.terms import query_words, stem, stems_of

# ‘-v’, '--invert-match', `code`, name(), name(arg), a $VARIABLE: spans the asker can type.
CODE_RE = re.compile(
    r"[‘'`\"]-{1,2}[\w-]+|(?<!\w)--?[a-zA-Z][\w-]*|`[^`]+`|\b[A-Za-z_]\w*\([^()]{0,80}\)|\$[A-Z_]+"
)
# A sentence that opens with the options it describes ("‘-v’ ‘--invert-match’ Invert …")
# or with a signature ("glob(pathname, *, recursive=False) Return a list …").
OPENS_RE = re.compile(
    r"^(?:[‘'`\"]-{1,2}[\w-][^\s’'`\"]*[’'`\"][ ,]*|-{1,2}\w[\w-]*[ ,]+)+"
    r"|^(?:class )?[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\) "
)
# A manual's or a reference page's section name that runs into its first line.
SECTION_RE = re.compile(
    r"^(?:NAME|SYNOPSIS|DESCRIPTION|OPTIONS|FUNCTIONS|CLASSES|DATA|EXAMPLES?|SEE ALSO) (?=\S)"
)
# A line that only names options or code, like "‘-i’ ‘--ignore-case’".
# Possessive: a run of dashes or word characters is never split again on a failed match,
# which on a rule of dashes cost seconds.
TERM_RE = re.compile(r"^(?:(?:[‘'`\"][^\s’'`\"]++[’'`\"]|-{1,2}[\w.=\[\]<>/-]++)[ ,]*+){1,4}$")
W_WORDS, W_COSINE, CODE_BONUS = 0.6, 0.4, 0.2
# Later passages' sentences count a little less. Where a sentence stands in its passage
# does not count: a passage's first sentence is not the answer because it comes first.
RANK_PENALTY, PASSAGE_WEIGHT = 0.04, 0.5
SAME = 0.9  # cosine above which two sentences say the same thing


@dataclass
class Quote:
    """A sentence to quote, the passage it comes from (for the citation) and its score."""

    text: str
    passage: Passage
    score: float
    position: int = 0  # the sentence's place in its passage, for quoting in reading order
    opener: str = ""  # the first sentence of the entry it belongs to, quoted before it


# Plain-text API references (pydoc) join an entry's lines with " | "; a lone "|" is a blank line.
LINE_RE = re.compile(r"\s\|(?=\s|$)")
# An entry's head line: "stdev(data, xbar=None)", "class Enum(builtins.object)", "mean", "max = 9".
SIGNATURE_RE = re.compile(
    r"^(?:class\s+)?[A-Za-z_][\w.]*(?:\(.*\))?(?:\s*->\s*\S+|\s+from\s+[\w.]+)?$"
    r"|^[A-Za-z_]\w*\s*=\s*.{1,60}$"
)
# A heading line inside a reference page ("Methods defined here:", a rule of dashes).
RULE_RE = re.compile(r"^-{5,}$|^[\w ]+(?:defined here|inherited from [\w.]+):$")


def _entries(paragraph: str) -> list[tuple[str, str]]:
    """Split a paragraph into (head, text) entries; a head is the signature of a reference entry."""
    if " | " not in paragraph or paragraph.lstrip().startswith("|"):  # a Markdown table row
        return [("", paragraph)]
    entries: list[tuple[str, str]] = []
    lines: list[str] = []
    heads: list[str] = []  # "class Template(builtins.object)", "Template(template)": no text yet

    def close() -> None:
        if not lines:
            return
        if len(lines[0]) <= 120 and SIGNATURE_RE.match(lines[0]):
            head = lines.pop(0)
            if lines or "(" in head:  # a bare name with no text ("day") names nothing to quote
                heads.append(head)
        if lines:
            entries.append((" ".join(heads[-2:]), " ".join(lines)))
            heads.clear()
        elif heads and not (heads[0].startswith("class ") and len(heads) <= 2):
            # A method without a docstring (kept: its name may be the answer), or a constant
            # ("max = 9999", dropped); only a class header and its constructor open what follows.
            entries.extend((head, "") for head in heads if "(" in head and " = " not in head)
            heads.clear()
        lines.clear()

    for line in LINE_RE.split(paragraph):
        line = line.strip()
        if not line or RULE_RE.match(line):
            close()
        elif lines and len(line) <= 120 and "(" in line and SIGNATURE_RE.match(line):
            close()  # an entry with no blank line before it
            lines.append(line)
        else:
            lines.append(line)
    close()
    if heads and " = " not in heads[-1]:  # a signature with no description is still worth quoting
        entries.append((" ".join(heads[-2:]), ""))
    return entries


@dataclass
class Unit:
    """A sentence of a passage, as it would be quoted.

    defines: it opens with the term it describes (a manual's option line, an API entry's
    signature). opener: for a later sentence of such an entry, the entry's first sentence,
    which names what "this option" or "the pattern" belongs to.
    """

    text: str
    defines: bool
    opener: str = ""


def _units(content: str) -> list[Unit]:
    """Split a passage into sentences, each with the option, code or signature before it."""
    units: list[Unit] = []
    opener = ""
    for paragraph in re.split(r"\n\s*\n", content):
        paragraph = SECTION_RE.sub("", paragraph)
        for head, text in _entries(paragraph):
            for i, unit in enumerate(_sentences(text, head)):
                if unit.defines and (i == 0 or head):
                    opener = unit.text if i == 0 else opener
                elif opener:
                    unit.opener = opener
                units.append(unit)
    return units


def _sentences(text: str, lead: str) -> list[Unit]:
    """Split text into sentences; a lead term (option names, a signature) opens the first."""
    units: list[Unit] = []
    for sentence in split_sentences(text):
        clean = sentence.strip().strip("|").strip()
        if not clean:
            continue
        if len(clean) <= 60 and TERM_RE.match(clean):
            lead = f"{lead} {clean}".strip()
            continue
        if lead:
            units.append(Unit(f"{lead} {clean}", True))
        else:
            units.append(Unit(clean, bool(OPENS_RE.match(clean))))
        lead = ""
    if lead:
        units.append(Unit(lead, True))
    return units


def _vectors(query: str, sentences: list[str]) -> tuple[np.ndarray | None, list[float]]:
    """Return the sentences' vectors and their cosine to the query (None, zeros offline)."""
    try:
        vectors = embed_local([query, *sentences])
    except Exception:  # noqa: BLE001 - words alone still pick a sentence
        return None, [0.0] * len(sentences)
    return vectors[1:], [float(v) for v in vectors[1:] @ vectors[0]]


def _scored(
    query: str, passages: list[Passage]
) -> tuple[list[tuple[Quote, int]], np.ndarray | None]:
    """Score every sentence of the passages; return (quote, row) pairs and the sentence vectors."""
    language = passages[0].language if passages else "en"
    wanted = {stem(w, language) for w in query_words(query, language)}
    if not wanted or not passages:
        return [], None
    weights: dict[str, float] = {}
    for passage in passages:
        weights.update(passage.weights)
    total = sum(weights.get(s, 1.0) for s in wanted)
    found: list[tuple[Unit, Passage, float, int, int, float]] = []
    seen: set[str] = set()
    # A source's further passages (the same page) are quoted as the source and cited as it.
    pieces = [
        (rank, k, passage, source)
        for rank, source in enumerate(passages)
        for k, passage in enumerate([source, *source.more])
    ]
    for rank, k, passage, source in pieces:
        label = set(stems_of(f"{passage.title} {passage.heading}", language))
        for position, unit in enumerate(_units(passage.content), k * 10_000):
            sentence = unit.text
            key = sentence.lower()
            if key in seen:  # chunk overlap repeats sentences
                continue
            seen.add(key)
            stems = set(stems_of(sentence, language))
            hits = sum(weights.get(s, 1.0) for s in wanted & stems)
            # A word in the heading above counts for half: the sentence is about it.
            hits += 0.5 * sum(weights.get(s, 1.0) for s in (wanted & label) - stems)
            found.append((unit, source, hits / total, rank, position, passage.score))
    if not found:
        return [], None
    vectors, cosines = _vectors(query, [f[0].text for f in found])
    quotes = []
    for row, ((unit, passage, share, rank, position, own), cosine) in enumerate(
        zip(found, cosines, strict=True)
    ):
        sentence = unit.text
        if share <= 0 and cosine < 0.3:
            continue
        score = W_WORDS * share + W_COSINE * max(cosine, 0.0)
        if CODE_RE.search(sentence):
            score += CODE_BONUS
        # Fragments quote badly; the better-ranked passages are likelier answers.
        if len(sentence.split()) < 5:
            score *= 0.6
        score *= (1.0 - PASSAGE_WEIGHT + PASSAGE_WEIGHT * own) * (1.0 - RANK_PENALTY * min(rank, 5))
        quotes.append((Quote(sentence, passage, round(score, 4), position, unit.opener), row))
    quotes.sort(key=lambda q: q[0].score, reverse=True)
    return quotes, vectors


def best_sentences(query: str, passages: list[Passage], n: int = 3) -> list[Quote]:
    """Return up to n sentences that best answer the query, best first."""
    quotes, vectors = _scored(query, passages)
    chosen: list[tuple[Quote, int]] = []
    for quote, row in quotes:
        # Two documents often say the same thing: quote it once, and say something else.
        if vectors is not None and any(
            float(vectors[row] @ vectors[other]) > SAME for _, other in chosen
        ):
            continue
        chosen.append((quote, row))
        if len(chosen) == n:
            break
    return [quote for quote, _ in chosen]
