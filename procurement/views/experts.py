"""The expert pool (评审专家库) outside the admin site: list, add (the expert gets a set-password
e-mail), edit the profile and specialities, record and end declared relations. For supervisors
(财政局) and the site administrator (``accounts.manage_experts``).

These pages live in ``procurement`` because specialities and relations name service categories and
organisations (``vendors``), which ``accounts`` may not import; the person's profile is written by
``accounts.services``, called through ``procurement.services.experts``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.exceptions import DomainError
from accounts.models import ExpertProfile
from accounts.types import AuthenticatedRequest
from procurement.models import ExpertRelation
from procurement.services import experts as services
from vendors.models import Organisation, ServiceCategory


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm("accounts.manage_experts"):
        raise PermissionDenied


def _categories(request: HttpRequest) -> list[ServiceCategory]:
    ids = [int(v) for v in request.POST.getlist("categories") if v.isdigit()]
    return list(ServiceCategory.objects.filter(pk__in=ids, is_active=True))


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise DomainError(_("Enter the date as YYYY-MM-DD.")) from None


@login_required
def expert_list(request: AuthenticatedRequest) -> HttpResponse:
    _require(request)
    categories = list(ServiceCategory.objects.filter(is_active=True))
    chosen = next((c for c in categories if str(c.pk) == request.GET.get("category", "")), None)
    return render(
        request,
        "procurement/expert_list.html",
        {"experts": services.expert_pool(chosen)[:500], "categories": categories, "chosen": chosen},
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_create(request: AuthenticatedRequest) -> HttpResponseBase:
    _require(request)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            profile = services.expert_add(
                email=request.POST.get("email", ""),
                full_name=request.POST.get("full_name", ""),
                affiliation=request.POST.get("affiliation", ""),
                title=request.POST.get("title", ""),
                declared_relations=request.POST.get("declared_relations", ""),
                categories=_categories(request),
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("%(name)s was added to the pool and e-mailed a link to set a password.")
                % {"name": profile.user.full_name},
            )
            return redirect("procurement:expert_edit", pk=profile.pk)
    return render(
        request,
        "procurement/expert_form.html",
        {
            "values": values,
            "categories": ServiceCategory.objects.filter(is_active=True),
            "chosen_ids": {int(v) for v in request.POST.getlist("categories") if v.isdigit()},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_edit(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    _require(request)
    profile = get_object_or_404(ExpertProfile.objects.select_related("user"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "profile":
                services.expert_update(
                    expert=profile,
                    affiliation=request.POST.get("affiliation", ""),
                    title=request.POST.get("title", ""),
                    declared_relations=request.POST.get("declared_relations", ""),
                    in_pool=bool(request.POST.get("in_pool")),
                    is_active=bool(request.POST.get("is_active")),
                    categories=_categories(request),
                    by=request.user,
                )
                messages.success(request, _("The expert's profile is saved."))
            elif action == "relation_add":
                code = request.POST.get("credit_code", "").strip().upper()
                organisation = None
                if code:
                    organisation = Organisation.objects.filter(credit_code=code).first()
                    if organisation is None:
                        raise DomainError(_("No organisation has this credit code."))
                services.expert_relation_add(
                    expert=profile,
                    kind=request.POST.get("kind", ""),
                    organisation=organisation,
                    person_name=request.POST.get("person_name", ""),
                    ended_on=_date(request.POST.get("ended_on", "")),
                    note=request.POST.get("note", ""),
                    by=request.user,
                )
                messages.success(request, _("The relation is recorded."))
            elif action == "relation_end":
                relation = get_object_or_404(ExpertRelation, pk=request.POST.get("relation"), expert=profile)
                ended = _date(request.POST.get("ended_on", ""))
                if ended is None:
                    raise DomainError(_("Enter the date as YYYY-MM-DD."))
                services.expert_relation_end(relation=relation, ended_on=ended, by=request.user)
                messages.success(request, _("The end of the relation is recorded."))
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("procurement:expert_edit", pk=profile.pk)
    return render(
        request,
        "procurement/expert_detail.html",
        {
            "expert": profile,
            "categories": ServiceCategory.objects.filter(is_active=True),
            "chosen_ids": set(profile.specialities.values_list("category_id", flat=True)),
            "relations": profile.relations.select_related("organisation").order_by("ended_on", "pk"),
            "relation_kinds": ExpertRelation.Kind.choices,
        },
    )
