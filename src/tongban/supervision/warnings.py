"""Warnings and dispatch (预警、超期、调度督办, SUP-03; 002 9.2.1.8): the deadline scan records each case's yellow and red
once, tells the handling staff and the supervisors (in-app and SMS through notify) and escalates red to the agency head."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import reads as account_reads
from tongban.accounts.access import Permission, StaffRole
from tongban.accounts.reads import StaffContact
from tongban.cases import clocks
from tongban.cases import reads as case_reads
from tongban.cases.enums import CaseState
from tongban.cases.reads import CaseFacts
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.db import dialect_insert
from tongban.core.logs import get_logger
from tongban.notify.service import notify
from tongban.notify.templates import render
from tongban.supervision.enums import ClockStatus, DispatchRole, WarningLevel
from tongban.supervision.models import CaseWarning, WarningDispatch
from tongban.supervision.rules import ThresholdBook
from tongban.supervision.status import Thresholds, evaluate
from tongban.workdays import service as workdays

log = get_logger(__name__)
S = CaseState
# Running clocks: accepted and not decided, not paused (paused cases keep their level until the clock runs again).
RUNNING = (S.accepted.value, S.accepted_with_deficiency.value, S.under_review.value)
# Who handles a case at each stage: the posts that are told first.
STAGE_POSTS = {
    S.accepted.value: (Permission.case_review,),
    S.accepted_with_deficiency.value: (Permission.case_accept,),
    S.under_review.value: (Permission.case_review, Permission.case_decide),
}


@dataclass
class ScanResult:
    scanned: int = 0
    raised: list[CaseWarning] = field(default_factory=list)
    dispatched: int = 0


def _insert_warning(db_session: Session, values: dict) -> int | None:
    """One row per case, limit and level, even when two scans race: the unique constraint decides."""
    statement = (dialect_insert(db_session.get_bind().dialect.name)(CaseWarning).values(**values)
                 .on_conflict_do_nothing(index_elements=["case_id", "limit_kind", "level"]).returning(CaseWarning.id))
    return db_session.execute(statement).scalar()


def scan(*, db_session: Session, clock: Clock, thresholds: Thresholds | None = None) -> ScanResult:
    """Evaluate every running case; record and dispatch the warnings not raised before."""
    book = ThresholdBook(db_session, thresholds)
    cal = workdays.WorkingCalendar(db_session)
    result = ScanResult()
    staff = None
    cases = case_reads.running_cases(db_session=db_session, states=RUNNING)
    ids = [c.id for c in cases]
    pauses = clocks.pauses_by_case(db_session=db_session, case_ids=ids)
    known = _known(db_session, ids)
    for case in cases:
        result.scanned += 1
        status = evaluate(db_session=db_session, clock=clock, case=case, cal=cal, thresholds=book, pauses=pauses[case.id])
        for line in status.limits:
            if line.status not in (ClockStatus.yellow, ClockStatus.red) or (case.id, line.kind, line.status.value) in known:
                continue
            new_id = _insert_warning(db_session, dict(
                case_id=case.id, agency_id=case.agency_id, region_code=case.region_code, limit_kind=line.kind,
                level=line.status.value, due=line.due, remaining_days=line.remaining or 0, raised_at=clock.now(),
            ))
            if new_id is None:
                continue
            warning = db_session.get(CaseWarning, new_id)
            result.raised.append(warning)
            staff = staff if staff is not None else account_reads.active_staff(db_session=db_session)
            result.dispatched += dispatch(db_session=db_session, clock=clock, case=case, warning=warning, staff=staff)
    db_session.flush()
    log.info("supervision scan", extra={"scanned": result.scanned, "raised": len(result.raised), "dispatched": result.dispatched})
    return result


def _known(db_session: Session, case_ids: list[int]) -> set[tuple[int, str, str]]:
    found: set[tuple[int, str, str]] = set()
    for start in range(0, len(case_ids), 500):
        query = select(CaseWarning.case_id, CaseWarning.limit_kind, CaseWarning.level).where(
            CaseWarning.case_id.in_(case_ids[start:start + 500]))
        found.update((row.case_id, row.limit_kind, row.level) for row in db_session.execute(query))
    return found


def recipients(*, case: CaseFacts, level: WarningLevel, staff: list[StaffContact]) -> list[tuple[StaffContact, DispatchRole]]:
    """Handlers at the case's post and the supervisors covering it; for red also the agency head (a manager of the
    agency, or else the region's managers)."""
    found: dict[int, tuple[StaffContact, DispatchRole]] = {}
    posts = STAGE_POSTS.get(case.state, ())
    heads, region_heads = [], []
    for account in staff:
        actor = account.actor
        covers = actor.covers(agency_id=case.agency_id, region_code=case.region_code)
        if account.agency_id == case.agency_id and any(actor.has(p) for p in posts):
            found.setdefault(account.id, (account, DispatchRole.handler))
        if StaffRole.supervisor in actor.roles and covers:
            found.setdefault(account.id, (account, DispatchRole.supervisor))
        if StaffRole.manager in actor.roles and covers:
            (heads if account.agency_id == case.agency_id else region_heads if account.agency_id is None else []).append(account)
    if level is WarningLevel.red:
        for account in heads or region_heads:
            found[account.id] = (account, DispatchRole.head)
    return list(found.values())


def _detail(warning: CaseWarning) -> str:
    limit = "承诺办结时限" if warning.limit_kind == "promised" else "法定办结时限"
    if warning.level == WarningLevel.red.value:
        return f"{limit}已于 {warning.due.isoformat()} 届满，已超期。"
    return f"{limit}将于 {warning.due.isoformat()} 届满，剩余 {warning.remaining_days} 天。"


def dispatch(*, db_session: Session, clock: Clock, case: CaseFacts, warning: CaseWarning, staff: list[StaffContact]) -> int:
    """Send one warning to everyone who must act on it: an in-app dispatch each, and an SMS where a phone is bound."""
    level = WarningLevel(warning.level)
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=case.agency_id)
    sent = 0
    for account, role in recipients(case=case, level=level, staff=staff):
        kind = "supervision_escalation" if role is DispatchRole.head else "supervision_warning"
        fields = {"case_number": case.case_number, "item_name": case.item_name, "agency_name": agency.name if agency else "",
                  "level_label": level.label, "detail": _detail(warning)}
        message = render(kind, fields)
        sms = notify(db_session=db_session, clock=clock, kind=kind, fields=fields, phone=account.phone, channels=("sms",),
                     case_id=case.id, link=f"/staff/cases/{case.id}") if account.phone else []
        db_session.add(WarningDispatch(
            warning_id=warning.id, staff_id=account.id, role=role.value, title=message.title, body=message.body,
            sms_delivery_id=sms[0].id if sms else None, created_at=clock.now(),
        ))
        sent += 1
    return sent


# --- reading ------------------------------------------------------------------------------------------

def warnings_of(*, db_session: Session, case_id: int) -> list[CaseWarning]:
    return list(db_session.scalars(select(CaseWarning).where(CaseWarning.case_id == case_id).order_by(CaseWarning.id)))


def dispatches_for(*, db_session: Session, staff_id: int, limit: int = 100) -> list[tuple[WarningDispatch, CaseWarning]]:
    query = (select(WarningDispatch, CaseWarning).join(CaseWarning, CaseWarning.id == WarningDispatch.warning_id)
             .where(WarningDispatch.staff_id == staff_id)
             .order_by(WarningDispatch.created_at.desc(), WarningDispatch.id.desc()).limit(limit))
    return [(d, w) for d, w in db_session.execute(query)]


def mark_read(*, db_session: Session, clock: Clock, staff_id: int, dispatch_ids: set[int]) -> int:
    """Mark the dispatches the staff member was shown; older unread ones beyond the page stay new."""
    if not dispatch_ids:
        return 0
    rows = db_session.scalars(select(WarningDispatch).where(WarningDispatch.staff_id == staff_id,
                                                            WarningDispatch.id.in_(sorted(dispatch_ids)),
                                                            WarningDispatch.read_at.is_(None))).all()
    for row in rows:
        row.read_at = clock.now()
    return len(rows)
