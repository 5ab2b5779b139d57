"""The public portal: search, statistics, exports and open data (OCDS).

A cross-cutting reader (docs/architecture.md, STYLE.md): it reads from every app and no app imports
it. Apps tell it about changes only through signals (search indexing), never the other way round.
"""
