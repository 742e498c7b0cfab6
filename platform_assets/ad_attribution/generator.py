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
from typing import Any

from platform_assets.ad_attribution.sources import AD_EVENTS, DOMAIN, ORDERS
from platform_assets.core.samplefiles import write_csv, write_jsonl

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


def generate(out: Path, start: date, days: int, *, seed: int = 7, scale: float = 1.0) -> dict:
    """Write ad_attribution landing files for `days` days from `start` under `out/ad_attribution/` and
    return a summary of what was delivered.

    Layout, per day D: `ad_events/<D>/meta.jsonl`, `google.csv`, `tiktok_impressions.csv`,
    `tiktok_clicks.jsonl` (first delivery D+1 01:00-01:30 UTC); on the late day `meta_late.jsonl` (D+2
    06:00); on the re-delivery day `meta_redelivery.jsonl` (D+1, hours after the first); orders
    `orders/<D>/orders.csv` and on the re-delivery day `orders_redelivery.csv`.

    Summary: domain, start, end, days, seed, scale; files (sorted keys), files_written; rows {ad_events,
    orders} (physical rows delivered); campaigns [{campaign_id, channel, pricing, cpm, cpc, ctr}];
    late_files, late_events, redelivered_events, duplicate_lines, redelivered_orders; bad_rows {rule: rows}
    (each bad row breaks exactly one rule); defect_files {late, redeliveries}; expected_silver {ad_events,
    orders, quarantine {ad_events, orders} (rule failures, superseded copies excluded), daily {date:
    {events, impressions, clicks, spend, orders, revenue}}} (spend and revenue as decimal strings).
    """
    if days < 1:
        raise ValueError("days must be >= 1")
    if not scale > 0:
        raise ValueError("scale must be > 0")
    out = Path(out)
    rng = random.Random(seed)
    dates = [start + timedelta(days=i) for i in range(days)]
    by_day = {d: _Day(d) for d in dates}

    cum_hours: list[float] = []
    acc = 0.0
    for w in _HOURS:
        acc += w
        cum_hours.append(acc)

    # ---------------------------------------------------------------- users and campaigns
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
    total_share = sum(c["share"] for c in campaigns)

    def pick_user() -> str:
        return users[bisect.bisect_left(cum_users, rng.random() * cum_users[-1])]

    def moment(d: date) -> datetime:
        h = rng.choices(range(24), cum_weights=cum_hours)[0]
        return _at(d, h, rng.randint(0, 3599) + rng.randint(0, 999_999) / 1e6)

    def bucket(ts: datetime) -> _Day | None:
        return by_day.get(ts.astimezone(UTC).date())

    # ---------------------------------------------------------------- events, and the orders they cause
    next_event = next_order = 0

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
                user = pick_user()
                ts = moment(d)
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
            new_order(rng.choice(users) if known else f"u_{n_users + rng.randint(1, 4 * n_users)}", moment(d))

    # ---------------------------------------------------------------- row defects
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

    # ---------------------------------------------------------------- delivery defects
    picks = [rng.choice(dates) for _ in range(3)]
    late_day, redelivery_day, dup_day = picks
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

    written: list[str] = []
    rows = {AD_EVENTS.name: 0, ORDERS.name: 0}
    duplicate_lines = 0

    def key(source: str, d: date, name: str) -> str:
        return f"{DOMAIN}/{source}/{d.isoformat()}/{name}"

    def meta_record(e: _Event) -> dict[str, Any]:
        return {
            "event_id": e.event_id,
            "user_id": e.user_id,
            "campaign_id": e.campaign_id,
            "platform": e.channel.name,
            "event_type": e.event_type,
            "timestamp": _iso_z_millis(e.ts),
            "cost": _decimal_text(e.cost),
        }

    def with_dups(items: list[_Event], rate: float) -> list[_Event]:
        """Exact copies of a few rule-abiding lines, right after the original (a copy-paste)."""
        nonlocal duplicate_lines
        clean = [i for i, e in enumerate(items) if not e.tag]
        out_items = list(items)
        for i in sorted(rng.sample(clean, min(len(clean), _at_least_one(rate, len(items)))), reverse=True):
            out_items.insert(i + 1, out_items[i])
            duplicate_lines += 1
        return out_items

    for d in dates:
        first = _at(d, 25, rng.randint(0, 600))
        day_events = sorted(by_day[d].events, key=lambda e: (e.ts, e.event_id))
        groups: dict[str, list[_Event]] = {
            "meta": [],
            "google": [],
            "tiktok_impressions": [],
            "tiktok_clicks": [],
        }
        for e in day_events:
            if e.event_id in late_ids:
                continue
            if e.channel.name == "TikTok":
                groups["tiktok_clicks" if e.event_type == "click" else "tiktok_impressions"].append(e)
            else:
                groups[e.channel.name].append(e)

        meta = groups["meta"] if d != dup_day else with_dups(groups["meta"], _RATE_DUP_LINE)
        k = key(AD_EVENTS.name, d, "meta.jsonl")
        write_jsonl(out, k, [meta_record(e) for e in meta], modified=first)
        written.append(k)
        rows[AD_EVENTS.name] += len(meta)

        micros = rng.random() < 0.5
        k = key(AD_EVENTS.name, d, "google.csv")
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
                for e in groups["google"]
            ],
            modified=first + timedelta(seconds=rng.randint(30, 600)),
        )
        written.append(k)
        rows[AD_EVENTS.name] += len(groups["google"])

        # The seed's shape: no event_type (all impressions), the platform's own `region` column.
        k = key(AD_EVENTS.name, d, "tiktok_impressions.csv")
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
                for e in groups["tiktok_impressions"]
            ],
            modified=first + timedelta(seconds=rng.randint(600, 1200)),
        )
        written.append(k)
        rows[AD_EVENTS.name] += len(groups["tiktok_impressions"])

        k = key(AD_EVENTS.name, d, "tiktok_clicks.jsonl")
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
                for e in groups["tiktok_clicks"]
            ],
            modified=first + timedelta(seconds=rng.randint(1200, 1800)),
        )
        written.append(k)
        rows[AD_EVENTS.name] += len(groups["tiktok_clicks"])

        if d == late_day:
            k = key(AD_EVENTS.name, d, "meta_late.jsonl")
            write_jsonl(out, k, [meta_record(e) for e in late], modified=_at(d, 48 + 6, rng.randint(0, 600)))
            written.append(k)
            rows[AD_EVENTS.name] += len(late)
        if d == redelivery_day and redelivered:
            k = key(AD_EVENTS.name, d, "meta_redelivery.jsonl")
            write_jsonl(
                out,
                k,
                [meta_record(e) for e in redelivered],
                modified=first + timedelta(hours=rng.randint(3, 8)),
            )
            written.append(k)
            rows[AD_EVENTS.name] += len(redelivered)

        # Orders: the seed's header and column order on some days, the canonical one on others.
        orders = sorted(by_day[d].orders, key=lambda o: (o.ts, o.order_id))
        seed_shape = rng.random() < 0.5
        whole = rng.random() < 0.5

        def order_rows(items: list[_Order]) -> list[list[Any]]:
            if seed_shape:
                return [
                    [
                        o.order_id,
                        o.user_id,
                        _amount_text(o.amount, whole),
                        _naive(o.ts, True),
                        o.currency,
                        o.sku,
                    ]
                    for o in items
                ]
            return [
                [o.order_id, o.user_id, _iso_z_millis(o.ts), o.sku, _amount_text(o.amount, whole), o.currency]
                for o in items
            ]

        header = (
            ("order_id", "user_id", "amount", "timestamp", "currency", "sku")
            if seed_shape
            else ORDERS.columns
        )
        k = key(ORDERS.name, d, "orders.csv")
        t_orders = first + timedelta(seconds=rng.randint(0, 900))
        write_csv(out, k, header, order_rows(orders), modified=t_orders)
        written.append(k)
        rows[ORDERS.name] += len(orders)
        if d == redelivery_day and redelivered_orders:
            k = key(ORDERS.name, d, "orders_redelivery.csv")
            write_csv(
                out,
                k,
                header,
                order_rows(redelivered_orders),
                modified=t_orders + timedelta(hours=rng.randint(2, 6)),
            )
            written.append(k)
            rows[ORDERS.name] += len(redelivered_orders)

    # ---------------------------------------------------------------- summary (the truth of silver)
    daily: dict[str, dict[str, Any]] = {}
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
    return {
        "domain": DOMAIN,
        "start": dates[0].isoformat(),
        "end": dates[-1].isoformat(),
        "days": days,
        "seed": seed,
        "scale": scale,
        "files": sorted(written),
        "files_written": len(written),
        "rows": rows,
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
            for c in campaigns
        ],
        "late_files": 1,
        "late_events": len(late),
        "redelivered_events": len(redelivered),
        "duplicate_lines": duplicate_lines,
        "redelivered_orders": len(redelivered_orders),
        "bad_rows": bad_rows,
        "defect_files": {
            "late": [key(AD_EVENTS.name, late_day, "meta_late.jsonl")],
            "redeliveries": sorted(
                ([key(AD_EVENTS.name, redelivery_day, "meta_redelivery.jsonl")] if redelivered else [])
                + ([key(ORDERS.name, redelivery_day, "orders_redelivery.csv")] if redelivered_orders else [])
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
