"""The organisation's public profile shows its published performance grades (vendors.profile)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.grades import Grade

pytestmark = pytest.mark.django_db


def test_public_profile_lists_published_grades_with_links(client, world, django_assert_max_num_queries):
    excellent = world.published(Decimal("0.9"), satisfaction=5, title="蓬江区居家养老服务项目")
    good = world.published(Decimal("0.8"), satisfaction=4, title="江海区社区矫正服务项目")
    running = world.start(world.commission(title="新会区禁毒社工服务项目"))
    assert (excellent.grade, good.grade) == (Grade.EXCELLENT, Grade.GOOD)
    url = reverse("vendors:organisation_profile", args=[world.organisation.credit_code])
    with django_assert_max_num_queries(8):
        response = client.get(url)  # anonymous
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="grades"' in html
    assert "绩效评价结果" in html
    for evaluation, label in ((excellent, "优"), (good, "良")):
        assert evaluation.contract.number in html
        assert f"<td>{evaluation.score}</td>" in html
        assert label in html
        assert reverse("evaluation:result", args=[evaluation.pk]) in html
    assert running.contract.number not in html  # not published


def test_profile_query_count_does_not_grow_with_grades(client, world, django_assert_max_num_queries):
    url = reverse("vendors:organisation_profile", args=[world.organisation.credit_code])
    world.published(title="项目一")
    with django_assert_max_num_queries(8) as one:
        client.get(url)
    for n in range(3):
        world.published(title=f"项目{n + 2}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('href="/evaluations/results/') == 4


def test_profile_of_an_organisation_without_evaluations_says_so(client, world):
    html = client.get(
        reverse("vendors:organisation_profile", args=[world.organisation.credit_code])
    ).content.decode()
    assert 'id="grades"' in html
    assert "尚无已公布的绩效评价" in html
