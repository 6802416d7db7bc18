"""Concurrent streams, Docent beside the bare relay: first token, CPU per token, errors, memory.

    .venv/bin/python bench/streams.py --streams 1,50,200 --wires ndjson,sse,ws
    .venv/bin/python bench/streams.py --streams 500 --wires ndjson --rounds 1
    .venv/bin/python bench/streams.py \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/docent_x

Starts the loopback OpenAI-compatible test server (tests/llm_server.py, in its own
process) streaming TOKENS tokens GAP seconds apart, then Docent (gunicorn.conf.py) and
the bare relay (bench/relay.py), both under gunicorn `-k gthread` with the same
workers and threads. For each count of concurrent streams and each wire (NDJSON, SSE,
WebSocket) it runs Docent and the relay alternately, A B A B, so both see the same
machine. The clients are one asyncio process speaking raw HTTP/1.0 and WebSocket
frames, so they cost the servers as little CPU as possible.

Per row: time to first token (the first delta, not `start`) p50/p99, CPU seconds of
the gunicorn master and workers per 1,000 streamed tokens (/proc utime+stime before
and after), errors (a stream that does not end with `end` and every token), and memory
per open stream ((peak RSS - idle RSS) / streams). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTION = "How long does shipping take?"
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

# The model server in a process of its own: its threads must not share the clients' GIL.
UPSTREAM = """
import sys, time
sys.path.insert(0, {root!r})
import tests.llm_server as llm
llm.REPLY = " ".join(f"w{{i}}" for i in range({tokens}))
llm.SLOW_SECONDS = {gap}
llm.LLMServer.request_queue_size = 4096
server = llm.LLMServer()
print(server.url, flush=True)
server.serve_forever()
"""


def prepare(database: str) -> str:
    """Create a bot (model "slow") with one document and a secret key; return the key."""
    from bench.common import shipping_bot

    return shipping_bot(database, "slow")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    key: str = ""

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        pids = [self.process.pid]
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(status.parent.name))
        return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
        except OSError:
            continue
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    name: str, app: str, config: str, port: int, args: argparse.Namespace, env: dict[str, str]
) -> Server:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "-c",
        config,
        "-k",
        "gthread",
        "-w",
        str(args.workers),
        "--threads",
        str(args.threads),
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
        app,
    ]
    # The server's log (errors included) goes to a file beside the temporary database.
    with open(Path(args.workdir) / f"{name}.log", "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    return Server(name, port, process)


async def wait_ready(port: int) -> None:
    for _ in range(300):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /widget.js HTTP/1.0\r\n\r\n")
            await writer.drain()
            await reader.read()
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise SystemExit(f"no server on port {port}")


async def wait_settled(server: Server, workers: int, seconds: float = 180.0) -> None:
    """Wait until every worker has started and gone quiet (Docent's load the embedding
    model before they take requests); otherwise the warm-up all goes to the first worker
    up, and the other one's first questions (its first retrieval, its first model call)
    fall into a measured row."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children = server.pids()[1:]
        if len(children) >= workers:
            before = [cpu_seconds([pid]) for pid in children]
            await asyncio.sleep(0.5)
            if all(cpu_seconds([pid]) - b < 0.1 for pid, b in zip(children, before, strict=True)):
                return
        else:
            await asyncio.sleep(0.2)
    raise SystemExit(f"the {server.name} workers did not settle in {seconds:.0f} s")


@dataclass
class Result:
    first: float | None = None
    tokens: int = 0
    ended: bool = False
    error: str = ""

    def count(self, kind: str, began: float) -> None:
        """Count a delta (timing the first) or note the end; errors are the caller's."""
        if kind == "delta":
            if self.first is None:
                self.first = time.perf_counter() - began
            self.tokens += 1
        elif kind == "end":
            self.ended = True


def request_for(server: Server, wire: str) -> tuple[str, dict[str, object]]:
    sid = f"bench-{uuid.uuid4().hex[:20]}"
    if server.name == "relay":
        return f"/{wire}", {"message": QUESTION}
    if wire == "ndjson":
        return "/v1/chat/stream", {"sessionId": sid, "message": QUESTION}
    if wire == "sse":
        return "/api/v1/chat", {"session_id": sid, "message": QUESTION, "stream": True}
    return f"/api/v1/chat/ws?api_key={server.key}", {"message": QUESTION, "session_id": sid}


def classify(line: bytes, sse: bool) -> str:
    """Return "delta", "end", "error" or "" for one NDJSON line, SSE line or WS frame."""
    if sse:
        if line.startswith(b"event: message"):
            return "delta"
        if line.startswith(b"event: end"):
            return "end"
        return "error" if line.startswith(b"event: error") else ""
    if b'"type": "delta"' in line:
        return "delta"
    if b'"type": "end"' in line:
        return "end"
    return "error" if b'"type": "error"' in line else ""


def error_text(line: bytes) -> str:
    """The error event's message, shortened."""
    text = line.decode(errors="replace").strip()
    return "error event: " + text[text.find("message") :][:100]


async def http_stream(server: Server, wire: str, result: Result, began: float) -> None:
    path, body = request_for(server, wire)
    payload = json.dumps(body).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        head = (
            f"POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {server.key}\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        writer.write(head.encode() + payload)
        await writer.drain()
        status = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in status.split(b"\r\n", 1)[0]:
            result.error = status.split(b"\r\n", 1)[0].decode(errors="replace")
            return
        sse = wire == "sse"
        async for line in reader:
            kind = classify(line, sse)
            result.count(kind, began)
            if kind == "error":
                # An SSE error's message is on the `data:` line after `event: error`.
                result.error = error_text(await reader.readline() if sse else line)
    finally:
        writer.close()


def ws_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    else:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def ws_stream(server: Server, result: Result, began: float) -> None:
    path, body = request_for(server, "ws")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        status = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n", 1)[0]:
            result.error = status.split(b"\r\n", 1)[0].decode(errors="replace")
            return
        writer.write(ws_frame(1, json.dumps(body).encode()))
        while not result.ended:
            head = await reader.readexactly(2)
            opcode, size = head[0] & 0x0F, head[1] & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", await reader.readexactly(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", await reader.readexactly(8))
            payload = await reader.readexactly(size)
            if opcode == 8:
                result.error = result.error or "closed"
                return
            if opcode == 9:
                writer.write(ws_frame(10, payload))
                continue
            kind = classify(payload, False)
            result.count(kind, began)
            if kind == "error":
                result.error = error_text(payload)
        writer.write(ws_frame(8, struct.pack("!H", 1000)))
        await writer.drain()
    finally:
        writer.close()


async def one(server: Server, wire: str, timeout: float) -> Result:
    result = Result()
    began = time.perf_counter()
    try:
        if wire == "ws":
            await asyncio.wait_for(ws_stream(server, result, began), timeout)
        else:
            await asyncio.wait_for(http_stream(server, wire, result, began), timeout)
    except TimeoutError:
        result.error = "timeout"
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        result.error = type(exc).__name__
    return result


@dataclass
class Row:
    firsts: list[float] = field(default_factory=list)
    tokens: int = 0
    cpu: float = 0.0
    errors: int = 0
    streams: int = 0
    kb_per_stream: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)


async def phase(server: Server, wire: str, count: int, tokens: int, row: Row) -> None:
    """Run `count` streams at once against one server; add the figures to row."""
    pids = server.pids()
    await asyncio.sleep(0.3)
    idle = rss_kb(pids)
    cpu_before = cpu_seconds(pids)
    peak = idle
    results: list[Result] = []
    # A single stream is one sample: run a few in turn so its row has a median.
    for _ in range(max(1, 8 // count)):
        tasks = [asyncio.ensure_future(one(server, wire, 90.0)) for _ in range(count)]
        while not all(task.done() for task in tasks):
            peak = max(peak, rss_kb(pids))
            await asyncio.wait(tasks, timeout=0.05)
        results += [task.result() for task in tasks]
    await asyncio.sleep(0.2)  # the workers finish their bookkeeping after the last byte
    row.cpu += cpu_seconds(pids) - cpu_before
    row.kb_per_stream.append((peak - idle) / count)
    row.streams += len(results)
    for result in results:
        row.tokens += result.tokens
        if result.first is not None:
            row.firsts.append(result.first)
        if not result.ended or result.error or result.tokens != tokens:
            row.errors += 1
            if len(row.samples) < 3:
                row.samples.append(result.error or f"{result.tokens} tokens, no end")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.999999) - 1))]


async def run(args: argparse.Namespace, docent: Server, relay: Server) -> None:
    await asyncio.gather(wait_ready(docent.port), wait_ready(relay.port))
    await asyncio.gather(wait_settled(docent, args.workers), wait_settled(relay, args.workers))
    wires = args.wires.split(",")
    for server in (docent, relay):  # warm both: imports, clients, statement caches
        for wire in wires:
            await asyncio.gather(*(one(server, wire, 60.0) for _ in range(8 * args.workers)))
    database = "PostgreSQL" if args.database.startswith("postgresql") else "SQLite"
    print(
        f"{database}; gunicorn -k gthread -w {args.workers} --threads {args.threads}; "
        f"{args.tokens} tokens {args.gap * 1000:.0f} ms apart; {args.rounds} rounds A B; "
        f"logs in {args.workdir}",
        flush=True,
    )
    header = (
        f"{'wire':6} {'streams':>7} {'server':7} {'TTFT p50':>9} {'p99':>7} "
        f"{'CPU s/1k tok':>12} {'errors':>7} {'KB/stream':>9}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for count in [int(c) for c in args.streams.split(",")]:
        for wire in wires:
            rows = {"docent": Row(), "relay": Row()}
            for _ in range(args.rounds):
                for server in (docent, relay):
                    await phase(server, wire, count, args.tokens, rows[server.name])
            for name, row in rows.items():
                cpu = row.cpu / max(1, row.tokens) * 1000
                print(
                    f"{wire:6} {count:7} {name:7} {percentile(row.firsts, 0.5) * 1000:7.0f}ms "
                    f"{percentile(row.firsts, 0.99) * 1000:5.0f}ms {cpu:12.3f} "
                    f"{row.errors:3}/{row.streams:<3} {max(row.kb_per_stream):9.0f}"
                    + (f"  e.g. {'; '.join(row.samples)}" if row.samples else ""),
                    flush=True,
                )
                rows[name].cpu = cpu  # per 1k tokens, for the ratio line
            d, r = rows["docent"], rows["relay"]
            if r.firsts and r.cpu:
                ttft = percentile(d.firsts, 0.5) / percentile(r.firsts, 0.5)
                print(f"{'':15} docent/relay: TTFT p50 {ttft:.2f}x, CPU/token {d.cpu / r.cpu:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--streams", default="1,50,200,500", help="comma-separated counts")
    parser.add_argument("--wires", default="ndjson,sse,ws", help="ndjson, sse, ws")
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs per row")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="default: the most streams")
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between tokens")
    parser.add_argument("--port", type=int, default=0, help="Docent's (default: a free one)")
    parser.add_argument("--database", default="", help="SQLAlchemy URL (default: a temp SQLite)")
    args = parser.parse_args()
    args.threads = args.threads or max(int(c) for c in args.streams.split(","))

    workdir = args.workdir = tempfile.mkdtemp(prefix="docent-bench-")
    args.database = args.database or f"sqlite:///{workdir}/bench.db"
    upstream = subprocess.Popen(
        [
            sys.executable,
            "-c",
            UPSTREAM.format(root=str(ROOT), tokens=args.tokens, gap=args.gap),
        ],
        stdout=subprocess.PIPE,
    )
    assert upstream.stdout is not None
    url = upstream.stdout.readline().decode().strip()
    key = prepare(args.database)
    empty = Path(workdir) / "relay.conf.py"
    empty.write_text("")
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": url,
        "SECRET_KEY": "bench",
        "DATABASE_URL": args.database,
        "DOCENT_RATE_LIMIT_IP": "1000000/minute",
    }
    ports = (args.port, args.port + 1) if args.port else (free_port(), free_port())
    docent = start_gunicorn("docent", "app:app", "gunicorn.conf.py", ports[0], args, env)
    docent.key = key
    relay = start_gunicorn("relay", "bench.relay:app", str(empty), ports[1], args, env)
    try:
        asyncio.run(run(args, docent, relay))
    finally:
        for process in (docent.process, relay.process, upstream):
            process.send_signal(signal.SIGTERM)
        for process in (docent.process, relay.process, upstream):
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
