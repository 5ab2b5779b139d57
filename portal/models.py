"""The database search backend's table (docs/portal.md, Search).

One row per public searchable object, written only by ``portal.search.table`` (after commit, and by
``manage.py search_index --rebuild``): what a result line shows, the facet values, and the text
that is searched. It is a derived copy, like an Elasticsearch index: it can always be rebuilt from
the tables it reads.
"""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    """A public tender, award, contract, directory organisation or evaluation result, as search
    sees it. Built from ``portal.search.sources`` records only, so sealed bid content never gets in.

    On PostgreSQL the table also has ``grams``, a generated ``tsvector`` column (unknown to the
    ORM) of the text's characters and character bigrams plus the facet ``terms``, with a GIN index
    (migration 0002)."""

    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    published_at = models.DateTimeField()
    reference = models.CharField(max_length=100, blank=True)
    # Facet values as space-separated terms (``k=tender c=3 d=12 m=… s=tender:published b=… y=2026``):
    # counted for the facets and, on PostgreSQL, part of ``grams`` so filters use the same index.
    terms = models.TextField()
    # Title, body and organisation, ASCII-lower-cased: what a query word must occur in.
    text = models.TextField()
    # What the result line shows (``portal.search.sources.hit_from_record``).
    title = models.TextField()
    body = models.TextField(blank=True)
    organisation = models.TextField(blank=True)
    department_name = models.TextField(blank=True)
    category_name = models.TextField(blank=True)
    status = models.CharField(max_length=80)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    url = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="portal_search_object_uniq")
        ]
        indexes = [
            models.Index(fields=["published_at", "id"], name="portal_search_pub_idx"),
            models.Index(fields=["reference"], name="portal_search_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}-{self.object_id}"
