"""Built-in attribution models: pure functions over customer journeys (spec: journeys.md, Attribution).

A journey is the ordered sessions (touches) of one user before one conversion. Every model returns, for
each *converting* journey, one credit per touch, in the journey's order, summing to 1. Non-converting
journeys (`converted=False`) only inform the data-driven models (`markov`).

- `last_touch`, `first_touch`: all credit to the last / first touch.
- `linear`: 1/n each.
- `time_decay`: weight 2^(-age / half_life) (age = conversion time - touch time; half-life 7 days by
  default), normalised.
- `position_based`: 40% first, 40% last, 20% shared by the touches in between (defaults); one touch gets
  1.0, two get 0.5/0.5.
- `markov`: first-order Markov chain over channels (states start, channels, conversion, null); a channel's
  weight is its *removal effect* 1 - P(conversion | channel removed) / P(conversion). Absorption
  probabilities are solved exactly (a linear system), not simulated.
- `shapley`: Shapley values of the game v(S) = conversions whose journey's channel set is a subset of S.
  That game is a sum of unanimity games (one per channel set T, worth its conversions), so the Shapley
  value of a channel is exactly sum over the sets T that contain it of conversions(T) / |T|: no sampling
  and no 2^n enumeration.

Markov and Shapley give channel-level credit (`markov_channel_credit`, `shapley_channel_credit`: the toy
oracles of the spec). Inside a journey that credit is shared in proportion to the weights of the
journey's channels and split equally among each channel's touches.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Sequence

__all__ = [
    "MODELS",
    "Journey",
    "Touch",
    "attribute",
    "first_touch",
    "last_touch",
    "linear",
    "markov",
    "markov_channel_credit",
    "position_based",
    "shapley",
    "shapley_channel_credit",
    "time_decay",
]

DEFAULT_HALF_LIFE_DAYS = 7.0
DEFAULT_POSITIONS = (0.4, 0.2, 0.4)


@dataclass(frozen=True)
class Touch:
    session_id: str
    channel: str
    ts: datetime | None = None


@dataclass(frozen=True)
class Journey:
    """The touches of one conversion (ordered by time, then session_id); `conv_ts` defaults to the last
    touch's time."""

    conv_id: str
    touches: tuple[Touch, ...]
    converted: bool = True
    conv_ts: datetime | None = None

    @property
    def channels(self) -> list[str]:
        return [t.channel for t in self.touches]


Credits = dict[str, list[float]]


def _converting(journeys: Sequence[Journey]) -> list[Journey]:
    return [j for j in journeys if j.converted and j.touches]


def _per_journey(journeys: Sequence[Journey], weights: Callable[[Journey], list[float]]) -> Credits:
    out: Credits = {}
    for j in _converting(journeys):
        w = weights(j)
        total = sum(w)
        out[j.conv_id] = [x / total for x in w] if total > 0 else [1.0 / len(w)] * len(w)
    return out


def last_touch(journeys: Sequence[Journey]) -> Credits:
    """All credit to the last touch before the conversion."""
    return _per_journey(journeys, lambda j: [0.0] * (len(j.touches) - 1) + [1.0])


def first_touch(journeys: Sequence[Journey]) -> Credits:
    """All credit to the first touch of the journey."""
    return _per_journey(journeys, lambda j: [1.0] + [0.0] * (len(j.touches) - 1))


def linear(journeys: Sequence[Journey]) -> Credits:
    """Equal credit to every touch."""
    return _per_journey(journeys, lambda j: [1.0] * len(j.touches))


def time_decay(journeys: Sequence[Journey], half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> Credits:
    """Credit halves every `half_life_days` before the conversion (touches without a time: age 0)."""
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")

    def weights(j: Journey) -> list[float]:
        end = j.conv_ts or max((t.ts for t in j.touches if t.ts is not None), default=None)
        ages = [((end - t.ts).total_seconds() / 86_400) if (end and t.ts) else 0.0 for t in j.touches]
        return [2.0 ** (-max(a, 0.0) / half_life_days) for a in ages]

    return _per_journey(journeys, weights)


def position_based(
    journeys: Sequence[Journey],
    first: float = DEFAULT_POSITIONS[0],
    middle: float = DEFAULT_POSITIONS[1],
    last: float = DEFAULT_POSITIONS[2],
) -> Credits:
    """U-shaped: `first` to the first touch, `last` to the last, `middle` shared by the touches between.
    One touch: 1.0; two touches: first and last shares renormalised (0.5/0.5 with the defaults)."""
    if abs(first + middle + last - 1.0) > 1e-9 or min(first, middle, last) < 0:
        raise ValueError("position weights must be non-negative and sum to 1")

    def weights(j: Journey) -> list[float]:
        n = len(j.touches)
        if n == 1:
            return [1.0]
        if n == 2:
            return [first, last]
        return [first] + [middle / (n - 2)] * (n - 2) + [last]

    return _per_journey(journeys, weights)


# ----------------------------------------------------------------------------------------- data-driven

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


def _conversion_probability(
    transitions: Mapping[str, Counter], channels: list[str], removed: str | None
) -> float:
    """P(reaching conversion from start) of the absorbing chain, exactly (Gaussian elimination on
    p = Q p + r); a removed channel absorbs into null."""
    import numpy as np

    states = [START, *channels]
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    a = np.eye(n)
    b = np.zeros(n)
    for s in states:
        i = index[s]
        if s == removed:
            continue  # p(removed) = 0: the row stays the identity with b = 0
        out = transitions.get(s, Counter())
        total = sum(out.values())
        if total == 0:
            continue  # a state never left: absorbed with probability 0 of converting
        for target, count in out.items():
            if target == CONVERSION:
                b[i] += count / total
            elif target != NULL:
                a[i, index[target]] -= count / total
    return float(np.linalg.solve(a, b)[index[START]])


def markov_channel_credit(journeys: Sequence[Journey]) -> dict[str, float]:
    """Channel credit of the first-order Markov model: total conversions shared in proportion to each
    channel's removal effect. Paths: start > channels of the journey > conversion (or null)."""
    transitions: dict[str, Counter] = defaultdict(Counter)
    channels: list[str] = []
    conversions = 0
    for j in journeys:
        path = [START, *j.channels, CONVERSION if j.converted else NULL]
        for a, b in zip(path, path[1:]):
            transitions[a][b] += 1
        channels.extend(j.channels)
        conversions += 1 if (j.converted and j.touches) else 0
    channels = sorted(set(channels))
    base = _conversion_probability(transitions, channels, None)
    if base <= 0 or conversions == 0:
        return {c: 0.0 for c in channels}
    effects = {c: max(0.0, 1.0 - _conversion_probability(transitions, channels, c) / base) for c in channels}
    total = sum(effects.values())
    return {c: (e / total * conversions if total > 0 else 0.0) for c, e in effects.items()}


def shapley_channel_credit(journeys: Sequence[Journey]) -> dict[str, float]:
    """Exact Shapley values of v(S) = conversions whose channel set is a subset of S: each converting
    channel set T gives conversions(T) / |T| to every channel in T."""
    by_set: Counter = Counter(frozenset(j.channels) for j in _converting(journeys))
    credit: dict[str, float] = defaultdict(float)
    for channel_set, conversions in by_set.items():
        for c in channel_set:
            credit[c] += conversions / len(channel_set)
    return dict(credit)


def _by_channel_weight(journeys: Sequence[Journey], weight: Mapping[str, float]) -> Credits:
    """Share each journey's conversion among its channels by `weight`, equally among a channel's touches
    (equal split among touches when its channels all weigh 0)."""

    def weights(j: Journey) -> list[float]:
        count = Counter(j.channels)
        return [weight.get(t.channel, 0.0) / count[t.channel] for t in j.touches]

    return _per_journey(journeys, weights)


def markov(journeys: Sequence[Journey]) -> Credits:
    """First-order Markov (removal effect), fitted on every given journey, converting or not."""
    return _by_channel_weight(journeys, markov_channel_credit(journeys))


def shapley(journeys: Sequence[Journey]) -> Credits:
    """Shapley values over channel sets, fitted on the converting journeys given."""
    return _by_channel_weight(journeys, shapley_channel_credit(journeys))


MODELS: dict[str, Callable[..., Credits]] = {
    "last_touch": last_touch,
    "first_touch": first_touch,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
    "markov": markov,
    "shapley": shapley,
}


def attribute(journeys: Sequence[Journey], model: str = "position_based", **params) -> Credits:
    """Run the named model (`MODELS`) with its parameters (e.g. `half_life_days`)."""
    if model not in MODELS:
        raise ValueError(f"unknown attribution model {model!r}; known: {', '.join(MODELS)}")
    return MODELS[model](journeys, **params)


def channel_totals(journeys: Sequence[Journey], credits: Credits) -> dict[str, float]:
    """Sum of credit per channel (how the toy oracles of the spec are stated)."""
    out: dict[str, float] = defaultdict(float)
    for j in journeys:
        for t, c in zip(j.touches, credits.get(j.conv_id, ())):
            out[t.channel] += c
    return dict(out)
