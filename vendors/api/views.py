"""Public reads of organisations and the published directory, through the vendors selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from vendors import selectors
from vendors.api import serializers as s
from vendors.models import DirectoryEntry, DirectoryVersion, Organisation

TAGS = ["organisations and directory"]


class OrganisationListView(generics.ListAPIView):
    serializer_class = s.OrganisationSerializer
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[Organisation]:
        qs = Organisation.objects.all()
        q = self.request.query_params.get("q", "").strip()[:200]
        if q:
            qs = qs.filter(name__icontains=q) | qs.filter(credit_code=q.upper())
        return qs

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("q", str, description="Name contains, or the exact credit code.")],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrganisationDetailView(generics.RetrieveAPIView):
    serializer_class = s.OrganisationSerializer
    permission_classes: list[Any] = []
    queryset = Organisation.objects.all()

    @extend_schema(tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DirectoryVersionListView(generics.ListAPIView):
    """Published versions of the qualification directory (第 N 批), newest first."""

    serializer_class = s.DirectoryVersionSerializer
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[DirectoryVersion]:
        return selectors.published_versions()

    @extend_schema(tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DirectoryVersionDetailView(generics.RetrieveAPIView):
    serializer_class = s.DirectoryVersionSerializer
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[DirectoryVersion]:
        return selectors.published_versions()

    @extend_schema(tags=TAGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DirectoryEntryListView(generics.ListAPIView):
    """The entries of one published version; ``q`` searches name or credit code."""

    serializer_class = s.DirectoryEntrySerializer
    permission_classes: list[Any] = []

    def get_queryset(self) -> QuerySet[DirectoryEntry]:
        version = get_object_or_404(selectors.published_versions(), pk=self.kwargs["pk"])
        params = self.request.query_params
        return selectors.version_entries(
            version, search=params.get("q", "")[:200], rating=params.get("rating", "")[:4]
        )

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("q", str), OpenApiParameter("rating", str)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
