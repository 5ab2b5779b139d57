"""The bare insert view's table: a bid's sealed columns, no constraint beyond the primary key.

No migration: ``migrate --run-syncdb`` under ``tests.bench.settings`` creates it.
"""

from django.db import models


class BareRow(models.Model):
    organisation_id = models.IntegerField()
    price_ciphertext = models.BinaryField()
    bid_hash = models.CharField(max_length=64)
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"bare row {self.pk}"
