"""Return visits (回访; 001 9.1; RATE-08): each month a random, reproducible sample of each agency's completed
services (seeded by month and agency; share `TONGBAN_RETURN_VISIT_SHARE`, default 5 %, at least one) is drawn for a
phone or SMS return visit; staff record the answer beside the rating."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor, region_prefix
from tongban.appointments import reads as hall_reads
from tongban.cases import reads as case_reads
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.helpdesk import reads as help_reads
from tongban.core.text import clean_text
from tongban.ratings import rectification, settings
from tongban.ratings.enums import SubjectKind, VisitMethod, VisitState, level_of
from tongban.ratings.models import Rating, ReturnVisit


def month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise InvalidInput("BAD_MONTH", "月份应为 YYYY-MM，如 2026-11") from None
    end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def completed(db_session: Session, month: str) -> list[tuple[SubjectKind, int, str, int | None, str, int | None]]:
    """(kind, id, ref, agency, region, person) of every service completed in the month."""
    start, end = month_bounds(month)
    found = [(SubjectKind.case, c.id, c.case_number or "", c.agency_id, c.region_code, c.person_id)
             for c in case_reads.cases_closed_between(db_session=db_session, start=start, end=end, limit=100_000)]
    found += [(SubjectKind.help_ticket, t.id, t.number or "", t.agency_id, t.region_code, t.person_id)
              for t in help_reads.tickets_closed_between(db_session=db_session, start=start, end=end, limit=100_000)]
    found += [(SubjectKind.visit, v.ticket_id, v.number, v.agency_id, v.region_code, v.person_id)
              for v in hall_reads.visits_handled_between(db_session=db_session, start=start, end=end, limit=100_000)]
    return found


def sample(services: list, *, month: str, agency_id: int | None, share: float) -> list:
    """The reproducible draw for one agency: the same month, agency and services give the same sample."""
    if not services or share <= 0:
        return []
    ordered = sorted(services, key=lambda s: (s[0].value, s[1]))
    seed = int(hashlib.sha256(f"{month}:{agency_id}".encode()).hexdigest()[:16], 16)
    size = min(len(ordered), max(1, math.ceil(len(ordered) * share)))
    return random.Random(seed).sample(ordered, size)


def draw(*, db_session: Session, clock: Clock, month: str, share: float | None = None) -> int:
    """Draw the month's sample for every agency (again: the same rows, nothing doubled)."""
    share = settings.return_visit_share() if share is None else share
    by_agency: dict[int | None, list] = {}
    for service in completed(db_session, month):
        by_agency.setdefault(service[3], []).append(service)
    drawn = 0
    for agency_id, services in sorted(by_agency.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        for kind, subject_id, ref, agency, region, person_id in sample(services, month=month, agency_id=agency_id, share=share):
            rating_id = db_session.scalar(select(Rating.id).where(Rating.subject_kind == kind.value,
                                                                  Rating.subject_id == subject_id, Rating.rater_key == ""))
            try:
                with db_session.begin_nested():
                    db_session.add(ReturnVisit(month=month, agency_id=agency, region_code=region, subject_kind=kind.value,
                                               subject_id=subject_id, subject_ref=ref[:40], person_id=person_id,
                                               rating_id=rating_id, state=VisitState.drawn.value, drawn_at=clock.now()))
                    db_session.flush()
                drawn += 1
            except IntegrityError:
                continue  # drawn before
    return drawn


def listing(*, db_session: Session, actor: StaffActor, month: str, limit: int = 500) -> list[ReturnVisit]:
    rectification.require_rectifier(actor)
    month_bounds(month)
    query = select(ReturnVisit).where(ReturnVisit.month == month, or_(
        ReturnVisit.region_code == "", ReturnVisit.region_code.startswith(region_prefix(actor.region_code), autoescape=True)))
    if actor.agency_id is not None:
        query = query.where(ReturnVisit.agency_id == actor.agency_id)
    return list(db_session.scalars(query.order_by(ReturnVisit.id).limit(limit)))


def record(*, db_session: Session, clock: Clock, actor: StaffActor, visit_id: int, method: str, reached: bool = True,
           answer_level: int | None = None, note: str = "") -> ReturnVisit:
    """The answer of the return visit, beside the rating (the rating itself is never changed)."""
    rectification.require_rectifier(actor)
    visit = db_session.get(ReturnVisit, visit_id)
    if visit is None or not actor.covers(agency_id=visit.agency_id, region_code=visit.region_code or None):
        raise NotFound("VISIT_NOT_FOUND", "没有找到这条回访")
    if visit.state != VisitState.drawn.value:
        raise Conflict("VISIT_RECORDED", "这条回访已记录")
    try:
        chosen = VisitMethod(method)
    except ValueError:
        raise InvalidInput("BAD_METHOD", "回访方式只能是：电话回访、短信回访") from None
    if reached:
        if answer_level is None:
            raise InvalidInput("ANSWER_REQUIRED", "请选择服务对象的满意程度")
        try:
            level_of(answer_level)
        except ValueError:
            raise InvalidInput("BAD_LEVEL", "满意程度只能是 1 至 5") from None
    visit.method, visit.answer_level = chosen.value, answer_level if reached else None
    visit.note = clean_text(note, what="回访记录", limit=2000, required=not reached, code="NOTE")
    visit.state = VisitState.done.value if reached else VisitState.unreachable.value
    visit.recorded_by, visit.recorded_at = actor.name, clock.now()
    db_session.flush()
    return visit
