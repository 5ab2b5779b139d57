"""Search indexing after commit (thin and idempotent: the index is made to match the row as it is
now, so running a task twice, late, or out of order leaves the same index). The index is
Elasticsearch or, with the database backend, the ``portal_searchentry`` table."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout


@shared_task(
    autoretry_for=(TransportConnectionError, ConnectionTimeout, OSError),
    retry_backoff=True,
    max_retries=8,
)
def index_task(model: str, pk: int) -> int:
    """Bring the search index in line with one row (``model`` = ``app_label.modelname``): a public
    object is (re)indexed, anything else (unpublished, rescinded, deleted) is removed. A directory
    version re-indexes the directory. Returns the number of bulk actions sent (rows written or
    removed with the database backend)."""
    if settings.SEARCH_BACKEND != "elasticsearch":
        from portal.search import table

        return table.sync(model, pk)
    from portal.search import es

    actions = es.object_actions(model, pk)
    sent = es.apply_actions(actions)
    if model.lower() in ("vendors.directoryversion", "vendors.directoryentry"):
        es.prune_directory()
    return sent


# The facet path (``portal.search.sources.Source``) by which a public object names each of these.
NAMED_BY = {"accounts.department": "department_path", "vendors.servicecategory": "category_path"}


@shared_task(
    autoretry_for=(TransportConnectionError, ConnectionTimeout, OSError),
    retry_backoff=True,
    max_retries=8,
)
def reindex_named_task(model: str, pk: int) -> int:
    """A department or service category was renamed: every public object whose search entry shows
    its name (the result lines keep names, not ids) is indexed again, one by one as ``index_task``
    does, the directory once. Returns the rows written or actions sent."""
    from portal.search.sources import SOURCES
    from vendors.models import DirectoryEntry

    path_of = NAMED_BY[model.lower()]
    done = 0
    for source in SOURCES.values():
        path = getattr(source, path_of)
        if not path:
            continue
        named = source.public_queryset().filter(**{path: pk}).order_by()
        label = source.model._meta.label_lower
        if source.model is DirectoryEntry:
            done += index_task(label, 0) if named.exists() else 0  # the directory is indexed as a whole
            continue
        for object_id in named.values_list("pk", flat=True).iterator(chunk_size=2000):
            done += index_task(label, object_id)
    return done
