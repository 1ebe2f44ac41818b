"""How ratings and rectification tasks become what the pages and the API show; raters hidden from most staff."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.core.clock import Clock
from tongban.ratings import rectification, service
from tongban.ratings.enums import Dimension, SubjectKind, TaskState, level_of
from tongban.ratings.models import Rating, RectificationTask
from tongban.ratings.schemas import RatingOut, StaffRatingOut, TaskOut

HIDDEN = "（已隐藏）"


def task_view(db_session: Session, clock: Clock, task: RectificationTask, *, staff: bool) -> TaskOut:
    level = rectification.warning(db_session=db_session, clock=clock, task=task) if staff else None
    return TaskOut(id=task.id, state=task.state, state_label=TaskState(task.state).label, due=task.due,
                   warning=level.value if level else None, warning_label=level.label if level else "",
                   late_days=rectification.late_days(db_session=db_session, clock=clock, task=task) if staff else 0,
                   verification=task.verification if staff else "", rectification=task.rectification,
                   feedback=task.feedback, person_satisfied=task.person_satisfied)


def _base(row: Rating) -> dict:
    return dict(id=row.id, subject_kind=row.subject_kind, subject_label=SubjectKind(row.subject_kind).label,
                subject_ref=row.subject_ref, level=row.level, level_label=level_of(row.level).label,
                dimensions=list(row.dimensions or []), dimension_labels=[Dimension(d).label for d in row.dimensions or []],
                comment=row.comment, addendum=row.addendum, channel=row.channel, item_name=row.item_name,
                created_at=row.created_at, valid=row.valid)


def person_view(db_session: Session, clock: Clock, row: Rating) -> RatingOut:
    task = rectification.task_of(db_session=db_session, rating_id=row.id)
    return RatingOut(**_base(row), task=task_view(db_session, clock, task, staff=False) if task else None)


def rater_label(actor: StaffActor, row: Rating) -> str:
    """Who rated, for rectification and supervision staff only: the account number (contact is through the task)."""
    if not service.sees_raters(actor):
        return HIDDEN
    if row.person_id is None:
        return "窗口评价器" if row.channel == "window" else "未登录用户（短信链接）"
    return f"个人用户 #{row.person_id}"


def staff_view(db_session: Session, clock: Clock, actor: StaffActor, row: Rating,
               task: RectificationTask | None = None) -> StaffRatingOut:
    task = task or rectification.task_of(db_session=db_session, rating_id=row.id)
    return StaffRatingOut(**_base(row), task=task_view(db_session, clock, task, staff=True) if task else None,
                          agency_id=row.agency_id, hall_id=row.hall_id, window_number=row.window_number,
                          staff_name=row.staff_name, rater=rater_label(actor, row), invalid_kind=row.invalid_kind,
                          invalid_reason=row.invalid_reason)
