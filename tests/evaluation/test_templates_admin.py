"""Indicator systems administered on the platform: create, edit the tree with the weight rule shown
on the fields, publish and retire; supervisors and the site administrator only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from evaluation.models import Indicator, IndicatorTemplate
from tests.evaluation.factories import standard_template
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tree_post(rows: list[tuple[str, str, str, str, str]]) -> dict[str, str]:
    """rows: (code, parent, name, weight, kind)."""
    data = {
        "ind-TOTAL_FORMS": str(len(rows)),
        "ind-INITIAL_FORMS": "0",
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "200",
    }
    for i, (code, parent, name, weight, kind) in enumerate(rows):
        data.update(
            {
                f"ind-{i}-code": code,
                f"ind-{i}-parent": parent,
                f"ind-{i}-name": name,
                f"ind-{i}-weight": weight,
                f"ind-{i}-kind": kind,
                f"ind-{i}-guidance": f"{name}的评分标准",
            }
        )
    return data


VALID = [
    ("1", "", "服务成效", "60", "evidence"),
    ("1.1", "1", "服务数量", "25", "evidence"),
    ("1.2", "1", "服务质量", "35", "evidence"),
    ("2", "", "满意度", "40", "survey"),
]


def people(world) -> dict[str, object]:
    return {
        "supervisor": UserFactory(supervisor=True),
        "site_admin": UserFactory(is_superuser=True, is_staff=True, role=""),
        "purchaser": world.purchaser,
        "supplier": world.supplier,
        "evaluator": world.evaluator,
        "directory_admin": world.directory_admin,
    }


ALLOWED = {"supervisor", "site_admin"}


@pytest.mark.parametrize("action", ["list", "create", "edit", "publish", "retire"])
@pytest.mark.parametrize(
    "role", ["supervisor", "site_admin", "purchaser", "supplier", "evaluator", "directory_admin"]
)
def test_role_action_matrix(client, world, role, action) -> None:
    user = people(world)[role]
    template = IndicatorTemplate.objects.create(name="试点指标体系", version=1, active=False)
    Indicator.objects.create(template=template, code="1", name="整体", weight=Decimal(100))
    live = standard_template()
    before = (IndicatorTemplate.objects.count(), template.indicators.count(), live.active)
    client.force_login(user)
    if action == "list":
        response = client.get(reverse("evaluation:template_list"))
    elif action == "create":
        response = client.post(reverse("evaluation:template_create"), {"name": "新体系", "version": "1"})
    elif action == "edit":
        response = client.post(reverse("evaluation:template_edit", args=[template.pk]), tree_post(VALID))
    elif action == "publish":
        response = client.post(
            reverse("evaluation:template_publish", args=[template.pk]), {"action": "publish"}
        )
    else:
        response = client.post(reverse("evaluation:template_publish", args=[live.pk]), {"action": "retire"})
    template.refresh_from_db()
    live.refresh_from_db()
    after = (IndicatorTemplate.objects.count(), template.indicators.count(), live.active)
    if role in ALLOWED:
        assert response.status_code in (200, 302)
        changed = {
            "list": after == before,
            "create": after[0] == before[0] + 1,
            "edit": after[1] == 4,
            "publish": template.active,
            "retire": not live.active,
        }[action]
        assert changed
    else:
        assert response.status_code == 403
        assert after == before
        assert not template.active


def test_create_as_a_copy_edit_the_tree_and_publish(client, world) -> None:
    supervisor = UserFactory(supervisor=True)
    client.force_login(supervisor)
    standard = standard_template()
    response = client.post(
        reverse("evaluation:template_create"),
        {"name": "社会服务项目绩效评价指标体系（2027）", "version": "1", "copy_from": standard.pk},
    )
    template = IndicatorTemplate.objects.get(name="社会服务项目绩效评价指标体系（2027）")
    assert response.url == reverse("evaluation:template_edit", args=[template.pk])
    assert not template.active
    assert template.indicators.count() == standard.indicators.count()
    page = client.get(response.url).content.decode()
    assert "服务对象满意度" in page

    response = client.post(reverse("evaluation:template_edit", args=[template.pk]), tree_post(VALID))
    assert response.status_code == 302
    tree = {
        i.code: (i.parent.code if i.parent else None, i.weight, i.kind) for i in template.indicators.all()
    }
    assert tree == {
        "1": (None, Decimal(60), "evidence"),
        "1.1": ("1", Decimal(25), "evidence"),
        "1.2": ("1", Decimal(35), "evidence"),
        "2": (None, Decimal(40), "survey"),
    }
    assert Indicator.objects.get(template=template, code="1.2").guidance == "服务质量的评分标准"
    client.post(reverse("evaluation:template_publish", args=[template.pk]), {"action": "publish"})
    template.refresh_from_db()
    assert template.active
    assert AuditEntry.objects.filter(action="indicator_template.tree_save").exists()
    # a published system can be chosen for a new evaluation
    evaluation = world.commission(template=template)
    assert evaluation.indicators.count() == 4


def test_weight_errors_are_shown_on_the_fields_and_nothing_is_saved(client, world) -> None:
    client.force_login(UserFactory(supervisor=True))
    template = IndicatorTemplate.objects.create(name="草稿体系", version=1)
    wrong = [
        ("1", "", "服务成效", "60", "evidence"),
        ("1.1", "1", "服务数量", "25", "evidence"),
        ("1.2", "1", "服务质量", "30", "evidence"),  # 55 ≠ 60
        ("2", "", "满意度", "30", "survey"),  # top level 90 ≠ 100
        ("3", "", "其他", "0", "evidence"),
    ]
    response = client.post(reverse("evaluation:template_edit", args=[template.pk]), tree_post(wrong))
    assert response.status_code == 400
    formset = response.context["formset"]
    by_code = {f.cleaned_data["code"]: f for f in formset.forms}
    assert "55" in by_code["1"].errors["weight"][0]
    assert by_code["3"].errors["weight"]  # zero weight
    assert not by_code["1.1"].errors
    assert any("100" in e for e in formset.non_form_errors())  # the top level
    html = response.content.decode()
    assert 'role="alert"' in html
    assert template.indicators.count() == 0


def test_publishing_an_invalid_tree_is_refused(client, world) -> None:
    client.force_login(UserFactory(supervisor=True))
    template = IndicatorTemplate.objects.create(name="残缺体系", version=1)
    Indicator.objects.create(template=template, code="1", name="整体", weight=Decimal(90))
    client.post(reverse("evaluation:template_publish", args=[template.pk]), {"action": "publish"})
    template.refresh_from_db()
    assert not template.active
