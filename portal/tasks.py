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
