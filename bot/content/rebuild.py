"""Stored rows back into the file models the import validates, for `quartiersbot export`.

Every exported entry goes through the same pydantic schema as an imported one, so an export can
never write a file that the import would refuse; what does not fit (a title made too long in the
database, say) is reported with kind, key and field instead of being written.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class ExportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def rebuild(schema: type[Model], data: dict[str, Any], where: str, problems: list[str]) -> Model | None:
    """`schema` validated from `data`, or None with each problem appended as "where: field: message"."""
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "(whole entry)"
            problems.append(f"{where}: {field}: {item['msg'].removeprefix('Value error, ')}")
        return None


def example_flag(flags: list[bool]) -> bool:
    """A file is example data if any of its entries is: invented data must never pass for real.

    A file has one flag, while rows have their own (an event added in the CLI beside imported
    example events is real). Marking a real entry as example data is the harmless mistake of the two.
    """
    return any(flags)
