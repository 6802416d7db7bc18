"""Three corpora of real documentation nobody on the team wrote, built from this machine.

- reference: the Python standard library's API reference, rendered by pydoc;
- guide: GNU user manuals in Info format (grep, sed, gzip, find, diff) from Debian;
- faq: the zlib, XZ Utils and Valgrind FAQs that Debian installs under /usr/share/doc.

Nothing is downloaded. A corpus whose files are missing is skipped with a message.
"""

from __future__ import annotations

import gzip
import importlib
import io
import re
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

MODULES = """argparse base64 bisect calendar collections configparser contextlib copy csv
dataclasses datetime difflib enum fnmatch functools glob gzip hashlib heapq hmac itertools
json logging os.path pathlib pickle pprint random re secrets shlex shutil sqlite3 statistics
string subprocess tempfile textwrap threading time timeit unittest.mock urllib.parse uuid
zipfile zoneinfo""".split()
INFO = Path("/usr/share/info")
MANUALS = ["grep", "sed", "gzip", "find", "diffutils"]
DOC = Path("/usr/share/doc")
# pydoc shows a default that is an object as "<object object at 0x7f…>": the address
# changes with every process, and with it the page's tokens and chunks. It is dropped.
ADDRESS_RE = re.compile(r" at 0x[0-9a-fA-F]+(?=>)")


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def reference() -> dict[str, str]:
    """Return {module name: its pydoc page}."""
    import pydoc

    pages = {}
    for name in MODULES:
        with (
            warnings.catch_warnings(),
            redirect_stdout(io.StringIO()),
            redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            module = importlib.import_module(name)
            page = pydoc.render_doc(module, renderer=pydoc.plaintext)
            pages[name] = ADDRESS_RE.sub("", page)
    return pages


def guide() -> dict[str, str]:
    """Return {"manual: node": text} for the nodes of a few GNU manuals."""
    pages: dict[str, str] = {}
    for manual in MANUALS:
        files = sorted(INFO.glob(f"{manual}.info*.gz"))
        if not files:
            continue
        text = "".join(_read(f) for f in files)
        for node in text.split("\x1f"):
            head, _, body = node.strip("\n").partition("\n")
            found = re.search(r"Node: ([^,\n]+)", head)
            if not found or len(body) < 150 or "Index" in found.group(1):
                continue
            name = found.group(1).strip()
            if name in ("Top",) or name.startswith("GNU Free"):
                continue
            body = re.sub(r"\x00\x08\[[^\]]*\x00\x08\]|[\x00-\x08]", "", body)
            pages[f"{manual}: {name}"] = body.replace("*Note", "See").strip()
    return pages


def _entries(text: str, pattern: str) -> dict[str, str]:
    """Split a FAQ at its question lines; return {question: answer}."""
    marks = list(re.finditer(pattern, text, re.M))
    entries = {}
    for mark, nxt in zip(marks, marks[1:] + [None], strict=False):
        end = nxt.start() if nxt else len(text)
        question = " ".join(mark.group("q").split())
        body = text[mark.end() : end].strip()
        if len(body) > 20:
            entries[question] = body
    return entries


def faq() -> dict[str, str]:
    """Return {"product FAQ: question": answer} from three FAQs."""
    pages: dict[str, str] = {}
    sources = [
        ("zlib", DOC / "zlib1g-dev/FAQ.gz", r"^ ?(?P<n>\d+)\. (?P<q>.+(?:\n {4}\S.*)*)$"),
        ("XZ Utils", DOC / "xz-utils/faq.txt.gz", r"^Q:\s+(?P<q>.+(?:\n {4}\S.*)*)$"),
        ("Valgrind", DOC / "valgrind/FAQ.txt.gz", r"^(?P<n>\d\.\d+)\. (?P<q>.+(?:\n\S.*)?)$"),
    ]
    for product, path, pattern in sources:
        if not path.exists():
            continue
        text = _read(path)
        if product == "Valgrind":
            # The table of contents repeats every question; the answers follow it.
            text = text[text.find("1.1.", text.find("6. How To Get") + 10) :]
        for question, answer in _entries(text, pattern).items():
            pages[f"{product} FAQ: {question}"] = f"{question}\n\n{answer}"
    return pages


CORPORA = {"reference": reference, "guide": guide, "faq": faq}
