"""REST API plumbing shared by every app: token authentication, the error format, pagination,
rate limits and base permissions. Each app's ``<app>/api/`` holds its serializers and views;
``config/api_urls.py`` assembles them under ``/api/v1/``."""
