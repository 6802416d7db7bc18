"""Parse each hostile upload from issue 9 in a child process; print its CPU seconds and peak memory.

Each file is generated small on disk (tests/bombs.py) and parsed by
knowledge.parsers.parse in a fresh interpreter with a CPU-time cap, so a parser that
would run for minutes is stopped and reported as such. Point --repo at a checkout of
an older commit to measure "before" with the same files:

    git archive 9491fb8 | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    .venv/bin/python bench/uploads.py --repo /tmp/before --cpu-limit 30
    .venv/bin/python bench/uploads.py
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bombs import big_page, docx_bomb, nested_html, tag_flood, wordy_docx  # noqa: E402

CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
from knowledge.parsers import parse
data = open(sys.argv[3], "rb").read()
try:
    parsed = parse(sys.argv[2], data)
    print("parsed", sum(len(p) for s in parsed.sections for p in s.paragraphs), "chars")
except Exception as exc:
    status = getattr(exc, "status", 500)
    print(status, type(exc).__name__, str(exc)[:70])
"""


def hostile_files() -> list[tuple[str, str, bytes]]:
    """Return (name, format, bytes) for each hostile upload in the issue."""
    return [
        ("docx, document.xml inflating to 100 MB", "docx", docx_bomb(100_000_000)),
        ("docx, one 520 MB text node", "docx", docx_bomb(520_000_000, one_node=True)),
        ("docx, 5 MB of ordinary text", "docx", wordy_docx(5_000_000)),
        ("docx, 19 MB of text (under the part cap)", "docx", wordy_docx(19_000_000)),
        ("html, 1,000 nested <div>", "html", nested_html(1_000)),
        ("html, 20,000 nested <div>", "html", nested_html(20_000)),
        ("html, 3 million empty tags", "html", tag_flood(3_000_000)),
        ("html, 24 MB ordinary page (tag cap)", "html", big_page(115_000)),
    ]


def measure(repo: Path, fmt: str, path: str, cpu_limit: int, memory_limit: int) -> str:
    """Parse one file in a child; return its outcome, CPU seconds and peak RSS."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit))
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    start = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(repo), fmt, path],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=limit,
        cwd=repo,
        text=True,
    )
    out = child.stdout.read().strip() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    if child.returncode < 0:
        out = f"killed by signal {-child.returncode} (CPU cap {cpu_limit}s / memory cap)"
    elif not out:
        out = f"exit {child.returncode} (MemoryError or crash)"
    return f"{cpu:8.2f} s CPU {wall:8.2f} s wall {peak:8.0f} MB peak  {out}"


def main() -> None:
    """Generate the hostile files and measure each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose parser to run")
    parser.add_argument("--cpu-limit", type=int, default=120, help="CPU seconds per file")
    parser.add_argument("--memory-limit-mb", type=int, default=3000, help="address space cap")
    parser.add_argument("--only", default="", help="measure only files whose name has this")
    args = parser.parse_args()
    print(f"parser from {args.repo}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fmt, data in hostile_files():
            if args.only not in name:
                continue
            path = os.path.join(tmp, "upload")
            Path(path).write_bytes(data)
            figures = measure(
                args.repo.resolve(), fmt, path, args.cpu_limit, args.memory_limit_mb << 20
            )
            print(f"{name:42} {len(data) / 1000:8.0f} kB  {figures}")


if __name__ == "__main__":
    main()
