from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evaluation.models import Evaluation, EvaluationIndicator, Score


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, "name", str(obj))}


class PublicEvaluationSerializer(serializers.ModelSerializer):
    """A published performance evaluation: the grade and the score, who was evaluated, by whom."""

    organisation = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    evaluator_organisation = serializers.SerializerMethodField()
    contract = serializers.IntegerField(source="contract_id", read_only=True, allow_null=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "contract",
            "organisation",
            "department",
            "evaluator_organisation",
            "status",
            "score",
            "grade",
            "published_at",
            "appeal_deadline",
            "finalised_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_organisation(self, obj: Evaluation) -> Any:
        return _ref(obj.organisation)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_department(self, obj: Evaluation) -> Any:
        return _ref(obj.department)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_evaluator_organisation(self, obj: Evaluation) -> Any:
        return _ref(obj.evaluator_organisation)


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    my_score = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationIndicator
        fields = ["id", "parent", "code", "name", "weight", "kind", "is_leaf", "guidance", "my_score"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_my_score(self, obj: EvaluationIndicator) -> Any:
        score = self.context.get("my_scores", {}).get(obj.pk)
        return None if score is None else str(score.value)


class MyEvaluationSerializer(PublicEvaluationSerializer):
    class Meta(PublicEvaluationSerializer.Meta):
        fields = [*PublicEvaluationSerializer.Meta.fields, "due_date", "submitted_at"]
        read_only_fields = fields


class MyEvaluationDetailSerializer(MyEvaluationSerializer):
    indicators = serializers.SerializerMethodField()

    class Meta(MyEvaluationSerializer.Meta):
        fields = [*MyEvaluationSerializer.Meta.fields, "indicators"]
        read_only_fields = fields

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_indicators(self, obj: Evaluation) -> Any:
        from evaluation.selectors import indicator_tree

        return IndicatorSerializer(indicator_tree(obj), many=True, context=self.context).data


class ScoreInputSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = ["id", "indicator", "value", "comment", "updated_at"]
        read_only_fields = fields
