"""The committee draw (procurement.committee): size rules, conflicts, reproducibility."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement.committee import (
    Bidder,
    Candidate,
    NotEnoughExperts,
    check_composition,
    conflicts,
    draw_experts,
    draw_replacement,
    required_size,
)

D = Decimal
BIDDERS = [
    Bidder(organisation_id=1, name="江门市阳光社会工作服务中心", legal_representative="张三"),
    Bidder(organisation_id=2, name="江门市康乐养老服务中心", legal_representative="李四"),
]


def pool(n: int = 20) -> list[Candidate]:
    return [Candidate(expert_id=i, affiliation=f"大学{i}") for i in range(100, 100 + n)]


@pytest.mark.parametrize(
    ("budget", "is_complex", "size"),
    [
        (D("9999999.99"), False, 5),
        (D("10000000.00"), False, 7),
        (D("500000"), True, 7),
        (D("20000000"), True, 7),
    ],
)
def test_required_size(budget: Decimal, is_complex: bool, size: int) -> None:
    assert required_size(budget=budget, is_complex=is_complex) == size


@pytest.mark.parametrize(
    ("size", "budget", "reps", "ok"),
    [
        (5, D("1000000"), 0, True),
        (5, D("1000000"), 1, True),
        (5, D("1000000"), 2, False),  # at most one purchaser representative
        (4, D("1000000"), 0, False),  # even
        (6, D("1000000"), 0, False),  # even
        (3, D("1000000"), 0, False),  # too small
        (5, D("10000000"), 0, False),  # ≥ ¥10 million needs 7
        (7, D("10000000"), 1, True),
        (9, D("10000000"), 1, True),
    ],
)
def test_composition_rules(size: int, budget: Decimal, reps: int, ok: bool) -> None:
    problems = check_composition(size=size, budget=budget, is_complex=False, purchaser_representatives=reps)
    assert (problems == []) is ok


def test_conflict_reasons() -> None:
    affiliated = Candidate(expert_id=1, affiliation=" 江门市阳光社会工作服务中心 ")
    employee = Candidate(expert_id=2, related_organisation_ids=frozenset({2}))
    kin = Candidate(expert_id=3, related_person_names=frozenset({"李 四"}))
    clean = Candidate(expert_id=4, affiliation="五邑大学", related_person_names=frozenset({"王五"}))
    assert conflicts(affiliated, BIDDERS)
    assert conflicts(employee, BIDDERS)
    assert conflicts(kin, BIDDERS)
    assert conflicts(clean, BIDDERS) == []


@given(
    seed=st.integers(min_value=0, max_value=2**63 - 1),
    conflicted=st.sets(st.integers(min_value=100, max_value=119), max_size=10),
)
def test_draw_never_includes_a_conflicted_expert(seed: int, conflicted: set[int]) -> None:
    candidates = [
        Candidate(
            expert_id=c.expert_id,
            related_organisation_ids=frozenset({1}) if c.expert_id in conflicted else frozenset(),
        )
        for c in pool()
    ]
    result = draw_experts(candidates=candidates, bidders=BIDDERS, count=5, seed=seed)
    assert not set(result.drawn_ids) & conflicted
    assert set(result.excluded) == conflicted
    assert len(set(result.drawn_ids)) == 5
    assert set(result.drawn_ids) <= set(result.candidate_ids)


@given(seed=st.integers(min_value=0, max_value=2**63 - 1))
def test_draw_is_reproducible_from_its_seed_whatever_the_input_order(seed: int) -> None:
    first = draw_experts(candidates=pool(), bidders=BIDDERS, count=7, seed=seed)
    again = draw_experts(candidates=list(reversed(pool())), bidders=BIDDERS, count=7, seed=seed)
    assert first == again
    assert first.candidate_ids == tuple(sorted(first.candidate_ids))


def test_different_seeds_give_different_committees() -> None:
    draws = {draw_experts(candidates=pool(), bidders=BIDDERS, count=5, seed=s).drawn_ids for s in range(20)}
    assert len(draws) > 10


def test_replacement_never_redraws_a_member_or_decliner() -> None:
    first = draw_experts(candidates=pool(6), bidders=BIDDERS, count=5, seed=42)
    replacement = draw_replacement(candidates=pool(6), bidders=BIDDERS, already_drawn=first.drawn_ids, seed=7)
    assert len(replacement.drawn_ids) == 1
    assert replacement.drawn_ids[0] not in first.drawn_ids
    with pytest.raises(NotEnoughExperts):
        draw_replacement(
            candidates=pool(6),
            bidders=BIDDERS,
            already_drawn=[*first.drawn_ids, *replacement.drawn_ids],
            seed=8,
        )


def test_not_enough_experts() -> None:
    with pytest.raises(NotEnoughExperts) as exc:
        draw_experts(candidates=pool(4), bidders=BIDDERS, count=5, seed=1)
    assert exc.value.available == 4
