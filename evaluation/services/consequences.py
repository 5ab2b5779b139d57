"""What a final result sets off, applied once and exactly once.

Idempotency: the evaluation's row is locked and a ``ConsequenceRecord`` unique per (evaluation,
kind) is written in the same transaction as the other app's change; a retry, a re-run of the
daily task or a second finalisation finds the record and does nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError
from accounts.models import User
from accounts.notifications import notify
from evaluation import integrations
from evaluation.grades import Grade
from evaluation.models import (
    ConsequenceRecord,
    Evaluation,
    EvaluationKind,
    EvaluationStatus,
    PerformanceRecord,
    SuspensionProposal,
)
from evaluation.services.common import locked, release_grades, require, suspension_grades, suspension_months

K = ConsequenceRecord.Kind
Out = ConsequenceRecord.Outcome


@transaction.atomic
def consequences_apply(*, evaluation: Evaluation) -> list[ConsequenceRecord]:
    """Apply the consequences of a final result; returns the records created by this call (none on
    a repeat). Mid-term results are published but set nothing off."""
    evaluation = locked(evaluation)
    if evaluation.status != EvaluationStatus.FINAL:
        raise DomainError(_("Only a final result has consequences."), code="not_final")
    if evaluation.kind != EvaluationKind.FINAL:
        return []
    done = set(ConsequenceRecord.objects.filter(evaluation=evaluation).values_list("kind", flat=True))
    created: list[ConsequenceRecord] = []
    grade = Grade(evaluation.grade)
    if K.FINAL_INSTALMENT not in done:
        release = grade.value in release_grades()
        reason = _("Performance evaluation: %(score)s points, %(grade)s.") % {
            "score": evaluation.score,
            "grade": grade.label,
        }
        # The commissioning purchaser decides through the evaluation (procurement's rule).
        delivered, problem = integrations.release_final_instalment(
            contract=evaluation.contract, release=release, reason=reason, by=evaluation.commissioned_by
        )
        created.append(
            ConsequenceRecord.objects.create(
                evaluation=evaluation,
                kind=K.FINAL_INSTALMENT,
                outcome=Out.RELEASE if release else Out.HOLD,
                delivered=delivered,
                detail=f"{reason} {problem}".strip()[:500],
            )
        )
    if K.PERFORMANCE_RECORD not in done:
        assert evaluation.score is not None  # fixed at submission
        # vendors keeps the record later tenders score on; this app keeps the link to the result.
        integrations.record_performance(evaluation=evaluation)
        PerformanceRecord.objects.create(
            organisation_id=evaluation.organisation_id,
            evaluation=evaluation,
            score=evaluation.score,
            grade=evaluation.grade,
            year=timezone.localtime(evaluation.published_at or timezone.now()).year,
        )
        created.append(
            ConsequenceRecord.objects.create(
                evaluation=evaluation, kind=K.PERFORMANCE_RECORD, outcome=Out.RECORDED, delivered=True
            )
        )
    if K.SUSPENSION_PROPOSAL not in done:
        if grade.value in suspension_grades():
            SuspensionProposal.objects.create(
                organisation_id=evaluation.organisation_id, evaluation=evaluation, months=suspension_months()
            )
            outcome = Out.PROPOSED
            admins = User.objects.filter(role="directory_admin", is_active=True)
            notify(
                recipients=list(admins),
                kind="evaluation.suspension_proposed",
                message=gettext_noop(
                    "A poor performance grade proposes suspending %(organisation)s from the directory. Decide the proposal."
                ),
                params={"organisation": str(evaluation.organisation)},
                obj=evaluation,
            )
        else:
            outcome = Out.NOT_APPLICABLE
        created.append(
            ConsequenceRecord.objects.create(
                evaluation=evaluation, kind=K.SUSPENSION_PROPOSAL, outcome=outcome, delivered=True
            )
        )
    if created:
        audit_record(
            actor=None,
            action="evaluation.consequences",
            obj=evaluation,
            summary={r.kind: r.outcome for r in created},
        )
    return created


@transaction.atomic
def suspension_confirm(*, proposal: SuspensionProposal, reason: str, by: User) -> SuspensionProposal:
    """A directory administrator confirms: the entry is suspended in the next directory version for
    the proposal's months (one year by default) with that end date; the eligibility check counts it
    in force again from the day after (vendors ``DirectoryEntry.suspended_until``)."""
    require(by, "evaluation.decide_suspension", proposal)
    proposal = (
        SuspensionProposal.objects.select_for_update()
        .select_related("organisation", "evaluation")
        .get(pk=proposal.pk)
    )
    if proposal.status != SuspensionProposal.Status.PROPOSED:
        raise DomainError(_("This proposal has already been decided."), code="duplicate")
    text = reason.strip() or _("Poor performance evaluation (%(title)s): %(score)s points.") % {
        "title": proposal.evaluation.title,
        "score": proposal.evaluation.score,
    }
    proposal.confirm(by=by, at=timezone.now(), reason=text)
    proposal.suspended_until = integrations.suspend_directory_entry(
        organisation=proposal.organisation, reason=text, months=proposal.months, by=by
    )
    proposal.delivered = True
    proposal.save()
    audit_record(
        actor=by,
        action="evaluation.suspension_confirm",
        obj=proposal,
        summary={"reason": text, "until": proposal.suspended_until},
    )
    return proposal


@transaction.atomic
def suspension_reject(*, proposal: SuspensionProposal, reason: str, by: User) -> SuspensionProposal:
    """A directory administrator rejects the proposal with a reason."""
    require(by, "evaluation.decide_suspension", proposal)
    if not reason.strip():
        raise DomainError(_("State why the proposal is rejected."), field="reason")
    proposal = SuspensionProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != SuspensionProposal.Status.PROPOSED:
        raise DomainError(_("This proposal has already been decided."), code="duplicate")
    proposal.reject(by=by, at=timezone.now(), reason=reason.strip())
    proposal.save()
    audit_record(
        actor=by, action="evaluation.suspension_reject", obj=proposal, summary={"reason": reason.strip()}
    )
    return proposal
