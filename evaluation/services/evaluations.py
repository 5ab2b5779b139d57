"""Commissioning, conflict declarations, scoring, evidence, review, appeal and finalisation."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import EvaluatorOrganisation, User
from accounts.notifications import notify
from accounts.uploads import atomic_discarding_files, discard_on_failure
from evaluation.grades import grade_for
from evaluation.models import (
    SCORING_STATUSES,
    Aggregation,
    Appeal,
    ConflictDeclaration,
    Evaluation,
    EvaluationIndicator,
    EvaluationKind,
    EvaluationStatus,
    Evidence,
    IndicatorKind,
    IndicatorTemplate,
    Score,
)
from evaluation.services.common import appeal_working_days, locked, require, run_transition
from evaluation.services.templates import copy_tree
from procurement.models import Contract
from vendors.models import Organisation, OrganisationMembership, OrganisationRelation

logger = logging.getLogger(__name__)


# --- independence ---------------------------------------------------------------------------------
def evaluator_relation(
    evaluator_organisation: EvaluatorOrganisation, organisation: Organisation
) -> str | None:
    """Why the evaluator organisation is not independent of the evaluated one, or None.

    Judged from what the directory knows: the same credit code; and, when the evaluator is itself
    registered as an organisation in ``vendors``, the same legal representative or a recorded
    control/management relation (实施条例 Art. 18); and staff acting for both."""
    if evaluator_organisation.credit_code.upper() == organisation.credit_code.upper():
        return _("The evaluator organisation is the evaluated organisation itself (same credit code).")
    as_vendor = Organisation.objects.filter(credit_code=evaluator_organisation.credit_code.upper()).first()
    if as_vendor is not None:
        rep = (as_vendor.legal_representative or "").strip()
        if rep and rep == (organisation.legal_representative or "").strip():
            return _(
                "The evaluator organisation has the same legal representative as the evaluated organisation."
            )
        related = OrganisationRelation.objects.filter(
            organisation=as_vendor, related=organisation
        ).exists() or (
            OrganisationRelation.objects.filter(organisation=organisation, related=as_vendor).exists()
        )
        if related:
            return _("A controlling or management relation between the two organisations is on record.")
    shared_staff = OrganisationMembership.objects.filter(
        organisation=organisation,
        status=OrganisationMembership.Status.APPROVED,
        user__evaluator_organisation=evaluator_organisation,
    ).exists()
    if shared_staff:
        return _("A member of the evaluator organisation's staff also acts for the evaluated organisation.")
    return None


# --- commissioning ------------------------------------------------------------------------------------
COMMISSIONABLE_CONTRACT_STATUSES = frozenset({"signed", "published"})


@transaction.atomic
def evaluation_commission(
    *,
    contract: Contract,
    evaluator_organisation: EvaluatorOrganisation,
    template: IndicatorTemplate,
    by: User,
    kind: str = EvaluationKind.FINAL,
    aggregation: str = Aggregation.MEAN,
    due_date: dt.date | None = None,
) -> Evaluation:
    """The purchaser commissions an independent evaluator organisation for a signed contract of its
    department (DOMAIN: no relation to the supplier); the evaluation copies the indicator system it
    is judged on. One final evaluation per contract, unless an earlier one was declined."""
    require(by, "evaluation.commission", contract)
    if contract.status not in COMMISSIONABLE_CONTRACT_STATUSES:
        raise DomainError(_("Only a signed contract can be evaluated."), field="contract")
    if not template.active:
        raise DomainError(_("This indicator system is not active."), field="template")
    if (
        kind == EvaluationKind.FINAL
        and Evaluation.objects.filter(contract=contract, kind=EvaluationKind.FINAL)
        .exclude(status=EvaluationStatus.CONFLICT_DECLARED)
        .exists()
    ):
        raise DomainError(_("This contract already has a final evaluation."), field="kind", code="duplicate")
    organisation = contract.organisation
    reason = evaluator_relation(evaluator_organisation, organisation)
    if reason:
        raise DomainError(
            _("This evaluator organisation is not independent of the supplier: %(reason)s")
            % {"reason": reason},
            field="evaluator_organisation",
            code="related",
        )
    evaluation = Evaluation.objects.create(
        contract=contract,
        title=contract.tender.title,
        organisation=organisation,
        department=contract.department,
        category=contract.tender.category,
        evaluator_organisation=evaluator_organisation,
        template=template,
        kind=kind,
        aggregation=aggregation,
        due_date=due_date,
        commissioned_by=by,
    )
    count = copy_tree(template=template, evaluation=evaluation)
    audit_record(
        actor=by,
        action="evaluation.commission",
        obj=evaluation,
        summary={
            "contract": contract.number,
            "organisation": organisation.credit_code,
            "evaluator_organisation": evaluator_organisation.credit_code,
            "template": str(template),
            "indicators": count,
            "kind": kind,
            "aggregation": aggregation,
        },
    )
    notify(
        recipients=list(evaluator_organisation.staff.filter(is_active=True)),
        kind="evaluation.commissioned",
        message=gettext_noop(
            "You were commissioned to evaluate %(title)s. Declare any conflict of interest first."
        ),
        params={"title": evaluation.title},
        url=evaluation.get_absolute_url(),
        obj=evaluation,
    )
    return evaluation


# --- conflicts -----------------------------------------------------------------------------------------
@transaction.atomic
def declaration_make(
    *, evaluation: Evaluation, has_conflict: bool, statement: str = "", by: User
) -> ConflictDeclaration:
    """Every evaluator declares before scoring. A declared conflict excludes that person; declaring
    none is refused to someone who acts for the evaluated organisation. The first declaration
    without conflict starts the evaluation, and its author leads it unless a lead is named."""
    require(by, "evaluation.declare_conflict", evaluation)
    evaluation = locked(evaluation)
    if evaluation.status not in {EvaluationStatus.COMMISSIONED, *SCORING_STATUSES}:
        raise DomainError(_("Declarations are closed for this evaluation."), code="transition")
    if ConflictDeclaration.objects.filter(evaluation=evaluation, evaluator=by).exists():
        raise DomainError(_("You have already made your declaration."), code="duplicate")
    if (
        not has_conflict
        and OrganisationMembership.objects.filter(
            user=by, organisation=evaluation.organisation_id, status=OrganisationMembership.Status.APPROVED
        ).exists()
    ):
        raise DomainError(
            _("You act for the evaluated organisation: you have a conflict of interest and cannot score."),
            field="has_conflict",
            code="conflict",
        )
    declaration = ConflictDeclaration.objects.create(
        evaluation=evaluation, evaluator=by, has_conflict=has_conflict, statement=statement.strip()
    )
    if not has_conflict:
        if evaluation.lead_evaluator_id is None:
            Evaluation.objects.filter(pk=evaluation.pk).update(lead_evaluator=by)
            evaluation.lead_evaluator = by
        if evaluation.status == EvaluationStatus.COMMISSIONED:
            run_transition(evaluation, "start", by=by)
            evaluation.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="evaluation.declare",
        obj=evaluation,
        summary={"has_conflict": has_conflict, "status": evaluation.status},
    )
    return declaration


@transaction.atomic
def evaluation_decline(*, evaluation: Evaluation, reason: str, by: User) -> Evaluation:
    """The evaluator organisation declines for a conflict of interest (before it submits)."""
    if not reason.strip():
        raise DomainError(_("State the conflict of interest."), field="reason")
    evaluation = locked(evaluation)
    if not by.has_perm("evaluation.declare_conflict", evaluation):
        raise NotAllowed()
    run_transition(evaluation, "decline", by=by, reason=reason.strip())
    evaluation.save()
    audit_record(actor=by, action="evaluation.decline", obj=evaluation, summary={"reason": reason.strip()})
    notify(
        recipients=list(
            User.objects.filter(role="purchaser", department_id=evaluation.department_id, is_active=True)
        ),
        kind="evaluation.declined",
        message=gettext_noop(
            "The evaluator declined %(title)s for a conflict of interest. Commission another one."
        ),
        params={"title": evaluation.title},
        url=evaluation.get_absolute_url(),
        obj=evaluation,
    )
    return evaluation


# --- scoring and evidence -----------------------------------------------------------------------------
def _scorable_leaf(indicator: EvaluationIndicator, by: User) -> Evaluation:
    # Read the status afresh: the caller's copy of the evaluation may predate a transition.
    evaluation = Evaluation.objects.get(pk=indicator.evaluation_id)
    require(by, "evaluation.score", evaluation)
    if not evaluation.is_scoring_open:
        raise DomainError(_("Scoring is closed for this evaluation."), code="transition")
    if not indicator.is_leaf:
        raise DomainError(_("Only the lowest-level indicators are scored."), code="not_leaf")
    return evaluation


@transaction.atomic
def score_record(
    *, indicator: EvaluationIndicator, value: Decimal | str, comment: str = "", by: User
) -> Score:
    """An evaluator scores an evidence-scored leaf: between 0 and the leaf's weight, two decimals."""
    evaluation = _scorable_leaf(indicator, by)
    if indicator.kind == IndicatorKind.SURVEY:
        raise DomainError(_("This indicator is scored by the satisfaction survey."), code="survey_leaf")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(_("Enter a number."), field="value") from None
    if not number.is_finite() or number < 0 or number > indicator.weight:
        raise DomainError(
            _("A score lies between 0 and the indicator's weight, %(weight)s.")
            % {"weight": indicator.weight},
            field="value",
        )
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most two decimal places."), field="value")
    score, created = Score.objects.update_or_create(
        indicator=indicator, evaluator=by, defaults={"value": number, "comment": comment.strip()}
    )
    audit_record(
        actor=by,
        action="evaluation.score",
        obj=evaluation,
        summary={"indicator": indicator.code, "value": number, "new": created},
    )
    return score


@atomic_discarding_files
def evidence_upload(*, indicator: EvaluationIndicator, name: str, stream: IO[bytes], by: User) -> Evidence:
    """Evidence (documents, photos, records) for a leaf; the type is judged by the content."""
    from procurement.uploads import check_upload

    evaluation = _scorable_leaf(indicator, by)
    checked = check_upload(name=name, stream=stream)
    evidence = Evidence(
        indicator=indicator,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    evidence.file.save(checked.name, ContentFile(checked.content), save=False)
    discard_on_failure(evidence.file.name)
    evidence.save()
    audit_record(
        actor=by,
        action="evaluation.evidence_upload",
        obj=evaluation,
        summary={"indicator": indicator.code, "name": checked.name, "sha256": checked.sha256},
    )
    return evidence


# --- submission and review ----------------------------------------------------------------------------
@transaction.atomic
def evaluation_submit(*, evaluation: Evaluation, report: str, by: User) -> Evaluation:
    """Submit once every leaf is scored. The combined leaf scores, the total and the grade are
    fixed now and are what the purchaser accepts and the public sees."""
    from evaluation.selectors import leaf_scores, total_score

    if not report.strip():
        raise DomainError(_("Write the evaluation report."), field="report")
    evaluation = locked(evaluation)
    require(by, "evaluation.submit", evaluation)
    scores = leaf_scores(evaluation)
    total = total_score(scores)
    if total is None:
        missing = evaluation.indicators.filter(pk__in=[pk for pk, v in scores.items() if v is None])
        raise DomainError(
            _("Not every indicator has a score yet: %(codes)s.")
            % {"codes": ", ".join(f"{i.code} {i.name}" for i in missing.order_by("code"))},
            code="incomplete",
        )
    grade = grade_for(total)
    run_transition(
        evaluation, "submit", by=by, score=total, grade=grade.value, report=report.strip(), at=timezone.now()
    )
    evaluation.save()
    for pk, value in scores.items():
        EvaluationIndicator.objects.filter(pk=pk).update(score=value)
    audit_record(
        actor=by, action="evaluation.submit", obj=evaluation, summary={"score": total, "grade": grade.value}
    )
    notify(
        recipients=list(
            User.objects.filter(role="purchaser", department_id=evaluation.department_id, is_active=True)
        ),
        kind="evaluation.submitted",
        message=gettext_noop("The evaluation of %(title)s was submitted for your review."),
        params={"title": evaluation.title},
        url=evaluation.get_absolute_url(),
        obj=evaluation,
    )
    return evaluation


@transaction.atomic
def evaluation_return(*, evaluation: Evaluation, comment: str, by: User) -> Evaluation:
    """The purchaser returns the submitted evaluation with comments."""
    if not comment.strip():
        raise DomainError(_("Say what should be revised."), field="comment")
    evaluation = locked(evaluation)
    require(by, "evaluation.review", evaluation)
    run_transition(evaluation, "return_for_revision", by=by, comment=comment.strip())
    evaluation.save()
    audit_record(actor=by, action="evaluation.return", obj=evaluation, summary={"comment": comment.strip()})
    notify(
        recipients=list(evaluation.evaluator_organisation.staff.filter(is_active=True)),
        kind="evaluation.returned",
        message=gettext_noop("The evaluation of %(title)s was returned with comments."),
        params={"title": evaluation.title},
        url=evaluation.get_absolute_url(),
        obj=evaluation,
    )
    return evaluation


def appeal_deadline_from(published_at: dt.datetime) -> tuple[dt.date, list[str]]:
    """The last day for an appeal: N working days after publication (Chinese statutory calendar)."""
    from procurement.calendar import add_working_days

    result = add_working_days(published_at, appeal_working_days())
    assert isinstance(result.value, dt.date)
    return result.value, result.warnings


@transaction.atomic
def evaluation_accept(*, evaluation: Evaluation, by: User) -> Evaluation:
    """The purchaser accepts: score, grade and report are published; the appeal period opens."""
    evaluation = locked(evaluation)
    require(by, "evaluation.review", evaluation)
    now = timezone.now()
    deadline, warnings = appeal_deadline_from(now)
    run_transition(evaluation, "accept", by=by, at=now, appeal_deadline=deadline)
    evaluation.save()
    audit_record(
        actor=by,
        action="evaluation.publish",
        obj=evaluation,
        summary={
            "score": evaluation.score,
            "grade": evaluation.grade,
            "appeal_deadline": deadline,
            "calendar": warnings,
        },
    )
    supplier_staff = User.objects.filter(
        memberships__organisation_id=evaluation.organisation_id,
        memberships__status="approved",
        is_active=True,
    )
    notify(
        recipients=list(supplier_staff),
        kind="evaluation.published",
        message=gettext_noop(
            "The evaluation of %(title)s was published: %(score)s points. You may appeal until %(deadline)s."
        ),
        params={"title": evaluation.title, "score": str(evaluation.score), "deadline": deadline.isoformat()},
        url=evaluation.get_absolute_url(),
        obj=evaluation,
    )
    return evaluation


# --- appeal ----------------------------------------------------------------------------------------------
@transaction.atomic
def appeal_file(*, evaluation: Evaluation, grounds: str, by: User) -> Appeal:
    """The supplier appeals a published result within the appeal period, stating its grounds."""
    if not grounds.strip():
        raise DomainError(_("State the grounds of the appeal."), field="grounds")
    evaluation = locked(evaluation)
    require(by, "evaluation.appeal", evaluation)
    if evaluation.status == EvaluationStatus.PUBLISHED and not evaluation.is_within_appeal_period():
        raise DomainError(_("The appeal period has ended."), code="late")
    run_transition(evaluation, "appeal", by=by)
    evaluation.save()
    appeal = Appeal.objects.create(evaluation=evaluation, grounds=grounds.strip(), filed_by=by)
    audit_record(actor=by, action="evaluation.appeal", obj=evaluation, summary={"appeal": appeal.pk})
    notify(
        recipients=list(evaluation.evaluator_organisation.staff.filter(is_active=True)),
        kind="evaluation.appealed",
        message=gettext_noop("The supplier appealed the evaluation of %(title)s. Answer the appeal."),
        params={"title": evaluation.title},
        url=evaluation.get_absolute_url(),
        obj=evaluation,
    )
    return appeal


@transaction.atomic
def appeal_answer(*, appeal: Appeal, uphold: bool, answer: str, by: User) -> Appeal:
    """The evaluator answers: an upheld appeal reopens scoring; a dismissed one makes the result
    final, and its consequences follow."""
    from evaluation.services.consequences import consequences_apply

    if not answer.strip():
        raise DomainError(_("Give the reasons for your answer."), field="answer")
    evaluation = locked(appeal.evaluation)
    require(by, "evaluation.answer_appeal", evaluation)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise DomainError(_("This appeal has already been answered."), code="duplicate")
    now = timezone.now()
    if uphold:
        run_transition(evaluation, "uphold_appeal", by=by)
    else:
        run_transition(evaluation, "dismiss_appeal", by=by, at=now)
    evaluation.save()
    appeal.outcome = Appeal.Outcome.UPHELD if uphold else Appeal.Outcome.DISMISSED
    appeal.answer, appeal.answered_by, appeal.answered_at = answer.strip(), by, now
    appeal.save()
    audit_record(
        actor=by, action="evaluation.appeal_answer", obj=evaluation, summary={"outcome": appeal.outcome}
    )
    if not uphold:
        consequences_apply(evaluation=evaluation)
    return appeal


# --- finalisation ---------------------------------------------------------------------------------------
@transaction.atomic
def evaluation_finalise(*, evaluation: Evaluation, by: User | None = None) -> Evaluation:
    """The appeal period ended without an appeal: the result is final and its consequences follow.
    Run by the daily task; running it again changes nothing."""
    from evaluation.services.consequences import consequences_apply

    evaluation = locked(evaluation)
    if evaluation.status == EvaluationStatus.FINAL:
        consequences_apply(evaluation=evaluation)  # completes a run that stopped half-way
        return evaluation
    run_transition(evaluation, "finalise", by=by, at=timezone.now())
    evaluation.save()
    audit_record(actor=by, action="evaluation.finalise", obj=evaluation, summary={"grade": evaluation.grade})
    consequences_apply(evaluation=evaluation)
    return evaluation


def finalise_due() -> list[int]:
    """Finalise every published evaluation whose appeal period has ended (idempotent)."""
    due = Evaluation.objects.filter(
        status=EvaluationStatus.PUBLISHED, appeal_deadline__lt=timezone.localdate()
    ).values_list("pk", flat=True)
    done = []
    for pk in list(due):
        try:
            evaluation_finalise(evaluation=Evaluation.objects.get(pk=pk))
        except DomainError:
            # One evaluation that cannot be finalised (e.g. its status changed meanwhile) must not
            # hold back the others; the next run tries it again.
            logger.exception("evaluation %s could not be finalised", pk)
            continue
        done.append(pk)
    return done
