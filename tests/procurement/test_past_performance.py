"""Past performance (履约评价) as a scoring factor: the platform computes it from the bidders'
final performance grades in vendors' record (procurement.scoring docstring states the rule)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.exceptions import DomainError
from procurement import scoring
from procurement.models import Bid, ScoringCriterion
from procurement.services.scoring import committee_criteria, report_submit, score_record, scores_submit
from procurement.services.tenders import CriterionData, _replace_criteria
from tests.factories import UserFactory
from tests.procurement.award_setup import declare_all, form_committee, make_bid, make_tender, purchaser_of
from vendors.services import organisation_record_performance

D = Decimal
ORDER = ["poor", "fair", "good", "excellent"]  # worst to best


@pytest.mark.parametrize(
    ("grades", "max_points", "neutral", "expected"),
    [
        ([], "10", "60", "6.00"),  # no grade: the tender's neutral share
        ([], "10", "0", "0.00"),
        (["excellent"], "10", "60", "10.00"),
        (["good"], "10", "60", "8.00"),
        (["fair"], "10", "60", "6.00"),
        (["poor"], "10", "60", "0.00"),
        (["good", "fair"], "10", "60", "7.00"),
        (["excellent", "good", "good"], "10", "60", "8.67"),  # 86.666… % → 8.666… → 8.67 half up
        (["excellent", "good", "fair"], "15", "60", "12.00"),
    ],
)
def test_points_are_the_mean_grade_share_of_the_maximum(grades, max_points, neutral, expected) -> None:
    points = scoring.past_performance_score(grades=grades, max_points=D(max_points), neutral_share=D(neutral))
    assert points == D(expected)


def test_unknown_grades_and_neutral_shares_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown grade"):
        scoring.past_performance_score(grades=["great"], max_points=D(10), neutral_share=D(60))
    with pytest.raises(ValueError, match="neutral share"):
        scoring.past_performance_score(grades=[], max_points=D(10), neutral_share=D(101))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grades=st.lists(st.sampled_from(ORDER), min_size=1, max_size=8),
    data=st.data(),
    max_points=st.decimals(min_value=D("0.01"), max_value=D(40), places=2),
    neutral=st.decimals(min_value=D(0), max_value=D(100), places=2),
)
def test_a_better_grade_never_scores_less(grades, data, max_points, neutral) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(grades) - 1))
    better = data.draw(st.sampled_from(ORDER[ORDER.index(grades[i]) :]))
    improved = [*grades[:i], better, *grades[i + 1 :]]
    before = scoring.past_performance_score(grades=grades, max_points=max_points, neutral_share=neutral)
    after = scoring.past_performance_score(grades=improved, max_points=max_points, neutral_share=neutral)
    assert after >= before
    assert D(0) <= before <= max_points
    # and an all-excellent record scores the full points, an all-poor one nothing
    assert (
        scoring.past_performance_score(
            grades=["excellent"] * len(grades), max_points=max_points, neutral_share=neutral
        )
        == max_points
    )
    assert (
        scoring.past_performance_score(
            grades=["poor"] * len(grades), max_points=max_points, neutral_share=neutral
        )
        == 0
    )


def test_one_past_performance_factor_per_tender(db) -> None:
    tender = make_tender()
    two = [CriterionData("履约评价", D(5), kind="past_performance")] * 2
    with pytest.raises(DomainError):
        _replace_criteria(tender, two)
    _replace_criteria(
        tender, [CriterionData("服务方案", D(60)), CriterionData("履约评价", D(10), kind="past_performance")]
    )
    computed = tender.criteria.get(kind="past_performance")
    assert "优" in computed.description  # the rule is published with the tender
    assert computed.neutral_share == D(60)


def _grade(organisation, grade, days_before_deadline, tender, n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    organisation_record_performance(
        organisation=organisation,
        contract_reference=f"HT-{n[0]}",
        grade=grade,
        score=D({"excellent": 95, "good": 85, "fair": 70, "poor": 50}[grade]),
        published_on=timezone.localdate(tender.bid_deadline) - timedelta(days=days_before_deadline),
        by=UserFactory(purchaser=True),
    )


def test_past_performance_enters_the_ranking(db) -> None:
    tender = make_tender()  # 服务方案 40, 项目团队 30, price 30
    ScoringCriterion.objects.filter(tender=tender, name="项目团队").update(max_points=D(20))
    perf = ScoringCriterion.objects.create(
        tender=tender, name="履约评价", max_points=D(10), order=3, kind="past_performance"
    )
    cheap = make_bid(tender, "800000.00")  # the lowest price, but a poor record
    good = make_bid(tender, "820000.00")  # a little dearer, an excellent record
    newcomer = make_bid(tender, "900000.00")  # no record: the neutral share
    _grade(cheap.organisation, "poor", 100, tender)
    _grade(cheap.organisation, "excellent", 4 * 365, tender)  # older than three years: ignored
    _grade(good.organisation, "excellent", 30, tender)
    _grade(good.organisation, "good", 400, tender)
    _grade(newcomer.organisation, "excellent", -1, tender)  # published after the deadline: ignored

    committee = form_committee(tender, purchaser_of(tender))
    declare_all(committee)
    assert [c.name for c in committee_criteria(tender)] == ["服务方案", "项目团队"]
    for m in committee.members.exclude(status="declined"):
        with pytest.raises(DomainError):  # the members do not score it
            score_record(member=m, by=m.user, bid=cheap, criterion=perf, points=D(10), comment="好")
        for bid in (cheap, good, newcomer):
            for c in committee_criteria(tender):
                score_record(
                    member=m,
                    by=m.user,
                    bid=bid,
                    criterion=c,
                    points=D(30) if c.order == 1 else D(15),
                    comment="符合要求",
                )
        scores_submit(member=m, by=m.user)  # complete without the computed factor
    leader = committee.members.get(is_leader=True)
    report = report_submit(committee=committee, by=leader.user, summary="")

    ranking = {r["bid"]: r for r in report.results["ranking"]}
    assert ranking[cheap.pk]["performance"] == "0.00"
    assert ranking[cheap.pk]["performance_grades"] == ["poor"]
    assert ranking[good.pk]["performance"] == "9.00"  # (100 + 80) / 2 % of 10
    assert ranking[good.pk]["performance_grades"] == ["excellent", "good"]
    assert ranking[newcomer.pk]["performance"] == "6.00"
    # 45 + 30 + 0 = 75.00 against 45 + 29.27 + 9 = 83.27 against 45 + 26.67 + 6 = 77.67
    assert ranking[cheap.pk]["total"] == "75.00"
    assert ranking[good.pk]["total"] == "83.27"
    assert ranking[newcomer.pk]["total"] == "77.67"
    assert [r["bid"] for r in report.results["ranking"]] == [good.pk, newcomer.pk, cheap.pk]
    assert report.results["past_performance"]["name"] == "履约评价"
    assert Bid.objects.filter(tender=tender).count() == 3
