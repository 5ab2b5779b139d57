"""Celery tasks of procurement: thin, idempotent, take ids, call a service.

The bid side adds the periodic closing task here.
"""

from __future__ import annotations
