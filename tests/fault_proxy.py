"""A fault-injecting TCP proxy between Docent and the loopback model server.

`mode` picks what the next connections suffer:
- None: bytes pass both ways untouched;
- "reset-on-accept": the connection is reset as soon as it is accepted, before any byte;
- "slow-first-byte": the response is held back for `delay` seconds, then passed on;
- "reset": `after` stream events pass, then the connection is reset (TCP RST);
- "stall": `after` events pass, then nothing more until the client gives up;
- "malformed": `after` events pass, then a chunk that is not JSON, then the rest;
- "truncate": `after` events pass, then the connection closes cleanly (FIN);
- "429", "500": the proxy answers that HTTP status itself, without calling upstream.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import time
from typing import Any

MODES = (
    None,
    "reset-on-accept",
    "slow-first-byte",
    "reset",
    "stall",
    "malformed",
    "truncate",
    "429",
    "500",
)


class _Handler(socketserver.BaseRequestHandler):
    server: FaultProxy

    def handle(self) -> None:
        proxy = self.server
        client: socket.socket = self.request
        mode = proxy.mode
        proxy.connections.append(mode)
        if mode == "reset-on-accept":
            return _reset(client)
        head = _read_request(client)
        if mode in ("429", "500"):
            return _answer(client, int(mode))
        upstream = socket.create_connection(proxy.upstream, timeout=30)
        try:
            # The whole request is read above: no thread stays blocked on the client
            # socket, so closing it with SO_LINGER 0 sends its RST at once.
            upstream.sendall(head)
            self._relay(upstream, client, mode)
        finally:
            upstream.close()

    def _relay(self, upstream: socket.socket, client: socket.socket, mode: str | None) -> None:
        proxy = self.server
        buffer = b""
        headers_sent = False
        events = 0
        if mode == "slow-first-byte":
            time.sleep(proxy.delay)
        while True:
            data = upstream.recv(65536)
            if not data:
                client.sendall(buffer)
                return
            buffer += data
            if not headers_sent:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    continue
                client.sendall(buffer[: end + 4])
                buffer, headers_sent = buffer[end + 4 :], True
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                if mode in ("reset", "stall", "malformed", "truncate") and events == proxy.after:
                    if mode == "reset":
                        return _reset(client)
                    if mode == "truncate":
                        return client.shutdown(socket.SHUT_RDWR)
                    if mode == "stall":
                        proxy.stalled.wait(proxy.stall_seconds)
                        return
                    client.sendall(b'data: {"id": "chatcmpl-broken", "choices": [{\n\n')
                client.sendall(event + b"\n\n")
                events += 1


def _read_request(client: socket.socket) -> bytes:
    """Read one HTTP request (head and Content-Length body) from the client."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    # One request per connection: the model server speaks HTTP/1.0 and closes after each.
    return head + b"\r\n\r\n" + body


def _answer(client: socket.socket, status: int) -> None:
    reason = {429: "Too Many Requests", 500: "Internal Server Error"}[status]
    body = json.dumps({"error": {"message": reason, "type": "proxy_fault"}}).encode()
    client.sendall(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send a TCP RST.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy(socketserver.ThreadingTCPServer):
    """The proxy; `url` is an OpenAI base URL that reaches upstream through it.

    `refused_url` is a base URL on a loopback port nothing listens on: a refused
    connection, which no proxy can produce while it listens.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.mode: str | None = None
        self.after = 2  # stream events passed before a mid-stream fault
        self.delay = 1.5  # seconds before the first byte in "slow-first-byte"
        self.stall_seconds = 10.0
        self.stalled = threading.Event()  # set to end every stall at once
        self.connections: list[Any] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v1"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.refused_url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"

    def start(self) -> FaultProxy:
        """Serve in a daemon thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Release stalled connections and stop serving."""
        self.stalled.set()
        self.shutdown()
        self.server_close()
