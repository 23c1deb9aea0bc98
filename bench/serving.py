"""The app under gunicorn for the benchmarks: started on a free loopback port, pinned to
CPU 1 when asked (the load generator takes CPU 0), ready once `/healthz` answers, stopped
with its workers, and its log's error lines reported."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_WITHIN_SECONDS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def gunicorn(
    env: Mapping[str, str], log_path: Path, *, workers: int, pin: bool, options: Sequence[str] = ()
) -> Iterator[int]:
    """gunicorn serving app:app with `env`, writing to `log_path`; yields its port."""
    port = free_port()
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        *("--workers", str(workers), "--bind", f"127.0.0.1:{port}", *options),
        "app:app",
    ]
    if pin:
        command = ["taskset", "-c", "1", *command]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while not _answers(port):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {READY_WITHIN_SECONDS} s")
            time.sleep(0.2)
        yield port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        errors = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if "Traceback" in line or "ERROR" in line or "Error" in line
        ]
        if errors:
            print(f"  gunicorn log: {len(errors)} error lines, first: {errors[0][:200]}")
