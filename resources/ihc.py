"""The IHC attribution API client (spec: journeys.md, Attribution / ihc_api) and its Dagster resource.

`POST {api_url}/compute_ihc?conv_type_id=<id>` with header `x-api-key` and body `{"customer_journeys":
[session, ...], "redistribution_parameter": {...}}`. The client:

- batches whole journeys: at most `max_journeys` journeys and `max_sessions` sessions a request (a
  journey is never split; a journey longer than `max_sessions` cannot be sent and is reported failed);
- sends batches with bounded concurrency (`concurrency` threads, one HTTP session each);
- retries timeouts, connection errors, 429 (waiting `Retry-After` as given), 5xx and malformed bodies
  with exponential backoff and jitter, up to `max_attempts`; any other 4xx is final;
- reports per conversion what could not be scored: named in `partialFailureErrors` (HTTP 206 or a 206
  `statusCode`), missing from the response, with a malformed row, or in a batch that failed for good —
  with the error and the number of attempts made;
- never logs or returns the API key (messages are scrubbed of it too).
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Optional, Sequence

import dagster as dg
from pydantic import Field

DEFAULT_URL = "https://api.ihc-attribution.com/v1"
RETRY_STATUS = 429
# A server's Retry-After is honoured as given (not capped at max_backoff_seconds), up to this sanity bound.
MAX_RETRY_AFTER_SECONDS = 300.0
logger = logging.getLogger("omnilake.ihc")

Session = dict[str, Any]  # one item of the API's customer_journeys list
Journey = list[Session]  # the sessions of one conversion, in order


@dataclass
class Failure:
    error: str
    attempts: int


@dataclass
class ScoreResult:
    rows: list[dict] = field(
        default_factory=list
    )  # {conversion_id, session_id, initializer, holder, closer, ihc}
    failures: dict[str, Failure] = field(default_factory=dict)  # conv_id -> why it is unscored
    requests: int = 0
    batches: int = 0


def batches(
    journeys: Sequence[Journey], max_journeys: int, max_sessions: int
) -> tuple[list[list[Journey]], list[Journey]]:
    """Greedy batches of whole journeys in order, within both limits; and the journeys too long to send."""
    if max_journeys < 1 or max_sessions < 1:
        raise ValueError("max_journeys and max_sessions must be >= 1")
    out: list[list[Journey]] = []
    too_long: list[Journey] = []
    current: list[Journey] = []
    size = 0
    for j in journeys:
        if not j:
            continue  # nothing to score (and no conversion id to report)
        if len(j) > max_sessions:
            too_long.append(j)
            continue
        if current and (len(current) == max_journeys or size + len(j) > max_sessions):
            out.append(current)
            current, size = [], 0
        current.append(j)
        size += len(j)
    if current:
        out.append(current)
    return out, too_long


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class _Final(Exception):
    pass


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _names(message: str, conv_id: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(conv_id)}(?![\w-])", message) is not None


def _valid_row(r: dict) -> bool:
    """A `value` item usable as a credit: a session id and a finite numeric ihc."""
    ihc = r.get("ihc")
    return (
        isinstance(r.get("session_id"), str)
        and isinstance(ihc, (int, float))
        and not isinstance(ihc, bool)
        and math.isfinite(ihc)
    )


class IHCClient:
    """Scores journeys through the IHC API (see the module docstring); plain Python, no Dagster."""

    def __init__(
        self,
        api_key: str,
        conv_type_id: str,
        api_url: str = DEFAULT_URL,
        *,
        max_journeys: int = 100,
        max_sessions: int = 200,
        concurrency: int = 4,
        max_attempts: int = 5,
        timeout_seconds: float = 30.0,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        redistribution_parameter: dict | None = None,
        log: Callable[[str], None] | None = None,
        rng: random.Random | None = None,
    ):
        if not api_key:
            raise ValueError("the IHC client needs an API key (IHC_API_KEY)")
        self._key = api_key
        self.conv_type_id = conv_type_id
        self.url = api_url.rstrip("/") + "/compute_ihc"
        self.max_journeys, self.max_sessions = max_journeys, max_sessions
        self.concurrency = max(1, concurrency)
        self.max_attempts = max(1, max_attempts)
        self.timeout = timeout_seconds
        self.backoff, self.max_backoff = backoff_seconds, max_backoff_seconds
        self.redistribution_parameter = redistribution_parameter
        self._log = log or logger.info
        self._rng = rng or random.Random()
        self._local = threading.local()
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the key stays out of reprs and tracebacks' locals printing
        return f"IHCClient(url={self.url!r}, conv_type_id={self.conv_type_id!r}, api_key=***)"

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def log(self, message: str) -> None:
        self._log(self._scrub(message))

    def _session(self):
        import requests

        if getattr(self._local, "session", None) is None:
            self._local.session = requests.Session()
        return self._local.session

    def _sleep(self, attempt: int, wait: float | None) -> None:
        if wait is not None:  # the server said when (429 Retry-After): honour it
            time.sleep(min(wait, MAX_RETRY_AFTER_SECONDS))
            return
        cap = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        with self._lock:
            wait = cap / 2 + self._rng.uniform(0, cap / 2)  # "equal jitter": spread, never zero
        time.sleep(wait)

    def _post_once(self, body: bytes) -> dict:
        import requests

        try:
            response = self._session().post(
                self.url,
                params={"conv_type_id": self.conv_type_id},
                data=body,
                headers={"x-api-key": self._key, "Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise _Retryable(f"timeout after {self.timeout}s")
        except requests.ConnectionError as exc:
            raise _Retryable(f"connection error ({type(exc).__name__})")
        status = response.status_code
        if status == RETRY_STATUS:
            raise _Retryable("HTTP 429 Too Many Requests", _retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Retryable(f"HTTP {status}")
        if status >= 400:
            raise _Final(f"HTTP {status}: {self._scrub(response.text[:200])}")
        try:
            payload = response.json()
            if not isinstance(payload, dict) or not isinstance(payload.get("value", []), list):
                raise ValueError("no 'value' list")
        except ValueError as exc:
            raise _Retryable(f"malformed response body ({exc})")
        payload.setdefault("_http_status", status)
        return payload

    def _send(self, batch: list[Journey], result: ScoreResult) -> tuple[list[dict], dict[str, Failure]]:
        conv_ids = [j[0]["conversion_id"] for j in batch]
        body: dict[str, Any] = {"customer_journeys": [s for j in batch for s in j]}
        if self.redistribution_parameter:
            body["redistribution_parameter"] = self.redistribution_parameter
        data = json.dumps(body).encode()
        error = "not sent"
        for attempt in range(1, self.max_attempts + 1):
            with self._lock:
                result.requests += 1
            try:
                payload = self._post_once(data)
            except _Final as exc:
                self.log(f"IHC batch of {len(batch)} journeys failed for good: {exc}")
                return [], {c: Failure(str(exc), attempt) for c in conv_ids}
            except _Retryable as exc:
                error = str(exc)
                if attempt < self.max_attempts:
                    self.log(
                        f"IHC batch of {len(batch)} journeys: {error}; retry {attempt}/{self.max_attempts - 1}"
                    )
                    self._sleep(attempt, exc.wait)
                continue
            return self._read(payload, conv_ids, attempt)
        return [], {
            c: Failure(f"{error} (gave up after {self.max_attempts} attempts)", self.max_attempts)
            for c in conv_ids
        }

    def _read(
        self, payload: dict, conv_ids: list[str], attempts: int
    ) -> tuple[list[dict], dict[str, Failure]]:
        wanted = set(conv_ids)
        failures: dict[str, Failure] = {}
        for item in payload.get("partialFailureErrors") or []:
            named = None
            if isinstance(item, dict):
                named = item.get("conversion_id") or item.get("conv_id") or item.get("conversionId")
                message = str(item.get("error") or item.get("message") or item)
            else:
                message = str(item)
            # A text naming a conversion names it as a whole token: "c1" is not named by "c10 failed".
            hits = (
                [named]
                if isinstance(named, str) and named in wanted
                else [c for c in conv_ids if _names(message, c)]
            )
            for c in hits:
                failures[c] = Failure(f"partial failure: {self._scrub(message)[:300]}", attempts)
        rows: list[dict] = []
        for r in payload.get("value", []):
            conv_id = r.get("conversion_id") if isinstance(r, dict) else None
            if not isinstance(conv_id, str) or conv_id not in wanted or conv_id in failures:
                continue  # not one of this batch's conversions: nothing to attach it to
            if _valid_row(r):
                rows.append(r)
            else:  # one bad row makes the conversion's credits unusable, never the whole run
                failures[conv_id] = Failure(
                    f"malformed row in the API response: {self._scrub(str(r))[:200]}", attempts
                )
        rows = [r for r in rows if r["conversion_id"] not in failures]
        scored = {r["conversion_id"] for r in rows}
        for c in conv_ids:
            if c not in scored and c not in failures:
                failures[c] = Failure("not scored in the API response", attempts)
        return rows, failures

    def score(self, journeys: Sequence[Journey]) -> ScoreResult:
        """Score `journeys` (each a list of API session items of one conversion, in order)."""
        result = ScoreResult()
        todo, too_long = batches(journeys, self.max_journeys, self.max_sessions)
        for j in too_long:
            result.failures[j[0]["conversion_id"]] = Failure(
                f"journey has {len(j)} sessions, more than max_sessions={self.max_sessions}", 0
            )
        result.batches = len(todo)
        self.log(
            f"IHC: {len(journeys)} journeys in {len(todo)} requests "
            f"(<= {self.max_journeys} journeys, <= {self.max_sessions} sessions each, {self.concurrency} at a time)"
        )
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="ihc") as pool:
            for rows, failures in pool.map(lambda b: self._send(b, result), todo):
                result.rows.extend(rows)
                result.failures.update(failures)
        return result


class IHCResource(dg.ConfigurableResource):
    """The IHC API, when `api_key` is set (read it from `IHC_API_KEY` with `dg.EnvVar`); without a key the
    journeys domain attributes with its built-in models."""

    api_key: Optional[str] = Field(default=None, description="IHC_API_KEY (secret: use dg.EnvVar)")
    conv_type_id: Optional[str] = Field(default=None, description="IHC_CONV_TYPE_ID")
    api_url: str = Field(default=DEFAULT_URL, description="IHC_API_URL")
    max_journeys: int = 100
    max_sessions: int = 200
    concurrency: int = 4
    max_attempts: int = 5
    timeout_seconds: float = 30.0
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    redistribution_parameter: Optional[str] = Field(default=None, description="JSON object sent as is")

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)

    def client(self, log: Callable[[str], None] | None = None) -> IHCClient:
        if not self.conv_type_id:
            raise dg.Failure(
                "IHC_API_KEY is set but IHC_CONV_TYPE_ID is not: the API needs a conversion type"
            )
        return IHCClient(
            self.api_key or "",
            self.conv_type_id,
            self.api_url or DEFAULT_URL,
            max_journeys=self.max_journeys,
            max_sessions=self.max_sessions,
            concurrency=self.concurrency,
            max_attempts=self.max_attempts,
            timeout_seconds=self.timeout_seconds,
            backoff_seconds=self.backoff_seconds,
            max_backoff_seconds=self.max_backoff_seconds,
            redistribution_parameter=json.loads(self.redistribution_parameter)
            if self.redistribution_parameter
            else None,
            log=log,
        )


def ihc_from_env() -> IHCResource:
    """The IHC resource from IHC_API_KEY (an EnvVar: never a plain value), IHC_CONV_TYPE_ID, IHC_API_URL."""
    from platform_assets import settings
    from resources.secrets import secret_from_env

    return IHCResource(
        api_key=secret_from_env("IHC_API_KEY"),
        conv_type_id=settings.ihc_conv_type_id(),
        api_url=settings.ihc_api_url() or DEFAULT_URL,
    )
