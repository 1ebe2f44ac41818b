"""Platform faults and handling errors (SUP-06; 002 8.8.7d; 001 9.2 纠错): delays and bad ratings caused by a recorded
fault are kept out of performance figures; errors found by supervision feed the error rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.cases import reads as case_reads
from tongban.cases import service as cases
from tongban.catalog import regions
from tongban.catalog import service as catalog
from tongban.core import audit
from tongban.core.clock import SHANGHAI, Clock, as_utc
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.supervision.enums import ErrorKind, FaultCause
from tongban.supervision.models import CaseError, PlatformFault
from tongban.supervision.scope import require_supervisor

MAX_TEXT = 2000
MAX_FAULT = timedelta(days=31)
ERRORS_BATCH = 500


def utc(value: datetime) -> datetime:
    """In UTC before it is stored or compared in SQL: SQLite keeps a timestamp's wall time and drops its offset, so a
    Beijing 09:00 written as such would read back as 09:00 UTC."""
    return as_utc(value).astimezone(timezone.utc)


def _text(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("TEXT_REQUIRED", f"请填写{what}")
    if len(text) > MAX_TEXT:
        raise InvalidInput("TEXT_TOO_LONG", f"{what}最多 {MAX_TEXT} 字")
    return text


def _enum(kind, value: str, what: str):
    try:
        return kind(value)
    except ValueError:
        choices = "、".join(f"{k.value}（{k.label}）" for k in kind)
        raise InvalidInput("CHOICE_INVALID", f"{what}应为：{choices}") from None


def record_fault(
    *, db_session: Session, clock: Clock, actor: StaffActor, started_at: datetime, ended_at: datetime, cause: str,
    description: str, agency_id: int | None = None, item_id: int | None = None,
) -> PlatformFault:
    """登记平台故障: the period, what happened, and whom it hit (one agency, one item, or everything in the actor's region)."""
    require_supervisor(actor)
    started_at, ended_at = utc(started_at), utc(ended_at)
    if ended_at <= started_at:
        raise InvalidInput("FAULT_PERIOD_INVALID", "故障结束时间应晚于开始时间")
    if ended_at - started_at > MAX_FAULT:
        raise InvalidInput("FAULT_TOO_LONG", "一次故障登记不能超过 31 天，请分段登记")
    if ended_at > clock.now() + timedelta(hours=1):
        raise InvalidInput("FAULT_IN_FUTURE", "只能登记已经发生的故障（结束时间不能晚于现在）")
    cause_kind = _enum(FaultCause, cause, "故障原因")
    region = actor.region_code
    if item_id is not None:
        item = catalog.get_item(db_session=db_session, item_id=item_id)
        agency_id = agency_id or item.agency_id
        if item.agency_id != agency_id:
            raise InvalidInput("ITEM_NOT_OF_AGENCY", "所选事项不属于所选部门")
    if agency_id is not None:
        agency = regions.get_agency(db_session=db_session, agency_id=agency_id)
        actor.require(Permission.supervise, agency_id=agency.id, region_code=agency.region_code)
        region = agency.region_code
    elif actor.agency_id is not None:
        raise InvalidInput("AGENCY_REQUIRED", "部门内的管理专员只能登记本部门的故障，请选择部门")
    fault = PlatformFault(
        started_at=started_at, ended_at=ended_at, cause=cause_kind.value, description=_text(description, "故障说明"),
        region_code=region, agency_id=agency_id, item_id=item_id, recorded_by=actor.ref, recorded_by_name=actor.name,
        recorded_at=clock.now(),
    )
    db_session.add(fault)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="supervision.fault", object_kind="platform_fault",
                 object_id=fault.id, details={"cause": fault.cause, "agency_id": agency_id, "item_id": item_id,
                                              "from": started_at.isoformat(), "to": ended_at.isoformat()})
    return fault


def list_faults(*, db_session: Session, actor: StaffActor, limit: int = 100) -> list[PlatformFault]:
    """The faults that touch the actor's reach: recorded inside it, or for a wider region that holds it."""
    require_supervisor(actor)
    prefix = region_prefix(actor.region_code)
    wider = [prefix[:size].ljust(6, "0") for size in (2, 4) if size < len(prefix)]
    query = select(PlatformFault).where(or_(PlatformFault.region_code.startswith(prefix, autoescape=True),
                                            PlatformFault.region_code.in_(wider)))
    if actor.agency_id is not None:
        query = query.where(or_(PlatformFault.agency_id.is_(None), PlatformFault.agency_id == actor.agency_id))
    return list(db_session.scalars(query.order_by(PlatformFault.started_at.desc(), PlatformFault.id.desc()).limit(limit)))


def faults_between(*, db_session: Session, start: datetime, end: datetime) -> list[PlatformFault]:
    """Faults overlapping [start, end): loaded once per statistics run."""
    query = select(PlatformFault).where(PlatformFault.started_at < utc(end), PlatformFault.ended_at > utc(start))
    return list(db_session.scalars(query.order_by(PlatformFault.started_at)))


def faults_for_cases(*, db_session: Session, cases: Iterable[case_reads.CaseFacts], end: datetime) -> list[PlatformFault]:
    """The faults that may overlap any of these cases' running time: from the earliest acceptance on."""
    accepted = [as_utc(c.accepted_at) for c in cases if c.accepted_at is not None]
    if not accepted:
        return []
    return faults_between(db_session=db_session, start=min(accepted), end=end)


def applies(fault: PlatformFault, *, agency_id: int, item_id: int, region_code: str) -> bool:
    return ((fault.agency_id is None or fault.agency_id == agency_id) and (fault.item_id is None or fault.item_id == item_id)
            and region_code.startswith(region_prefix(fault.region_code)))


def fault_for_case(case: case_reads.CaseFacts, faults: Iterable[PlatformFault], *, until: datetime, due: date | None = None,
                   pauses: Iterable = ()) -> PlatformFault | None:
    """The recorded fault that overlaps the case's running time (acceptance to decision), if any. With ``due``, only
    up to the end of that day: a fault after the case was already overdue did not make it late. A fault that fell
    wholly inside one of ``pauses`` (the case's `CasePause` rows) hit a clock that stood still."""
    if case.accepted_at is None:
        return None
    begin, end = as_utc(case.accepted_at), as_utc(case.decided_at) or until
    if due is not None:
        end = min(end, datetime.combine(due + timedelta(days=1), time(), SHANGHAI))
    for fault in faults:
        if fault.started_at < end and fault.ended_at > begin and applies(
                fault, agency_id=case.agency_id, item_id=case.item_id, region_code=case.region_code) \
                and not _paused_throughout(max(fault.started_at, begin), min(fault.ended_at, end), pauses, until):
            return fault
    return None


def _paused_throughout(start: datetime, end: datetime, pauses: Iterable, until: datetime) -> bool:
    """Whether one pause (a supplement, a special procedure) covers [start, end]: the clock stood, the fault delayed nothing."""
    return any(as_utc(p.started_at) <= start and (as_utc(p.ended_at) or until) >= end for p in pauses)


def fault_at(*, db_session: Session, at: datetime, agency_id: int, item_id: int, region_code: str) -> PlatformFault | None:
    """The hook for ratings and complaints (SUP-06): a bad rating given at ``at`` during a recorded fault that hit
    its agency and item is not counted against them. ``None``: count it."""
    at = utc(at)
    for fault in faults_between(db_session=db_session, start=at, end=at + timedelta(microseconds=1)):
        if applies(fault, agency_id=agency_id, item_id=item_id, region_code=region_code):
            return fault
    return None


def exclusion_reason(fault: PlatformFault) -> str:
    return f"{FaultCause(fault.cause).label}（{fault.started_at:%Y-%m-%d %H:%M} 起）：{fault.description[:60]}"


# --- handling errors (差错) -----------------------------------------------------------------------------

def record_error(
    *, db_session: Session, clock: Clock, actor: StaffActor, case_number: str, kind: str, note: str,
) -> CaseError:
    """登记差错 on a case of the actor's scope; the same kind of error is recorded once per case."""
    require_supervisor(actor)
    kind_value = _enum(ErrorKind, kind, "差错类型")
    case = cases.by_number(db_session=db_session, case_number=case_number)
    if not actor.covers(agency_id=case.agency_id, region_code=case.region_code):
        # answered like an unknown number, as the case lookup does: another region's numbers are not confirmed
        raise NotFound("CASE_NOT_FOUND", "没有找到这个办件编号，请核对")
    note = _text(note, "差错说明")
    if db_session.scalar(select(CaseError.id).where(CaseError.case_id == case.id, CaseError.kind == kind_value.value)):
        raise Conflict("ERROR_RECORDED", f"该办件已登记过“{kind_value.label}”")
    row = CaseError(case_id=case.id, kind=kind_value.value, note=note, recorded_by=actor.ref, recorded_by_name=actor.name,
                    recorded_at=clock.now())
    db_session.add(row)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="supervision.error", object_kind="case",
                 object_id=case.id, details={"kind": kind_value.value})
    return row


def errors_in_scope(*, db_session: Session, actor: StaffActor, limit: int = 100) -> list[tuple[CaseError, case_reads.CaseFacts]]:
    """The latest errors recorded on cases of the actor's reach, with their cases: two queries while the latest
    errors lie mostly in reach (errors are read newest first, 500 at a time, until ``limit`` are found)."""
    require_supervisor(actor)
    found: list[tuple[CaseError, case_reads.CaseFacts]] = []
    query = select(CaseError).order_by(CaseError.recorded_at.desc(), CaseError.id.desc()).limit(ERRORS_BATCH)
    offset = 0
    while True:
        errors = db_session.scalars(query.offset(offset)).all()
        in_reach = case_reads.cases_by_id(db_session=db_session, case_ids=[e.case_id for e in errors],
                                          region_prefix=region_prefix(actor.region_code), agency_id=actor.agency_id)
        found += [(e, in_reach[e.case_id]) for e in errors if e.case_id in in_reach]
        if len(found) >= limit or len(errors) < ERRORS_BATCH:
            return found[:limit]
        offset += ERRORS_BATCH


def error_case_ids(*, db_session: Session, case_ids: list[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(db_session.scalars(select(CaseError.case_id).where(CaseError.case_id.in_(case_ids))))
