"""Rectification of bad ratings (整改; 002 8.8.3, 8.8.7; RATE-03, RATE-07): a task for the responsible agency, due
in a set number of working days; verify (true, or invalid: malicious or a platform fault, then excluded from
performance), rectify, feed back to the person, who says whether the fix satisfies them; the ledger (整改台账)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.text import clean_text
from tongban.notify import service as notify
from tongban.ratings import settings
from tongban.ratings.enums import OPEN_TASK_STATES, InvalidKind, TaskState
from tongban.ratings.models import Rating, RectificationTask
from tongban.workdays.service import add_days, working_days_between

TEXT_MAX = 2000


def open_task(*, db_session: Session, clock: Clock, rating: Rating) -> RectificationTask:
    now = clock.now()
    due = add_days(db_session=db_session, start=clock.today(), days=settings.rectify_days()).due
    task = RectificationTask(rating_id=rating.id, agency_id=rating.agency_id, region_code=rating.region_code,
                             state=TaskState.open.value, due=due, created_at=now, updated_at=now)
    db_session.add(task)
    db_session.flush()
    return task


def _may_act(actor: StaffActor, task: RectificationTask) -> bool:
    if not (actor.has(Permission.rectify) or actor.has(Permission.supervise)):
        return False
    if task.region_code and not task.region_code.startswith(region_prefix(actor.region_code)):
        return False
    return actor.agency_id is None or task.agency_id == actor.agency_id


def require_rectifier(actor: StaffActor) -> None:
    if not (actor.has(Permission.rectify) or actor.has(Permission.supervise)):
        raise Forbidden("NOT_PERMITTED", "只有整改负责人和管理专员可以处理差评整改")


def get_task(*, db_session: Session, actor: StaffActor, task_id: int) -> RectificationTask:
    require_rectifier(actor)
    task = db_session.get(RectificationTask, task_id)
    if task is None or not _may_act(actor, task):
        raise NotFound("TASK_NOT_FOUND", "没有找到这个整改任务")
    return task


def task_of(*, db_session: Session, rating_id: int) -> RectificationTask | None:
    return db_session.scalar(select(RectificationTask).where(RectificationTask.rating_id == rating_id))


def _step(task: RectificationTask, *expected: TaskState) -> None:
    if TaskState(task.state) not in expected:
        raise Conflict("TASK_STEP", f"整改任务当前为“{TaskState(task.state).label}”，不能进行这一步")


def verify(*, db_session: Session, clock: Clock, actor: StaffActor, task_id: int, true: bool, invalid_kind: str = "",
           note: str = "") -> RectificationTask:
    """核实: a true complaint goes on to rectification; an invalid one (malicious, or a platform fault) needs a reason,
    closes the task and takes the rating out of performance (RATE-07)."""
    task = get_task(db_session=db_session, actor=actor, task_id=task_id)
    _step(task, TaskState.open)
    text = clean_text(note, what="核实情况", limit=TEXT_MAX, required=not true, code="VERIFICATION")
    rating = db_session.get(Rating, task.rating_id)
    now = clock.now()
    if true:
        task.state = TaskState.verified.value
    else:
        try:
            kind = InvalidKind(invalid_kind)
        except ValueError:
            raise InvalidInput("INVALID_KIND", "无效差评的原因只能是：" + "、".join(k.label for k in InvalidKind)) from None
        task.state, task.closed_at = TaskState.invalid.value, now
        rating.valid, rating.invalid_kind, rating.invalid_reason = False, kind.value, text
    task.verification, task.verified_by, task.verified_at, task.updated_at = text, actor.name, now, now
    db_session.flush()
    return task


def rectify(*, db_session: Session, clock: Clock, actor: StaffActor, task_id: int, text: str) -> RectificationTask:
    """整改: what was done about it."""
    task = get_task(db_session=db_session, actor=actor, task_id=task_id)
    _step(task, TaskState.verified)
    task.rectification = clean_text(text, what="整改措施", limit=TEXT_MAX, code="RECTIFICATION")
    task.rectified_by, task.rectified_at, task.updated_at = actor.name, clock.now(), clock.now()
    task.state = TaskState.rectified.value
    db_session.flush()
    return task


def feed_back(*, db_session: Session, clock: Clock, actor: StaffActor, task_id: int, text: str) -> RectificationTask:
    """反馈: tell the person what was done (SMS and their space, through the outbox)."""
    task = get_task(db_session=db_session, actor=actor, task_id=task_id)
    _step(task, TaskState.rectified)
    task.feedback = clean_text(text, what="反馈内容", limit=TEXT_MAX, code="FEEDBACK")
    task.fed_back_at, task.updated_at, task.state = clock.now(), clock.now(), TaskState.fed_back.value
    rating = db_session.get(Rating, task.rating_id)
    if rating.person_id is not None:
        notify.notify(db_session=db_session, clock=clock, kind="notice", person_id=rating.person_id,
                      channels=("inbox", "sms"), link="/ratings/mine",
                      fields={"title": f"差评整改反馈：{rating.subject_ref or rating.item_name}",
                              "body": f"您对“{rating.item_name or rating.subject_ref}”的评价已整改：{task.feedback[:200]}"
                                      "。请登录“我的评价”告诉我们您是否满意。"})
    db_session.flush()
    return task


def answer(*, db_session: Session, clock: Clock, person: PersonActor, rating_id: int, satisfied: bool) -> RectificationTask:
    """The person says whether the fix satisfies them; the task is then closed."""
    rating = db_session.get(Rating, rating_id)
    task = task_of(db_session=db_session, rating_id=rating_id) if rating is not None else None
    if rating is None or rating.person_id != person.person_id or task is None:
        raise NotFound("TASK_NOT_FOUND", "没有找到这条评价的整改")
    _step(task, TaskState.fed_back)
    now = clock.now()
    task.person_satisfied, task.person_answered_at, task.closed_at, task.updated_at = satisfied, now, now, now
    task.state = TaskState.closed.value
    db_session.flush()
    return task


def warning(*, db_session: Session, clock: Clock, task: RectificationTask):
    """yellow with one working day left before the due date, red past it (as for cases)."""
    from tongban.supervision import deadlines

    if TaskState(task.state) not in OPEN_TASK_STATES:
        return None
    return deadlines.level(db_session=db_session, today=clock.today(), due=task.due)


def late_days(*, db_session: Session, clock: Clock, task: RectificationTask) -> int:
    """Working days past due: until now while open, until the rectification otherwise."""
    end = task.rectified_at.astimezone(clock.now().tzinfo).date() if task.rectified_at else clock.today()
    if TaskState(task.state) is TaskState.invalid or end <= task.due:
        return 0
    return working_days_between(db_session=db_session, start=task.due, end=end)


LEDGER_VIEWS = {"open": "进行中", "late": "超期与预警", "all": "全部"}


def ledger(*, db_session: Session, clock: Clock, actor: StaffActor, view: str = "open",
           limit: int = 300) -> list[tuple[RectificationTask, Rating]]:
    """整改台账: the tasks of the actor's agency (or region), with their ratings, by due date."""
    require_rectifier(actor)
    if view not in LEDGER_VIEWS:
        raise InvalidInput("BAD_VIEW", "台账视图只能是：" + "、".join(LEDGER_VIEWS.values()))
    query = select(RectificationTask, Rating).join(Rating, Rating.id == RectificationTask.rating_id)
    prefix = region_prefix(actor.region_code)
    query = query.where(or_(RectificationTask.region_code == "",
                            RectificationTask.region_code.startswith(prefix, autoescape=True)))
    if actor.agency_id is not None:
        query = query.where(RectificationTask.agency_id == actor.agency_id)
    if view in ("open", "late"):
        query = query.where(RectificationTask.state.in_([s.value for s in OPEN_TASK_STATES]))
    if view == "late":
        warn_from = add_days(db_session=db_session, start=clock.today(), days=1).due
        query = query.where(RectificationTask.due <= warn_from)
    rows = db_session.execute(query.order_by(RectificationTask.due, RectificationTask.id).limit(limit))
    return [(task, rating) for task, rating in rows]
