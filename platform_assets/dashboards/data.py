"""Data access of the dashboards: warehouse marts (SQLAlchemy) and gold lake tables (delta-rs).

Every reader returns a :class:`Loaded` frame or the reason there is none yet (no warehouse, table not
published, lake table not materialized, source unreachable), so a page can always explain instead of
failing. Queries are built with SQLAlchemy Core over reflected tables: values travel as bound parameters
and table names come from the fixed list below, never from user input.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

import pandas as pd

from platform_assets import settings
from platform_assets.restaurants.sources import MARTS  # the marts, published as `restaurants_<mart>`

# Gold lake tables the reports read: ad ROAS (ad_attribution) and the journeys channel report.
CAMPAIGN_ROAS = "gold/ad_attribution/campaign_roas"
CHANNEL_REPORTING = "gold/journeys/channel_reporting"
LAKE_TABLES = (CAMPAIGN_ROAS, CHANNEL_REPORTING)

HOW_TO_LOAD = "Run `omnilake demo` (or `omnilake run --domain restaurants`) to build and publish the marts."


@dataclass(frozen=True)
class Loaded:
    """A table's rows, or `frame` None and `reason` saying why there are none to show."""

    frame: Optional[pd.DataFrame]
    reason: str = ""
    source: str = ""

    @property
    def empty(self) -> bool:
        return self.frame is None or self.frame.empty


def warehouse_table_name(mart: str) -> str:
    if mart not in MARTS:
        raise ValueError(f"{mart!r} is not one of the restaurants marts: {', '.join(MARTS)}")
    return f"restaurants_{mart}"


def _masked(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _sqlite_file_missing(url: str) -> Optional[str]:
    """The SQLite file of the URL when it does not exist (reading must not create an empty warehouse)."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return None if os.path.exists(parsed.database) else parsed.database


def _engine(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url, future=True)


def read_mart(
    mart: str,
    *,
    date_column: Optional[str] = None,
    start: Optional[date] = None,
    end: Optional[date] = None,
    url: Optional[str] = None,
) -> Loaded:
    """One restaurants mart from the warehouse, optionally only the rows with start <= date_column <= end."""
    import sqlalchemy as sa

    url = url or settings.warehouse_url()
    name = warehouse_table_name(mart)
    shown = _masked(url)
    missing = _sqlite_file_missing(url)
    if missing:
        return Loaded(None, f"The warehouse ({shown}) has not been created yet. {HOW_TO_LOAD}", shown)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(name):
                return Loaded(
                    None, f"Table `{name}` is not in the warehouse ({shown}) yet. {HOW_TO_LOAD}", shown
                )
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            query = sa.select(table)
            if date_column is not None:
                column = table.c[date_column]
                if start is not None:
                    query = query.where(column >= start)
                if end is not None:
                    # Exclusive bound on the next day: also right when the column is a timestamp.
                    query = query.where(column < end + timedelta(days=1))
                query = query.order_by(column)
            result = conn.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    except sa.exc.SQLAlchemyError as exc:
        reason = f"The warehouse ({shown}) could not be read: {type(exc).__name__}: {_first_line(exc)}"
        return Loaded(None, reason, shown)
    finally:
        engine.dispose()
    return Loaded(_normalise(frame), "", shown)


def date_bounds(mart: str, column: str, *, url: Optional[str] = None) -> Optional[tuple[date, date]]:
    """(min, max) of a mart's date column, or None when the table is absent, empty or unreadable."""
    import sqlalchemy as sa

    url = url or settings.warehouse_url()
    if _sqlite_file_missing(url):
        return None
    name = warehouse_table_name(mart)
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(name):
                return None
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            lo, hi = conn.execute(sa.select(sa.func.min(table.c[column]), sa.func.max(table.c[column]))).one()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    if lo is None or hi is None:
        return None
    return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else ""


def read_lake(table: str, *, lake_root: Optional[str] = None) -> Loaded:
    """A gold lake table as a frame (gold report tables are small aggregates), or why it is unavailable."""
    from resources.lake import LakeResource

    root = lake_root or settings.lake_root()
    lake = LakeResource(root=root, endpoint_url=settings.s3_endpoint_url()).lake()
    try:
        if not lake.exists(table):
            return Loaded(None, f"Lake table `{table}` has not been materialized yet under {root}.", root)
        frame = lake.read_arrow(table).to_pandas()
    except Exception as exc:  # delta-rs / object-store errors: explain on the page rather than crash it
        return Loaded(
            None, f"Lake table `{table}` could not be read: {type(exc).__name__}: {_first_line(exc)}", root
        )
    return Loaded(_normalise(frame), "", root)


RESTAURANT_ORDERS = "silver/restaurants/orders"


def read_clv_calibration(
    holdout_share: float = 0.25, *, lake_root: Optional[str] = None
) -> tuple[Loaded, dict]:
    """The CLV calibration/holdout evaluation (the `clv_calibration` check's, recomputed from silver orders):
    per calibration frequency, predicted vs actual repeat order days in the held-out last days."""
    from platform_assets.core.clv import FitError, calibration_holdout

    loaded = read_lake(RESTAURANT_ORDERS, lake_root=lake_root)
    if loaded.frame is None:
        return loaded, {}
    orders = loaded.frame.dropna(subset=["user_id"])
    days = (orders["dt"] - pd.Timestamp("1970-01-01")).dt.days
    pairs = pd.DataFrame({"user_id": orders["user_id"], "day": days}).drop_duplicates()
    if pairs.empty:
        return Loaded(None, "No customer orders to evaluate the CLV model on yet.", loaded.source), {}
    first, last = int(pairs["day"].min()), int(pairs["day"].max())
    cutoff = first + int(round((last - first + 1) * (1 - holdout_share)))
    try:
        report = calibration_holdout(pairs["user_id"].to_numpy(), pairs["day"].to_numpy(), cutoff, last)
    except FitError as exc:
        return Loaded(None, f"The CLV model cannot be evaluated on a holdout yet: {exc}", loaded.source), {}
    buckets = pd.DataFrame(
        [{"calibration_frequency": k, **v} for k, v in report["by_calibration_frequency"].items()]
    )
    return Loaded(buckets, "", loaded.source), report


def read_quality_history(*, lake_root: Optional[str] = None) -> Loaded:
    """Every domain's quality history (`quality/<domain>/rule_results`) as one frame with a `domain`."""
    from platform_assets.core.quality import history_table
    from platform_assets.domains import DOMAINS

    frames, reasons = [], []
    for domain in DOMAINS:
        loaded = read_lake(history_table(domain).path, lake_root=lake_root)
        if loaded.frame is None:
            reasons.append(loaded.reason)
        else:
            frames.append(loaded.frame.assign(domain=domain))
    if not frames:
        return Loaded(None, f"{reasons[0]} {HOW_TO_LOAD}", lake_root or settings.lake_root())
    return Loaded(pd.concat(frames, ignore_index=True), "", lake_root or settings.lake_root())


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as datetime64 and decimals as floats, whatever the backend returned (SQLite text dates,
    PostgreSQL Decimal, Arrow decimal128), so pages compute and chart the same way everywhere."""
    frame = frame.copy()
    for name in frame.columns:
        col = frame[name]
        lowered = name.lower()
        if lowered in ("date", "dt") or lowered.endswith("_date"):
            frame[name] = pd.to_datetime(col, errors="coerce")
        elif (
            col.dtype == object and col.map(lambda v: v is None or _is_decimal(v)).all() and col.notna().any()
        ):
            frame[name] = pd.to_numeric(col, errors="coerce").astype(float)
    return frame


def _is_decimal(value) -> bool:
    from decimal import Decimal

    return isinstance(value, Decimal)
