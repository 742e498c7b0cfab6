"""The seven gold marts of the restaurants domain (spec: restaurants.md, Gold marts), as Spark transforms.

Every mart is unpartitioned and rebuilt from all of silver. as_of_date is the latest dt of silver orders;
an order's date is its dt (the UTC date of the order). Customer marts leave guests (user_id null) out.
Money is decimal(18,2) (averages rounded half-up to the cent), shares and rates are doubles.
The customer lifetime value is fitted on the driver (BG/NBD + Gamma-Gamma, `core/clv.py`) from a
per-customer summary computed in Spark.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from platform_assets.core.conventions import MONEY
from platform_assets.restaurants.sources import MARTS  # noqa: F401  (re-exported: the marts this module computes)

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame

    from platform_assets.core.execution import TransformContext

CLV_HORIZON_DAYS = 365
# ctx.notes keys where the transform leaves the fit's outcome and its holdout evaluation for the checks.
CLV_FIT = "clv_fit"
CLV_CALIBRATION = "clv_calibration"
# Calibration/holdout: the last quarter of the observed days is held out, the fit on the rest predicts it.
HOLDOUT_SHARE = 0.25
# The holdout warns when the predicted repeat order days miss the actual total by more than this share.
HOLDOUT_TOLERANCE = 0.25

SEGMENTS = (
    # (segment, r scores, f scores): the RFM map of the spec, in the order it is listed.
    ("champions", (5,), (4, 5)),
    ("loyal_customers", (3, 4), (4, 5)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("new_customers", (5,), (1,)),
    ("promising", (4,), (1,)),
    ("need_attention", (3,), (3,)),
    ("about_to_sleep", (3,), (1, 2)),
    ("cant_lose", (1, 2), (5,)),
    ("at_risk", (1, 2), (3, 4)),
    ("hibernating", (1, 2), (1, 2)),
)


def _cents(col: "Column") -> "Column":
    from pyspark.sql import functions as F

    return F.round(col, 2).cast(MONEY)


def _ratio(num: "Column", den: "Column") -> "Column":
    from pyspark.sql import functions as F

    return F.when(den != 0, num.cast("double") / den.cast("double"))


def _order_date() -> "Column":
    from pyspark.sql import functions as F

    return F.to_date(F.col("dt"))


def as_of(orders: DataFrame) -> "Column":
    """The latest order date, as a literal column (one small aggregate)."""
    from pyspark.sql import functions as F

    latest = orders.agg(F.max("dt")).first()[0]
    return F.to_date(F.lit(latest))


def customer_orders(orders: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return orders.where(F.col("user_id").isNotNull()).withColumn("order_date", _order_date())


def customer_totals(orders: DataFrame) -> DataFrame:
    """Per customer: orders, net revenue, first and last order date, distinct order days."""
    from pyspark.sql import functions as F

    return (
        customer_orders(orders)
        .groupBy("user_id")
        .agg(
            F.countDistinct("order_id").alias("orders"),
            F.sum("net_amount").alias("net_revenue"),
            F.min("order_date").alias("first_order_date"),
            F.max("order_date").alias("last_order_date"),
            F.countDistinct("order_date").alias("order_days"),
            F.max(F.col("is_loyalty").cast("int")).alias("_loyal"),
        )
    )


# ------------------------------------------------------------------------------------------------ LTV


def rfm_summary(orders: DataFrame, as_of_date: "Column") -> DataFrame:
    """BG/NBD inputs per customer on order days: frequency = distinct order days - 1, recency = first to
    last order day, T = first order day to as_of (days); monetary = mean net revenue of the repeat days."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    days = (
        customer_orders(orders).groupBy("user_id", "order_date").agg(F.sum("net_amount").alias("day_revenue"))
    )
    first = Window.partitionBy("user_id").orderBy("order_date")
    days = days.withColumn("_n", F.row_number().over(first))
    return days.groupBy("user_id").agg(
        (F.count(F.lit(1)) - 1).cast("long").alias("frequency"),
        F.datediff(F.max("order_date"), F.min("order_date")).cast("long").alias("recency"),
        F.datediff(as_of_date, F.min("order_date")).cast("long").alias("T"),
        F.coalesce(F.avg(F.when(F.col("_n") > 1, F.col("day_revenue"))), F.lit(0))
        .cast("double")
        .alias("monetary"),
    )


def _reason(model: str, exc: Exception) -> str:
    """`<model>: <why>`; the fitters already name the model in most of their messages (once is enough)."""
    text = str(exc)
    return text if text.startswith(model) else f"{model}: {text}"


def fit_clv(summary) -> tuple[dict, dict]:
    """Fit BG/NBD and Gamma-Gamma on the driver; (per-column arrays or None, outcome for the check).

    Gamma-Gamma is fitted on the repeat customers with a positive mean (its spend must be positive); every
    other customer is valued at the population mean (frequency 0). predicted_clv_365d = expected orders in
    365 days x expected average order-day value."""
    import numpy as np

    from platform_assets.core.clv import FitError, fit_bgnbd, fit_gamma_gamma

    f = summary["frequency"].to_numpy(dtype=float)
    r = summary["recency"].to_numpy(dtype=float)
    t = summary["T"].to_numpy(dtype=float)
    m = summary["monetary"].to_numpy(dtype=float)
    outcome: dict = {"customers": int(len(f)), "repeat_customers": int((f > 0).sum())}
    columns: dict = {"p_alive": None, "expected_orders_365d": None, "predicted_clv_365d": None}
    try:
        bg = fit_bgnbd(f, r, t)
    except FitError as exc:
        outcome |= {"status": "not_fitted", "reason": _reason("BG/NBD", exc)}
        return columns, outcome
    outcome["bgnbd"] = {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b}
    columns["p_alive"] = np.asarray(bg.p_alive(f, r, t), dtype=float)
    expected = np.asarray(bg.expected_purchases(CLV_HORIZON_DAYS, f, r, t), dtype=float)
    columns["expected_orders_365d"] = expected
    repeat = (f > 0) & (m > 0)
    try:
        gg = fit_gamma_gamma(f[repeat], m[repeat])
    except FitError as exc:
        outcome |= {"status": "partly_fitted", "reason": _reason("Gamma-Gamma", exc)}
        return columns, outcome
    outcome["gamma_gamma"] = {"p": gg.p, "q": gg.q, "v": gg.v}
    value = np.asarray(gg.expected_average_value(np.where(repeat, f, 0), np.where(repeat, m, 0)), dtype=float)
    columns["predicted_clv_365d"] = expected * value
    unvalued = int(np.count_nonzero(~np.isfinite(value)))
    if unvalued:
        # q <= 1: the population's mean spend is infinite, so customers valued at it get no prediction.
        outcome |= {
            "status": "partly_fitted",
            "reason": f"Gamma-Gamma: q = {gg.q:.3g} <= 1 (infinite mean spend): no predicted CLV for "
            f"{unvalued} of {len(value)} customers",
        }
        return columns, outcome
    outcome["status"] = "fitted"
    return columns, outcome


def mart_customer_ltv(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Customer lifetime value: orders, net revenue, average order value, tenure, historical CLV (= net
    revenue) and, from BG/NBD + Gamma-Gamma fitted on order days, p_alive, expected orders and predicted
    CLV over the next 365 days (undiscounted). Too little data to fit: the predicted columns are null and
    the `clv_fit` check warns why."""
    import math

    from pyspark.sql import functions as F

    orders = inputs["orders"]
    as_of_date = as_of(orders)
    totals = customer_totals(orders)
    summary = rfm_summary(orders, as_of_date).orderBy("user_id").toPandas()
    columns, outcome = fit_clv(summary)
    ctx.notes[CLV_FIT] = outcome
    ctx.notes[CLV_CALIBRATION] = calibrate(orders, ctx.params.get("holdout_share", HOLDOUT_SHARE))
    n = len(summary)

    def values(name: str) -> list:
        given = columns[name]
        return [None] * n if given is None else [None if math.isnan(v) else float(v) for v in given]

    rows = list(zip(summary["user_id"].tolist(), *[values(c) for c in columns]))
    schema = "user_id string, p_alive double, expected_orders_365d double, predicted_clv_365d double"
    fitted = ctx.spark.createDataFrame(rows, schema)
    out = totals.join(fitted, "user_id", "left").select(
        "user_id",
        "first_order_date",
        "last_order_date",
        F.col("orders").cast("long"),
        F.col("net_revenue").cast(MONEY),
        _cents(F.col("net_revenue") / F.col("orders")).alias("avg_order_value"),
        F.datediff(as_of_date, "first_order_date").cast("int").alias("tenure_days"),
        F.col("net_revenue").cast(MONEY).alias("historical_clv"),
        "p_alive",
        "expected_orders_365d",
        _cents(F.col("predicted_clv_365d")).alias("predicted_clv_365d"),
        as_of_date.alias("as_of_date"),
    )
    return {"gold": out}


def clv_fit(outputs: dict, inputs: dict, ctx: "TransformContext"):
    """WARN check: the CLV models could be fitted (else the predicted columns are null, and why)."""
    outcome = dict(
        ctx.notes.get(CLV_FIT) or {"status": "not_fitted", "reason": "the transform did not run a fit"}
    )
    return outcome.get("status") == "fitted", outcome


def calibrate(orders: DataFrame, holdout_share: float) -> dict:
    """BG/NBD fitted on the order days before a cut-off (the last `holdout_share` of the observed days are
    held out) predicts each customer's repeat order days in the holdout; see `core/clv.calibration_holdout`."""
    from pyspark.sql import functions as F

    from platform_assets.core.clv import FitError, calibration_holdout

    days = (
        customer_orders(orders)
        .select("user_id", F.datediff("order_date", F.lit("1970-01-01")).alias("day"))
        .distinct()
        .toPandas()
    )
    if days.empty:
        return {"status": "not_evaluated", "reason": "no customer orders"}
    first, last = int(days["day"].min()), int(days["day"].max())
    cutoff = first + int(round((last - first + 1) * (1 - holdout_share)))
    try:
        report = calibration_holdout(days["user_id"].to_numpy(), days["day"].to_numpy(), cutoff, last)
    except FitError as exc:
        return {"status": "not_evaluated", "reason": str(exc)}

    def iso(day: int) -> str:
        return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()

    return {
        "status": "evaluated",
        "holdout_share": holdout_share,
        "calibration_until": iso(cutoff - 1),
        "holdout_from": iso(cutoff),
        "holdout_until": iso(last),
        **report,
    }


def clv_calibration(outputs: dict, inputs: dict, ctx: "TransformContext"):
    """WARN check: the BG/NBD fit predicts a held-out period well. Metadata: the mean absolute error of
    predicted vs actual repeat order days per customer, predicted vs actual per calibration frequency, the
    totals and the fitted parameters. Warns when it cannot be evaluated or the totals miss by more than
    HOLDOUT_TOLERANCE."""
    report = dict(
        ctx.notes.get(CLV_CALIBRATION) or {"status": "not_evaluated", "reason": "no calibration ran"}
    )
    if report.get("status") != "evaluated":
        return False, report
    actual, predicted = report["actual_total"], report["predicted_total"]
    miss = abs(predicted - actual) / max(actual, 1.0)
    report["total_error_share"] = round(miss, 4)
    return miss <= HOLDOUT_TOLERANCE, report


# ------------------------------------------------------------------------------------------------ RFM


def segment_of(r: "Column", f: "Column") -> "Column":
    from pyspark.sql import functions as F

    expr = None
    for name, rs, fs in SEGMENTS:
        cond = r.isin(*rs) & f.isin(*fs)
        expr = F.when(cond, F.lit(name)) if expr is None else expr.when(cond, F.lit(name))
    return expr


def mart_customer_segments(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """RFM segments: recency_days (as_of - last order date), frequency (orders), monetary (net revenue);
    r_score = NTILE(5) over (recency_days desc, user_id), f_score = NTILE(5) over (frequency asc, user_id),
    m_score = NTILE(5) over (monetary asc, user_id); segment from (r, f): champions r5 f4-5,
    loyal_customers r3-4 f4-5, potential_loyalists r4-5 f2-3, new_customers r5 f1, promising r4 f1,
    need_attention r3 f3, about_to_sleep r3 f1-2, cant_lose r1-2 f5, at_risk r1-2 f3-4, hibernating r1-2 f1-2."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    orders = inputs["orders"]
    as_of_date = as_of(orders)
    base = customer_totals(orders).select(
        "user_id",
        F.datediff(as_of_date, "last_order_date").cast("int").alias("recency_days"),
        F.col("orders").cast("long").alias("frequency"),
        F.col("net_revenue").cast(MONEY).alias("monetary"),
    )
    scored = base.select(
        "*",
        F.ntile(5).over(Window.orderBy(F.col("recency_days").desc(), "user_id")).alias("r_score"),
        F.ntile(5).over(Window.orderBy(F.col("frequency").asc(), "user_id")).alias("f_score"),
        F.ntile(5).over(Window.orderBy(F.col("monetary").asc(), "user_id")).alias("m_score"),
    )
    out = scored.select(
        "user_id",
        "recency_days",
        "frequency",
        "monetary",
        F.col("r_score").cast("int"),
        F.col("f_score").cast("int"),
        F.col("m_score").cast("int"),
        segment_of(F.col("r_score"), F.col("f_score")).alias("segment"),
        as_of_date.alias("as_of_date"),
    )
    return {"gold": out}


# ---------------------------------------------------------------------------------------------- churn


def mart_churn_indicators(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Churn indicators: days since the last order, orders, mean gap between consecutive distinct order
    days (null with one), net revenue of the orders 0-90 and 91-180 days before as_of; churn_status =
    high_risk if days_since_last_order > 90, else at_risk if > 45 or > 2 x avg_days_between_orders, else
    active."""
    from pyspark.sql import functions as F

    orders = inputs["orders"]
    as_of_date = as_of(orders)
    age = F.datediff(as_of_date, F.col("order_date"))
    spend = (
        customer_orders(orders)
        .groupBy("user_id")
        .agg(
            F.sum(F.when(age.between(0, 90), F.col("net_amount"))).alias("_last90"),
            F.sum(F.when(age.between(91, 180), F.col("net_amount"))).alias("_prev90"),
        )
    )
    totals = customer_totals(orders).join(spend, "user_id")
    since = F.datediff(as_of_date, "last_order_date")
    # The mean of the gaps between consecutive distinct days telescopes to (last - first) / (days - 1).
    gap = F.when(
        F.col("order_days") > 1,
        F.datediff("last_order_date", "first_order_date").cast("double") / (F.col("order_days") - 1),
    )
    out = totals.select(
        "user_id",
        "last_order_date",
        since.cast("int").alias("days_since_last_order"),
        F.col("orders").cast("long"),
        gap.alias("avg_days_between_orders"),
        _cents(F.coalesce("_last90", F.lit(0))).alias("spend_last_90d"),
        _cents(F.coalesce("_prev90", F.lit(0))).alias("spend_prev_90d"),
        F.when(since > 90, "high_risk")
        .when((since > 45) | (gap.isNotNull() & (since > 2 * gap)), "at_risk")
        .otherwise("active")
        .alias("churn_status"),
        as_of_date.alias("as_of_date"),
    )
    return {"gold": out}


# ---------------------------------------------------------------------------------------------- sales


def mart_sales_trends(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Daily sales over every calendar date from the first to the last order date: orders, items, net
    revenue, discounts, average order value (null without orders), distinct customers; revenue_7d_avg =
    net revenue of the 7 calendar days ending on the date (missing days 0) / 7; revenue_wow_pct = 100 x
    (net revenue - that of 7 days before) / that (null when that is 0 or absent); weekend and holiday from
    dim_date (weekend from the calendar, holiday unknown, when dim_date lacks the date)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    orders = inputs["orders"].withColumn("date", _order_date())
    daily = orders.groupBy("date").agg(
        F.count(F.lit(1)).alias("orders"),
        F.sum("items").alias("items"),
        F.sum("net_amount").alias("net_revenue"),
        F.sum("discount_amount").alias("discount_amount"),
        F.countDistinct("user_id").alias("customers"),
    )
    calendar = orders.agg(F.explode(F.sequence(F.min("date"), F.max("date"))).alias("date"))
    dim = inputs["dim_date"].select(
        "date",
        F.col("is_weekend").alias("_dim_weekend"),
        F.col("is_holiday").alias("_dim_holiday"),
        "holiday_name",
    )
    day = calendar.join(daily, "date", "left").join(dim, "date", "left")
    by_date = Window.orderBy("date")
    net = F.coalesce(F.col("net_revenue"), F.lit(0))
    before = F.lag(net, 7).over(by_date)
    # The calendar has every date, so 7 rows back is 7 days back; days before the first order count as 0.
    week = F.sum(net).over(by_date.rowsBetween(-6, 0))
    out = day.select(
        "date",
        F.coalesce("orders", F.lit(0)).cast("long").alias("orders"),
        F.coalesce("items", F.lit(0)).cast("long").alias("items"),
        net.cast(MONEY).alias("net_revenue"),
        F.coalesce("discount_amount", F.lit(0)).cast(MONEY).alias("discount_amount"),
        F.when(F.col("orders") > 0, _cents(F.col("net_revenue") / F.col("orders"))).alias("avg_order_value"),
        F.coalesce("customers", F.lit(0)).cast("long").alias("customers"),
        _cents(week / 7).alias("revenue_7d_avg"),
        F.when(before != 0, 100 * (net - before).cast("double") / before.cast("double")).alias(
            "revenue_wow_pct"
        ),
        F.coalesce("_dim_weekend", F.dayofweek("date").isin(1, 7)).alias("is_weekend"),
        F.col("_dim_holiday").alias("is_holiday"),
        "holiday_name",
    )
    return {"gold": out}


# -------------------------------------------------------------------------------------------- loyalty


def mart_loyalty_impact(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Loyalty members (customers with any loyalty order) against the other customers: customers, orders,
    net revenue, average order value, orders and revenue per customer, and the share of customers with 2+
    orders. Guests are not customers."""
    from pyspark.sql import functions as F

    per_customer = customer_totals(inputs["orders"]).withColumn("is_loyalty_member", F.col("_loyal") == 1)
    grouped = per_customer.groupBy("is_loyalty_member").agg(
        F.count(F.lit(1)).alias("customers"),
        F.sum("orders").alias("orders"),
        F.sum("net_revenue").alias("net_revenue"),
        F.sum(F.when(F.col("orders") >= 2, 1).otherwise(0)).alias("_repeat"),
    )
    out = grouped.select(
        "is_loyalty_member",
        F.col("customers").cast("long"),
        F.col("orders").cast("long"),
        F.col("net_revenue").cast(MONEY),
        _cents(F.col("net_revenue") / F.col("orders")).alias("avg_order_value"),
        _ratio(F.col("orders"), F.col("customers")).alias("orders_per_customer"),
        _cents(F.col("net_revenue") / F.col("customers")).alias("revenue_per_customer"),
        _ratio(F.col("_repeat"), F.col("customers")).alias("repeat_customer_rate"),
    )
    return {"gold": out}


# ------------------------------------------------------------------------------------------- location


def mart_location_performance(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Per restaurant (guest orders included): orders, items, distinct customers, net revenue, average
    order value, discount_rate = discount_amount / gross_amount, share of all net revenue, and the dense
    rank by net revenue (1 = highest)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    per = (
        inputs["orders"]
        .groupBy("restaurant_id")
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.sum("items").alias("items"),
            F.countDistinct("user_id").alias("customers"),
            F.sum("net_amount").alias("net_revenue"),
            F.sum("gross_amount").alias("_gross"),
            F.sum("discount_amount").alias("_discount"),
        )
    )
    total = F.sum("net_revenue").over(Window.partitionBy())
    out = per.select(
        "restaurant_id",
        F.col("orders").cast("long"),
        F.col("items").cast("long"),
        F.col("customers").cast("long"),
        F.col("net_revenue").cast(MONEY),
        _cents(F.col("net_revenue") / F.col("orders")).alias("avg_order_value"),
        _ratio(F.col("_discount"), F.col("_gross")).alias("discount_rate"),
        _ratio(F.col("net_revenue"), total).alias("revenue_share"),
        F.dense_rank().over(Window.orderBy(F.col("net_revenue").desc())).cast("int").alias("revenue_rank"),
    )
    return {"gold": out}


# ------------------------------------------------------------------------------------------- discount


def mart_discount_effectiveness(
    inputs: dict[str, DataFrame], ctx: "TransformContext"
) -> dict[str, DataFrame]:
    """Discounted orders against the others: orders, gross revenue, discounts, net revenue, average order
    value, average items per order and share of all net revenue."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    per = (
        inputs["orders"]
        .groupBy("is_discounted")
        .agg(
            F.count(F.lit(1)).alias("orders"),
            F.sum("gross_amount").alias("gross_revenue"),
            F.sum("discount_amount").alias("discount_amount"),
            F.sum("net_amount").alias("net_revenue"),
            F.sum("items").alias("_items"),
        )
    )
    total = F.sum("net_revenue").over(Window.partitionBy())
    out = per.select(
        "is_discounted",
        F.col("orders").cast("long"),
        F.col("gross_revenue").cast(MONEY),
        F.col("discount_amount").cast(MONEY),
        F.col("net_revenue").cast(MONEY),
        _cents(F.col("net_revenue") / F.col("orders")).alias("avg_order_value"),
        _ratio(F.col("_items"), F.col("orders")).alias("avg_items_per_order"),
        _ratio(F.col("net_revenue"), total).alias("revenue_share"),
    )
    return {"gold": out}


def mart_discount_by_category(inputs: dict[str, DataFrame], ctx: "TransformContext") -> dict[str, DataFrame]:
    """Discounts by item category, over order lines: lines with a discount, lines, discount amount and net
    revenue."""
    from pyspark.sql import functions as F

    per = (
        inputs["order_lines"]
        .groupBy("item_category")
        .agg(
            F.sum(F.when(F.col("discount_amount") > 0, 1).otherwise(0)).alias("discounted_lines"),
            F.count(F.lit(1)).alias("lines"),
            F.sum("discount_amount").alias("discount_amount"),
            F.sum("net_amount").alias("net_revenue"),
        )
    )
    out = per.select(
        "item_category",
        F.col("discounted_lines").cast("long"),
        F.col("lines").cast("long"),
        F.col("discount_amount").cast(MONEY),
        F.col("net_revenue").cast(MONEY),
    )
    return {"gold": out}
