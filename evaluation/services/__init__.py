"""Writes for performance evaluation, split by concern; everything is re-exported here."""

from evaluation.services.consequences import consequences_apply, suspension_confirm, suspension_reject
from evaluation.services.evaluations import (
    appeal_answer,
    appeal_file,
    declaration_make,
    evaluation_accept,
    evaluation_commission,
    evaluation_decline,
    evaluation_finalise,
    evaluation_return,
    evaluation_submit,
    evaluator_relation,
    evidence_upload,
    finalise_due,
    score_record,
)
from evaluation.services.surveys import survey_answer, survey_tokens_generate
from evaluation.services.templates import (
    IndicatorSpec,
    template_activate,
    template_create,
    template_draft,
    template_retire,
    template_tree_save,
    tree_specs,
)

__all__ = [
    "IndicatorSpec",
    "appeal_answer",
    "appeal_file",
    "consequences_apply",
    "declaration_make",
    "evaluation_accept",
    "evaluation_commission",
    "evaluation_decline",
    "evaluation_finalise",
    "evaluation_return",
    "evaluation_submit",
    "evaluator_relation",
    "evidence_upload",
    "finalise_due",
    "score_record",
    "survey_answer",
    "survey_tokens_generate",
    "suspension_confirm",
    "suspension_reject",
    "template_activate",
    "template_create",
    "template_draft",
    "template_retire",
    "template_tree_save",
    "tree_specs",
]
