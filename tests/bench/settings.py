"""Bench-only settings: the production settings plus the baseline views of ``tests.bench.bare``.

``tests.bench.wsgi`` serves the site and the bare views from one gunicorn, so a page and its
baseline are measured under the same server, database and load generator. Production code
(``config``) carries no bench view.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench.bare"]
ROOT_URLCONF = "tests.bench.urls"
