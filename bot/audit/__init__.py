"""The audit log: who changed what, and when, for every change staff make."""
