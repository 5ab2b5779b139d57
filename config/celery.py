"""The Celery app. Tasks are thin: they take ids, load, and call a service (STYLE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("govbuy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
