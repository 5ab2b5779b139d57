"""Procurement's official documents (PDF): builders registered with ``accounts.documents``.

``tendering.py``: tender announcement and tender document, bid receipt, opening record, qualification
results, evaluation report. ``award.py``: award announcement and notice, challenge reply, contract,
payment record. Each module has a ``register()`` called from ``ProcurementConfig.ready``.
"""
