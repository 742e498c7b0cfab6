"""A challenge-shaped source database for the journeys domain (spec: journeys.md, platform.md CLI).

`generate(out, start, days)` writes the tables `session_sources`, `conversions` and `session_costs`
(exactly the challenge's columns) into `out/../sources/challenge.db`, or into the SQLAlchemy URL
`journeys_db`. Shaped like the real 2023 challenge data: 64-hex ids, the 13 journey channels (`FB & IG
Ads`, `Direct Traffic`, ...) plus 3 channels that have cost but never appear in a converting journey,
multi-session journeys (most of length 1, a long tail), a few users converting twice, sessions shared by
two conversions of one user. Defects, each counted: impression-only sessions (and conversions whose
sessions are all impressions), sessions without a cost row (organic channels, plus a share of paid
ones), conversions with no session at all, and sessions older than the lookback window.

The summary's `expected` is what a correct pipeline produces, computed here in plain Python: attributed
and excluded conversions (by reason), journey rows, and the total session cost per date.
Deterministic: one `random.Random(seed)`; re-running replaces the tables (no duplicates). No Dagster or
Spark import.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypedDict

from platform_assets.core.samplefiles import Generated, check_range
from platform_assets.journeys.sources import (
    CONVERSION_COLUMNS,
    CONVERSIONS,
    LOOKBACK_DAYS,
    SESSION_COLUMNS,
    SESSION_COSTS,
    SESSION_SOURCES,
    SOURCE_DDL,
    WRITEBACK_ATTRIBUTION,
    WRITEBACK_REPORT,
)

__all__ = ["generate", "CHANNELS", "default_url"]

# channel -> (share of sessions, cost per session range; None: organic, no cost row)
CHANNELS: dict[str, tuple[float, tuple[float, float] | None]] = {
    "Direct Traffic": (0.16, None),
    "Organic Traffic": (0.12, None),
    "Referral": (0.04, None),
    "Social Organic": (0.05, None),
    "Newsletter & Email": (0.10, (0.02, 0.15)),
    "FB & IG Ads": (0.14, (0.30, 2.50)),
    "Paid Search Brand": (0.09, (0.20, 1.20)),
    "Paid Search Non Brand": (0.08, (0.50, 3.00)),
    "Performance Max": (0.06, (0.40, 2.00)),
    "Microsoft Ads": (0.03, (0.30, 1.80)),
    "TikTok Ads": (0.04, (0.10, 0.90)),
    "Affiliate & Partnerships": (0.03, (0.50, 4.00)),
    "Untracked Conversions": (0.01, None),
}
# Paid channels with traffic that never converts (cost without attributed sessions in the report).
COST_ONLY = {"Pinterest Ads": (0.20, 1.10), "Lead Generation": (1.00, 6.00), "YouTube Ads": (0.05, 0.60)}
P_IMPRESSION = 0.05
P_MISSING_COST = 0.05
P_CONVERT = 0.3
P_SECOND_CONVERSION = 0.05
P_IMPRESSION_ONLY_USER = 0.03
P_SESSIONLESS_BUYER = 0.02


def default_url(out: Path) -> str:
    return f"sqlite:///{(Path(out).resolve().parent / 'sources' / 'challenge.db')}"


def _hex(seed: int, *parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).hexdigest()


def _ts(rng: random.Random, first: datetime, last: datetime) -> datetime:
    return first + timedelta(seconds=rng.randrange(int((last - first).total_seconds())))


class Expected(TypedDict):
    """What the pipeline must produce from the generated tables (plain Python, independent of Spark)."""

    conversions: int
    attributed_conversions: int
    excluded: dict[str, int]  # by reason
    journey_rows: int
    revenue_attributed: float
    total_cost: float
    cost_by_date: dict[str, float]


class Summary(Generated):
    """What `generate` wrote into the source database, its defects, and the truth of the pipeline."""

    url: str  # password hidden
    rows: dict[str, int]  # by source table
    defects: dict[str, int]  # counted by kind
    expected: Expected


@dataclass
class _Tables:
    sessions: list[dict] = field(default_factory=list)
    costs: list[dict] = field(default_factory=list)
    conversions: list[dict] = field(default_factory=list)
    defects: Counter = field(default_factory=Counter)


def generate(
    out: Path, start: date, days: int, *, seed: int = 7, scale: float = 1.0, journeys_db: str | None = None
) -> Summary:
    """Write the source database (`journeys_db`, default `sources/challenge.db` beside `out`)."""
    import sqlalchemy as sa

    check_range(days, scale)
    tables = _simulate(random.Random(seed), seed, start, days, scale)
    url = journeys_db or default_url(out)
    _load(url, tables)
    return {
        "domain": "journeys",
        "url": sa.engine.make_url(url).render_as_string(hide_password=True),
        "start": start.isoformat(),
        "end": (start + timedelta(days=days - 1)).isoformat(),
        "days": days,
        "seed": seed,
        "scale": scale,
        "files_written": 1,
        "rows": {
            SESSION_SOURCES: len(tables.sessions),
            CONVERSIONS: len(tables.conversions),
            SESSION_COSTS: len(tables.costs),
        },
        "defects": dict(sorted(tables.defects.items())),
        "expected": expected(tables.sessions, tables.conversions, tables.costs),
    }


def _simulate(rng: random.Random, seed: int, start: date, days: int, scale: float) -> _Tables:
    """Users' browsing histories (sessions with their costs) and the conversions they lead to, with the
    challenge's defects: sessionless buyers, impression-only journeys, missing cost rows, repeat buyers,
    and paid traffic that never converts."""
    first = datetime.combine(start, datetime.min.time())
    end = first + timedelta(days=days)
    channels = list(CHANNELS)
    weights = [CHANNELS[c][0] for c in channels]
    out = _Tables()
    sessions, costs, conversions, defects = out.sessions, out.costs, out.conversions, out.defects

    def add_session(user: str, channel: str, ts: datetime, impression: int) -> dict:
        s = {
            "session_id": _hex(seed, "session", len(sessions)),
            "user_id": user,
            "event_date": ts.date().isoformat(),
            "event_time": ts.strftime("%H:%M:%S"),
            "channel_name": channel,
            "holder_engagement": int(rng.random() < 0.9),
            "closer_engagement": int(rng.random() < 0.75),
            "impression_interaction": impression,
        }
        sessions.append(s)
        price = CHANNELS[channel][1] if channel in CHANNELS else COST_ONLY[channel]
        if price is None:
            defects["sessions_without_cost_row"] += 1
        elif rng.random() < P_MISSING_COST:
            defects["sessions_without_cost_row"] += 1
            defects["paid_sessions_without_cost_row"] += 1
        else:
            costs.append({"session_id": s["session_id"], "cost": round(rng.uniform(*price), 3)})
        if impression:
            defects["impression_sessions"] += 1
        return s

    def add_conversion(user: str, ts: datetime) -> None:
        if ts >= end:
            return
        conversions.append(
            {
                "conv_id": _hex(seed, "conversion", len(conversions)),
                "user_id": user,
                "conv_date": ts.date().isoformat(),
                "conv_time": ts.strftime("%H:%M:%S"),
                "revenue": round(rng.lognormvariate(4.0, 0.6), 2),
            }
        )

    n_users = max(40, round(600 * scale))
    for n in range(n_users):
        user = _hex(seed, "user", n)
        kind = rng.random()
        if kind < P_SESSIONLESS_BUYER:
            add_conversion(user, _ts(rng, first, end))
            defects["conversions_without_session"] += 1
            continue
        if kind < P_SESSIONLESS_BUYER + P_IMPRESSION_ONLY_USER:
            ts = _ts(rng, first, end - timedelta(hours=2))
            for _ in range(rng.randint(1, 3)):
                add_session(user, rng.choices(channels, weights)[0], ts, 1)
                ts += timedelta(minutes=rng.randint(1, 90))
            add_conversion(user, ts + timedelta(minutes=5))
            defects["conversions_impressions_only"] += 1
            continue
        # A browsing history: mostly one session, a long tail of many (the real journeys reach 37).
        n_sessions = min(30, 1 + int(rng.expovariate(0.6)))
        ts = _ts(rng, first, end)
        user_sessions = []
        for _ in range(n_sessions):
            if ts >= end:
                break
            channel = rng.choices(channels, weights)[0]
            user_sessions.append(add_session(user, channel, ts, int(rng.random() < P_IMPRESSION)))
            ts += timedelta(
                minutes=rng.choice((3, 20, 90, 600, 1440, 4000, 20000, 60000)) + rng.randint(0, 59)
            )
        if user_sessions and rng.random() < P_CONVERT:
            last = datetime.fromisoformat(
                f"{user_sessions[-1]['event_date']}T{user_sessions[-1]['event_time']}"
            )
            add_conversion(user, last + timedelta(minutes=rng.randint(0, 45)))
            if rng.random() < P_SECOND_CONVERSION:
                add_conversion(user, last + timedelta(minutes=rng.randint(50, 600)))
                defects["repeat_conversions"] += 1
    # Cost-only channels: traffic from users who never buy.
    for n in range(max(6, round(60 * scale))):
        user = _hex(seed, "window-shopper", n)
        add_session(user, rng.choice(sorted(COST_ONLY)), _ts(rng, first, end), 0)

    return out


def _load(url: str, tables: _Tables) -> None:
    """Replace the source tables with the generated rows, in one transaction."""
    import sqlalchemy as sa

    sessions, conversions, costs = tables.sessions, tables.conversions, tables.costs
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    session_t = sa.table(SESSION_SOURCES, *[sa.column(c) for c in SESSION_COLUMNS])
    conv_t = sa.table(CONVERSIONS, *[sa.column(c) for c in CONVERSION_COLUMNS])
    cost_t = sa.table(SESSION_COSTS, sa.column("session_id"), sa.column("cost"))
    preparer = engine.dialect.identifier_preparer
    try:
        with engine.begin() as conn:
            # A fresh database each time: the same seed gives the same content, never duplicates; write-back
            # tables of an earlier generation would describe other data, so they go too.
            for name in (*SOURCE_DDL, WRITEBACK_ATTRIBUTION, WRITEBACK_REPORT):
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {preparer.quote(name)}"))
            for ddl in SOURCE_DDL.values():
                conn.execute(sa.text(ddl))
            conn.execute(sa.insert(session_t), sessions)
            if conversions:
                conn.execute(sa.insert(conv_t), conversions)
            if costs:
                conn.execute(sa.insert(cost_t), costs)
    finally:
        engine.dispose()


def expected(sessions: list[dict], conversions: list[dict], costs: list[dict]) -> Expected:
    """What the pipeline must produce from these tables (plain Python, independent of Spark)."""
    by_user: dict[str, list[tuple[datetime, str, dict]]] = defaultdict(list)
    for s in sessions:
        ts = datetime.fromisoformat(f"{s['event_date']}T{s['event_time']}")
        by_user[s["user_id"]].append((ts, s["session_id"], s))
    excluded: Counter = Counter()
    attributed: dict[str, int] = {}
    for c in conversions:
        conv_ts = datetime.fromisoformat(f"{c['conv_date']}T{c['conv_time']}")
        journey = [
            s
            for ts, _, s in sorted(by_user[c["user_id"]])
            if conv_ts - timedelta(days=LOOKBACK_DAYS) <= ts <= conv_ts
        ]
        if not journey:
            excluded["no_sessions_in_lookback"] += 1
        elif all(s["impression_interaction"] == 1 for s in journey):
            excluded["only_impression_sessions"] += 1
        else:
            attributed[c["conv_id"]] = len(journey)
    cost_by_session = {c["session_id"]: c["cost"] for c in costs}
    cost_by_date: dict[str, float] = defaultdict(float)
    for s in sessions:
        cost_by_date[s["event_date"]] += cost_by_session.get(s["session_id"], 0.0)
    return {
        "conversions": len(conversions),
        "attributed_conversions": len(attributed),
        "excluded": dict(sorted(excluded.items())),
        "journey_rows": sum(attributed.values()),
        "revenue_attributed": round(sum(c["revenue"] for c in conversions if c["conv_id"] in attributed), 2),
        "total_cost": round(sum(cost_by_date.values()), 6),
        "cost_by_date": {d: round(v, 6) for d, v in sorted(cost_by_date.items())},
    }
