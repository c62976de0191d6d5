"""What a hand edit of content can run into, shared by the content's editing modules.

Problems are codes with the form field they belong to, not sentences: the back office words them
in the staff member's language. A save built on an older version of what it changes raises
`Conflict` instead of overwriting someone else's work. A module of its own, so that modules the
content export imports (`bot/offers/needs.py`) can use them without importing the offers' editing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """What is wrong with one form field: `code` is one of the keys the back office words."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class Invalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{problem.field}: {problem.code}" for problem in problems))
        self.problems = problems

    def by_field(self) -> dict[str, Problem]:
        found: dict[str, Problem] = {}
        for problem in self.problems:
            found.setdefault(problem.field, problem)  # the first problem of a field is the one shown
        return found


class Conflict(Exception):
    """The part of the content being saved was changed by someone else since the form was filled."""
