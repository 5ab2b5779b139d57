from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vendors.models import DirectoryEntry, DirectoryVersion, Organisation, OrganisationKind


class OrganisationSerializer(serializers.ModelSerializer):
    """What the public profile page shows (no contact details of staff)."""

    kind = serializers.ChoiceField(choices=OrganisationKind.choices, read_only=True)
    website = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "credit_code",
            "name",
            "kind",
            "legal_representative",
            "registering_authority",
            "address",
            "website",
            "description",
        ]
        read_only_fields = fields


class DirectoryVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DirectoryVersion
        fields = ["id", "number", "note", "published_at"]
        read_only_fields = fields


class EntryCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class DirectoryEntrySerializer(serializers.ModelSerializer):
    organisation = serializers.IntegerField(source="organisation_id", read_only=True)
    credit_code = serializers.CharField(source="organisation.credit_code", read_only=True)
    categories = serializers.SerializerMethodField()

    class Meta:
        model = DirectoryEntry
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "credit_code",
            "registering_authority",
            "categories",
            "rating",
            "valid_from",
            "valid_to",
            "status",
        ]
        read_only_fields = fields

    @extend_schema_field(EntryCategorySerializer(many=True))
    def get_categories(self, obj: DirectoryEntry) -> list[dict[str, Any]]:
        return [{"id": c.pk, "code": c.code, "name": c.name} for c in obj.categories.all()]
