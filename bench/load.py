"""A small load generator (there is no `wrk` here): threads, each with its own HTTP/1.1 connection kept
alive while the server allows it (gunicorn's sync workers close after each response; we reconnect)."""

from __future__ import annotations

import http.client
import threading
import time


def _get(conn_box: list, host: str, port: int, path: str, headers: dict) -> tuple[int, bytes]:
    for attempt in range(2):
        if conn_box[0] is None:
            conn_box[0] = http.client.HTTPConnection(host, port, timeout=30)
        conn = conn_box[0]
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.will_close:
                conn.close()
                conn_box[0] = None
            return response.status, body
        except (http.client.HTTPException, OSError):
            conn.close()
            conn_box[0] = None
            if attempt:
                raise
    raise RuntimeError("unreachable")


def fetch(host: str, port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    return _get([None], host, port, path, headers or {})


def hammer(host: str, port: int, path: str, headers: dict, seconds: float, threads: int = 8) -> float:
    """Requests per second for `path` with `threads` concurrent clients during `seconds`; non-200 fails."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    errors: list[str] = []

    def run(n: int) -> None:
        box: list = [None]
        while time.perf_counter() < stop:
            status, _ = _get(box, host, port, path, headers)
            if status != 200:
                errors.append(f"{path}: {status}")
                return
            counts[n] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise RuntimeError(errors[0])
    return sum(counts) / (time.perf_counter() - started)
