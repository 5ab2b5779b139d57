from django.apps import AppConfig


class BareConfig(AppConfig):
    """Baseline views for the benchmarks (installed by ``tests.bench.settings`` only)."""

    name = "tests.bench.bare"
    label = "bench_bare"
    default_auto_field = "django.db.models.BigAutoField"
