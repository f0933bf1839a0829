"""Untrusted work confined: the child-process sandbox and the analysts' read-only SQL console."""
