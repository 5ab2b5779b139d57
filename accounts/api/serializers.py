from __future__ import annotations

from rest_framework import serializers

from accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    organisations = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "department",
            "evaluator_organisation",
            "language",
            "organisations",
        ]
        read_only_fields = fields

    def get_organisations(self, obj: User) -> list[int]:
        return list(obj.memberships.filter(status="approved").values_list("organisation_id", flat=True))
