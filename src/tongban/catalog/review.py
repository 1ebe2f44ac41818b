"""The review states that item versions and directory revisions share (draft → submitted → approved or returned →
published → superseded; 003 事项管理动态化): one conditional UPDATE, so of two concurrent moves exactly one wins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from tongban.core.enums import LabelledEnum
from tongban.core.errors import Conflict

Row = TypeVar("Row")


@dataclass(frozen=True)
class Reviewed:
    """What is moved, as people call it (第 N 版 / 第 N 次修订), and the error codes its callers answer."""

    noun: str  # "版" or "次修订"
    bad_state: str
    changed: str
    changed_message: str


def transition(db_session: Session, row: Row, kind: Reviewed, allowed: tuple[LabelledEnum, ...], target: LabelledEnum,
               **values) -> Row:
    """Move `row` (a table with `id`, `number` and `state`) from one of `allowed` to `target`, writing `values` too.

    The states are `target`'s enumeration: VersionState for the catalog, the knowledge base's FaqState for FAQ versions.
    """
    states = type(target)
    if states(row.state) not in allowed:
        raise Conflict(kind.bad_state,
                       f"第 {row.number} {kind.noun}当前为“{states(row.state).label}”，不能变为“{target.label}”")
    model = type(row)
    result = db_session.execute(
        update(model)
        .where(model.id == row.id, model.state == row.state)
        .values(state=target.value, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(kind.changed, kind.changed_message)
    db_session.refresh(row)
    return row
