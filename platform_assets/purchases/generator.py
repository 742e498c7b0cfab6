"""Realistic, messy sample landing data for the purchases domain (spec: purchases.md, platform.md).

`generate(out, start, days)` writes, under `out/purchases/`:
- `fx_rates/<D>/fx_rates.csv` on weekdays (no rates at weekends: a Saturday purchase takes Friday's rate);
  the first file also carries 45 days of history; one day gets a later `fx_rates_correction.csv`, and two
  rows break an fx rule;
- `purchases/<D>/purchases_<D>.csv`, the purchases ingested on D (purchase dates D-5..D), shaped like the
  real `customer-purchases` samples (same header, ISO dates, integer or 2-decimal amounts), in AUD and five
  other currencies, some files with BOM + CRLF; padded names, upper-case emails, lower-case currency codes.
Defects, each counted: rows breaking each silver rule (exactly one rule per row), exact duplicate rows, a
day re-delivered in the same folder (`..._resent.csv`) and a day re-delivered again on a later date,
purchases corrected on a later ingestion date (new amount; one moved to another customer), customers
changing email, a malformed line.

The summary returns what a correct pipeline holds (`expected`): silver and quarantine row counts and the
whole customer summary, computed here independently of Spark. Deterministic: one `random.Random(seed)`,
same arguments, same bytes and mtimes (`Summary` says what it returns). No Dagster or Spark import.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypedDict

from platform_assets.core.samplefiles import GeneratedFiles, check_range, write_csv
from platform_assets.purchases.rules import FX_RULES, PURCHASE_RULES
from platform_assets.purchases.sources import DOMAIN, FX_RATES, PURCHASES

__all__ = ["generate"]

CURRENCIES = {"AUD": 0.50, "USD": 0.20, "EUR": 0.12, "GBP": 0.08, "NZD": 0.07, "JPY": 0.03}
BASE_RATES = {"USD": 1.52, "EUR": 1.65, "GBP": 1.93, "NZD": 0.91, "JPY": 0.0101}
FX_HISTORY_DAYS = 45
_FIRST = (
    "Aaron",
    "Abigail",
    "Adam",
    "Alice",
    "Amelia",
    "Andrew",
    "Ava",
    "Ben",
    "Carlos",
    "Charlotte",
    "Chloe",
    "Daniel",
    "David",
    "Emily",
    "Emma",
    "Ethan",
    "Grace",
    "Hannah",
    "Harry",
    "Isabella",
    "Jack",
    "James",
    "Jane",
    "John",
    "Jose",
    "Kate",
    "Liam",
    "Lucas",
    "Mallory",
    "Maria",
    "Mia",
    "Mona",
    "Noah",
    "Olivia",
    "Oscar",
    "Paul",
    "Peter",
    "Priya",
    "Ruby",
    "Sam",
    "Sofia",
    "Thomas",
    "Tina",
    "Wei",
    "William",
    "Zoe",
)
_LAST = (
    "Anderson",
    "Brown",
    "Campbell",
    "Chen",
    "Clark",
    "Davis",
    "Doe",
    "Evans",
    "Flores",
    "Garcia",
    "Harris",
    "Jackson",
    "Johnson",
    "Jones",
    "Kelly",
    "Lee",
    "Lopez",
    "Martin",
    "Miller",
    "Nelson",
    "Nguyen",
    "Patel",
    "Roberts",
    "Robinson",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Walker",
    "White",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
)
_BASE_PURCHASES = 150  # per ingestion date at scale 1.0
_BASE_CUSTOMERS = 300
_RATE_RULE = 0.002  # bad rows per rule, as a share of the planned purchases (at least one each)
_RATE_DUPLICATE = 0.004
_RATE_UPDATE = 0.01
_RATE_EMAIL_CHANGE = 0.05
_P_BOM_CRLF = 0.25
CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("0.0000000001")  # silver keeps rates as decimal(18,10)


@dataclass
class _Customer:
    customer_id: int
    first: str
    last: str
    email: str
    currency: str
    new_email: str | None = None
    email_change: date | None = None

    def email_on(self, d: date) -> str:
        return self.new_email if self.email_change is not None and d >= self.email_change else self.email


@dataclass
class _Row:
    values: list[Any]
    tag: str = ""  # "" valid; a rule name; "duplicate"; "update"; "malformed"
    # canonical (trimmed/normalised) values of a valid row, for the expected summary
    truth: dict[str, Any] = field(default_factory=dict)


@dataclass
class _File:
    key: str
    dt: date
    modified: datetime
    rows: list[_Row]
    bom_crlf: bool = False


def _at(d: date, hours: float) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=timezone.utc) + timedelta(hours=hours)


def _money(x: Decimal) -> str:
    """How exports write amounts: 120, 12.5 or 12.50."""
    if x == x.to_integral_value():
        return str(int(x))
    return f"{x:.2f}"


def _rate_text(currency: str, rate: float) -> str:
    return f"{rate:.6f}" if currency == "JPY" else f"{rate:.4f}"


class DefectFiles(TypedDict):
    """Landing keys of the delivery-level defects."""

    resent_same_day: list[str]  # a day re-delivered in its own folder (`..._resent.csv`)
    resent_later_day: list[str]  # a day re-delivered again in a later folder
    fx_correction: list[str]  # a later `fx_rates_correction.csv` of one day
    malformed: list[str]  # files with a line of the wrong width
    bom_crlf: list[str]  # files written with a BOM and CRLF line ends


class CustomerTruth(TypedDict):
    full_name: str
    email: str
    purchases: int
    total_spent_aud: str  # decimal text
    first_purchase_date: str
    last_purchase_date: str


class Expected(TypedDict):
    """What a correct pipeline holds, computed here independently of Spark."""

    bronze_purchases: int
    silver_purchases: int
    quarantine_purchases: int
    silver_fx_rates: int
    quarantine_fx_rates: int
    fx_valid_rows: int
    purchases: int  # distinct purchase_ids
    customers: int
    total_spent_aud: str  # decimal text
    summary: dict[str, CustomerTruth]  # by customer_id (text)


class Summary(GeneratedFiles):
    """What `generate` wrote and what a correct pipeline makes of it."""

    rows: dict[str, int]  # data rows as delivered, by source
    bad_rows: dict[str, int]  # purchases rows breaking each rule
    fx_bad_rows: dict[str, int]  # fx rows breaking each rule
    duplicates: int
    updates: int
    moved_purchases: int
    email_changes: int
    malformed_rows: int
    defect_files: DefectFiles
    expected: Expected


@dataclass
class _FxRates:
    files: list[_File]
    bad: dict[str, int]
    # (currency, date) -> (delivery order, rate) of the delivered row that wins
    truth: dict[tuple[str, date], tuple[tuple, Decimal]]
    days_by_currency: dict[str, list[date]]
    first_rate: date


@dataclass
class _Purchases:
    files: list[_File]
    planned: int
    updates: int
    moved: int


def generate(
    out: Path,
    start: date,
    days: int,
    *,
    seed: int = 7,
    scale: float = 1.0,
    customers: int | None = None,
    defects: bool = True,
) -> Summary:
    """Write purchases landing files for ingestion dates start .. start+days-1 under `out/purchases/`.

    `customers` overrides the customer count (default 300 x scale); `defects=False` writes clean data
    only (the bench's large history)."""
    check_range(days, scale)
    out = Path(out)
    # One random stream, drawn in this order (customers, rates, purchases, delivery defects): same seed,
    # same bytes.
    rng = random.Random(seed)
    dates = [start + timedelta(days=i) for i in range(days)]
    count = customers if customers is not None else max(40, round(_BASE_CUSTOMERS * scale))
    pool, cum = _customers(rng, count, dates, defects)
    fx = _fx_rates(rng, start, dates, defects)
    purchases = _purchases(rng, dates, pool, cum, fx.first_rate, scale, defects)
    resent_same, resent_later = (
        _delivery_defects(rng, purchases.files, dates, purchases.planned) if defects else ([], [])
    )
    written, rows_written, bom_keys = _write(out, fx.files, purchases.files)
    return {
        "domain": DOMAIN,
        "start": start.isoformat(),
        "end": dates[-1].isoformat(),
        "days": days,
        "seed": seed,
        "scale": scale,
        "files": sorted(written),
        "files_written": len(written),
        "rows": rows_written,
        "bad_rows": _rule_counts(purchases.files, PURCHASE_RULES),
        "fx_bad_rows": fx.bad,
        "duplicates": sum(1 for f in purchases.files for r in f.rows if r.tag == "duplicate"),
        "updates": purchases.updates,
        "moved_purchases": purchases.moved,
        "email_changes": sum(1 for c in pool if c.email_change is not None),
        "malformed_rows": sum(1 for f in purchases.files for r in f.rows if r.tag == "malformed"),
        "defect_files": {
            "resent_same_day": resent_same,
            "resent_later_day": resent_later,
            "fx_correction": [f.key for f in fx.files if f.key.endswith("_correction.csv")],
            "malformed": sorted({f.key for f in purchases.files for r in f.rows if r.tag == "malformed"}),
            "bom_crlf": bom_keys,
        },
        "expected": _expected(fx, purchases.files),
    }


def _customers(
    rng: random.Random, count: int, dates: list[date], defects: bool
) -> tuple[list[_Customer], list[float]]:
    """The customers and their cumulative purchase weights (the first tenth buy five times as often)."""
    ids = rng.sample(range(100, 100 + max(10 * count, 1000)), count)
    pool: list[_Customer] = []
    codes, weights = list(CURRENCIES), list(CURRENCIES.values())
    for cid in sorted(ids):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}{cid}@example.com"
        c = _Customer(cid, first, last, email, rng.choices(codes, weights)[0])
        if defects and rng.random() < _RATE_EMAIL_CHANGE and len(dates) >= 2:
            c.new_email = f"{first[0].lower()}{last.lower()}.{cid}@example.net"
            c.email_change = rng.choice(dates[1:])
        pool.append(c)
    heavy = max(1, len(pool) // 10)
    cum: list[float] = []
    acc = 0.0
    for i in range(len(pool)):
        acc += 5.0 if i < heavy else 1.0
        cum.append(acc)
    return pool, cum


def _fx_rates(rng: random.Random, start: date, dates: list[date], defects: bool) -> _FxRates:
    """fx_rates files (weekdays only; the first with 45 days of history), a correction of one day, two
    rows breaking a rule, and the rate each (currency, date) ends with."""
    files: list[_File] = []
    bad: dict[str, int] = {r: 0 for r in FX_RULES}
    level = dict(BASE_RATES)
    history = [start - timedelta(days=k) for k in range(FX_HISTORY_DAYS, 0, -1)]
    correction_day = rng.choice([d for d in dates if d.weekday() < 5] or dates) if defects else None
    for d in dates:
        rate_days = (history if d == start else []) + ([d] if d.weekday() < 5 else [])
        if not rate_days:
            continue
        rows: list[_Row] = []
        if d == start:  # some feeds list AUD itself, at 1
            first_weekday = next((rd for rd in rate_days if rd.weekday() < 5), d)
            rows.append(_Row([first_weekday.isoformat(), "AUD", "1"], "aud"))
        for rd in rate_days:
            if rd.weekday() >= 5:
                continue
            for cur in BASE_RATES:
                level[cur] *= 1 + rng.gauss(0, 0.004)
                text = _rate_text(cur, level[cur])
                shown = cur.lower() if defects and rng.random() < 0.03 else cur
                rows.append(
                    _Row([rd.isoformat(), shown, text], truth={"currency": cur, "date": rd, "rate": text})
                )
        if defects and d == dates[min(1, len(dates) - 1)]:
            rows.insert(
                rng.randint(0, len(rows)), _Row([d.isoformat(), "USD", "-1.5"], "aud_per_unit_positive")
            )
            rows.insert(rng.randint(0, len(rows)), _Row([d.isoformat(), "US$", "1.5"], "currency_is_code"))
        files.append(
            _File(f"{DOMAIN}/{FX_RATES.name}/{d.isoformat()}/fx_rates.csv", d, _at(d, 6 + rng.random()), rows)
        )
        if d == correction_day:
            cur = rng.choice(list(BASE_RATES))
            fixed = _rate_text(cur, level[cur] * 1.01)
            files.append(
                _File(
                    f"{DOMAIN}/{FX_RATES.name}/{d.isoformat()}/fx_rates_correction.csv",
                    d,
                    _at(d, 9),
                    [_Row([d.isoformat(), cur, fixed], truth={"currency": cur, "date": d, "rate": fixed})],
                )
            )
    truth: dict[tuple[str, date], tuple[tuple, Decimal]] = {}
    for f in files:
        for i, r in enumerate(f.rows, start=2):
            if r.tag in bad:
                bad[r.tag] += 1
            elif r.truth:
                order = (f.dt, f.modified, f.key, i)
                k = (r.truth["currency"], r.truth["date"])
                if k not in truth or truth[k][0] < order:
                    truth[k] = (order, Decimal(r.truth["rate"]))
    days_by_currency: dict[str, list[date]] = {}
    for cur, rd in truth:
        days_by_currency.setdefault(cur, []).append(rd)
    for v in days_by_currency.values():
        v.sort()
    first_rate = min((rd for (_, rd) in truth), default=start)
    return _FxRates(files, bad, truth, days_by_currency, first_rate)


def _purchases(
    rng: random.Random,
    dates: list[date],
    pool: list[_Customer],
    cum: list[float],
    first_rate: date,
    scale: float,
    defects: bool,
) -> _Purchases:
    """One purchases file per ingestion date: new purchases (purchase dates D-5..D), corrections of
    purchases delivered earlier (one moved to another customer), and rows breaking exactly one rule."""
    planned = {
        d: max(
            1, round(_BASE_PURCHASES * scale * rng.uniform(0.85, 1.15) * (1.2 if d.weekday() >= 5 else 1.0))
        )
        for d in dates
    }
    total_planned = sum(planned.values())
    rule_days: dict[str, dict[date, int]] = {}
    if defects:
        for rule in PURCHASE_RULES:
            k = max(1, round(_RATE_RULE * total_planned))
            spread: dict[date, int] = {}
            for _ in range(k):
                d = rng.choice(dates)
                spread[d] = spread.get(d, 0) + 1
            rule_days[rule] = spread
    next_pid = 500000
    delivered: list[tuple[date, int, _Customer, date, Decimal, str]] = []  # for updates
    files: list[_File] = []
    updates = moved = 0

    def valid_values(c: _Customer, pid: int, pdate: date, amount: Decimal, currency: str, dt: date) -> _Row:
        first, last, email = c.first, c.last, c.email_on(dt)
        shown_first = f" {first} " if defects and rng.random() < 0.05 else first
        shown_email = f" {email.upper()}" if defects and rng.random() < 0.05 else email
        shown_currency = currency.lower() if defects and rng.random() < 0.03 else currency
        values = [
            str(c.customer_id),
            shown_first,
            last,
            shown_email,
            str(pid),
            pdate.isoformat(),
            _money(amount),
            shown_currency,
        ]
        truth = {
            "customer_id": c.customer_id,
            "first": first,
            "last": last,
            "email": email,
            "purchase_id": pid,
            "purchase_date": pdate,
            "amount": amount,
            "currency": currency,
        }
        return _Row(values, truth=truth)

    def amount_for(currency: str) -> Decimal:
        aud = Decimal(str(round(rng.lognormvariate(4.0, 0.9), 2)))
        if currency == "JPY":
            return Decimal(int(aud * 100))
        if rng.random() < 0.3:
            return aud.to_integral_value(ROUND_HALF_UP) or Decimal(1)
        return max(aud, CENT)

    for d in dates:
        rows: list[_Row] = []
        for _ in range(planned[d]):
            c = rng.choices(pool, cum_weights=cum)[0]
            lag = rng.choices([0, 1, 2, 3, 4, 5], [70, 18, 5, 3, 2, 2])[0]
            pdate = d - timedelta(days=lag)
            amount = amount_for(c.currency)
            pid = next_pid
            next_pid += 1
            rows.append(valid_values(c, pid, pdate, amount, c.currency, d))
            delivered.append((d, pid, c, pdate, amount, c.currency))
        # corrections of purchases delivered on earlier dates (a later ingested row wins)
        earlier = [p for p in delivered if p[0] < d]
        if defects and earlier:
            k = min(len(earlier), max(1, round(_RATE_UPDATE * planned[d])))
            for od, pid, c, pdate, amount, cur in rng.sample(earlier, k):
                quantum = Decimal(1) if cur == "JPY" else CENT
                new_amount = max(
                    (amount * Decimal(str(rng.uniform(0.5, 1.2)))).quantize(quantum, ROUND_HALF_UP), quantum
                )
                owner = c
                others = [x for x in pool if x.customer_id != c.customer_id and x.currency == c.currency]
                if moved == 0 and others:  # one purchase re-attributed to another customer
                    owner = rng.choice(others)
                    moved = 1
                r = valid_values(owner, pid, pdate, new_amount, cur, d)
                r.tag = "update"
                rows.insert(rng.randint(0, len(rows)), r)
                updates += 1
        # rows breaking exactly one rule each
        for rule, spread in rule_days.items():
            for _ in range(spread.get(d, 0)):
                c = rng.choices(pool, cum_weights=cum)[0]
                pid = next_pid
                next_pid += 1
                r = valid_values(c, pid, d, amount_for(c.currency), c.currency, d)
                v = r.values
                v[1], v[3], v[7] = c.first, c.email_on(d), c.currency  # no cosmetic noise on bad rows
                _break(rule, v, c, d, pid, rng, first_rate)
                r.tag, r.truth = rule, {}
                rows.insert(rng.randint(0, len(rows)), r)
        files.append(
            _File(
                f"{DOMAIN}/{PURCHASES.name}/{d.isoformat()}/purchases_{d.isoformat()}.csv",
                d,
                _at(d, 18 + 5 * rng.random()),
                rows,
                bom_crlf=defects and rng.random() < _P_BOM_CRLF,
            )
        )
    return _Purchases(files, total_planned, updates, moved)


def _break(
    rule: str, v: list[Any], c: _Customer, d: date, pid: int, rng: random.Random, first_rate: date
) -> None:
    """Make the values `v` of a valid row break exactly `rule`."""
    if rule == "customer_id_not_null":
        v[0] = ""
    elif rule == "customer_id_is_integer":
        v[0] = f"C{c.customer_id}"
    elif rule == "customer_id_positive":
        v[0] = f"-{c.customer_id}"
    elif rule == "purchase_id_not_null":
        v[4] = ""
    elif rule == "purchase_id_is_integer":
        v[4] = f"P{pid}"
    elif rule == "purchase_id_positive":
        v[4] = "0"
    elif rule == "purchase_date_not_null":
        v[5] = ""
    elif rule == "purchase_date_is_date":
        v[5] = d.strftime("%d/%m/%Y")
    elif rule == "purchase_date_not_future":
        v[5] = (d + timedelta(days=rng.randint(1, 30))).isoformat()
    elif rule == "amount_not_null":
        v[6] = ""
    elif rule == "amount_is_number":
        v[6] = v[6].replace(".", ",") if "." in v[6] else f"{v[6]} AUD"
    elif rule == "amount_positive":
        v[6] = rng.choice(["0", "-15.00", "-1"])
    elif rule == "email_not_null":
        v[3] = ""
    elif rule == "email_valid":
        v[3] = c.email_on(d).replace("@", ".")
    elif rule == "currency_not_null":
        v[7] = ""
    elif rule == "currency_known":
        v[7] = "BTC"
    elif rule == "fx_rate_available":
        v[7] = "USD"
        v[5] = (first_rate - timedelta(days=rng.randint(1, 60))).isoformat()


def _delivery_defects(
    rng: random.Random, files: list[_File], dates: list[date], planned: int
) -> tuple[list[str], list[str]]:
    """Exact duplicate rows, a malformed line, a day re-delivered in its own folder and one again on a
    later date; returns the keys of the two re-deliveries."""
    resent_same: list[str] = []
    resent_later: list[str] = []
    candidates = [(f, i) for f in files for i, r in enumerate(f.rows) if r.tag == ""]
    for f, i in sorted(
        rng.sample(candidates, min(len(candidates), max(1, round(_RATE_DUPLICATE * planned)))),
        key=lambda x: (x[0].key, -x[1]),
    ):
        original = f.rows[i]
        f.rows.insert(i + 1, _Row(list(original.values), "duplicate", dict(original.truth)))
    victim = files[rng.randrange(len(files))]
    clean = [i for i, r in enumerate(victim.rows) if r.tag == ""]
    if clean:
        i = rng.choice(clean)
        victim.rows.insert(i + 1, _Row(victim.rows[i].values + ["extra"], "malformed"))
    if len(files) >= 2:
        f = files[rng.randrange(1, len(files))]
        copy = _File(
            f.key.replace(".csv", "_resent.csv"),
            f.dt,
            f.modified + timedelta(hours=2),
            [_Row(list(r.values), r.tag, dict(r.truth)) for r in f.rows],
            f.bom_crlf,
        )
        files.append(copy)
        resent_same.append(copy.key)
    if len(files) >= 3:
        f = files[0]
        later = min(f.dt + timedelta(days=2), dates[-1])
        folder = f"{DOMAIN}/{PURCHASES.name}/{later.isoformat()}/{f.key.rsplit('/', 1)[1]}"
        if later != f.dt:
            files.append(
                _File(
                    folder,
                    later,
                    _at(later, 23.5),
                    [_Row(list(r.values), r.tag, dict(r.truth)) for r in f.rows],
                    f.bom_crlf,
                )
            )
            resent_later.append(folder)
    return resent_same, resent_later


def _write(
    out: Path, fx_files: list[_File], purchase_files: list[_File]
) -> tuple[list[str], dict[str, int], list[str]]:
    """Write every file; the keys written, data rows by source, and the keys written with BOM + CRLF."""
    written: list[str] = []
    rows_written = {PURCHASES.name: 0, FX_RATES.name: 0}
    bom_keys: list[str] = []
    for f, source in [(f, FX_RATES) for f in fx_files] + [(f, PURCHASES) for f in purchase_files]:
        write_csv(
            out,
            f.key,
            source.columns,
            [r.values for r in f.rows],
            modified=f.modified,
            bom=f.bom_crlf,
            crlf=f.bom_crlf,
        )
        written.append(f.key)
        rows_written[source.name] += len(f.rows)
        if f.bom_crlf:
            bom_keys.append(f.key)
    return written, rows_written, bom_keys


def _rule_counts(files: list[_File], rules: Any) -> dict[str, int]:
    """Delivered rows per broken rule (physical: a re-delivered file repeats its bad rows)."""
    counts = {r: 0 for r in rules}
    for f in files:
        for r in f.rows:
            if r.tag in counts:
                counts[r.tag] += 1
    return counts


def _expected(fx: _FxRates, purchase_files: list[_File]) -> Expected:
    """Silver and quarantine row counts and the whole customer summary a correct pipeline holds."""
    # Physical counts (a re-delivered file repeats its duplicates and malformed lines).
    bad_rows = set(PURCHASE_RULES)
    winners_per_day: dict[tuple[int, date], tuple] = {}
    latest: dict[int, tuple[tuple, dict]] = {}
    bronze = 0
    for f in purchase_files:
        for line, r in enumerate(f.rows, start=2):
            if r.tag == "malformed":
                continue
            bronze += 1
            if r.tag in bad_rows:
                continue
            order = (f.dt, f.modified, f.key, line)
            t = r.truth
            winners_per_day[(t["purchase_id"], f.dt)] = order
            if t["purchase_id"] not in latest or latest[t["purchase_id"]][0] < order:
                latest[t["purchase_id"]] = (order, t)

    def to_aud(t: dict) -> Decimal:
        if t["currency"] == "AUD":
            return t["amount"].quantize(CENT, ROUND_HALF_UP)
        days_ = [rd for rd in fx.days_by_currency.get(t["currency"], []) if rd <= t["purchase_date"]]
        rate = fx.truth[(t["currency"], days_[-1])][1].quantize(RATE_QUANTUM)
        return (t["amount"] * rate).quantize(CENT, ROUND_HALF_UP)

    summary: dict[int, dict] = {}
    newest: dict[int, tuple] = {}
    for pid, (order, t) in latest.items():
        cid = t["customer_id"]
        s = summary.setdefault(
            cid,
            {"purchases": 0, "total": Decimal(0), "first": t["purchase_date"], "last": t["purchase_date"]},
        )
        s["purchases"] += 1
        s["total"] += to_aud(t)
        s["first"] = min(s["first"], t["purchase_date"])
        s["last"] = max(s["last"], t["purchase_date"])
        rank = (t["purchase_date"], order, pid)
        if cid not in newest or newest[cid][0] < rank:
            newest[cid] = (rank, t)
    expected_summary: dict[int, CustomerTruth] = {
        cid: {
            "full_name": f"{newest[cid][1]['first']} {newest[cid][1]['last']}",
            "email": newest[cid][1]["email"],
            "purchases": s["purchases"],
            "total_spent_aud": str(s["total"].quantize(CENT)),
            "first_purchase_date": s["first"].isoformat(),
            "last_purchase_date": s["last"].isoformat(),
        }
        for cid, s in sorted(summary.items())
    }
    fx_valid = sum(1 for f in fx.files for r in f.rows if r.tag not in fx.bad)
    fx_rows = sum(len(f.rows) for f in fx.files)
    silver_fx = len(fx.truth) + 1  # + the AUD row
    return {
        "bronze_purchases": bronze,
        "silver_purchases": len(winners_per_day),
        "quarantine_purchases": bronze - len(winners_per_day),
        "silver_fx_rates": silver_fx,
        "quarantine_fx_rates": fx_rows - silver_fx,
        "fx_valid_rows": fx_valid,
        "purchases": len(latest),
        "customers": len(expected_summary),
        "total_spent_aud": str(
            sum((Decimal(v["total_spent_aud"]) for v in expected_summary.values()), Decimal(0))
        ),
        "summary": {str(k): v for k, v in expected_summary.items()},
    }
