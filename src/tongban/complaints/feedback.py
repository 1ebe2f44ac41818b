"""Problem reports (问题反馈, 002 6.2.7.4; RATE-09): a content error on a guide goes to the catalog editors of the
item's agency, a platform fault or a poor experience to the operators; the handler's reply reaches the reporter
(their messages when signed in, an SMS when they left a phone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, StaffRole
from tongban.complaints.common import ANSWER_MAX, TEXT_MAX, clean_text, item_or_none, phone
from tongban.complaints.enums import ReportKind, ReportState
from tongban.complaints.models import ProblemReport
from tongban.core import limits
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify import service as notify

REPORTS_FROM = limits.Limit("feedback-from", 20, timedelta(hours=1), "FEEDBACK_TOO_MANY", "反馈过于频繁，请一小时后再试")
OPERATOR_ROLES = frozenset({StaffRole.operator, StaffRole.tech_support, StaffRole.admin})
PAGE_RE = re.compile(r"/[\w\-./%?=&#~]{0,299}")


@dataclass(frozen=True)
class ReportIn:
    body: str
    kind: str = "content"
    item_id: int | None = None
    page: str = ""
    contact_phone: str = ""


def _kind(value: str) -> ReportKind:
    try:
        return ReportKind(value)
    except ValueError:
        raise InvalidInput("BAD_KIND", f"问题类型只能是：{'、'.join(k.label for k in ReportKind)}") from None


def _page(value: str) -> str:
    page = (value or "").strip()
    if page and not PAGE_RE.fullmatch(page):
        return ""  # only a path of this site is kept; anything else is dropped, not an error for the reporter
    return page[:300]


def file_report(*, db_session: Session, clock: Clock, report_in: ReportIn, client_ip: str,
                person: PersonActor | None = None) -> ProblemReport:
    """Record a report and route it: a content error about an item to that item's agency, the rest to operators."""
    kind = _kind(report_in.kind)
    body = clean_text(report_in.body, what="问题描述", limit=TEXT_MAX, code="BODY")
    number = phone(report_in.contact_phone)
    item = item_or_none(db_session, report_in.item_id)
    limits.take(db_session=db_session, clock=clock, limit=REPORTS_FROM, key=client_ip)
    report = ProblemReport(
        kind=kind.value, state=ReportState.open.value, body=body, page=_page(report_in.page),
        item_id=item.id if item else None, agency_id=item.agency_id if item and kind is ReportKind.content else None,
        person_id=person.person_id if person else None, contact_phone=number or None, created_at=clock.now(),
    )
    db_session.add(report)
    db_session.flush()
    report.number = f"FK{clock.today():%y%m%d}{report.id:06d}"
    db_session.flush()
    return report


def is_operator(actor: StaffActor) -> bool:
    return bool(actor.roles & OPERATOR_ROLES)


def sees_queue(actor: StaffActor) -> bool:
    """Whether the actor has a problem-report queue at all: catalog editors of a department, or operators."""
    return (actor.has(Permission.catalog_edit) and actor.agency_id is not None) or is_operator(actor)


def may_handle(actor: StaffActor, report: ProblemReport) -> bool:
    """Content errors: the catalog editors of the item's agency; everything else: the platform's operators."""
    if report.agency_id is not None:
        return actor.has(Permission.catalog_edit) and actor.agency_id == report.agency_id
    return is_operator(actor)


QUEUE_VIEWS = {"open": "待处理", "answered": "已答复"}


def queue(*, db_session: Session, actor: StaffActor, view: str = "open", limit: int = 200) -> list[ProblemReport]:
    if view not in QUEUE_VIEWS:
        raise InvalidInput("BAD_VIEW", f"队列只能是：{'、'.join(QUEUE_VIEWS.values())}")
    if not sees_queue(actor):
        raise Forbidden("NOT_PERMITTED", "问题反馈由事项所属部门的事项编辑或平台运维人员处理")
    routes = []
    if actor.has(Permission.catalog_edit) and actor.agency_id is not None:
        routes.append(ProblemReport.agency_id == actor.agency_id)
    if is_operator(actor):
        routes.append(ProblemReport.agency_id.is_(None))
    query = select(ProblemReport).where(or_(*routes), ProblemReport.state == ReportState(view).value)
    return list(db_session.scalars(query.order_by(ProblemReport.id.desc()).limit(limit)))


def reply(*, db_session: Session, clock: Clock, actor: StaffActor, report_id: int, text: str) -> ProblemReport:
    report = db_session.get(ProblemReport, report_id)
    if report is None:
        raise NotFound("REPORT_NOT_FOUND", "没有找到这条问题反馈")
    if not may_handle(actor, report):
        raise Forbidden("REPORT_OUT_OF_SCOPE", "这条反馈不归您处理：内容错误由事项所属部门处理，系统故障由运维人员处理")
    if report.state != ReportState.open.value:
        raise Conflict("REPORT_ANSWERED", "这条反馈已经答复过了")
    report.reply = clean_text(text, what="答复内容", limit=ANSWER_MAX, code="REPLY")
    report.state, report.replied_by, report.replied_at = ReportState.answered.value, actor.name, clock.now()
    if report.person_id is not None or report.contact_phone:
        notify.notify(db_session=db_session, clock=clock, kind="notice", person_id=report.person_id,
                      phone=report.contact_phone, link="/feedback",
                      fields={"title": f"问题反馈 {report.number} 已答复",
                              "body": f"您反馈的问题（{report.number}）已答复：{report.reply[:200]}"})
    db_session.flush()
    return report


def mine(*, db_session: Session, person: PersonActor, limit: int = 100) -> list[ProblemReport]:
    query = select(ProblemReport).where(ProblemReport.person_id == person.person_id)
    return list(db_session.scalars(query.order_by(ProblemReport.id.desc()).limit(limit)))
