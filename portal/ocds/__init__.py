"""Open Contracting Data Standard 1.1 (OCDS) releases and records of every public project.

``events``   — the list of public events (one OCDS release each) as one keyset-paginated query;
``builder``  — the releases of a batch of tenders, built from a bounded number of queries;
``merge``    — the compiled release (OCDS merge routine) of a record;
``packages`` — release and record packages; ``views`` — the read-only endpoints under /api/v1/ocds/.

Nothing sealed is ever read: the builder reads bidders only once the tender's bids were opened, and
never a bid's price, documents or count before that (docs/sealed-bids.md, docs/portal.md).
"""
