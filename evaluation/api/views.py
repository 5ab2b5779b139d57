"""Published evaluations for everyone; an evaluator's own evaluations and scoring."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import IsAuthenticated, require_perm
from evaluation import selectors
from evaluation.api import serializers as s
from evaluation.models import Evaluation, EvaluationIndicator

TAGS = ["performance evaluations"]


class PublicEvaluationListView(generics.ListAPIView):
    """Published performance evaluations (score and grade)."""

    serializer_class = s.PublicEvaluationSerializer
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[Evaluation]:
        return selectors.public_evaluations()

    @extend_schema(tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PublicEvaluationDetailView(generics.RetrieveAPIView):
    serializer_class = s.PublicEvaluationSerializer
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[Evaluation]:
        return selectors.public_evaluations()

    @extend_schema(tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyEvaluationListView(generics.ListAPIView):
    """The evaluations the signed-in person works on (evaluator organisation, department, organisation)."""

    serializer_class = s.MyEvaluationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Evaluation]:
        return selectors.evaluations_for_user(self.request.user)

    @extend_schema(tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _evaluation(request: Request, pk: int) -> Evaluation:
    evaluation = selectors.evaluations_base().filter(pk=pk).first()
    if evaluation is None:
        raise exceptions.NotFound()
    require_perm(request, "evaluation.view_evaluation", evaluation, hide=True)
    return evaluation


class MyEvaluationDetailView(APIView):
    """One evaluation with its indicator tree and the caller's own scores."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses=s.MyEvaluationDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        evaluation = _evaluation(request, pk)
        context = {"request": request, "my_scores": selectors.my_scores(evaluation, request.user)}
        return Response(s.MyEvaluationDetailSerializer(evaluation, context=context).data)


class ScoreView(APIView):
    """An evaluator scores an evidence-scored leaf indicator (after declaring no conflict)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(tags=TAGS, request=s.ScoreInputSerializer, responses=s.ScoreSerializer)
    def post(self, request: Request, pk: int) -> Response:
        from evaluation.services.evaluations import score_record

        evaluation = _evaluation(request, pk)
        serializer = s.ScoreInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        indicator = get_object_or_404(EvaluationIndicator, pk=data["indicator"], evaluation=evaluation)
        score = score_record(
            indicator=indicator,
            value=data["value"],
            comment=data["comment"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(s.ScoreSerializer(score).data)
