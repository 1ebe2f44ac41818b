"""Enumerations whose members carry their Chinese label beside the stored value."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members are written `approve = "approve", "同意准予"`.

    The first string is the value (what the database and the API store); the second is the label
    people read, as `.label`. Lookup by value, comparison with strings and `str()` are a StrEnum's.
    """

    _label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return self._label
