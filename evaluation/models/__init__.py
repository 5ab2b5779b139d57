"""Third-party performance evaluation (第三方绩效评价), split by concern."""

from evaluation.models.consequences import ConsequenceRecord, PerformanceRecord, SuspensionProposal
from evaluation.models.evaluations import (
    PUBLIC_STATUSES,
    SCORING_STATUSES,
    Aggregation,
    Appeal,
    ConflictDeclaration,
    Evaluation,
    EvaluationIndicator,
    EvaluationKind,
    EvaluationStatus,
    Evidence,
    Score,
)
from evaluation.models.indicators import Indicator, IndicatorKind, IndicatorTemplate
from evaluation.models.surveys import SurveyResponse, SurveyToken

__all__ = [
    "PUBLIC_STATUSES",
    "SCORING_STATUSES",
    "Aggregation",
    "Appeal",
    "ConflictDeclaration",
    "ConsequenceRecord",
    "Evaluation",
    "EvaluationIndicator",
    "EvaluationKind",
    "EvaluationStatus",
    "Evidence",
    "Indicator",
    "IndicatorKind",
    "IndicatorTemplate",
    "PerformanceRecord",
    "Score",
    "SurveyResponse",
    "SurveyToken",
    "SuspensionProposal",
]
