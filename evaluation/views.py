"""Pages of performance evaluation. Views parse input, call a service or a selector, map domain
errors to messages and render; the rules decide who may see and do what."""

from __future__ import annotations

from typing import Any, cast

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exceptions import DomainError
from accounts.models import Department
from accounts.ratelimit import rate_limited
from accounts.types import AuthenticatedRequest
from evaluation import forms, selectors, services
from evaluation.models import (
    Appeal,
    Evaluation,
    EvaluationIndicator,
    EvaluationStatus,
    Evidence,
    IndicatorKind,
    IndicatorTemplate,
    SuspensionProposal,
)
from evaluation.services.surveys import survey_token_lookup, tokens_for_sheet
from vendors.models import Organisation, ServiceCategory


def _evaluation(request: HttpRequest, pk: int, perm: str = "evaluation.view_evaluation") -> Evaluation:
    evaluation = get_object_or_404(selectors.evaluations_base(), pk=pk)
    if not request.user.has_perm(perm, evaluation):
        raise PermissionDenied
    return evaluation


def _error(request: HttpRequest, exc: DomainError | ValidationError) -> None:
    if isinstance(exc, DomainError):
        messages.error(request, str(exc.message))
    else:
        for message in exc.messages:
            messages.error(request, message)


# --- workspace ------------------------------------------------------------------------------------------
@login_required
def evaluation_list(request: AuthenticatedRequest) -> HttpResponse:
    """Each role's evaluations: the evaluator's assignments, the department's, the organisation's."""
    page = Paginator(selectors.evaluations_for_user(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "evaluation/evaluation_list.html", {"page": page})


@login_required
def contract_list(request: AuthenticatedRequest) -> HttpResponse:
    """The purchaser's signed contracts, each with its evaluation history and a link to commission."""
    department = request.user.department
    if department is None or not request.user.has_perm("evaluation.commission", department):
        raise PermissionDenied
    page = Paginator(selectors.commissionable_contracts(department.pk), 25).get_page(request.GET.get("page"))
    return render(request, "evaluation/contract_list.html", {"page": page, "department": department})


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_commission(request: AuthenticatedRequest, contract_pk: int) -> HttpResponse:
    from procurement.models import Contract

    contract = get_object_or_404(
        Contract.objects.select_related("tender", "organisation", "department"), pk=contract_pk
    )
    if not request.user.has_perm("evaluation.commission", contract):
        raise PermissionDenied
    form = forms.CommissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_commission(
                contract=contract, by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The evaluation was commissioned."))
            return redirect(evaluation)
    return render(request, "evaluation/evaluation_commission.html", {"form": form, "contract": contract})


@login_required
def evaluation_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    user = request.user
    is_evaluator = user.has_perm("evaluation.declare_conflict", evaluation)
    is_purchaser = user.has_perm("evaluation.review", evaluation)
    can_score = user.has_perm("evaluation.score", evaluation) and evaluation.is_scoring_open
    tree = selectors.indicator_tree(evaluation)
    survey = selectors.survey_summary(evaluation, with_comments=is_evaluator or is_purchaser)
    if evaluation.is_scoring_open or evaluation.status == EvaluationStatus.COMMISSIONED:
        scores = selectors.leaf_scores(evaluation, survey=survey)
    else:
        scores = {row.pk: row.score for row in tree if row.is_leaf}
    # Scores in progress are the evaluators' working notes; the purchaser sees them once submitted,
    # the supplier and others once published.
    show_scores = (
        is_evaluator or (is_purchaser and evaluation.submitted_at is not None) or evaluation.is_public
    )
    declarations = list(evaluation.declarations.select_related("evaluator"))
    my_declaration = next((d for d in declarations if d.evaluator_id == user.pk), None)
    evidence_by_leaf: dict[int, list[Evidence]] = {}
    if user.has_perm("evaluation.view_evidence", evaluation):
        for ev in Evidence.objects.filter(indicator__evaluation=evaluation).select_related("uploaded_by"):
            evidence_by_leaf.setdefault(ev.indicator_id, []).append(ev)
    my_scores = selectors.my_scores(evaluation, user) if is_evaluator else {}
    subtotals = selectors.subtotals(tree, scores) if show_scores else {}
    rows = [
        {
            "indicator": row,
            "score": subtotals.get(row.pk),
            "mine": my_scores.get(row.pk),
            "evidence": evidence_by_leaf.get(row.pk, []),
        }
        for row in tree
    ]
    appeals = list(evaluation.appeals.all())
    context: dict[str, Any] = {
        "evaluation": evaluation,
        "rows": rows,
        "show_scores": show_scores,
        "survey": survey,
        "is_evaluator": is_evaluator,
        "is_purchaser": is_purchaser,
        "can_score": can_score,
        "declarations": declarations,
        "my_declaration": my_declaration,
        "appeals": appeals,
        "pending_appeal": next((a for a in appeals if a.outcome == Appeal.Outcome.PENDING), None),
        "consequences": list(evaluation.consequences.all())
        if evaluation.status == EvaluationStatus.FINAL
        else [],
        "can": {
            "declare": is_evaluator
            and my_declaration is None
            and evaluation.status
            in {
                EvaluationStatus.COMMISSIONED,
                EvaluationStatus.IN_PROGRESS,
                EvaluationStatus.RETURNED,
                EvaluationStatus.REOPENED,
            },
            "decline": any(
                t.name == "decline"
                for t in evaluation.get_available_user_status_transitions(user)  # type: ignore[attr-defined]
            ),
            "survey": user.has_perm("evaluation.manage_survey", evaluation) and evaluation.is_scoring_open,
            "submit": user.has_perm("evaluation.submit", evaluation) and evaluation.is_scoring_open,
            "review": is_purchaser and evaluation.status == EvaluationStatus.SUBMITTED,
            "appeal": user.has_perm("evaluation.appeal", evaluation)
            and evaluation.status == EvaluationStatus.PUBLISHED
            and evaluation.is_within_appeal_period(),
            "answer": user.has_perm("evaluation.answer_appeal", evaluation)
            and evaluation.status == EvaluationStatus.APPEALED,
        },
        "declaration_form": forms.DeclarationForm(),
        "decline_form": forms.DeclineForm(),
        "token_form": forms.TokenForm(),
        "submit_form": forms.SubmitForm(initial={"report": evaluation.report}),
        "review_form": forms.ReviewForm(),
        "appeal_form": forms.AppealForm(),
        "answer_form": forms.AppealAnswerForm(),
    }
    return render(request, "evaluation/evaluation_detail.html", context)


# --- evaluator actions ------------------------------------------------------------------------------------
@login_required
@require_POST
def declaration_make(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.declare_conflict")
    form = forms.DeclarationForm(request.POST)
    if form.is_valid():
        try:
            services.declaration_make(evaluation=evaluation, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Your declaration was recorded."))
    else:
        messages.error(request, _("Choose one of the two declarations."))
    return redirect(evaluation)


@login_required
@require_POST
def evaluation_decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.declare_conflict")
    form = forms.DeclineForm(request.POST)
    try:
        services.evaluation_decline(
            evaluation=evaluation, reason=request.POST.get("reason", ""), by=request.user
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The evaluation was declined; the purchaser has been told."))
    del form
    return redirect(evaluation)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_score(request: AuthenticatedRequest, pk: int, indicator_pk: int) -> HttpResponse:
    """One leaf: its guidance, the evaluator's score and comment, and the evidence."""
    evaluation = _evaluation(request, pk, "evaluation.score")
    indicator = get_object_or_404(EvaluationIndicator, pk=indicator_pk, evaluation=evaluation, is_leaf=True)
    indicator.evaluation = evaluation
    mine = selectors.my_scores(evaluation, request.user).get(indicator.pk)
    form = forms.ScoreForm(
        request.POST or None, initial={"value": mine.value, "comment": mine.comment} if mine else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.score_record(indicator=indicator, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Score saved for %(code)s.") % {"code": indicator.code})
            return redirect(evaluation)
    return render(
        request,
        "evaluation/evaluationindicator_score.html",
        {
            "evaluation": evaluation,
            "indicator": indicator,
            "form": form if indicator.kind == IndicatorKind.EVIDENCE else None,
            "evidence_form": forms.EvidenceForm(),
            "evidence": Evidence.objects.filter(indicator=indicator).select_related("uploaded_by"),
        },
    )


@login_required
@require_POST
def evidence_upload(request: AuthenticatedRequest, pk: int, indicator_pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.score")
    indicator = get_object_or_404(EvaluationIndicator, pk=indicator_pk, evaluation=evaluation)
    indicator.evaluation = evaluation
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.evidence_upload(
                indicator=indicator, name=upload.name or "", stream=upload, by=request.user
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The evidence was uploaded."))
    return redirect("evaluation:indicator_score", pk=evaluation.pk, indicator_pk=indicator.pk)


@login_required
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("indicator__evaluation"), pk=pk)
    if not request.user.has_perm("evaluation.view_evidence", evidence):
        raise PermissionDenied
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def survey_tokens_generate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.manage_survey")
    form = forms.TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a number between 1 and 200."))
        return redirect(evaluation)
    try:
        tokens = services.survey_tokens_generate(
            evaluation=evaluation, count=form.cleaned_data["count"], by=request.user
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect(evaluation)
    messages.success(request, _("%(n)s survey links were generated.") % {"n": len(tokens)})
    return redirect("evaluation:survey_sheet", pk=evaluation.pk)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


@login_required
@never_cache
def survey_sheet(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A printable sheet: one QR code and link per unused token, cut apart and handed to recipients."""
    evaluation = _evaluation(request, pk, "evaluation.manage_survey")
    tokens = tokens_for_sheet(evaluation)
    for token in tokens:
        token["qr"] = mark_safe(_qr_svg(token["url"]))  # noqa: S308 - SVG generated by qrcode from our own URL
    return render(request, "evaluation/surveytoken_sheet.html", {"evaluation": evaluation, "tokens": tokens})


@login_required
@require_POST
def evaluation_submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.submit")
    try:
        services.evaluation_submit(
            evaluation=evaluation, report=request.POST.get("report", ""), by=request.user
        )
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The evaluation was submitted to the purchaser."))
    return redirect(evaluation)


# --- purchaser ----------------------------------------------------------------------------------------------
@login_required
@require_POST
def evaluation_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.review")
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to accept or return the evaluation."))
        return redirect(evaluation)
    try:
        if form.cleaned_data["decision"] == "accept":
            services.evaluation_accept(evaluation=evaluation, by=request.user)
            messages.success(request, _("The evaluation was accepted and published."))
        else:
            services.evaluation_return(
                evaluation=evaluation, comment=form.cleaned_data["comment"], by=request.user
            )
            messages.success(request, _("The evaluation was returned to the evaluator."))
    except DomainError as exc:
        _error(request, exc)
    return redirect(evaluation)


# --- supplier and appeal --------------------------------------------------------------------------------------
@login_required
@require_POST
def appeal_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk, "evaluation.appeal")
    try:
        services.appeal_file(evaluation=evaluation, grounds=request.POST.get("grounds", ""), by=request.user)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Your appeal was filed. The evaluator will answer it."))
    return redirect(evaluation)


@login_required
@require_POST
def appeal_answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("evaluation"), pk=pk)
    evaluation = _evaluation(request, appeal.evaluation_id, "evaluation.answer_appeal")
    form = forms.AppealAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an answer and give your reasons."))
        return redirect(evaluation)
    try:
        services.appeal_answer(appeal=appeal, by=request.user, **form.cleaned_data)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The appeal was answered."))
    return redirect(evaluation)


# --- directory administrator -------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def suspension_list(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("evaluation.decide_suspension"):
        raise PermissionDenied
    if request.method == "POST":
        proposal = get_object_or_404(SuspensionProposal, pk=request.POST.get("proposal"))
        form = forms.SuspensionDecisionForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "confirm":
                    services.suspension_confirm(
                        proposal=proposal, reason=form.cleaned_data["reason"], by=request.user
                    )
                    messages.success(
                        request, _("Confirmed: the suspension is in the draft of the next directory version.")
                    )
                else:
                    services.suspension_reject(
                        proposal=proposal, reason=form.cleaned_data["reason"], by=request.user
                    )
                    messages.success(request, _("The proposal was rejected."))
            except DomainError as exc:
                _error(request, exc)
        else:
            messages.error(request, _("Choose a decision."))
        return redirect("evaluation:suspension_list")
    return render(
        request,
        "evaluation/suspensionproposal_list.html",
        {"proposals": selectors.open_suspension_proposals()[:200], "form": forms.SuspensionDecisionForm()},
    )


# --- indicator systems (supervisors and the site administrator) ---------------------------------------------------
def _may_manage_templates(request: AuthenticatedRequest) -> None:
    if not request.user.has_perm("evaluation.manage_templates"):
        raise PermissionDenied


@login_required
def template_list(request: AuthenticatedRequest) -> HttpResponse:
    _may_manage_templates(request)
    return render(
        request,
        "evaluation/indicatortemplate_list.html",
        {"templates": selectors.indicator_templates()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedRequest) -> HttpResponse:
    _may_manage_templates(request)
    form = forms.TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_draft(
                name=form.cleaned_data["name"],
                version=form.cleaned_data["version"],
                description=form.cleaned_data["description"],
                copy_from=form.cleaned_data["copy_from"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("The indicator system is created; edit its tree, then publish it."))
            return redirect("evaluation:template_edit", pk=template.pk)
    return render(request, "evaluation/indicatortemplate_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The tree: indicators with weights, guidance and whether a leaf comes from the survey."""
    _may_manage_templates(request)
    template = get_object_or_404(IndicatorTemplate, pk=pk)
    initial = [
        {
            "code": s.code,
            "parent": s.parent or "",
            "name": s.name,
            "name_en": s.name_en,
            "weight": s.weight,
            "guidance": s.guidance,
            "kind": s.kind,
        }
        for s in services.tree_specs(template)
    ]
    formset = forms.IndicatorFormSet(request.POST or None, initial=initial or None, prefix="ind")
    if request.method == "POST":
        if formset.is_valid():
            try:
                services.template_tree_save(
                    template=template,
                    indicators=cast(forms.BaseIndicatorFormSet, formset).specs(),
                    by=request.user,
                )
            except (DomainError, ValidationError) as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The indicator tree is saved."))
                return redirect("evaluation:template_edit", pk=template.pk)
        else:
            messages.error(request, _("The tree is not saved: see the errors below."))
    return render(
        request,
        "evaluation/indicatortemplate_edit.html",
        {"template": template, "formset": formset},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def template_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Publish (make available for new evaluations) or retire an indicator system."""
    _may_manage_templates(request)
    template = get_object_or_404(IndicatorTemplate, pk=pk)
    try:
        if request.POST.get("action") == "retire":
            services.template_retire(template=template, by=request.user)
            messages.success(request, _("The indicator system is retired: new evaluations cannot choose it."))
        else:
            services.template_activate(template=template, by=request.user)
            messages.success(request, _("The indicator system is published for new evaluations."))
    except (DomainError, ValidationError) as exc:
        _error(request, exc)
    return redirect("evaluation:template_list")


# --- public -------------------------------------------------------------------------------------------------------
def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def overview(request: HttpRequest) -> HttpResponse:
    """Public: evaluations by state and the grade distribution by year, category and department."""
    year, category, department = (
        _int(request.GET.get("year")),
        _int(request.GET.get("category")),
        _int(request.GET.get("department")),
    )
    results = selectors.public_results(year=year, category_id=category, department_id=department)
    distribution = selectors.grade_distribution(year=year, category_id=category, department_id=department)
    this_year = timezone.localdate().year
    query = "&".join(
        f"{k}={v}" for k, v in (("year", year), ("category", category), ("department", department)) if v
    )
    return render(
        request,
        "evaluation/evaluation_overview.html",
        {
            "statuses": selectors.status_counts(),
            "distribution": distribution,
            "total_graded": sum(d["count"] for d in distribution),
            "page": Paginator(results, 20).get_page(request.GET.get("page")),
            "query": query,
            "years": list(range(this_year, this_year - 6, -1)),
            "categories": ServiceCategory.objects.filter(is_active=True),
            "departments": Department.objects.all(),
            "selected": {"year": year, "category": category, "department": department},
        },
    )


def result_public(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(selectors.public_evaluations(), pk=pk)
    tree = selectors.indicator_tree(evaluation)
    scores = {row.pk: row.score for row in tree if row.is_leaf}
    subtotals = selectors.subtotals(tree, scores)
    return render(
        request,
        "evaluation/evaluation_public.html",
        {
            "evaluation": evaluation,
            "rows": [{"indicator": row, "score": subtotals.get(row.pk)} for row in tree],
            "survey": selectors.survey_summary(evaluation),
            "appeals": list(evaluation.appeals.exclude(outcome=Appeal.Outcome.PENDING)),
            "history": selectors.public_evaluations()
            .filter(contract=evaluation.contract)
            .exclude(pk=evaluation.pk)[:20]
            if evaluation.contract_id
            else [],
        },
    )


def performance_record(request: HttpRequest, pk: int) -> HttpResponse:
    """An organisation's final grades (履约评价记录), public; the profile page links here."""
    organisation = get_object_or_404(Organisation, pk=pk)
    return render(
        request,
        "evaluation/performancerecord_list.html",
        {"organisation": organisation, "records": selectors.performance_records_for(organisation.pk)},
    )


# --- the public survey --------------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("survey")
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The service recipient's questionnaire: no account, one answer per link."""
    found = survey_token_lookup(token)
    if found is None:
        return render(request, "evaluation/survey_closed.html", {"reason": "unknown"}, status=404)
    if found.used_at is not None:
        return render(request, "evaluation/survey_closed.html", {"reason": "used"}, status=410)
    if not found.evaluation.is_scoring_open:
        return render(request, "evaluation/survey_closed.html", {"reason": "closed"}, status=410)
    form = forms.SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_answer(
                token=token,
                answers={q: data[q] for q in ("attitude", "timeliness", "effect", "overall")},
                comment=data["comment"],
            )
        except DomainError as exc:
            code = "used" if exc.code == "used" else "closed"
            return render(request, "evaluation/survey_closed.html", {"reason": code}, status=410)
        return render(request, "evaluation/survey_closed.html", {"reason": "thanks"})
    return render(request, "evaluation/survey_answer.html", {"form": form, "evaluation": found.evaluation})
