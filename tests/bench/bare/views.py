"""Bare Django views: the least Django can do to show the same rows or insert one.

They read the same table with the same query shape as the portal (the 20 newest published tenders
with their department and category; one tender by primary key) and answer a plain HTML string:
no template, no translation, no layout. ``insert`` writes one row per POST (CSRF-exempt: it has no
session to protect).
"""

from __future__ import annotations

import hashlib
import os

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from procurement.models import Tender
from tests.bench.bare.models import BareRow

PAGE = (
    "<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head><body>{body}</body></html>"
)


def _public() -> QuerySet[Tender]:
    return Tender.objects.public().select_related("department", "category")


def tender_list(request: HttpRequest) -> HttpResponse:
    rows = "".join(
        f"<tr><td>{escape(t.reference)}</td><td><a href='{t.pk}/'>{escape(t.title)}</a></td>"
        f"<td>{escape(t.department.name)}</td><td>{escape(t.category.name)}</td>"
        f"<td>{t.budget}</td><td>{t.bid_deadline:%Y-%m-%d %H:%M}</td></tr>"
        for t in _public().order_by("-published_at", "-id")[:20]
    )
    return HttpResponse(PAGE.format(title="Tenders", body=f"<table>{rows}</table>"))


def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(_public(), pk=pk)
    body = (
        f"<h1>{escape(t.title)}</h1><dl><dt>Reference</dt><dd>{escape(t.reference)}</dd>"
        f"<dt>Department</dt><dd>{escape(t.department.name)}</dd>"
        f"<dt>Category</dt><dd>{escape(t.category.name)}</dd><dt>Budget</dt><dd>{t.budget}</dd>"
        f"<dt>Bid deadline</dt><dd>{t.bid_deadline:%Y-%m-%d %H:%M}</dd></dl>"
        f"<p>{escape(t.description)}</p>"
    )
    return HttpResponse(PAGE.format(title=escape(t.title), body=body))


@csrf_exempt
@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    row = BareRow.objects.create(
        organisation_id=int(request.POST.get("organisation") or 0),
        price_ciphertext=os.urandom(40),
        bid_hash=hashlib.sha256(request.body).hexdigest(),
        submitted_at=timezone.now(),
    )
    return HttpResponse(str(row.pk), status=201, content_type="text/plain")
