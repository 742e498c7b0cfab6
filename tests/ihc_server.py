"""A local IHC API on 127.0.0.1 for tests and the bench: the compute_ihc contract, with injectable faults.

`IHCServer(api_key, faults=[...], latency=0.05)` serves `POST /v1/compute_ihc?conv_type_id=...` in a thread.
It validates like the real service (key, conv_type_id, at most 100 journeys / 200 sessions, journeys whole
and contiguous with one conversion flag on their last session) and scores each journey linearly, rounded
to 4 decimals as the real API rounds (or answers `recorded` real API rows instead). Each request consumes the next fault of `faults`, if any:
"429" (Retry-After: 1), "500", "timeout" (answers after `timeout_sleep` seconds), "malformed" (200 with a
body that is not JSON), "206" (the first conversion of the batch reported in partialFailureErrors and left
out of `value`; "206-text": the same, named in a text message instead of a dict), "403". Every request is recorded (conversion ids, sizes, the status sent).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MAX_JOURNEYS, MAX_SESSIONS = 100, 200
FIELDS = (
    "conversion_id",
    "session_id",
    "timestamp",
    "channel_label",
    "holder_engagement",
    "closer_engagement",
    "conversion",
    "impression_interaction",
)


class IHCServer:
    def __init__(
        self,
        api_key: str,
        *,
        faults=(),
        latency: float = 0.0,
        timeout_sleep: float = 1.0,
        retry_after: str = "1",
        recorded: dict[str, list[dict]] | None = None,
    ):
        self.api_key = api_key
        # conv_id -> `value` rows recorded from the real API: answered instead of computed scores.
        self.recorded = recorded
        self.faults = deque(faults)
        self.latency = latency
        self.timeout_sleep = timeout_sleep
        self.retry_after = retry_after
        self.requests: list[dict] = []
        self.violations: list[str] = []
        self.in_flight = self.max_in_flight = 0  # requests being handled at once (the client's concurrency)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> "IHCServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def scored_conversions(self) -> list[str]:
        """Conversion ids of every request answered with scores (200/206), in request order."""
        return [
            c for r in self.requests if r["status"] in (200, 206) and not r.get("late") for c in r["scored"]
        ]

    def _next_fault(self):
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _done(self) -> None:
                # A request stops counting as in flight once its answer is on its way: the client may send
                # the next one as soon as it reads it, before this thread has returned.
                if getattr(self, "_counted", False):
                    self._counted = False
                    with server._lock:
                        server.in_flight -= 1

            def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self._done()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):  # noqa: N802 (http.server naming)
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                self._counted = True
                try:
                    self._post()
                finally:
                    self._done()

            def _post(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = {"journeys": 0, "sessions": 0, "conversions": [], "scored": [], "status": None}
                with server._lock:
                    server.requests.append(record)
                if server.latency:
                    time.sleep(server.latency)
                url = urlparse(self.path)
                if url.path != "/v1/compute_ihc" or not parse_qs(url.query).get("conv_type_id"):
                    record["status"] = 400
                    return self._reply(400, b'{"message": "conv_type_id is required"}')
                fault = server._next_fault()
                if fault == "403" or self.headers.get("x-api-key") != server.api_key:
                    record["status"] = 403
                    return self._reply(403, b'{"message": "Forbidden"}')
                try:
                    sessions = json.loads(raw)["customer_journeys"]
                except (ValueError, KeyError, TypeError):
                    record["status"] = 400
                    return self._reply(400, b'{"message": "invalid body"}')
                journeys: list[list[dict]] = []
                for s in sessions:
                    if any(f not in s for f in FIELDS):
                        server.violations.append(f"session without {FIELDS}")
                    if journeys and journeys[-1][0]["conversion_id"] == s["conversion_id"]:
                        journeys[-1].append(s)
                    else:
                        journeys.append([s])
                ids = [j[0]["conversion_id"] for j in journeys]
                record.update(journeys=len(journeys), sessions=len(sessions), conversions=ids)
                problems = []
                if len(journeys) > MAX_JOURNEYS or len(sessions) > MAX_SESSIONS:
                    problems.append(
                        f"batch of {len(journeys)} journeys / {len(sessions)} sessions over the limits"
                    )
                if len(set(ids)) != len(ids):
                    problems.append("a journey is split within the batch")
                if any([s["conversion"] for s in j] != [0] * (len(j) - 1) + [1] for j in journeys):
                    problems.append("conversion flag not exactly on the last session")
                if problems:
                    server.violations.extend(problems)
                    record["status"] = 400
                    return self._reply(400, json.dumps({"message": "; ".join(problems)}).encode())
                if fault == "429":
                    record["status"] = 429
                    return self._reply(
                        429, b'{"message": "Too Many Requests"}', {"Retry-After": server.retry_after}
                    )
                if fault == "500":
                    record["status"] = 500
                    return self._reply(500, b'{"message": "Internal Server Error"}')
                if fault == "malformed":
                    record["status"] = 200
                    return self._reply(200, b'{"statusCode": 200, "value": [ {"conversion_id": ')
                if fault == "timeout":
                    time.sleep(server.timeout_sleep)  # the client has given up by now
                    record["late"] = True
                failed = {ids[0]} if fault in ("206", "206-text") else set()
                value = [
                    {
                        "conversion_id": s["conversion_id"],
                        "session_id": s["session_id"],
                        "initializer": 0.0,
                        "holder": 0.0,
                        "closer": 0.0,
                        "ihc": round(1 / len(j), 4),
                    }
                    for j in journeys
                    if j[0]["conversion_id"] not in failed
                    for s in j
                ]
                if server.recorded is not None:
                    value = [r for c in ids if c not in failed for r in server.recorded.get(c, [])]
                status = 206 if failed else 200
                record["status"] = status
                record["scored"] = [c for c in ids if c not in failed]
                errors = [
                    f"conversion {c} could not be processed"
                    if fault == "206-text"
                    else {"conversion_id": c, "error": "journey could not be processed"}
                    for c in sorted(failed)
                ]
                body = {"statusCode": status, "value": value, "partialFailureErrors": errors}
                return self._reply(status, json.dumps(body).encode())

        return Handler
