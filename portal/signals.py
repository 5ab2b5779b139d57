"""Search index upkeep: a cross-cutting side effect, so a signal (STYLE.md) — the apps do not know
the portal exists. Each receiver only schedules ``index_task`` after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import Department
from evaluation.models import Evaluation
from procurement.models import Award, Contract, Tender, TenderStatus
from vendors.models import DirectoryVersion, ServiceCategory


def _schedule(instance: Any) -> None:
    # Both backends: Elasticsearch, or the database backend's table (portal/search/table.py).
    from portal.tasks import index_task

    index_task.delay_on_commit(instance._meta.label_lower, instance.pk)


def tender_saved(sender: Any, instance: Tender, **kwargs: Any) -> None:
    # A draft never was public and never will be again once published: nothing to add or remove.
    if instance.status != TenderStatus.DRAFT:
        _schedule(instance)


def object_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    _schedule(instance)


def version_saved(sender: Any, instance: DirectoryVersion, **kwargs: Any) -> None:
    if instance.is_published:
        _schedule(instance)


def name_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Remember a department's or category's stored name, to tell a rename from another change."""
    instance._search_name_before = (
        sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first() if instance.pk else None
    )


def name_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A renamed department or category: the search entries showing the old name are renewed."""
    before = getattr(instance, "_search_name_before", None)
    if not created and before is not None and before != instance.name:
        from portal.tasks import reindex_named_task

        reindex_named_task.delay_on_commit(sender._meta.label_lower, instance.pk)


def connect() -> None:
    post_save.connect(tender_saved, sender=Tender, dispatch_uid="portal.search.tender")
    searchable: list[type[Any]] = [Award, Contract, Evaluation]
    for model in searchable:
        post_save.connect(object_saved, sender=model, dispatch_uid=f"portal.search.{model._meta.label_lower}")
    deletable: list[type[Any]] = [Tender, *searchable]
    for model in deletable:
        post_delete.connect(
            object_saved, sender=model, dispatch_uid=f"portal.search.delete.{model._meta.label_lower}"
        )
    post_save.connect(version_saved, sender=DirectoryVersion, dispatch_uid="portal.search.directory")
    for named in (Department, ServiceCategory):
        uid = f"portal.search.name.{named._meta.label_lower}"
        pre_save.connect(name_before, sender=named, dispatch_uid=uid)
        post_save.connect(name_saved, sender=named, dispatch_uid=uid)
