"""The performance evaluation report PDF, rendered through the real documents pipeline."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.documents import document_request
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument

pytestmark = pytest.mark.django_db
KIND = "evaluation.performance_report"


def test_report_pdf_has_the_tree_score_grade_and_survey(world, django_capture_on_commit_callbacks) -> None:
    evaluation = world.published(Decimal("0.8"), satisfaction=4, title="江门市长者饭堂助餐服务项目")
    with django_capture_on_commit_callbacks(execute=True):
        requested = document_request(kind=KIND, obj=evaluation, by=world.supplier)
    document = GeneratedDocument.objects.get(pk=requested.pk)
    assert document.status == GeneratedDocument.Status.READY
    with document.file.open("rb") as fh:
        content = fh.read()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    flat = text.replace("\n", "")
    assert "绩效评价报告" in flat
    assert "广东省第三方评估研究院" in flat  # issuer: the evaluator organisation
    assert "江门市蓬江区阳光社会工作服务中心" in flat
    assert "江门市长者饭堂助餐服务项目" in flat
    for indicator in ("投入", "过程", "产出", "效果", "满意度", "服务对象满意度"):
        assert indicator in flat
    assert str(evaluation.score) in flat
    assert "良" in flat
    assert "回收率" in flat
    assert "100.00" in flat  # one link, one answer: the response rate
    assert document.verify_code in flat


def test_nobody_gets_the_report_before_publication(world) -> None:
    evaluation = world.submitted()
    with pytest.raises(NotAllowed):
        document_request(kind=KIND, obj=evaluation, by=world.purchaser)


def test_the_result_page_offers_the_report(client, world) -> None:
    evaluation = world.published()
    client.force_login(world.supplier)
    html = client.get(reverse("evaluation:result", args=[evaluation.pk])).content.decode()
    assert 'value="evaluation.performance_report"' in html
