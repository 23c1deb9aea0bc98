"""A real HTTP receiver for webhooks on a loopback port (http.server in a thread),
keeping every request it was sent. It answers the statuses in `answers` in turn, then
200; with `hang` set it takes each request and never answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.json["type"]


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    hang: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks"

    def of_type(self, event_type: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.type == event_type]

    @property
    def types(self) -> list[str]:
        with self.lock:
            return [r.type for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
            if receiver.hang:
                receiver.release.wait(10)  # the sender gives up long before
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve() -> Iterator[Receiver]:
    """A receiver listening until the block ends (a test module's `receiver` fixture)."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


# Settings for tests that deliver to the receiver: loopback allowed, and a short wait
# for a receiver that never answers.
LOOPBACK_SETTINGS = {"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True, "WEBHOOKS_READ_TIMEOUT_SECONDS": 0.3}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve() as running:
        yield running
