"""Realistic, messy sample landing data for the ad_attribution domain (spec: ad_attribution.md, platform.md).

`generate(out, start, days)` writes ad events and orders under `out/ad_attribution/...`:

- campaigns on three channels with their own pricing: meta and tiktok buy impressions (CPM: every
  impression costs CPM/1000, clicks are free), google buys clicks (CPC: clicks cost, impressions are free);
  click-through rates of 0.4-4 % depending on the channel; a daily budget per campaign with a weekday curve;
- each channel delivers in its own shape, like real exports: meta JSON lines with the `platform` /
  `timestamp` aliases and ISO `Z` timestamps in milliseconds; google CSV with the canonical header and
  naive timestamps (the seed's `YYYY-MM-DD HH:MM:SS.ffffff` or whole seconds); tiktok an impressions CSV
  without `event_type` (every row an impression) with a `region` column nobody asked for and timestamps
  with a +08:00 offset, plus a clicks JSONL without `cost` (missing: 0);
- orders: users convert after a click (within days) or a view (within hours), most orders are organic,
  and 15 % of buyers order again hours to days later;
  amounts in USD with whole-number or 2-decimal text, the header sometimes the seed's `timestamp` alias;
- defects, each counted: late events (a second file in day D's folder delivered on D+2 with events held
  back from D's first delivery), duplicate deliveries (a meta re-delivery file repeating events, exact
  duplicate lines, an orders re-delivery), null/blank SKUs, foreign currencies, unknown event types and
  clock-skewed events whose UTC date is the next day (quarantined: `event_date_matches_partition`).

`scale` multiplies users, budgets and so events and orders (about 8,000 events and 80 orders a day at
1.0; ROAS of a few units, inflated by view-through credit as in real last-touch reports). Deterministic: everything comes from one `random.Random(seed)`; the same arguments give the same
bytes and mtimes. No Dagster or Spark import.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Callable, NamedTuple, TypedDict

from platform_assets.ad_attribution.sources import AD_EVENTS, DOMAIN, ORDERS
from platform_assets.core.samplefiles import GeneratedFiles, check_range, write_csv, write_jsonl

__all__ = ["generate", "CHANNELS"]

UTC = timezone.utc
SGT = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Channel:
    name: str  # as delivered (tiktok delivers "TikTok"; silver lower-cases it)
    pricing: str  # "cpm" or "cpc"
    cpm: tuple[float, float]  # USD per 1,000 impressions (cpm pricing)
    cpc: tuple[float, float]  # USD per click (cpc pricing)
    ctr: tuple[float, float]
    campaigns: int
    themes: tuple[str, ...]


CHANNELS = (
    Channel(
        "meta", "cpm", (6.0, 14.0), (0, 0), (0.008, 0.02), 5, ("prospecting", "retargeting", "lookalike")
    ),
    Channel("google", "cpc", (0, 0), (0.35, 2.40), (0.015, 0.04), 4, ("brand_search", "shopping", "display")),
    Channel("TikTok", "cpm", (3.0, 9.0), (0, 0), (0.004, 0.012), 3, ("spark_ads", "topview")),
)

# Impressions a day at scale 1.0 over every campaign, before the weekday curve and noise (Mon=0 .. Sun=6).
_BASE_IMPRESSIONS = 8000
_WEEKDAY = (0.92, 0.9, 0.95, 1.0, 1.08, 1.15, 1.1)
_HOURS = (2, 1.5, 1, 1, 1, 1.5, 2.5, 3.5, 4, 4.5, 5, 5.5, 6, 6, 5.5, 5.5, 6, 6.5, 7, 7.5, 7, 6, 4.5, 3)
_P_ORDER_AFTER_CLICK = 0.06
_P_ORDER_AFTER_VIEW = 0.0015
_P_REPEAT = 0.15
_ORGANIC_PER_DAY = 60  # half by known users (who may have seen an ad: view-through credits them), half new
# Defect rates (share of a day's volume); each defect occurs at least once over the range.
_RATE_LATE = 0.03  # of the late day's meta + google events, held back to a file delivered on D+2
_RATE_REDELIVERED = 0.02  # of a day's meta events, repeated in a re-delivery file
_RATE_DUP_LINE = 0.001
_RATE_NULL_SKU = 0.005
_RATE_FOREIGN = 0.01
_RATE_BAD_TYPE = 0.0005
_RATE_SKEW = 0.0005
_FOREIGN = ("EUR", "GBP", "CAD")
_SKUS = tuple(f"sku_{n}" for n in range(100, 160))


@dataclass
class _Event:
    event_id: str
    user_id: str
    campaign_id: str
    channel: Channel
    event_type: str  # impression | click | an unknown type (defect)
    ts: datetime
    cost: Decimal
    tag: str = ""  # "" or the defect it carries


@dataclass
class _Order:
    order_id: str
    user_id: str
    ts: datetime
    sku: str | None
    amount: Decimal
    currency: str
    tag: str = ""


@dataclass
class _Day:
    day: date
    events: list[_Event] = field(default_factory=list)
    orders: list[_Order] = field(default_factory=list)


def _at(d: date, hours: float = 0, seconds: float = 0) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=UTC) + timedelta(hours=hours, seconds=seconds)


def _money(x: float, places: str) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _iso_z_millis(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _naive(ts: datetime, micros: bool) -> str:
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f") if micros else ts.strftime("%Y-%m-%d %H:%M:%S")


def _offset(ts: datetime) -> str:
    return ts.astimezone(SGT).isoformat(timespec="seconds")


def _decimal_text(x: Decimal) -> str:
    return format(x.normalize(), "f")


def _amount_text(x: Decimal, whole: bool) -> str:
    return str(int(x)) if whole and x == x.to_integral_value() else f"{x:.2f}"


def _at_least_one(rate: float, volume: int) -> int:
    return max(1, round(rate * volume))


class Campaign(TypedDict):
    campaign_id: str
    channel: str  # lower case, as silver has it
    theme: str
    pricing: str  # cpm | cpc
    cpm: float | None
    cpc: float | None
    ctr: float


class DefectFiles(TypedDict):
    late: list[str]  # `meta_late.jsonl`, delivered on D+2
    redeliveries: list[str]  # `meta_redelivery.jsonl`, `orders_redelivery.csv`


class DayTruth(TypedDict):
    events: int
    impressions: int
    clicks: int
    spend: str  # decimal text
    orders: int
    revenue: str  # decimal text


class ExpectedSilver(TypedDict):
    ad_events: int
    orders: int
    quarantine: dict[str, int]  # rule failures by table (superseded copies excluded)
    daily: dict[str, DayTruth]


class Summary(GeneratedFiles):
    """What `generate` delivered (physical rows) and the truth of silver."""

    rows: dict[str, int]  # physical rows delivered, by source
    campaigns: list[Campaign]
    late_files: int
    late_events: int
    redelivered_events: int
    duplicate_lines: int
    redelivered_orders: int
    bad_rows: dict[str, int]  # by rule; each bad row breaks exactly one rule
    defect_files: DefectFiles
    expected_silver: ExpectedSilver


@dataclass
class _Audience:
    """Users (a heavy minority sees most ads), campaigns, and the random draws every day shares."""

    rng: random.Random
    users: list[str]
    cum_users: list[float]
    campaigns: list[dict[str, Any]]
    cum_hours: list[float]

    def pick_user(self) -> str:
        return self.users[bisect.bisect_left(self.cum_users, self.rng.random() * self.cum_users[-1])]

    def moment(self, d: date) -> datetime:
        h = self.rng.choices(range(24), cum_weights=self.cum_hours)[0]
        return _at(d, h, self.rng.randint(0, 3599) + self.rng.randint(0, 999_999) / 1e6)


@dataclass
class _Deliveries:
    """The delivery defects: the late, re-delivered and duplicated days and what they carry."""

    late_day: date
    redelivery_day: date
    dup_day: date
    late: list[_Event]
    redelivered: list[_Event]
    redelivered_orders: list[_Order]

    @property
    def late_ids(self) -> set[str]:
        return {e.event_id for e in self.late}


@dataclass
class _Written:
    keys: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {AD_EVENTS.name: 0, ORDERS.name: 0})
    duplicate_lines: int = 0

    def add(self, key: str, source: str, rows: int) -> None:
        self.keys.append(key)
        self.rows[source] += rows


def generate(out: Path, start: date, days: int, *, seed: int = 7, scale: float = 1.0) -> Summary:
    """Write ad_attribution landing files for `days` days from `start` under `out/ad_attribution/`.

    Layout, per day D: `ad_events/<D>/meta.jsonl`, `google.csv`, `tiktok_impressions.csv`,
    `tiktok_clicks.jsonl` (first delivery D+1 01:00-01:30 UTC); on the late day `meta_late.jsonl` (D+2
    06:00); on the re-delivery day `meta_redelivery.jsonl` (D+1, hours after the first); orders
    `orders/<D>/orders.csv` and on the re-delivery day `orders_redelivery.csv`.
    """
    check_range(days, scale)
    out = Path(out)
    # One random stream, drawn in this order (audience, events and orders, row defects, delivery defects,
    # then per day each source's file): same seed, same bytes.
    rng = random.Random(seed)
    dates = [start + timedelta(days=i) for i in range(days)]
    by_day = {d: _Day(d) for d in dates}
    audience = _audience(rng, scale)
    _events_and_orders(audience, dates, by_day, scale)
    bad_rows = _row_defects(rng, dates, by_day)
    deliveries = _delivery_defects(rng, dates, by_day)
    written = _Written()
    for d in dates:
        first = _at(d, 25, rng.randint(0, 600))
        files = _DayFiles(out, rng, d, first, by_day[d], deliveries, written)
        for write in (_write_meta, _write_google, _write_tiktok, _write_late_and_redelivered, _write_orders):
            write(files)
    return _summary(dates, seed, scale, by_day, audience, bad_rows, deliveries, written)


def _audience(rng: random.Random, scale: float) -> _Audience:
    cum_hours: list[float] = []
    acc = 0.0
    for w in _HOURS:
        acc += w
        cum_hours.append(acc)
    n_users = max(200, round(20000 * scale))
    users = [f"u_{n}" for n in range(1, n_users + 1)]
    cum_users: list[float] = []
    acc = 0.0
    for _ in users:
        acc += rng.lognormvariate(0.0, 1.0)  # a heavy minority sees most of the ads
        cum_users.append(acc)
    campaigns: list[dict[str, Any]] = []
    next_campaign = 101
    for ch in CHANNELS:
        for i in range(ch.campaigns):
            campaigns.append(
                {
                    "campaign_id": f"cmp_{next_campaign}",
                    "channel": ch,
                    "theme": ch.themes[i % len(ch.themes)],
                    "cpm": round(rng.uniform(*ch.cpm), 2) if ch.pricing == "cpm" else None,
                    "cpc": round(rng.uniform(*ch.cpc), 2) if ch.pricing == "cpc" else None,
                    "ctr": round(rng.uniform(*ch.ctr), 4),
                    "share": rng.uniform(0.5, 1.5),
                }
            )
            next_campaign += 1
    return _Audience(rng, users, cum_users, campaigns, cum_hours)


def _events_and_orders(
    audience: _Audience, dates: list[date], by_day: dict[date, _Day], scale: float
) -> None:
    """Each day's impressions and clicks per campaign, the orders they cause (some repeated), and organic
    orders (half by users who saw an ad)."""
    rng, users, campaigns = audience.rng, audience.users, audience.campaigns
    n_users = len(users)
    total_share = sum(c["share"] for c in campaigns)
    next_event = next_order = 0

    def bucket(ts: datetime) -> _Day | None:
        return by_day.get(ts.astimezone(UTC).date())

    def new_order(user: str, ts: datetime) -> None:
        nonlocal next_order
        day = bucket(ts)
        if day is None:
            return  # after the generated range
        amount = _money(min(2000.0, rng.lognormvariate(3.8, 0.7)), "0.01")
        if rng.random() < 0.35:
            amount = amount.to_integral_value(rounding=ROUND_HALF_UP)
        day.orders.append(_Order(f"ord_{next_order}", user, ts, rng.choice(_SKUS), amount, "USD"))
        next_order += 1
        if rng.random() < _P_REPEAT:  # a returning customer, hours to days later
            new_order(user, ts + timedelta(hours=rng.uniform(1, 120)))

    for d in dates:
        volume = _BASE_IMPRESSIONS * scale * _WEEKDAY[d.weekday()] * rng.uniform(0.9, 1.1)
        for c in campaigns:
            ch: Channel = c["channel"]
            for _ in range(max(1, round(volume * c["share"] / total_share))):
                user = audience.pick_user()
                ts = audience.moment(d)
                cost = (
                    _money(c["cpm"] * rng.uniform(0.8, 1.2) / 1000, "0.000001")
                    if ch.pricing == "cpm"
                    else Decimal(0)
                )
                by_day[d].events.append(
                    _Event(f"evt_{next_event}", user, c["campaign_id"], ch, "impression", ts, cost)
                )
                next_event += 1
                if rng.random() < c["ctr"]:
                    click_ts = ts + timedelta(seconds=rng.uniform(1.0, 90.0))
                    cost = (
                        _money(c["cpc"] * rng.uniform(0.7, 1.3), "0.01")
                        if ch.pricing == "cpc"
                        else Decimal(0)
                    )
                    day = bucket(click_ts)
                    if day is not None:
                        day.events.append(
                            _Event(f"evt_{next_event}", user, c["campaign_id"], ch, "click", click_ts, cost)
                        )
                        next_event += 1
                    if rng.random() < _P_ORDER_AFTER_CLICK:
                        new_order(user, click_ts + timedelta(hours=min(7 * 24 - 1, rng.expovariate(1 / 20))))
                elif rng.random() < _P_ORDER_AFTER_VIEW:
                    new_order(user, ts + timedelta(hours=min(30.0, rng.expovariate(1 / 5))))
        for _ in range(round(_ORGANIC_PER_DAY * scale * rng.uniform(0.85, 1.15))):
            known = rng.random() < 0.5
            new_order(
                rng.choice(users) if known else f"u_{n_users + rng.randint(1, 4 * n_users)}",
                audience.moment(d),
            )


def _row_defects(rng: random.Random, dates: list[date], by_day: dict[date, _Day]) -> dict[str, int]:
    """Rows breaking exactly one silver rule each (and lower-case currencies that are still USD)."""
    all_events = [e for d in dates for e in by_day[d].events]
    all_orders = [o for d in dates for o in by_day[d].orders]
    bad_rows = {
        "sku_not_null": 0,
        "currency_usd": 0,
        "event_type_valid": 0,
        "event_date_matches_partition": 0,
    }
    clean_orders = list(all_orders)
    rng.shuffle(clean_orders)
    n_null = _at_least_one(_RATE_NULL_SKU, len(all_orders))
    n_foreign = _at_least_one(_RATE_FOREIGN, len(all_orders))
    for o in clean_orders[:n_null]:
        o.sku = rng.choice((None, "", "  "))
        o.tag = "sku_not_null"
    for o in clean_orders[n_null : n_null + n_foreign]:
        o.currency = rng.choice(_FOREIGN)
        o.tag = "currency_usd"
    for o in clean_orders[n_null + n_foreign : n_null + n_foreign + max(1, len(all_orders) // 200)]:
        o.currency = "usd"  # lower case: normalized, still USD
    bad_rows["sku_not_null"], bad_rows["currency_usd"] = n_null, n_foreign

    # (not TikTok's: its impressions file has no event_type column, every row is an impression)
    clean_events = [e for e in all_events if e.event_type == "impression" and e.channel.name != "TikTok"]
    rng.shuffle(clean_events)
    n_type = _at_least_one(_RATE_BAD_TYPE, len(all_events))
    for e in clean_events[:n_type]:
        e.event_type = rng.choice(("engagement", "video_view"))
        e.tag = "event_type_valid"
    bad_rows["event_type_valid"] = n_type
    # Clock skew: stamped just after midnight of the next UTC day, delivered in day D's folder.
    # They stay in their day's delivery.
    n_skew = _at_least_one(_RATE_SKEW, len(all_events))
    for e in clean_events[n_type : n_type + n_skew]:
        e.ts = _at(e.ts.astimezone(UTC).date(), 24, rng.uniform(0, 600))
        e.tag = "event_date_matches_partition"
    bad_rows["event_date_matches_partition"] = n_skew
    return bad_rows


def _delivery_defects(rng: random.Random, dates: list[date], by_day: dict[date, _Day]) -> _Deliveries:
    late_day, redelivery_day, dup_day = [rng.choice(dates) for _ in range(3)]
    late: list[_Event] = [
        e
        for e in by_day[late_day].events
        if e.channel.name == "meta" and not e.tag and rng.random() < _RATE_LATE
    ] or [next(e for e in by_day[late_day].events if e.channel.name == "meta")]
    late_ids = {e.event_id for e in late}
    redelivered = [
        e
        for e in by_day[redelivery_day].events
        if e.channel.name == "meta"
        and not e.tag
        and e.event_id not in late_ids
        and rng.random() < _RATE_REDELIVERED
    ]
    clean_orders = [o for o in by_day[redelivery_day].orders if not o.tag]
    redelivered_orders = rng.sample(
        clean_orders, min(len(clean_orders), 50, _at_least_one(0.03, len(clean_orders)))
    )
    return _Deliveries(late_day, redelivery_day, dup_day, late, redelivered, redelivered_orders)


class _DayFiles(NamedTuple):
    """What writing one day's files needs (its first delivery time, the day's rows, the defects)."""

    out: Path
    rng: random.Random
    d: date
    first: datetime
    day: _Day
    deliveries: _Deliveries
    written: _Written


def _key(source: str, d: date, name: str) -> str:
    return f"{DOMAIN}/{source}/{d.isoformat()}/{name}"


def _on_time(day: _Day, deliveries: _Deliveries, keep: Callable[[_Event], bool]) -> list[_Event]:
    """The day's events of one file, in time order, without the ones held back for the late file."""
    late = deliveries.late_ids
    ordered = sorted(day.events, key=lambda e: (e.ts, e.event_id))
    return [e for e in ordered if e.event_id not in late and keep(e)]


def _meta_record(e: _Event) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "user_id": e.user_id,
        "campaign_id": e.campaign_id,
        "platform": e.channel.name,
        "event_type": e.event_type,
        "timestamp": _iso_z_millis(e.ts),
        "cost": _decimal_text(e.cost),
    }


def _write_meta(f: _DayFiles) -> None:
    """`meta.jsonl`; on the duplicate day, exact copies of a few rule-abiding lines after the original."""
    out, rng, d, first, day, deliveries, written = f
    meta = _on_time(day, deliveries, lambda e: e.channel.name == "meta")
    if d == deliveries.dup_day:
        clean = [i for i, e in enumerate(meta) if not e.tag]
        for i in sorted(
            rng.sample(clean, min(len(clean), _at_least_one(_RATE_DUP_LINE, len(meta)))), reverse=True
        ):
            meta.insert(i + 1, meta[i])
            written.duplicate_lines += 1
    k = _key(AD_EVENTS.name, d, "meta.jsonl")
    write_jsonl(out, k, [_meta_record(e) for e in meta], modified=first)
    written.add(k, AD_EVENTS.name, len(meta))


def _write_google(f: _DayFiles) -> None:
    """`google.csv`: naive UTC timestamps (with or without microseconds), blank cost of free impressions."""
    out, rng, d, first, day, deliveries, written = f
    google = _on_time(day, deliveries, lambda e: e.channel.name == "google")
    micros = rng.random() < 0.5
    k = _key(AD_EVENTS.name, d, "google.csv")
    write_csv(
        out,
        k,
        AD_EVENTS.columns,
        [
            [
                e.event_id,
                e.user_id,
                e.campaign_id,
                e.channel.name,
                e.event_type,
                _naive(e.ts, micros),
                "" if e.cost == 0 and e.event_type == "impression" else _decimal_text(e.cost),
            ]
            for e in google
        ],
        modified=first + timedelta(seconds=rng.randint(30, 600)),
    )
    written.add(k, AD_EVENTS.name, len(google))


def _write_tiktok(f: _DayFiles) -> None:
    """TikTok's two files: impressions in the seed's shape (no event_type, the platform's own `region`
    column, local-time offsets), clicks as JSON lines."""
    out, rng, d, first, day, deliveries, written = f
    tiktok = _on_time(day, deliveries, lambda e: e.channel.name == "TikTok")
    impressions = [e for e in tiktok if e.event_type != "click"]
    clicks = [e for e in tiktok if e.event_type == "click"]
    k = _key(AD_EVENTS.name, d, "tiktok_impressions.csv")
    write_csv(
        out,
        k,
        ("event_id", "user_id", "campaign_id", "timestamp", "platform", "region", "cost"),
        [
            [
                e.event_id,
                e.user_id,
                e.campaign_id,
                _offset(e.ts),
                e.channel.name,
                "APAC-SG",
                _decimal_text(e.cost),
            ]
            for e in impressions
        ],
        modified=first + timedelta(seconds=rng.randint(600, 1200)),
    )
    written.add(k, AD_EVENTS.name, len(impressions))
    k = _key(AD_EVENTS.name, d, "tiktok_clicks.jsonl")
    write_jsonl(
        out,
        k,
        [
            {
                "event_id": e.event_id,
                "user_id": e.user_id,
                "campaign_id": e.campaign_id,
                "channel": e.channel.name,
                "event_type": e.event_type,
                "event_ts": _offset(e.ts),
            }
            for e in clicks
        ],
        modified=first + timedelta(seconds=rng.randint(1200, 1800)),
    )
    written.add(k, AD_EVENTS.name, len(clicks))


def _write_late_and_redelivered(f: _DayFiles) -> None:
    """The meta events held back to D+2, and the meta events delivered twice."""
    out, rng, d, first, day, deliveries, written = f
    if d == deliveries.late_day:
        k = _key(AD_EVENTS.name, d, "meta_late.jsonl")
        write_jsonl(
            out, k, [_meta_record(e) for e in deliveries.late], modified=_at(d, 48 + 6, rng.randint(0, 600))
        )
        written.add(k, AD_EVENTS.name, len(deliveries.late))
    if d == deliveries.redelivery_day and deliveries.redelivered:
        k = _key(AD_EVENTS.name, d, "meta_redelivery.jsonl")
        write_jsonl(
            out,
            k,
            [_meta_record(e) for e in deliveries.redelivered],
            modified=first + timedelta(hours=rng.randint(3, 8)),
        )
        written.add(k, AD_EVENTS.name, len(deliveries.redelivered))


def _write_orders(f: _DayFiles) -> None:
    """`orders.csv`, in the seed's header and column order on some days, the canonical one on others."""
    out, rng, d, first, day, deliveries, written = f
    orders = sorted(day.orders, key=lambda o: (o.ts, o.order_id))
    seed_shape = rng.random() < 0.5
    whole = rng.random() < 0.5

    def order_rows(items: list[_Order]) -> list[list[Any]]:
        if seed_shape:
            return [
                [o.order_id, o.user_id, _amount_text(o.amount, whole), _naive(o.ts, True), o.currency, o.sku]
                for o in items
            ]
        return [
            [o.order_id, o.user_id, _iso_z_millis(o.ts), o.sku, _amount_text(o.amount, whole), o.currency]
            for o in items
        ]

    header = (
        ("order_id", "user_id", "amount", "timestamp", "currency", "sku") if seed_shape else ORDERS.columns
    )
    k = _key(ORDERS.name, d, "orders.csv")
    t_orders = first + timedelta(seconds=rng.randint(0, 900))
    write_csv(out, k, header, order_rows(orders), modified=t_orders)
    written.add(k, ORDERS.name, len(orders))
    if d == deliveries.redelivery_day and deliveries.redelivered_orders:
        k = _key(ORDERS.name, d, "orders_redelivery.csv")
        write_csv(
            out,
            k,
            header,
            order_rows(deliveries.redelivered_orders),
            modified=t_orders + timedelta(hours=rng.randint(2, 6)),
        )
        written.add(k, ORDERS.name, len(deliveries.redelivered_orders))


def _summary(
    dates: list[date],
    seed: int,
    scale: float,
    by_day: dict[date, _Day],
    audience: _Audience,
    bad_rows: dict[str, int],
    deliveries: _Deliveries,
    written: _Written,
) -> Summary:
    """What was delivered, and the truth of silver."""
    daily: dict[str, DayTruth] = {}
    for d in dates:
        valid_events = [e for e in by_day[d].events if not e.tag and e.ts.astimezone(UTC).date() == d]
        valid_orders = [o for o in by_day[d].orders if not o.tag]
        daily[d.isoformat()] = {
            "events": len(valid_events),
            "impressions": sum(e.event_type == "impression" for e in valid_events),
            "clicks": sum(e.event_type == "click" for e in valid_events),
            "spend": str(sum((e.cost for e in valid_events), Decimal(0))),
            "orders": len(valid_orders),
            "revenue": str(sum((o.amount for o in valid_orders), Decimal(0))),
        }
    events_total = sum(v["events"] for v in daily.values())
    redelivery_day = deliveries.redelivery_day
    return {
        "domain": DOMAIN,
        "start": dates[0].isoformat(),
        "end": dates[-1].isoformat(),
        "days": len(dates),
        "seed": seed,
        "scale": scale,
        "files": sorted(written.keys),
        "files_written": len(written.keys),
        "rows": written.rows,
        "campaigns": [
            {
                "campaign_id": c["campaign_id"],
                "channel": c["channel"].name.lower(),
                "theme": c["theme"],
                "pricing": c["channel"].pricing,
                "cpm": c["cpm"],
                "cpc": c["cpc"],
                "ctr": c["ctr"],
            }
            for c in audience.campaigns
        ],
        "late_files": 1,
        "late_events": len(deliveries.late),
        "redelivered_events": len(deliveries.redelivered),
        "duplicate_lines": written.duplicate_lines,
        "redelivered_orders": len(deliveries.redelivered_orders),
        "bad_rows": bad_rows,
        "defect_files": {
            "late": [_key(AD_EVENTS.name, deliveries.late_day, "meta_late.jsonl")],
            "redeliveries": sorted(
                (
                    [_key(AD_EVENTS.name, redelivery_day, "meta_redelivery.jsonl")]
                    if deliveries.redelivered
                    else []
                )
                + (
                    [_key(ORDERS.name, redelivery_day, "orders_redelivery.csv")]
                    if deliveries.redelivered_orders
                    else []
                )
            ),
        },
        "expected_silver": {
            "ad_events": events_total,
            "orders": sum(v["orders"] for v in daily.values()),
            "quarantine": {
                "ad_events": bad_rows["event_type_valid"] + bad_rows["event_date_matches_partition"],
                "orders": bad_rows["sku_not_null"] + bad_rows["currency_usd"],
            },
            "daily": daily,
        },
    }
