"""Flows, one module per capability; they never know which channel a resident uses."""
