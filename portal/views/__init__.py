"""Public portal pages."""
