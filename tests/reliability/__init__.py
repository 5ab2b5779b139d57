"""Reliability (issue 9): a worker killed mid-task, the closing task run twice at once, a database error
in the middle of a service, backup and restore."""
