"""Evaluation REST API: published performance evaluations; evaluators' own evaluations and scores."""
