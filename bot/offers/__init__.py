"""Offers of the quarter: opening hours, search index, loading for display."""
