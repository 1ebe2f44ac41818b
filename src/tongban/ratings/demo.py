"""Demo ratings: the demo citizen rates the demo cases that are closed (and a few guides), some of them badly, with
one rectification task verified and in progress, so the ledger and the statistics show something."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import reads as account_reads
from tongban.accounts.access import PersonActor
from tongban.cases import reads as case_reads
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import DomainError
from tongban.core.logs import get_logger
from tongban.ratings import rectification, service
from tongban.ratings.models import Rating, RectificationTask

log = get_logger(__name__)
ITEM_CODES = ("SC-O-0302-511602-GAQ-GOV", "SC-O-0301-511602-GAQ-GOV")
PLAN = [  # (level, dimensions, comment)
    (5, ["efficiency", "staff"], "材料交了三次才受理，每次说法不一样"),
    (1, [], "网上提交很方便，很快就办好了"),
    (2, [], "窗口工作人员讲解清楚"),
    (4, ["process"], "办事指南里没写要带原件，白跑一趟"),
    (3, [], ""),
]


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Once: nothing is added when ratings exist. Returns one Chinese line for the console ('' when nothing added)."""
    if db_session.scalar(select(Rating.id).limit(1)) is not None:
        return ""
    facts = case_reads.cases_in_states(db_session=db_session, states=case_reads.RATED_STATES, limit=50)
    served = [case_reads.served_case(db_session=db_session, case_id=c.id) for c in facts]
    closed = [c for c in served if c is not None and c.person_id is not None]
    made = 0
    try:
        for case, (level, dimensions, comment) in zip(closed, PLAN):
            person = PersonActor(person_id=case.person_id, name="演示市民", id_kind="resident_id")
            with db_session.begin_nested():
                service.rate(db_session=db_session, clock=clock, person=person, kind="case", subject_id=case.id,
                             rating_in=service.RatingIn(level=level, dimensions=dimensions, comment=comment))
            made += 1
        if closed:
            person = PersonActor(person_id=closed[0].person_id, name="演示市民", id_kind="resident_id")
            for code, (level, dimensions, comment) in zip(ITEM_CODES, PLAN[3:]):
                item = catalog_reads.item_by_code(db_session=db_session, implementation_code=code)
                if item is not None and item.live_version_id is not None:
                    with db_session.begin_nested():
                        service.rate_guide(db_session=db_session, clock=clock, person=person, item_id=item.id,
                                           rating_in=service.RatingIn(level=level, dimensions=dimensions, comment=comment))
                    made += 1
        _start_one_task(db_session, clock)
    except DomainError as exc:
        log.warning("ratings demo not complete", extra={"code": exc.code})
    db_session.flush()
    if not made:
        return ""
    return f"好差评演示：评价 {made} 条（含差评及整改任务）；台账 /staff/ratings（manager 或 supervisor），统计 /staff/ratings/stats"


def _start_one_task(db_session: Session, clock: Clock) -> None:
    """The first bad rating's task is verified as true by the demo manager: it shows 整改中 in the ledger."""
    task = db_session.scalar(select(RectificationTask).order_by(RectificationTask.id).limit(1))
    actor = account_reads.actor_by_username(db_session=db_session, username="manager")
    if task is None or actor is None:
        return
    if actor.agency_id is not None and actor.agency_id != task.agency_id:
        actor = account_reads.actor_by_username(db_session=db_session, username="supervisor")
    if actor is None:
        return
    try:
        with db_session.begin_nested():
            rectification.verify(db_session=db_session, clock=clock, actor=actor, task_id=task.id, true=True,
                                 note="调取窗口记录，情况属实")
    except DomainError as exc:
        log.info("demo task left open", extra={"code": exc.code})
