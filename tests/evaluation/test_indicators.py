"""Indicator systems: weight validation, the seeded standard system, and evaluations' own copies."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.exceptions import NotAllowed
from evaluation import services
from evaluation.indicator_tree import Node, weight_errors
from evaluation.models import EvaluationIndicator, Indicator, IndicatorKind
from evaluation.services import IndicatorSpec
from tests.evaluation.factories import standard_template
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def spec(
    code: str, weight: str, parent: str | None = None, kind: str = IndicatorKind.EVIDENCE
) -> IndicatorSpec:
    return IndicatorSpec(code=code, name=f"指标{code}", weight=Decimal(weight), parent=parent, kind=kind)


@pytest.fixture
def admin_user():
    return UserFactory(is_superuser=True, is_staff=True, role="")


def test_standard_template_is_seeded_valid_and_shaped_as_the_domain_says() -> None:
    template = standard_template()
    assert template.is_standard
    assert template.active
    assert template.weight_errors() == []
    top = {i.name: i.weight for i in template.indicators.filter(parent=None)}
    assert top == {"投入": 15, "过程": 25, "产出": 25, "效果": 20, "满意度": 15}
    survey_leaves = list(template.indicators.filter(kind=IndicatorKind.SURVEY).values_list("name", flat=True))
    assert survey_leaves == ["服务对象满意度"]
    leaves = template.indicators.filter(children__isnull=True)
    assert all(leaf.guidance for leaf in leaves)


def test_valid_tree_is_created(admin_user) -> None:
    template = services.template_create(
        name="助残服务指标",
        by=admin_user,
        indicators=[spec("1", "60"), spec("1.1", "60", "1"), spec("2", "40")],
    )
    assert template.indicators.count() == 3


def test_top_level_must_sum_to_100(admin_user) -> None:
    with pytest.raises(ValidationError) as exc:
        services.template_create(name="x", by=admin_user, indicators=[spec("1", "60"), spec("2", "39.99")])
    assert exc.value.message_dict["weight"] == ["一级指标权重合计为 99.99，应为 100。"]


def test_children_must_sum_to_their_parent_and_the_error_names_it(admin_user) -> None:
    indicators = [spec("1", "50"), spec("1.1", "20", "1"), spec("1.2", "25", "1"), spec("2", "50")]
    with pytest.raises(ValidationError) as exc:
        services.template_create(name="x", by=admin_user, indicators=indicators)
    assert exc.value.message_dict["weight"] == ["1 指标1 的下级指标权重合计为 45，与其权重 50 不符。"]


def test_every_breach_is_reported_at_once() -> None:
    nodes = [
        Node("1", None, "1", "投入", Decimal(10)),
        Node("1.1", "1", "1.1", "人员", Decimal(0)),
        Node("2", None, "2", "过程", Decimal(80)),
    ]
    errors = weight_errors(nodes)
    assert len(errors) == 3  # zero weight, top-level sum 90, children of 1 sum 0


def test_only_site_administrators_create_templates(world) -> None:
    with pytest.raises(NotAllowed):
        services.template_create(name="x", by=world.purchaser, indicators=[spec("1", "100")])


def test_activation_refuses_an_edited_tree_that_no_longer_adds_up(admin_user) -> None:
    template = services.template_create(
        name="x", by=admin_user, active=False, indicators=[spec("1", "50"), spec("2", "50")]
    )
    Indicator.objects.filter(template=template, code="2").update(weight=Decimal(40))
    with pytest.raises(ValidationError):
        services.template_activate(template=template, by=admin_user)
    template.refresh_from_db()
    assert not template.active


def test_evaluation_copies_the_tree_and_later_template_edits_do_not_reach_it(world) -> None:
    template = standard_template()
    evaluation = world.commission()
    copied = {i.code: (i.name, i.weight, i.kind, i.is_leaf) for i in evaluation.indicators.all()}
    original = {i.code: (i.name, i.weight, i.kind) for i in template.indicators.all()}
    assert {code: v[:3] for code, v in copied.items()} == original
    assert copied["1"][3] is False
    assert copied["1.1"][3] is True
    # The template is edited afterwards: renamed, reweighted, an indicator deleted.
    Indicator.objects.filter(template=template, code="1.1").update(name="人员配置（修订）", weight=Decimal(5))
    Indicator.objects.filter(template=template, code="5.2").delete()
    evaluation.refresh_from_db()
    after = {i.code: (i.name, i.weight, i.kind, i.is_leaf) for i in evaluation.indicators.all()}
    assert after == copied
    assert EvaluationIndicator.objects.get(evaluation=evaluation, code="5.2").weight == Decimal(5)
