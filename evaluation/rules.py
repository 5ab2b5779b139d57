"""Who may do what with a performance evaluation.

Evaluators: staff of the commissioned evaluator organisation. Purchasers: staff of the department
that commissioned it. Suppliers: approved staff of the evaluated organisation.
"""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import (
    is_directory_admin,
    is_evaluator,
    is_in_owner_department,
    is_in_owner_evaluator_organisation,
    is_purchaser,
    is_site_admin,
    is_supervisor,
    is_supplier,
)
from vendors.rules import is_member_of_owner_organisation


def _evaluation(obj: Any) -> Any:
    """Objects hanging off an evaluation (an indicator, a piece of evidence) are judged by it."""
    from evaluation.models import Evaluation, EvaluationIndicator, Evidence

    if isinstance(obj, Evidence):
        return obj.indicator.evaluation
    if isinstance(obj, EvaluationIndicator):
        return obj.evaluation
    if isinstance(obj, Evaluation):
        return obj
    return None


@rules.predicate
def is_evaluator_of(user: Any, obj: Any) -> bool:
    evaluation = _evaluation(obj)
    return (
        evaluation is not None
        and bool(is_evaluator(user))
        and is_in_owner_evaluator_organisation(user, evaluation)
    )


@rules.predicate
def is_purchaser_of(user: Any, obj: Any) -> bool:
    evaluation = _evaluation(obj)
    return evaluation is not None and bool(is_purchaser(user)) and is_in_owner_department(user, evaluation)


@rules.predicate
def is_supplier_of(user: Any, obj: Any) -> bool:
    evaluation = _evaluation(obj)
    return (
        evaluation is not None
        and bool(is_supplier(user))
        and is_member_of_owner_organisation(user, evaluation)
    )


@rules.predicate
def has_declared_no_conflict(user: Any, obj: Any) -> bool:
    evaluation = _evaluation(obj)
    return (
        evaluation is not None and evaluation.declarations.filter(evaluator=user, has_conflict=False).exists()
    )


@rules.predicate
def is_lead_or_no_lead(user: Any, obj: Any) -> bool:
    """With a lead evaluator named, only the lead submits and answers for the organisation."""
    evaluation = _evaluation(obj)
    return evaluation is not None and (
        evaluation.lead_evaluator_id is None or evaluation.lead_evaluator_id == user.pk
    )


@rules.predicate
def is_published(user: Any, obj: Any) -> bool:
    evaluation = _evaluation(obj)
    return evaluation is not None and evaluation.is_public


# Commissioning: a purchaser, for a contract (or department) of their own department.
rules.add_perm("evaluation.commission", is_purchaser & is_in_owner_department)
rules.add_perm(
    "evaluation.view_evaluation",
    is_evaluator_of | is_purchaser_of | is_supplier_of | is_supervisor | is_site_admin,
)
rules.add_perm("evaluation.view_evidence", is_evaluator_of | is_purchaser_of | is_supervisor)
rules.add_perm("evaluation.declare_conflict", is_evaluator_of)
rules.add_perm("evaluation.score", is_evaluator_of & has_declared_no_conflict)
rules.add_perm("evaluation.manage_survey", is_evaluator_of & has_declared_no_conflict)
rules.add_perm("evaluation.submit", is_evaluator_of & has_declared_no_conflict & is_lead_or_no_lead)
rules.add_perm("evaluation.review", is_purchaser_of)
rules.add_perm("evaluation.appeal", is_supplier_of)
rules.add_perm("evaluation.answer_appeal", is_evaluator_of & has_declared_no_conflict & is_lead_or_no_lead)
rules.add_perm("evaluation.decide_suspension", is_directory_admin)
# Indicator systems are set by the finance side (财政部门 sets budget-performance indicator frameworks,
# 财预〔2020〕10号): supervisors, and the site administrator.
rules.add_perm("evaluation.manage_templates", is_supervisor | is_site_admin)
