"""Customer-lifetime-value models fitted by maximum likelihood: BG/NBD and Gamma-Gamma.

Pure numpy/scipy (no Spark, no Dagster): the restaurants gold transform collects one row per customer and
calls these fitters on the driver.

* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a customer buys
  with Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop out with probability
  p ~ Beta(a, b). Inputs per customer, in one time unit (days, weeks...): ``frequency`` x = number of
  repeat purchases, ``recency`` t_x = time of the last purchase since the first, ``T`` = time since the
  first purchase to the end of the observation period.
* Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): the mean spend ``m`` of a
  customer's x repeat purchases, with per-customer mean spend ~ Gamma(q, gamma) and spend ~ Gamma(p, nu).
  Fitted on customers with x > 0; the parameter called gamma in the paper is ``v`` here.

Both fitters minimise the mean negative log-likelihood over the log of the parameters (so they stay
positive) with ``scipy.optimize.minimize`` and raise :class:`FitError` with a reason when the data cannot
support a fit. On the CDNOW sample they reproduce the published estimates (tests/test_restaurants_clv.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = [
    "FitError",
    "BGNBDParams",
    "GammaGammaParams",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "calibration_holdout",
]

# Below this many customers (or repeat customers for Gamma-Gamma) four/three parameters are not identified.
MIN_CUSTOMERS = 5
MIN_REPEAT_CUSTOMERS = 2
# Parameters are searched in log space (relative to the data's scale, see _minimise) within +-_LOG_BOUND.
# An optimum beyond _LOG_DEGENERATE (a factor 10^4 from the scale) means the likelihood has no interior
# maximum: the model degenerates (nobody ever drops out, every customer spends alike...), which is
# reported as a FitError rather than returned as absurd parameters.
_LOG_BOUND = 15.0
_LOG_DEGENERATE = float(np.log(1e4))


class FitError(ValueError):
    """The data cannot support a fit (too few customers, no repeat buyers, invalid values, no convergence)."""


# ---------------------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------------------
def _as_array(name: str, values) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise FitError(f"{name} must be numeric: {exc}") from None
    return np.atleast_1d(arr)


def _rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """frequency, recency and T as float arrays after checking they describe valid customers."""
    x, t_x, big_t = _as_array("frequency", frequency), _as_array("recency", recency), _as_array("T", T)
    if not (x.shape == t_x.shape == big_t.shape) or x.ndim != 1:
        raise FitError(
            f"frequency, recency and T must be 1-d and of one length, got {x.shape}, {t_x.shape}, {big_t.shape}"
        )
    for name, arr in (("frequency", x), ("recency", t_x), ("T", big_t)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise FitError(
                f"{name} has {int(bad.sum())} non-finite value(s) (first at index {int(np.argmax(bad))})"
            )
        neg = arr < 0
        if neg.any():
            raise FitError(
                f"{name} has {int(neg.sum())} negative value(s) (first at index {int(np.argmax(neg))})"
            )
    # A relative tolerance of 1e-9 absorbs float rounding of recency and T computed from timestamps.
    late = t_x > big_t * (1 + 1e-9) + 1e-9
    if late.any():
        raise FitError(
            f"recency exceeds T for {int(late.sum())} customer(s) (first at index {int(np.argmax(late))})"
        )
    return x, t_x, big_t


# ---------------------------------------------------------------------------------------------------------
# Optimisation
# ---------------------------------------------------------------------------------------------------------
def _minimise(
    nll, scale: np.ndarray, starts: list[np.ndarray], model: str, *, gradient: bool = False
) -> np.ndarray:
    """The parameters at the best local minimum of ``nll`` (a function of log-parameters).

    The search runs over u = log(parameters / scale) from the ``starts`` (in u), so bounds and the
    degeneracy test do not depend on the data's units.

    With ``gradient`` nll returns (value, gradient) and L-BFGS-B runs on the exact gradient; without,
    Nelder-Mead from the best quasi-Newton point polishes the flat valleys a numerical gradient stalls in."""
    log_scale = np.log(scale)

    def shifted(u: np.ndarray):
        return nll(u + log_scale)  # d/du = d/dlog(parameter): a gradient carries over unchanged

    def value(u: np.ndarray) -> float:
        return shifted(u)[0] if gradient else shifted(u)

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(starts[0])
    options = {"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000} if gradient else {}
    best = None
    converged = False
    with np.errstate(all="ignore"):
        for x0 in starts:
            res = optimize.minimize(
                shifted, x0, method="L-BFGS-B", jac=gradient, bounds=bounds, options=options
            )
            if np.isfinite(res.fun) and np.all(np.isfinite(res.x)) and (best is None or res.fun < best.fun):
                best = res
                converged = bool(res.success)
        if best is not None and not (gradient and converged):
            polished = optimize.minimize(
                value, best.x, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000}
            )
            if np.isfinite(polished.fun) and np.all(np.isfinite(polished.x)) and polished.fun <= best.fun:
                best = polished
                converged = converged or bool(polished.success)
    if best is None:
        raise FitError(f"{model}: the optimiser found no finite likelihood (does the data vary at all?)")
    if not converged:
        raise FitError(f"{model}: the optimiser did not converge ({best.message})")
    if np.any(np.abs(best.x) > _LOG_DEGENERATE):
        params = ", ".join(f"{v:.3g}" for v in np.exp(best.x + log_scale))
        raise FitError(
            f"{model}: no interior maximum of the likelihood (parameters diverge: {params}); "
            "too little or degenerate data"
        )
    return np.exp(best.x + log_scale)


# ---------------------------------------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters: purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def _log_ratio(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): the odds of 'dropped out after the last
        purchase' against 'still alive'; -inf for x = 0 (nobody can drop out before a repeat purchase)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        return np.where(x > 0, out, -np.inf)

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """P(customer still alive at T | x, t_x, T) (FHL 2005, eq. 11); exactly 1 for frequency 0."""
        x, t_x, big_t = _rfm(frequency, recency, T)
        # 1 / (1 + exp(log_ratio)) without overflow.
        return np.exp(-np.logaddexp(0.0, self._log_ratio(x, t_x, big_t)))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[number of purchases in (T, T+t] | x, t_x, T] (FHL 2005, eq. 10), t in the fit's time unit."""
        x, t_x, big_t = _rfm(frequency, recency, T)
        t_arr = np.broadcast_to(_as_array("t", t), x.shape).astype(float)
        if np.any(~np.isfinite(t_arr)) or np.any(t_arr < 0):
            raise FitError("t must be finite and non-negative")
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        # a == 1 is a removable singularity (0/0); step a hair away from it rather than divide by zero.
        if abs(a - 1.0) < 1e-8:
            a = 1.0 + 1e-6
        z = t_arr / (alpha + big_t + t_arr)
        # Eq. 10 holds (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z). Euler's transformation turns it into
        # (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): small upper parameters, so no overflow for frequent
        # buyers or long horizons.
        upper1, upper2, lower = a + b - 1 - r, a - 1, a + b + x - 1
        with np.errstate(all="ignore"):
            hyp = special.hyp2f1(upper1, upper2, lower, z)
            bad = ~np.isfinite(hyp)
            if bad.any():  # scipy's hyp2f1 gives up in corners of large lower parameter and z near 1
                hyp[bad] = [_hyp2f1_exact(upper1, upper2, c, zz) for c, zz in zip(lower[bad], z[bad])]
            remaining = np.exp((a - 1) * np.log1p(-z)) * hyp
            numerator = (a + b + x - 1) / (a - 1) * (1.0 - remaining)
        out = numerator * np.exp(-np.logaddexp(0.0, self._log_ratio(x, t_x, big_t)))
        return np.where(t_arr == 0, 0.0, out)

    def log_likelihood(self, frequency, recency, T) -> float:
        """Total log-likelihood of the customers' (x, t_x, T) (FHL 2005, eq. 6)."""
        x, t_x, big_t = _rfm(frequency, recency, T)
        return float(np.sum(_bgnbd_ll(np.array([self.r, self.alpha, self.a, self.b]), x, t_x, big_t)))


def _hyp2f1_exact(a: float, b: float, c: float, z: float) -> float:
    """Gauss's hypergeometric function in arbitrary precision (mpmath), for the rare points scipy cannot do."""
    import mpmath

    return float(mpmath.hyp2f1(a, b, c, z))


def _bgnbd_ll(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood; ln L = A1 + A2 + ln(exp(A3) + [x>0] exp(A4))."""
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf
        )
    return a1 + a2 + np.logaddexp(a3, a4)


def _bgnbd_ll_grad(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray):
    """Per-customer log-likelihood and its gradient (n x 4, d/dr, d/dalpha, d/da, d/db)."""
    r, alpha, a, b = params
    psi = special.digamma
    a3 = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            repeat, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf
        )
    mix = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - mix), np.exp(a4 - mix)  # weights of the 'alive' and 'dropped out' terms
    ll = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
        + mix
    )
    d_r = psi(r + x) - psi(r) + np.log(alpha) - w3 * np.log(alpha + big_t) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + big_t) + w4 / (alpha + t_x))
    d_a = psi(a + b) - psi(a + b + x) + w4 / a
    d_b = psi(a + b) + psi(b + x) - psi(b) - psi(a + b + x) - w4 / (b + np.maximum(x, 1) - 1)
    return ll, np.column_stack([d_r, d_alpha, d_a, d_b])


def fit_bgnbd(frequency, recency, T, *, penalizer: float = 0.0) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters for the customers' (frequency, recency, T).

    ``penalizer`` > 0 adds ``penalizer * sum(param**2)`` to the mean negative log-likelihood (the
    ``lifetimes`` convention): it shrinks the parameters when there are few customers. Raises FitError
    for invalid inputs, fewer than MIN_CUSTOMERS customers, no repeat purchases, or no convergence.
    """
    x, t_x, big_t = _rfm(frequency, recency, T)
    if penalizer < 0 or not np.isfinite(penalizer):
        raise FitError(f"penalizer must be a finite non-negative number, got {penalizer}")
    n = len(x)
    if n < MIN_CUSTOMERS:
        raise FitError(f"BG/NBD needs at least {MIN_CUSTOMERS} customers, got {n}")
    if not np.any(x > 0):
        raise FitError(
            f"BG/NBD needs repeat purchases to estimate dropout, but none of the {n} customers has frequency > 0"
        )
    if not np.any(big_t > 0):
        raise FitError("BG/NBD needs an observation period: T is 0 for every customer")

    # Customers with the same (x, t_x, T) share one likelihood term: with whole days as the unit most do,
    # so the optimiser works on the distinct triples weighted by their counts.
    triples, weights = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_counts=True)
    ux, ut_x, ubig_t = triples.T
    weights = weights / n

    def nll(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = _bgnbd_ll_grad(params, ux, ut_x, ubig_t)
        value = -np.dot(weights, ll) + penalizer * np.sum(params**2)
        # Chain rule to log-parameters: d/dlog(theta) = theta * d/dtheta.
        jac = (-(weights @ grad) + 2 * penalizer * params) * params
        if not (np.isfinite(value) and np.all(np.isfinite(jac))):
            return 1e300, np.zeros_like(log_params)
        return float(value), jac

    # Start from unit shapes with alpha on the scale of the period (the time unit is the caller's: days,
    # weeks...), and from the unit point, so the fit does not depend on that unit.
    scale = np.array([1.0, float(np.mean(big_t[big_t > 0])), 1.0, 1.0])
    starts = [np.zeros(4), -np.log(scale)]
    r, alpha, a, b = _minimise(nll, scale, starts, "BG/NBD", gradient=True)
    return BGNBDParams(r=float(r), alpha=float(alpha), a=float(a), b=float(b))


# ---------------------------------------------------------------------------------------------------------
# Gamma-Gamma
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma spend parameters (``v`` is the paper's gamma)."""

    p: float
    q: float
    v: float

    def expected_average_value(self, frequency, monetary_value) -> np.ndarray:
        """E[mean spend | x, m] (Fader & Hardie 2013, eq. 4): a weighted mean of the population mean
        p*v/(q-1) and the customer's observed mean m. For frequency 0 it is the population mean (m is
        ignored); NaN where the population mean is infinite (q <= 1)."""
        x = _as_array("frequency", frequency)
        m = _as_array("monetary_value", monetary_value)
        if x.shape != m.shape:
            raise FitError(f"frequency and monetary_value must have one length, got {x.shape} and {m.shape}")
        if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(~np.isfinite(m)) or np.any(m < 0):
            raise FitError("frequency and monetary_value must be finite and non-negative")
        p, q, v = self.p, self.q, self.v
        m = np.where(x > 0, m, 0.0)
        denom = p * x + q - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            out = p * (v + x * m) / denom
        return np.where(denom > 0, out, np.nan)


def _gg_ll(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, v = params
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m)
    )


def fit_gamma_gamma(frequency, monetary_value) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters, fitted on the customers with frequency > 0.

    ``monetary_value`` is each customer's mean spend over their repeat purchases (ignored where frequency
    is 0); it must be positive for repeat customers. Raises FitError for invalid inputs, fewer than
    MIN_REPEAT_CUSTOMERS repeat customers, no variation, or no convergence.
    """
    x = _as_array("frequency", frequency)
    m = _as_array("monetary_value", monetary_value)
    if x.shape != m.shape or x.ndim != 1:
        raise FitError(
            f"frequency and monetary_value must be 1-d and of one length, got {x.shape} and {m.shape}"
        )
    for name, arr in (("frequency", x), ("monetary_value", m)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise FitError(
                f"{name} has {int(bad.sum())} non-finite value(s) (first at index {int(np.argmax(bad))})"
            )
    if np.any(x < 0):
        raise FitError("frequency has negative values")
    repeat = x > 0
    x, m = x[repeat], m[repeat]
    if len(x) < MIN_REPEAT_CUSTOMERS:
        raise FitError(
            f"Gamma-Gamma needs at least {MIN_REPEAT_CUSTOMERS} customers with frequency > 0, got {len(x)}"
        )
    nonpos = m <= 0
    if nonpos.any():
        raise FitError(f"monetary_value must be positive for repeat customers: {int(nonpos.sum())} are <= 0")
    if np.allclose(m, m[0], rtol=1e-12, atol=0):
        raise FitError(
            "Gamma-Gamma needs variation in monetary_value: every repeat customer has the same mean spend"
        )

    def nll(log_params: np.ndarray) -> float:
        value = -np.mean(_gg_ll(np.exp(log_params), x, m))
        return float(value) if np.isfinite(value) else 1e300

    # v is on the scale of spend (currency units): start it at the mean spend so the unit does not matter.
    scale = np.array([1.0, 1.0, float(np.mean(m))])
    starts = [np.log([1.0, 2.0, 1.0]), -np.log(scale)]
    p, q, v = _minimise(nll, scale, starts, "Gamma-Gamma")
    return GammaGammaParams(p=float(p), q=float(q), v=float(v))


# ----------------------------------------------------------------------------------- calibration / holdout

# Frequency buckets of the calibration period (repeat purchase days), as in FHL 2005's Figure 5.
FREQUENCY_BUCKETS = (0, 1, 2, 3, 4, 5, 6)


def calibration_holdout(customers, days, cutoff: float, end: float, *, unit: float = 1.0) -> dict:
    """How well BG/NBD predicts: fit on the purchase days before `cutoff`, predict the repeat purchase days
    in [cutoff, end], compare with what happened.

    `customers` and `days` are parallel sequences (one entry per customer and purchase day; days as
    numbers, e.g. days since an epoch). Customers whose first purchase is before `cutoff` are evaluated
    (the usual cohort design); `unit` converts days to the fit's time unit (7: weeks). Returns the fitted
    parameters, the mean absolute error of predicted vs actual holdout purchases per customer, the totals,
    and per calibration frequency (0..6, "7+") the customers and mean predicted vs actual."""
    c = np.asarray(customers)
    d = np.asarray(days, dtype=float)
    if c.shape != d.shape or c.ndim != 1:
        raise FitError("customers and days must be parallel one-dimensional sequences")
    if not cutoff < end:
        raise FitError(f"the holdout cut-off ({cutoff}) must be before the end ({end})")
    ids, index = np.unique(c, return_inverse=True)
    n = len(ids)
    first = np.full(n, np.inf)
    np.minimum.at(first, index, d)
    cal = d < cutoff
    hold = (d >= cutoff) & (d <= end)
    last_cal = np.full(n, -np.inf)
    np.maximum.at(last_cal, index[cal], d[cal])
    cal_days = np.bincount(index[cal], minlength=n)
    actual = np.bincount(index[hold], minlength=n).astype(float)
    cohort = first < cutoff
    if cohort.sum() < MIN_CUSTOMERS:
        raise FitError(f"only {int(cohort.sum())} customers bought before the cut-off")
    frequency = (cal_days - 1)[cohort].astype(float)
    recency = ((last_cal - first) / unit)[cohort]
    big_t = ((cutoff - first) / unit)[cohort]
    params = fit_bgnbd(frequency, recency, big_t)
    horizon = (end - cutoff + 1) / unit
    predicted = np.asarray(params.expected_purchases(horizon, frequency, recency, big_t), dtype=float)
    actual = actual[cohort]
    buckets = {}
    for label, mask in [(str(k), frequency == k) for k in FREQUENCY_BUCKETS] + [
        (f"{FREQUENCY_BUCKETS[-1] + 1}+", frequency > FREQUENCY_BUCKETS[-1])
    ]:
        if mask.any():
            buckets[label] = {
                "customers": int(mask.sum()),
                "predicted_mean": float(predicted[mask].mean()),
                "actual_mean": float(actual[mask].mean()),
                "predicted_total": float(predicted[mask].sum()),
                "actual_total": float(actual[mask].sum()),
            }
    return {
        "customers": int(cohort.sum()),
        "calibration_end": float(cutoff),
        "holdout_end": float(end),
        "holdout_length": float(horizon),
        "bgnbd": {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b},
        "mae_per_customer": float(np.abs(predicted - actual).mean()),
        "predicted_total": float(predicted.sum()),
        "actual_total": float(actual.sum()),
        "by_calibration_frequency": buckets,
    }
