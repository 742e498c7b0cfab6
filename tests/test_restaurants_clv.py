"""BG/NBD and Gamma-Gamma fitters (platform_assets.core.clv) against the published CDNOW results."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import shared_file

from platform_assets.core.clv import (
    BGNBDParams,
    FitError,
    GammaGammaParams,
    calibration_holdout,
    fit_bgnbd,
    fit_gamma_gamma,
)

# Fader, Hardie & Lee (2005), table/figures on the 2,357-customer CDNOW sample, weekly time unit.
PAPER_BGNBD = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PAPER_LL = -9582.4
# Fader & Hardie (2013), Gamma-Gamma on the same sample's repeat customers.
PAPER_GG = GammaGammaParams(p=6.25, q=3.74, v=15.44)


def _columns(path, *names) -> list[np.ndarray]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [np.array([float(r[n]) for r in rows]) for n in names]


@pytest.fixture(scope="module")
def cdnow_rfm():
    path = shared_file("cdnow", "cdnow_customers_summary.csv")
    x, t_x, big_t = _columns(path, "frequency", "recency", "T")
    assert len(x) == 2357
    return x, t_x, big_t


@pytest.fixture(scope="module")
def cdnow_spend():
    path = shared_file("cdnow", "cdnow_customers_summary_with_transactions.csv")
    return _columns(path, "x", "zbar")


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_rfm) -> BGNBDParams:
    return fit_bgnbd(*cdnow_rfm)


def test_bgnbd_reproduces_cdnow_estimates(cdnow_bgnbd, cdnow_rfm):
    for name in ("r", "alpha", "a", "b"):
        assert getattr(cdnow_bgnbd, name) == pytest.approx(getattr(PAPER_BGNBD, name), rel=0.01), name
    assert cdnow_bgnbd.log_likelihood(*cdnow_rfm) == pytest.approx(PAPER_LL, abs=0.5)
    # It is a maximum: the published (rounded) point is no better.
    assert cdnow_bgnbd.log_likelihood(*cdnow_rfm) >= PAPER_BGNBD.log_likelihood(*cdnow_rfm)


def test_bgnbd_is_independent_of_the_time_unit(cdnow_bgnbd, cdnow_rfm):
    x, t_x, big_t = cdnow_rfm
    daily = fit_bgnbd(x, t_x * 7, big_t * 7)
    assert daily.r == pytest.approx(cdnow_bgnbd.r, rel=1e-3)
    assert daily.alpha == pytest.approx(cdnow_bgnbd.alpha * 7, rel=1e-3)
    assert daily.a == pytest.approx(cdnow_bgnbd.a, rel=1e-3)
    assert daily.b == pytest.approx(cdnow_bgnbd.b, rel=1e-3)
    # The same customer over the same horizon expects the same purchases in either unit.
    assert daily.expected_purchases(39 * 7, 2, 30.43 * 7, 38.86 * 7)[0] == pytest.approx(
        cdnow_bgnbd.expected_purchases(39, 2, 30.43, 38.86)[0], rel=1e-3
    )


def test_conditional_expectation_of_the_papers_example_customer():
    # FHL 2005, section 5: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
    assert PAPER_BGNBD.expected_purchases(39, 2, 30.43, 38.86)[0] == pytest.approx(1.226, abs=0.002)


def test_p_alive():
    params = PAPER_BGNBD
    # Nobody can drop out before a repeat purchase.
    np.testing.assert_array_equal(params.p_alive([0, 0], [0, 0], [10.0, 50.0]), [1.0, 1.0])
    p = params.p_alive([2, 2, 2], [38.0, 30.43, 5.0], [38.86] * 3)
    assert np.all((p > 0) & (p < 1))
    # A longer silence since the last purchase means a lower chance of being alive.
    assert p[0] > p[1] > p[2]
    # Closed form: 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)).
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    expected = 1 / (1 + a / (b + 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    assert p[1] == pytest.approx(expected, rel=1e-12)
    # Huge frequencies and long silences stay finite (computed in logs).
    extreme = params.p_alive([500.0], [1.0], [1000.0])
    assert np.isfinite(extreme).all() and 0 <= extreme[0] < 1e-10


def test_expected_purchases_is_monotone_in_t_and_zero_at_zero():
    t = np.array([0.0, 1.0, 7.0, 39.0, 52.0, 365.0])
    for x, t_x, big_t in ((0, 0.0, 38.86), (2, 30.43, 38.86), (10, 38.0, 38.86)):
        ys = np.array([PAPER_BGNBD.expected_purchases(ti, x, t_x, big_t)[0] for ti in t])
        assert ys[0] == 0.0
        assert np.all(np.diff(ys) > 0), (x, ys)
    # Vectorised over customers with a scalar horizon.
    many = PAPER_BGNBD.expected_purchases(39, [0, 2, 10], [0.0, 30.43, 38.0], [38.86] * 3)
    assert many.shape == (3,) and np.all(np.diff(many) > 0)


def test_gamma_gamma_reproduces_cdnow_estimates(cdnow_spend):
    x, zbar = cdnow_spend
    fitted = fit_gamma_gamma(x, zbar)
    for name in ("p", "q", "v"):
        assert getattr(fitted, name) == pytest.approx(getattr(PAPER_GG, name), rel=0.01), name
    # Fitted only on repeat customers: adding one-time buyers with any monetary value changes nothing.
    again = fit_gamma_gamma(np.append(x, [0, 0]), np.append(zbar, [0.0, 999.0]))
    assert again.p == pytest.approx(fitted.p, rel=1e-6) and again.v == pytest.approx(fitted.v, rel=1e-6)


def test_gamma_gamma_expected_average_value():
    p, q, v = PAPER_GG.p, PAPER_GG.q, PAPER_GG.v
    population_mean = p * v / (q - 1)
    ev = PAPER_GG.expected_average_value([0, 2, 50], [123.0, 22.35, 22.35])
    assert ev[0] == pytest.approx(population_mean)  # no repeat purchases: the population mean
    assert ev[1] == pytest.approx(p * (v + 2 * 22.35) / (p * 2 + q - 1))
    # More repeat purchases pull the estimate toward the customer's own mean.
    assert abs(ev[2] - 22.35) < abs(ev[1] - 22.35)


def test_bgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    true = BGNBDParams(r=0.8, alpha=20.0, a=0.6, b=3.0)
    n, big_t = 4000, 200.0
    lam = rng.gamma(true.r, 1 / true.alpha, n)
    p = rng.beta(true.a, true.b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    fitted = fit_bgnbd(x, t_x, np.full(n, big_t))
    assert fitted.r == pytest.approx(true.r, rel=0.15)
    assert fitted.alpha == pytest.approx(true.alpha, rel=0.2)
    assert fitted.a == pytest.approx(true.a, rel=0.25)
    assert fitted.b == pytest.approx(true.b, rel=0.35)
    # Penalising shrinks the parameters.
    shrunk = fit_bgnbd(x, t_x, np.full(n, big_t), penalizer=0.01)
    assert shrunk.alpha < fitted.alpha


@pytest.mark.parametrize(
    "args, message",
    [
        (([1, 0, 2], [1.0, 0.0], [3.0, 3.0, 3.0]), "one length"),
        (([1, 0, 2, 1, 1], [1.0, 0.0, 2.0, 1.0, np.nan], [3.0] * 5), "recency has 1 non-finite"),
        (([1, 0, -2, 1, 1], [1.0, 0.0, 2.0, 1.0, 1.0], [3.0] * 5), "frequency has 1 negative"),
        (([1, 0, 2, 1, 1], [1.0, 0.0, 4.0, 1.0, 1.0], [3.0] * 5), "recency exceeds T"),
        (([1, 0, 2], [1.0, 0.0, 2.0], [3.0] * 3), "at least 5 customers, got 3"),
        (([0] * 10, [0.0] * 10, [3.0] * 10), "none of the 10 customers"),
        ((["a"] * 5, [0.0] * 5, [3.0] * 5), "frequency must be numeric"),
    ],
)
def test_bgnbd_fit_errors(args, message):
    with pytest.raises(FitError, match=message):
        fit_bgnbd(*args)


def test_bgnbd_fit_error_when_no_interior_maximum():
    # Everybody buys every period and never stops: dropout is not identified (b runs to infinity).
    n = 50
    x = np.full(n, 10.0)
    with pytest.raises(FitError, match="no interior maximum"):
        fit_bgnbd(x, np.full(n, 10.0), np.full(n, 10.0))


@pytest.mark.parametrize(
    "args, message",
    [
        (([1, 2], [10.0]), "one length"),
        (([1, 0, 0], [10.0, 0.0, 0.0]), "at least 2 customers with frequency > 0, got 1"),
        (([1, 2, 3], [10.0, 0.0, 5.0]), "must be positive"),
        (([1, 2, 3], [10.0, np.inf, 5.0]), "non-finite"),
        (([1, 2, 3], [10.0, 10.0, 10.0]), "variation"),
    ],
)
def test_gamma_gamma_fit_errors(args, message):
    with pytest.raises(FitError, match=message):
        fit_gamma_gamma(*args)


def test_fit_error_is_a_value_error():
    assert issubclass(FitError, ValueError)


def _eq10_exact(p: BGNBDParams, t, x, t_x, big_t) -> float:
    """FHL 2005 eq. 10 as printed, in 50-digit arithmetic (an independent reference)."""
    import mpmath

    mpmath.mp.dps = 50
    r, alpha, a, b = (mpmath.mpf(v) for v in (p.r, p.alpha, p.a, p.b))
    t, x, t_x, big_t = (mpmath.mpf(v) for v in (t, x, t_x, big_t))
    z = t / (alpha + big_t + t)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * mpmath.hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    odds = a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x) if x > 0 else 0
    return float(head * body / (1 + odds))


@pytest.mark.parametrize(
    "params, t, x, t_x, big_t",
    [
        (PAPER_BGNBD, 39, 2, 30.43, 38.86),
        (BGNBDParams(0.243, 4.414 * 7, 0.793, 2.426), 365, 30, 200.0, 272.0),  # daily units
        (BGNBDParams(2.0, 1.0, 3.0, 0.5), 10000, 100, 300.0, 365.0),  # scipy's hyp2f1 overflows here
        (BGNBDParams(30.0, 1.0, 30.0, 0.2), 10000, 300, 365.0, 365.0),  # and returns nan here
        (BGNBDParams(0.5, 100.0, 0.1, 50.0), 365, 0, 0.0, 30.0),
    ],
)
def test_expected_purchases_matches_the_exact_formula(params, t, x, t_x, big_t):
    got = params.expected_purchases(t, x, t_x, big_t)[0]
    assert got == pytest.approx(_eq10_exact(params, t, x, t_x, big_t), rel=1e-6)


def cdnow_transaction_days():
    """(customer, day since 1997-01-01) of every purchase day in the CDNOW sample's transaction log."""
    from datetime import date

    pairs = set()
    with open(shared_file("cdnow", "CDNOW_sample.txt")) as fh:
        for line in fh:
            customer, _, day, *_ = line.split()
            pairs.add((customer, (date(int(day[:4]), int(day[4:6]), int(day[6:])) - date(1997, 1, 1)).days))
    customers, days = zip(*sorted(pairs))
    return np.array(customers), np.array(days)


def test_calibration_holdout_on_cdnow_weeks_1_39_predicts_weeks_40_78():
    """The paper's design: calibrate on weeks 1-39 (days 0-272), hold out weeks 40-78 (days 273-545)."""
    customers, days = cdnow_transaction_days()
    report = calibration_holdout(customers, days, cutoff=273, end=545, unit=7)
    assert report["customers"] == 2357 and report["holdout_length"] == 39
    # Counting purchase days, the fit lands within a few percent of the paper's transaction-based estimates.
    for name in ("r", "alpha", "a", "b"):
        assert report["bgnbd"][name] == pytest.approx(getattr(PAPER_BGNBD, name), rel=0.05), name
    buckets = report["by_calibration_frequency"]
    assert list(buckets) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(b["customers"] for b in buckets.values()) == 2357
    assert sum(b["actual_total"] for b in buckets.values()) == report["actual_total"] == 1882
    # Conditional expectations rise with calibration frequency, as the actuals do (FHL 2005, Figure 5).
    predicted = [b["predicted_mean"] for b in buckets.values()]
    assert predicted == sorted(predicted)
    assert report["predicted_total"] == pytest.approx(report["actual_total"], rel=0.15)
    assert report["mae_per_customer"] < 0.85


def test_calibration_holdout_refuses_what_it_cannot_evaluate():
    with pytest.raises(FitError, match="before the end"):
        calibration_holdout(["a"], [1], cutoff=5, end=5)
    with pytest.raises(FitError, match="customers bought before the cut-off"):
        calibration_holdout(["a", "b"], [10, 11], cutoff=5, end=20)
