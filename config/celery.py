"""The Celery app. Tasks are thin: they take ids, load, and call a service (STYLE.md)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("govbuy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _warm_pdf_engine(**kwargs: object) -> None:
    """Load WeasyPrint and the CJK font once in the worker's main process (the pool's children
    inherit it): otherwise the first document each child renders costs ~2.4 s of CPU more."""
    import logging

    try:
        from accounts.pdf import warm_up

        warm_up()
    except Exception:  # a warm-up failure must not stop the worker; the real render reports it
        logging.getLogger(__name__).exception("PDF engine warm-up failed")
