"""Gold attribution on the driver: silver journeys (Arrow) -> one credit per (conv_id, session_id).

Why not a Spark transform: both providers need whole journey sets in one place — the IHC API takes whole
journeys per request (and the secret key lives in a Dagster resource, never in a Spark job spec), and
the exact Markov and Shapley models are fitted on every journey at once. A journey is a few sessions, so
even a million conversions fit comfortably in driver memory; the journeys are read with delta-rs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Iterable

from platform_assets.journeys.models import Journey, Touch, attribute

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

IHC_API = "ihc_api"
FIT_ON_ALL = ("markov", "shapley")  # data-driven: fitted on every journey of silver, not only the run's
ATTRIBUTION_COLUMNS = ("conv_id", "session_id", "ihc", "model", "dt")
SUM_TOLERANCE = 1e-6
# The API rounds ihc to 4 decimals: a sum within this of 1 is renormalised; further off is a failure.
API_SUM_TOLERANCE = 1e-3


@cache
def attribution_schema() -> pa.Schema:
    """gold/journeys/attribution (built on first use: pyarrow stays out of the code location's load)."""
    import pyarrow as pa

    types = {"ihc": pa.float64()}
    return pa.schema([(c, types.get(c, pa.string())) for c in ATTRIBUTION_COLUMNS])


@cache
def failures_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [("conv_id", pa.string()), ("error", pa.string()), ("attempts", pa.int64()), ("dt", pa.string())]
    )


def journeys_from_rows(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """conv_id -> its silver rows ordered by position."""
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["conv_id"]].append(r)
    for sessions in out.values():
        sessions.sort(key=lambda r: r["position"])
    return dict(out)


def as_model_journey(conv_id: str, sessions: list[dict]) -> Journey:
    touches = tuple(Touch(s["session_id"], s["channel_name"], _naive(s["session_ts"])) for s in sessions)
    return Journey(conv_id, touches, True, _naive(sessions[-1]["conv_ts"]))


def _naive(ts: datetime | None) -> datetime | None:
    return ts.replace(tzinfo=None) if ts is not None and ts.tzinfo is not None else ts


def null_paths(sessions: pa.Table, in_journeys: set[str]) -> list[Journey]:
    """Non-converting paths for the Markov model: per user, the sessions that belong to no journey, in
    time order (one path per user)."""
    by_user: dict[str, list[tuple]] = defaultdict(list)
    for s in sessions.select(
        ["session_id", "user_id", "event_date", "event_time", "channel_name"]
    ).to_pylist():
        if s["session_id"] in in_journeys or not s["user_id"] or not s["event_date"]:
            continue
        by_user[s["user_id"]].append(
            (f"{s['event_date']} {s['event_time']}", s["session_id"], s["channel_name"] or "(unknown)")
        )
    return [
        Journey(f"null:{user}", tuple(Touch(sid, ch) for _, sid, ch in sorted(paths)), converted=False)
        for user, paths in sorted(by_user.items())
    ]


def score_builtin(
    run_journeys: dict[str, list[dict]],
    model: str,
    params: dict,
    fit_journeys: dict[str, list[dict]] | None = None,
    nulls: list[Journey] = (),
) -> list[dict]:
    """Credits of the run's conversions by a built-in model; Markov/Shapley fitted on `fit_journeys`
    (and the non-converting `nulls`) when given."""
    run = [as_model_journey(c, s) for c, s in sorted(run_journeys.items())]
    fit = run
    if model in FIT_ON_ALL and fit_journeys is not None:
        fit = [as_model_journey(c, s) for c, s in sorted(fit_journeys.items())] + list(nulls)
    credits = attribute(fit, model, **params)
    rows = []
    for j in run:
        dt = run_journeys[j.conv_id][0]["dt"]
        for touch, credit in zip(j.touches, credits[j.conv_id]):
            rows.append(
                {
                    "conv_id": j.conv_id,
                    "session_id": touch.session_id,
                    "ihc": credit,
                    "model": model,
                    "dt": dt,
                }
            )
    return rows


def api_payload(conv_id: str, sessions: list[dict]) -> list[dict]:
    """One journey as the IHC API's customer_journeys items."""
    return [
        {
            "conversion_id": conv_id,
            "session_id": s["session_id"],
            "timestamp": _naive(s["session_ts"]).strftime("%Y-%m-%d %H:%M:%S"),
            "channel_label": s["channel_name"],
            "holder_engagement": int(s["holder_engagement"]),
            "closer_engagement": int(s["closer_engagement"]),
            "conversion": int(s["conversion"]),
            "impression_interaction": int(s["impression_interaction"]),
        }
        for s in sessions
    ]


@dataclass
class ApiOutcome:
    rows: list[dict] = field(default_factory=list)
    failures: dict[str, tuple[str, int]] = field(default_factory=dict)  # conv_id -> (error, attempts)
    sent: int = 0
    requests: int = 0


def score_api(client, journeys: dict[str, list[dict]]) -> ApiOutcome:
    """Send `journeys` to the API; keep conversions whose returned sessions are exactly the journey's and
    whose ihc sums to 1 (renormalising the API's 4-decimal rounding); the rest are failures."""
    outcome = ApiOutcome(sent=len(journeys))
    if not journeys:
        return outcome
    result = client.score([api_payload(c, s) for c, s in sorted(journeys.items())])
    outcome.requests = result.requests
    for conv_id, failure in result.failures.items():
        outcome.failures[conv_id] = (failure.error, failure.attempts)
    returned: dict[str, dict[str, float]] = defaultdict(dict)
    for r in result.rows:
        returned[r["conversion_id"]][r["session_id"]] = float(r["ihc"])
    attempts = max((f.attempts for f in result.failures.values()), default=1)
    for conv_id, credits in returned.items():
        sessions = journeys[conv_id]
        expected = [s["session_id"] for s in sessions]
        total = sum(credits.values())
        if set(credits) != set(expected):
            outcome.failures[conv_id] = ("the API returned other sessions than the journey's", attempts)
        elif not math.isfinite(total) or abs(total - 1.0) > API_SUM_TOLERANCE or min(credits.values()) < 0:
            outcome.failures[conv_id] = (f"ihc sums to {total:.6f}, not 1", attempts)
        else:
            dt = sessions[0]["dt"]
            outcome.rows += [
                {
                    "conv_id": conv_id,
                    "session_id": sid,
                    "ihc": credits[sid] / total,
                    "model": IHC_API,
                    "dt": dt,
                }
                for sid in expected
            ]
    return outcome


def reusable_api_rows(
    gold_rows: list[dict], journeys: dict[str, list[dict]]
) -> tuple[list[dict], dict[str, list[dict]]]:
    """Split the run's journeys into gold API rows kept from earlier runs (the journey's sessions and date
    did not change) and the journeys to send: new, changed, previously failed or scored by another model."""
    previous = journeys_from_rows([dict(r, position=0) for r in gold_rows if r["model"] == IHC_API])
    kept: list[dict] = []
    todo: dict[str, list[dict]] = {}
    for conv_id, sessions in journeys.items():
        rows = previous.get(conv_id)
        if (
            rows
            and {r["session_id"] for r in rows} == {s["session_id"] for s in sessions}
            and rows[0]["dt"] == sessions[0]["dt"]
        ):
            kept += [{k: r[k] for k in ATTRIBUTION_COLUMNS} for r in rows]
        else:
            todo[conv_id] = sessions
    return kept, todo


def audit(rows: list[dict]) -> tuple[bool, dict]:
    """Blocking check of gold attribution: per conversion the credits sum to 1 (|error| <= 1e-6), every
    credit is in [0, 1], and (conv_id, session_id) is unique."""
    sums: dict[str, float] = defaultdict(float)
    keys = set()
    duplicates = out_of_range = 0
    for r in rows:
        sums[r["conv_id"]] += r["ihc"]
        key = (r["conv_id"], r["session_id"])
        duplicates += key in keys
        keys.add(key)
        out_of_range += not (0.0 <= r["ihc"] <= 1.0 + SUM_TOLERANCE)
    bad = sorted(c for c, s in sums.items() if abs(s - 1.0) > SUM_TOLERANCE)
    return not bad and not duplicates and not out_of_range, {
        "conversions": len(sums),
        "conversions_not_summing_to_1": len(bad),
        "sample": bad[:5],
        "duplicate_keys": duplicates,
        "credits_out_of_range": out_of_range,
    }


def credits_sum_to_one(tables: dict[str, pa.Table], facts: dict) -> tuple[bool, dict]:
    """Blocking check of the scored rows (`audit`)."""
    return audit(tables["gold"].to_pylist())


def all_conversions_scored(tables: dict[str, pa.Table], facts: dict) -> tuple[bool, dict]:
    """WARN when conversions went unscored (the next run sends them again)."""
    unscored = tables["failures"].num_rows
    return unscored == 0, {"unscored_conversions": unscored, "journeys": facts["gold"]["journeys"]}
