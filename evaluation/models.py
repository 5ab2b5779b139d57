"""Third-party performance evaluation (issue to come)."""
