"""Pages: the role × action matrix over HTTP, the survey page, the QR sheet, evidence, the overview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation import services
from evaluation.models import (
    Evaluation,
    EvaluationStatus,
    Evidence,
    Score,
    SurveyResponse,
    SurveyToken,
    SuspensionProposal,
)
from evaluation.services.surveys import token_value
from tests.evaluation.factories import World, standard_template

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = [
    "evaluator",
    "evaluator2",
    "other_evaluator",
    "purchaser",
    "other_purchaser",
    "supplier",
    "other_supplier",
    "directory_admin",
    "anonymous",
]


@dataclass
class Action:
    setup: Callable[[World], Evaluation]
    request: Callable[[Any, World, Evaluation], Any]
    changed: Callable[[World, Evaluation], bool]
    allowed: set[str]
    ok_status: int = 302


def in_progress(world: World) -> Evaluation:
    return world.start(world.commission())


def complete(world: World) -> Evaluation:
    evaluation = in_progress(world)
    world.score_all(evaluation, Decimal("0.9"))
    world.survey(evaluation, [5])
    return evaluation


def status(evaluation: Evaluation) -> str:
    return Evaluation.objects.get(pk=evaluation.pk).status


def with_evidence(world: World) -> Evaluation:
    evaluation = in_progress(world)
    services.evidence_upload(
        indicator=evaluation.indicators.get(code="2.2"),
        name="档案抽查.pdf",
        stream=SimpleUploadedFile("a.pdf", PDF),
        by=world.evaluator,
    )
    return evaluation


ACTIONS: dict[str, Action] = {
    "view": Action(
        in_progress,
        lambda c, w, e: c.get(reverse("evaluation:detail", args=[e.pk])),
        lambda w, e: True,
        {"evaluator", "evaluator2", "purchaser", "supplier"},
        ok_status=200,
    ),
    "score": Action(
        in_progress,
        lambda c, w, e: c.post(
            reverse("evaluation:indicator_score", args=[e.pk, e.indicators.get(code="1.1").pk]),
            {"value": "7.5", "comment": "人员齐备"},
        ),
        lambda w, e: Score.objects.filter(indicator__evaluation=e).exists(),
        {"evaluator"},
    ),
    "upload_evidence": Action(
        in_progress,
        lambda c, w, e: c.post(
            reverse("evaluation:evidence_upload", args=[e.pk, e.indicators.get(code="1.1").pk]),
            {"file": SimpleUploadedFile("名册.pdf", PDF, content_type="application/pdf")},
        ),
        lambda w, e: Evidence.objects.exists(),
        {"evaluator"},
    ),
    "download_evidence": Action(
        with_evidence,
        lambda c, w, e: c.get(reverse("evaluation:evidence_download", args=[Evidence.objects.get().pk])),
        lambda w, e: True,
        {"evaluator", "evaluator2", "purchaser"},
        ok_status=200,
    ),
    "generate_tokens": Action(
        in_progress,
        lambda c, w, e: c.post(reverse("evaluation:survey_tokens", args=[e.pk]), {"count": "3"}),
        lambda w, e: SurveyToken.objects.filter(evaluation=e).count() == 3,
        {"evaluator"},
    ),
    "qr_sheet": Action(
        complete,
        lambda c, w, e: c.get(reverse("evaluation:survey_sheet", args=[e.pk])),
        lambda w, e: True,
        {"evaluator"},
        ok_status=200,
    ),
    "submit": Action(
        complete,
        lambda c, w, e: c.post(reverse("evaluation:submit", args=[e.pk]), {"report": "报告"}),
        lambda w, e: status(e) == EvaluationStatus.SUBMITTED,
        {"evaluator"},
    ),
    "accept": Action(
        lambda w: w.submitted(),
        lambda c, w, e: c.post(reverse("evaluation:review", args=[e.pk]), {"decision": "accept"}),
        lambda w, e: status(e) == EvaluationStatus.PUBLISHED,
        {"purchaser"},
    ),
    "return": Action(
        lambda w: w.submitted(),
        lambda c, w, e: c.post(
            reverse("evaluation:review", args=[e.pk]), {"decision": "return", "comment": "补充"}
        ),
        lambda w, e: status(e) == EvaluationStatus.RETURNED,
        {"purchaser"},
    ),
    "appeal": Action(
        lambda w: w.published(),
        lambda c, w, e: c.post(reverse("evaluation:appeal", args=[e.pk]), {"grounds": "服务人次统计遗漏"}),
        lambda w, e: status(e) == EvaluationStatus.APPEALED,
        {"supplier"},
    ),
    "commission": Action(
        lambda w: w.commission(kind="mid_term"),
        lambda c, w, e: c.post(
            reverse("evaluation:commission_contract", args=[e.contract_id]),
            {
                "kind": "final",
                "evaluator_organisation": w.evaluator_organisation.pk,
                "template": standard_template().pk,
                "aggregation": "mean",
            },
        ),
        lambda w, e: Evaluation.objects.filter(contract=e.contract).count() == 2,
        {"purchaser"},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_role_action_matrix(client, world, name, role) -> None:
    action = ACTIONS[name]
    evaluation = action.setup(world)
    before = action.changed(world, evaluation)
    if role != "anonymous":
        client.force_login(getattr(world, role))
    response = action.request(client, world, evaluation)
    if role in action.allowed:
        assert response.status_code == action.ok_status, response.content[:500]
        assert action.changed(world, evaluation)
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"]
        if name not in {"view", "download_evidence", "qr_sheet"}:
            assert action.changed(world, evaluation) == before


def test_contract_list_shows_the_departments_signed_contracts_with_their_evaluations(client, world) -> None:
    evaluation = world.commission()
    client.force_login(world.purchaser)
    html = client.get(reverse("evaluation:commission")).content.decode()
    assert evaluation.contract.number in html
    assert evaluation.get_absolute_url() in html
    client.force_login(world.other_purchaser)
    assert evaluation.contract.number not in client.get(reverse("evaluation:commission")).content.decode()
    client.force_login(world.supplier)
    assert client.get(reverse("evaluation:commission")).status_code == 403


def test_suspension_list_is_for_directory_administrators(client, world) -> None:
    for user, code in [(world.directory_admin, 200), (world.purchaser, 403), (world.evaluator, 403)]:
        client.force_login(user)
        assert client.get(reverse("evaluation:suspension_list")).status_code == code


def test_directory_administrator_rejects_a_proposal_through_the_page(client, world) -> None:
    import datetime as dt

    from django.utils import timezone

    evaluation = world.published(Decimal("0.5"), satisfaction=3)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        appeal_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    services.evaluation_finalise(evaluation=evaluation)
    proposal = SuspensionProposal.objects.get()
    client.force_login(world.directory_admin)
    page = client.get(reverse("evaluation:suspension_list"))
    assert world.organisation.name in page.content.decode()
    client.post(
        reverse("evaluation:suspension_list"),
        {"proposal": proposal.pk, "decision": "reject", "reason": "已整改"},
    )
    proposal.refresh_from_db()
    assert proposal.status == SuspensionProposal.Status.REJECTED


def test_supplier_sees_the_indicators_and_guidance_from_the_start_but_no_working_scores(
    client, world
) -> None:
    evaluation = in_progress(world)
    services.score_record(indicator=evaluation.indicators.get(code="1.1"), value="3.33", by=world.evaluator)
    client.force_login(world.supplier)
    html = client.get(reverse("evaluation:detail", args=[evaluation.pk])).content.decode()
    assert "服务对象满意度" in html
    assert "专款专用" in html
    assert "3.33" not in html


def test_detail_page_query_count_does_not_grow_with_scores(
    client, world, django_assert_max_num_queries
) -> None:
    evaluation = complete(world)
    client.force_login(world.evaluator)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("evaluation:detail", args=[evaluation.pk]))
    assert response.status_code == 200


def test_qr_sheet_shows_an_svg_code_and_link_per_unused_token(client, world) -> None:
    evaluation = in_progress(world)
    tokens = services.survey_tokens_generate(evaluation=evaluation, count=3, by=world.evaluator)
    services.survey_answer(token=token_value(tokens[0]), answers=dict.fromkeys(SurveyResponse.QUESTIONS, 4))
    client.force_login(world.evaluator)
    html = client.get(reverse("evaluation:survey_sheet", args=[evaluation.pk])).content.decode()
    assert html.count("<svg") == 2
    assert token_value(tokens[1]) in html
    assert token_value(tokens[0]) not in html


def test_evidence_of_the_wrong_type_is_refused(client, world) -> None:
    evaluation = in_progress(world)
    client.force_login(world.evaluator)
    leaf = evaluation.indicators.get(code="1.1")
    response = client.post(
        reverse("evaluation:evidence_upload", args=[evaluation.pk, leaf.pk]),
        {"file": SimpleUploadedFile("名册.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")},
        follow=True,
    )
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    assert "PDF" in str(errors[0])  # the reason names the accepted types
    assert not Evidence.objects.exists()


def test_evidence_download_returns_the_file(client, world) -> None:
    with_evidence(world)
    client.force_login(world.purchaser)
    response = client.get(reverse("evaluation:evidence_download", args=[Evidence.objects.get().pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


class TestPublicSurvey:
    def test_answering_once_then_the_link_is_spent(self, client, world) -> None:
        evaluation = in_progress(world)
        (token,) = services.survey_tokens_generate(evaluation=evaluation, count=1, by=world.evaluator)
        url = reverse("survey:answer", args=[token_value(token)])
        page = client.get(url)
        assert page.status_code == 200
        assert evaluation.title in page.content.decode()
        answers = {"attitude": 5, "timeliness": 4, "effect": 4, "overall": 5, "comment": "谢谢社工"}
        assert client.post(url, answers).status_code == 200
        assert SurveyResponse.objects.get().comment == "谢谢社工"
        assert client.post(url, answers).status_code == 410
        assert client.get(url).status_code == 410
        assert SurveyResponse.objects.count() == 1

    def test_incomplete_answers_are_shown_again(self, client, world) -> None:
        evaluation = in_progress(world)
        (token,) = services.survey_tokens_generate(evaluation=evaluation, count=1, by=world.evaluator)
        response = client.post(reverse("survey:answer", args=[token_value(token)]), {"attitude": 5})
        assert response.status_code == 200
        assert not SurveyResponse.objects.exists()

    def test_unknown_link(self, client, db) -> None:
        assert client.get(reverse("survey:answer", args=["nonsense"])).status_code == 404

    def test_signed_in_evaluator_without_mfa_still_reaches_the_survey(self, client, world) -> None:
        from tests.factories import UserFactory

        evaluation = in_progress(world)
        (token,) = services.survey_tokens_generate(evaluation=evaluation, count=1, by=world.evaluator)
        client.force_login(UserFactory(evaluator=True))
        assert client.get(reverse("survey:answer", args=[token_value(token)])).status_code == 200


def test_public_overview_and_result_pages(client, world) -> None:
    evaluation = world.published()
    overview = client.get(reverse("evaluation:overview"))
    html = overview.content.decode()
    assert overview.status_code == 200
    assert "<svg" in html
    assert evaluation.title in html
    result = client.get(reverse("evaluation:result", args=[evaluation.pk]))
    assert result.status_code == 200
    assert "91.00" in result.content.decode()
    unpublished = world.commission(title="未发布项目")
    assert client.get(reverse("evaluation:result", args=[unpublished.pk])).status_code == 404
    assert "未发布项目" not in client.get(reverse("evaluation:overview")).content.decode()


def test_performance_record_page(client, world) -> None:
    import datetime as dt

    from django.utils import timezone

    evaluation = world.published()
    Evaluation.objects.filter(pk=evaluation.pk).update(
        appeal_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    services.evaluation_finalise(evaluation=evaluation)
    html = client.get(reverse("evaluation:performance_record", args=[world.organisation.pk])).content.decode()
    assert evaluation.title in html
    assert "91.00" in html


def test_workspace_lists_each_roles_evaluations(client, world) -> None:
    evaluation = world.commission()
    for user, visible in [
        (world.evaluator, True),
        (world.purchaser, True),
        (world.supplier, True),
        (world.other_evaluator, False),
        (world.other_supplier, False),
    ]:
        client.force_login(user)
        assert (evaluation.title in client.get(reverse("evaluation:list")).content.decode()) is visible


def test_commission_form_and_scoring_page_render(client, world) -> None:
    evaluation = in_progress(world)
    client.force_login(world.purchaser)
    page = client.get(reverse("evaluation:commission_contract", args=[evaluation.contract_id]))
    assert page.status_code == 200
    assert evaluation.contract.number in page.content.decode()
    client.force_login(world.evaluator)
    leaf = evaluation.indicators.get(code="1.2")
    page = client.get(reverse("evaluation:indicator_score", args=[evaluation.pk, leaf.pk]))
    assert page.status_code == 200
    assert "专款专用" in page.content.decode()
    response = client.post(
        reverse("evaluation:indicator_score", args=[evaluation.pk, leaf.pk]), {"value": "9", "comment": ""}
    )
    assert response.status_code == 200
    assert not Score.objects.exists()
