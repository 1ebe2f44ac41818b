"""The staff's case queues, one rule for the workbench page, the JSON API and the to-do list: which cases wait
for which post, in which order, and how their clocks stand (002 8.4-8.7; CASE-06, CASE-12, CASE-20; SUP-01)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.cases import applicants, clocks
from tongban.cases.enums import CaseState
from tongban.cases.models import Case, CasePost
from tongban.core.clock import Clock
from tongban.core.errors import Forbidden, InvalidInput
from tongban.supervision.enums import ClockStatus
from tongban.supervision.rules import ThresholdBook
from tongban.supervision.status import CaseStatus, evaluate
from tongban.workdays import service as workdays

S = CaseState
MAX_CLOCKS = 2000  # cases whose clocks one to-do list reckons; past it the counts say "at least"
RUNNING = (S.accepted, S.accepted_with_deficiency, S.under_review)  # states whose clock runs (SUP-02)


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    hint: str  # what the post does with the cases in it, for the to-do list
    permissions: tuple[Permission, ...]  # any of them; empty: every post that handles cases


QUEUES = (
    Queue("accept", "待受理", "审核申请材料，受理、不予受理或一次性告知补正", (Permission.case_accept,)),
    Queue("supplement", "待补正/容缺", "申请人补正或补齐材料中，可随时查看", (Permission.case_accept,)),
    Queue("review", "待审查", "开始审查、提出审查意见或启动特别程序", (Permission.case_review,)),
    Queue("opinions", "待协办部门意见", "并联审批：本部门已在办，尚待协办部门提出意见，之后才能决定",
          (Permission.case_review, Permission.case_decide)),
    Queue("decide", "待决定", "各部门意见已齐或免审，作出准予或不予许可的决定", (Permission.case_decide,)),
    Queue("dispatch", "待送达", "送达办理结果", (Permission.case_dispatch,)),
    Queue("all", "全部", "", ()),
)
BY_NAME = {q.name: q for q in QUEUES}
NAMES = tuple(BY_NAME)


def _handles_cases(actor: StaffActor) -> None:
    if not any(actor.has(p) for p in applicants.CASE_PERMISSIONS):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有查看办件的权限")


def _own(actor: StaffActor, queue: Queue) -> bool:
    return bool(queue.permissions) and any(actor.has(p) for p in queue.permissions)


def queues_for(actor: StaffActor) -> list[Queue]:
    """The queues a member of staff sees: their posts' own, and all of them for a supervisor, who watches."""
    _handles_cases(actor)
    watching = actor.has(Permission.supervise)
    return [q for q in QUEUES if not q.permissions or watching or _own(actor, q)]


def own_queues(actor: StaffActor) -> list[Queue]:
    """The queues that hold the actor's own work (their to-do list)."""
    return [q for q in queues_for(actor) if _own(actor, q)]


def queue_named(actor: StaffActor, name: str) -> Queue:
    queue = BY_NAME.get(name)
    if queue is None:
        raise InvalidInput("QUEUE_UNKNOWN", "没有这个办件队列")
    if queue not in queues_for(actor):
        raise Forbidden("NOT_PERMITTED", "您的岗位不处理这个队列")
    return queue


def default_queue(actor: StaffActor) -> Queue:
    """The first of the actor's own queues; supervisors start with everything."""
    own = own_queues(actor)
    return own[0] if own else BY_NAME["all"]


# --- which cases -----------------------------------------------------------------------------------

def _lead(actor: StaffActor) -> ColumnElement[bool]:
    """Cases led by the staff's agency (within their region), or the whole region for management staff."""
    in_region = Case.region_code.startswith(region_prefix(actor.region_code), autoescape=True)
    if actor.agency_id is None:
        return in_region
    return and_(Case.agency_id == actor.agency_id, in_region)


def _co_agency(actor: StaffActor, *, open_only: bool) -> ColumnElement[bool]:
    """Cases where the staff's agency holds a co-agency's post of a parallel approval (CASE-20)."""
    if actor.agency_id is None:
        return false()
    posts = select(CasePost.case_id).where(CasePost.agency_id == actor.agency_id, CasePost.lead.is_(False))
    if open_only:
        posts = posts.where(CasePost.opinion.is_(None))
    return Case.id.in_(posts)


def _in(*states: CaseState) -> ColumnElement[bool]:
    return Case.state.in_([s.value for s in states])


def _open_post(*, lead: bool) -> ColumnElement[bool]:
    return exists().where(CasePost.case_id == Case.id, CasePost.lead.is_(lead), CasePost.opinion.is_(None))


def _exempt() -> ColumnElement[bool]:
    """Exempted from review (免审, CRED-04) with no co-agency's opinion owed: the decider's, straight from acceptance."""
    return and_(Case.review_exemption != "", ~_open_post(lead=False))


def visible(actor: StaffActor) -> ColumnElement[bool]:
    """Every case the actor's queues draw from: their agency's or region's, and those where their agency is a co-agency."""
    return or_(_lead(actor), _co_agency(actor, open_only=False))


def clause(actor: StaffActor, queue: Queue) -> ColumnElement[bool]:
    """The rule of each queue. Under review, a case waits for its reviewer while the lead's opinion is missing,
    for the co-agencies while one of theirs is, and for the decider only when every post has given its opinion:
    a case still waiting for, say, the fire brigade is not ready to decide (CASE-12, CASE-20)."""
    name = queue.name
    if name == "all":
        return visible(actor)
    if name == "accept":
        return and_(_lead(actor), _in(S.submitted))
    if name == "supplement":
        return and_(_lead(actor), _in(S.supplement_requested, S.accepted_with_deficiency))
    if name == "review":
        lead_review = or_(and_(_in(S.accepted), ~_exempt()), _in(S.special_procedure),
                          and_(_in(S.under_review), _open_post(lead=True)))
        return or_(and_(_lead(actor), lead_review),
                   and_(_in(S.accepted, S.under_review, S.special_procedure), _co_agency(actor, open_only=True)))
    if name == "opinions":
        return and_(_lead(actor), _in(S.under_review), _open_post(lead=False))
    if name == "decide":
        given = exists().where(CasePost.case_id == Case.id)
        waiting = exists().where(CasePost.case_id == Case.id, CasePost.opinion.is_(None))
        return and_(_lead(actor), or_(and_(_in(S.under_review), given, ~waiting), and_(_in(S.accepted), _exempt())))
    if name == "dispatch":
        return and_(_lead(actor), _in(S.approved))
    raise InvalidInput("QUEUE_UNKNOWN", "没有这个办件队列")


# A decision promised for a day (即审即批) first, then the most urgent limit, then first come.
ORDER = (Case.decide_by.is_(None), Case.decide_by, Case.promised_due.is_(None), Case.promised_due, Case.submitted_at, Case.id)


def _query(actor: StaffActor, queue: Queue, number: str = "") -> Select:
    where = clause(actor, queue)
    if number.strip():
        where = and_(where, Case.case_number.contains(number.strip().upper(), autoescape=True))
    return select(Case).where(where)


def counts(*, db_session: Session, actor: StaffActor) -> dict[str, int]:
    """How many cases each of the actor's queues holds."""
    return {q.name: db_session.scalar(select(func.count(Case.id)).where(clause(actor, q))) or 0 for q in queues_for(actor)}


@dataclass(frozen=True)
class Row:
    case: Case
    clock: ClockStatus  # red: overdue; yellow: warned (supervision's clocks, SUP-01)
    remaining: int | None  # working (or natural) days left on the limit that decides the status

    @property
    def overdue(self) -> bool:
        return self.clock is ClockStatus.red

    @property
    def warned(self) -> bool:
        return self.clock is ClockStatus.yellow


@dataclass(frozen=True)
class Listing:
    queue: Queue
    rows: list[Row]
    total: int


def _rows(db_session: Session, clock: Clock, cases: list[Case]) -> list[Row]:
    statuses = _clocks(db_session, clock, cases)
    rows = []
    for case in cases:
        status = statuses[case.id]
        worst = status.worst
        rows.append(Row(case, status.status, worst.remaining if worst else None))
    return rows


def _clocks(db_session: Session, clock: Clock, cases: list[Case]) -> dict[int, CaseStatus]:
    """Each case's clock through supervision's own reckoning, with the calendar, thresholds and pauses read once."""
    cal, thresholds = workdays.WorkingCalendar(db_session), ThresholdBook(db_session)
    pauses = clocks.pauses_by_case(db_session=db_session, case_ids=[c.id for c in cases])
    return {c.id: evaluate(db_session=db_session, clock=clock, case=c, cal=cal, thresholds=thresholds, pauses=pauses[c.id])
            for c in cases}


def listing(
    *, db_session: Session, clock: Clock, actor: StaffActor, name: str, number: str = "", limit: int = 20, offset: int = 0,
) -> Listing:
    """One queue as the actor sees it: the cases, most urgent first, with their clocks."""
    queue = queue_named(actor, name)
    query = _query(actor, queue, number)
    total = db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = list(db_session.scalars(query.order_by(*ORDER).limit(limit).offset(offset)))
    return Listing(queue, _rows(db_session, clock, cases), total)


# --- the to-do list --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Todo:
    """One queue of the actor's own work with its counts."""

    queue: Queue
    total: int
    overdue: int = 0
    warned: int = 0
    urgent: list[Row] = field(default_factory=list)  # overdue, then warned, most urgent first (a few)
    more: bool = False  # more cases than were reckoned: the counts are lower bounds


def todo(*, db_session: Session, clock: Clock, actor: StaffActor, urgent: int = 5) -> list[Todo]:
    """The actor's to-do list: each of their own queues with how many cases wait there, how many are overdue and
    how many warned, and the most urgent of them. A supervisor without a post of their own watches every case;
    staff who handle no cases have none."""
    if not any(actor.has(p) for p in applicants.CASE_PERMISSIONS):
        return []
    found = []
    for queue in own_queues(actor) or [BY_NAME["all"]]:
        query = _query(actor, queue)
        total = db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
        # Only a running clock can be overdue or warned: not before acceptance, in a pause, or once decided.
        running = query.where(_in(*RUNNING)).order_by(*ORDER).limit(MAX_CLOCKS + 1)
        cases = list(db_session.scalars(running)) if total else []
        rows = _rows(db_session, clock, cases[:MAX_CLOCKS])
        pressing = sorted((r for r in rows if r.overdue or r.warned),
                          key=lambda r: (not r.overdue, r.remaining if r.remaining is not None else 10**6, r.case.id))
        found.append(Todo(queue, total, overdue=sum(r.overdue for r in rows), warned=sum(r.warned for r in rows),
                          urgent=pressing[:urgent], more=len(cases) > MAX_CLOCKS))
    return found
