"""Residents' questions to the team ("Ask the team"): a conversation per question, answered by staff."""
