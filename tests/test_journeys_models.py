"""The built-in attribution models against the toy oracles of the spec, and on the real journeys."""

import json
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from conftest import shared_file

from platform_assets.journeys.models import (
    MODELS,
    Journey,
    Touch,
    attribute,
    channel_totals,
    markov_channel_credit,
    shapley_channel_credit,
)

T0 = datetime(2023, 9, 1, 12, 0, 0)


def journey(conv_id: str, channels: str, converted: bool = True) -> Journey:
    touches = tuple(
        Touch(f"{conv_id}-{i}", c, T0 + timedelta(hours=i)) for i, c in enumerate(channels.split(">"))
    )
    return Journey(conv_id, touches, converted)


ABC = [journey("j1", "A>B>C"), journey("j2", "A>C")]


@pytest.mark.parametrize(
    "model, expected",
    [
        ("linear", {"A": 5 / 6, "B": 1 / 3, "C": 5 / 6}),
        ("position_based", {"A": 0.9, "B": 0.2, "C": 0.9}),
        ("last_touch", {"C": 2.0}),
        ("first_touch", {"A": 2.0}),
    ],
)
def test_rule_based_toy_oracles(model, expected):
    totals = channel_totals(ABC, attribute(ABC, model))
    assert {c: v for c, v in totals.items() if v} == pytest.approx(expected, abs=1e-12)


def test_position_based_short_journeys():
    credits = attribute([journey("a", "X"), journey("b", "X>Y")], "position_based")
    assert credits == {"a": [1.0], "b": [0.5, 0.5]}


def test_time_decay_halves_per_half_life():
    touches = (Touch("s1", "A", T0), Touch("s2", "B", T0 + timedelta(days=7)))
    credits = attribute([Journey("c", touches, conv_ts=T0 + timedelta(days=7))], "time_decay")["c"]
    assert credits == pytest.approx([1 / 3, 2 / 3])
    two_days = attribute(
        [Journey("c", touches, conv_ts=T0 + timedelta(days=7))], "time_decay", half_life_days=3.5
    )
    assert two_days["c"] == pytest.approx([1 / 5, 4 / 5])


def test_markov_removal_effect_three_paths():
    paths = [journey("p1", "c1>c2>c3"), journey("p2", "c1", False), journey("p3", "c2>c3", False)]
    assert markov_channel_credit(paths) == pytest.approx({"c1": 0.2, "c2": 0.4, "c3": 0.4}, abs=1e-12)


G_M = [
    journey("g1", "G"),
    journey("g2", "G"),
    journey("m1", "M"),
    journey("gm", "G>M"),
    journey("gn", "G", False),
]


def test_markov_g_m_oracle():
    assert markov_channel_credit(G_M) == pytest.approx({"G": 2.4, "M": 1.6}, abs=1e-12)


def test_shapley_g_m_oracle():
    assert shapley_channel_credit(G_M) == pytest.approx({"G": 2.5, "M": 1.5}, abs=1e-12)


def test_markov_and_shapley_share_a_journey_by_channel_weight():
    for model, (g, m) in (("markov", (2.4, 1.6)), ("shapley", (2.5, 1.5))):
        credits = attribute(G_M, model)
        assert set(credits) == {"g1", "g2", "m1", "gm"}  # the null path gets no credit
        assert credits["gm"] == pytest.approx([g / (g + m), m / (g + m)])
    # One channel twice: its share is split equally among its sessions. Fitted with x, Shapley gives
    # G = 2 + 2/2 = 3 and M = 1 + 2/2 = 2, so x = G 3/5 (0.3 + 0.3) and M 2/5.
    credits = attribute([journey("x", "G>M>G"), *G_M], "shapley")["x"]
    assert credits == pytest.approx([0.3, 0.4, 0.3], abs=1e-12)


def test_unknown_model_is_named():
    with pytest.raises(ValueError, match="unknown attribution model 'nope'"):
        attribute(ABC, "nope")


def real_journeys() -> list[Journey]:
    rows = json.loads(shared_file("ihc-attribution-journeys", "customer_journeys.json").read_text())
    by_conv: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_conv[r["conversion_id"]].append(r)
    out = []
    for conv_id, sessions in by_conv.items():
        sessions.sort(key=lambda r: (r["timestamp"], r["session_id"]))
        touches = tuple(
            Touch(r["session_id"], r["channel_label"], datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S"))
            for r in sessions
        )
        out.append(Journey(conv_id, touches))
    return out


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_model_sums_to_one_per_conversion_on_the_real_journeys(model):
    journeys = real_journeys()
    assert len(journeys) == 1940
    credits = attribute(journeys, model)
    assert set(credits) == {j.conv_id for j in journeys}
    for j in journeys:
        c = credits[j.conv_id]
        assert len(c) == len(j.touches)
        assert abs(sum(c) - 1.0) <= 1e-9, (model, j.conv_id, c)
        assert all(x >= 0 for x in c)
    # Channel totals add up to the number of conversions for every model.
    assert sum(channel_totals(journeys, credits).values()) == pytest.approx(len(journeys))


def test_the_blocking_audit_catches_bad_credits():
    from platform_assets.journeys.attribution import audit

    good = [
        {"conv_id": "c", "session_id": "s1", "ihc": 0.25},
        {"conv_id": "c", "session_id": "s2", "ihc": 0.75},
    ]
    assert audit(good)[0]
    passed, facts = audit(good[:1])
    assert not passed and facts["conversions_not_summing_to_1"] == 1
    passed, facts = audit(good + [good[0] | {"ihc": 0.0}])
    assert not passed and facts["duplicate_keys"] == 1
    passed, facts = audit(
        [{"conv_id": "d", "session_id": "s", "ihc": 1.5}, {"conv_id": "d", "session_id": "t", "ihc": -0.5}]
    )
    assert not passed and facts["credits_out_of_range"] == 2


def test_only_new_changed_or_other_model_journeys_are_sent_to_the_api_again():
    from platform_assets.journeys.attribution import reusable_api_rows

    def row(conv, sid, model="ihc_api", dt="2025-01-02"):
        return {"conv_id": conv, "session_id": sid, "ihc": 0.5, "model": model, "dt": dt}

    gold = [
        row("c1", "s1"),
        row("c1", "s2"),
        row("c2", "s3"),
        row("c3", "s5", "linear"),
        row("c5", "s7", dt="2025-01-01"),
    ]
    journeys = {
        "c1": [
            {"session_id": "s2", "dt": "2025-01-02"},
            {"session_id": "s1", "dt": "2025-01-02"},
        ],  # unchanged
        "c2": [
            {"session_id": "s3", "dt": "2025-01-02"},
            {"session_id": "s4", "dt": "2025-01-02"},
        ],  # a new session
        "c3": [{"session_id": "s5", "dt": "2025-01-02"}],  # scored by another model
        "c4": [{"session_id": "s6", "dt": "2025-01-02"}],  # never scored
        "c5": [{"session_id": "s7", "dt": "2025-01-02"}],  # its conversion moved to another day
    }
    kept, todo = reusable_api_rows(gold, journeys)
    assert sorted((r["conv_id"], r["session_id"]) for r in kept) == [("c1", "s1"), ("c1", "s2")]
    assert set(todo) == {"c2", "c3", "c4", "c5"}
