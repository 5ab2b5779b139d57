"""The scoring arithmetic: price score, means, ranking with the tie rule (procurement.scoring)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement.scoring import (
    BidScore,
    compute_bid_scores,
    mean_score,
    member_total,
    price_score,
    price_scores,
    quantise_score,
    rank_bids,
)

D = Decimal
prices_st = st.decimals(min_value=D("0.01"), max_value=D("999999999999.99"), places=2)
weights_st = st.decimals(min_value=D("10"), max_value=D("30"), places=2)


@given(price_list=st.lists(prices_st, min_size=1, max_size=12), weight=weights_st)
def test_lowest_valid_price_gets_the_full_weight(price_list: list[Decimal], weight: Decimal) -> None:
    scores = price_scores(dict(enumerate(price_list)), price_weight=weight)
    lowest = min(price_list)
    for i, p in enumerate(price_list):
        if p == lowest:
            assert scores[i] == weight


@given(price_list=st.lists(prices_st, min_size=1, max_size=12), weight=weights_st)
def test_scores_stay_within_zero_and_the_weight(price_list: list[Decimal], weight: Decimal) -> None:
    for s in price_scores(dict(enumerate(price_list)), price_weight=weight).values():
        assert D("0") <= s <= weight
        assert s == s.quantize(D("0.01"))  # exact cents of a point, no float residue


@given(price_list=st.lists(prices_st, min_size=2, max_size=12), weight=weights_st)
def test_a_lower_price_never_scores_less(price_list: list[Decimal], weight: Decimal) -> None:
    scores = price_scores(dict(enumerate(price_list)), price_weight=weight)
    for i, p in enumerate(price_list):
        for j, q in enumerate(price_list):
            if p < q:
                assert scores[i] >= scores[j]


def test_worked_example_rounds_half_up() -> None:
    # 800,000 / 900,000 × 30 = 26.666… → 26.67
    assert price_score(price=D("900000.00"), lowest_valid_price=D("800000.00"), price_weight=D("30")) == D(
        "26.67"
    )
    # 1 / 8 × 10 = 1.25 exactly; 1 / 16 × 10 = 0.625 → 0.63 (half up, not banker's 0.62)
    assert price_score(price=D("8"), lowest_valid_price=D("1"), price_weight=D("10")) == D("1.25")
    assert price_score(price=D("16"), lowest_valid_price=D("1"), price_weight=D("10")) == D("0.63")
    assert quantise_score(D("0.005")) == D("0.01")


def test_floats_are_refused_not_converted() -> None:
    with pytest.raises(TypeError):
        price_score(price=0.1, lowest_valid_price=D("0.1"), price_weight=D("30"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mean_score([D("1"), 2.5])  # type: ignore[list-item]


def test_price_below_benchmark_or_not_positive_is_an_error() -> None:
    with pytest.raises(ValueError, match="below"):
        price_score(price=D("1"), lowest_valid_price=D("2"), price_weight=D("30"))
    with pytest.raises(ValueError, match="positive"):
        price_score(price=D("0"), lowest_valid_price=D("0"), price_weight=D("30"))


def test_mean_is_exact_then_rounded_once() -> None:
    assert mean_score([D("70.00"), D("71.00"), D("71.00")]) == D("70.67")
    assert mean_score([D("80.005"), D("80.005")]) == D("80.01")
    assert member_total([D("0.1")] * 10) == D("1.0")  # 0.1 × 10 is exactly 1 in Decimal
    with pytest.raises(ValueError, match="no scores"):
        mean_score([])


@given(st.lists(st.decimals(min_value=D("0"), max_value=D("70"), places=2), min_size=1, max_size=9))
def test_mean_lies_between_min_and_max(scores: list[Decimal]) -> None:
    m = mean_score(scores)
    assert min(scores) <= m <= max(scores)


def test_bid_score_is_mean_of_members_plus_platform_price_score() -> None:
    result = compute_bid_scores(
        prices={"a": D("500000"), "b": D("400000")},
        member_totals={"a": [D("60"), D("62"), D("64"), D("61"), D("63")], "b": [D("50")] * 5},
        price_weight=D("30"),
    )
    by_key = {r.key: r for r in result}
    assert by_key["a"].technical == D("62.00")
    assert by_key["a"].price_score == D("24.00")
    assert by_key["a"].total == D("86.00")
    assert by_key["b"].total == D("80.00")
    with pytest.raises(ValueError, match="both a price"):
        compute_bid_scores(prices={"a": D("1")}, member_totals={}, price_weight=D("30"))


def test_ranking_and_tie_rule() -> None:
    bids = [
        BidScore(key=1, price=D("100"), technical=D("60"), price_score=D("20")),  # 80
        BidScore(key=2, price=D("90"), technical=D("58"), price_score=D("22")),  # 80, lower price
        BidScore(key=3, price=D("90"), technical=D("59"), price_score=D("21")),  # 80, same price, higher tech
        BidScore(key=4, price=D("80"), technical=D("70"), price_score=D("25")),  # 95
        BidScore(key=5, price=D("90"), technical=D("59"), price_score=D("21")),  # exact tie with 3
    ]
    ranked = rank_bids(bids)
    assert [r.key for r in ranked] == [4, 3, 5, 2, 1]
    assert [r.rank for r in ranked] == [1, 2, 2, 4, 5]
    assert [r.tied for r in ranked] == [False, True, True, False, False]
