"""Concurrent POSTs over real HTTP with the standard library only."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any


def post(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"} | headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def race(url: str, body: dict, headers: dict[str, str], racers: int) -> list[tuple[int, dict]]:
    """`racers` threads released together by a barrier, each sending the same POST."""
    barrier = threading.Barrier(racers)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def racer() -> None:
        barrier.wait()
        outcome = post(url, body, headers)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=racer) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
