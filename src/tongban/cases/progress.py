"""Telling the applicant: progress at every step (CASE-19) and results (CASE-15); the pledge in writing (CASE-08)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.cases import lifecycle, notices
from tongban.cases.enums import EventKind
from tongban.cases.models import Case
from tongban.catalog.schemas import ItemContent
from tongban.core.clock import Clock
from tongban.notify import inbox
from tongban.notify.service import notify


def push(
    *, db_session: Session, clock: Clock, case: Case, step: str, detail: str = "", result: bool = False, sms: bool = False,
) -> None:
    """An in-app message at every step for the person who applied (or the organisation's agent); results and
    steps that need the applicant to act also go out by SMS, through the outbox in this same transaction."""
    if result or sms:
        phone = case.contact_phone
        if phone:
            notify(db_session=db_session, clock=clock, kind="case_progress", channels=("sms",), phone=phone,
                   case_id=case.id, link=f"/cases/{case.id}",
                   fields={"case_number": case.case_number, "item_name": case.item_name, "step": step, "detail": detail})
    if case.person_id is None:
        return  # a walk-in without an account: the SMS above and the window tell them
    title = f"办件 {case.case_number}：{step}"
    body = f"您申请的“{case.item_name}”{step}。{detail}".strip()
    inbox.post(
        db_session=db_session, clock=clock, person_id=case.person_id, kind="case_result" if result else "case_progress",
        title=title, body=body, link=f"/cases/{case.id}", case_id=case.id,
    )


def pledge(*, db_session: Session, clock: Clock, case: Case, content: ItemContent, actor_ref: str, actor_name: str) -> None:
    """The applicant chose the pledge: the obligations, content and liability are given in writing."""
    terms = content.pledge
    document = notices.issue(
        db_session=db_session, clock=clock, case=case, kind=notices.NoticeKind.pledge_notice,
        fields=[("承诺人", case.applicant_name)],
        paragraphs=[f"一、申请人应当履行的义务：{terms.obligations}", f"二、承诺内容：{terms.content}",
                    f"三、虚假承诺的法律责任：{terms.liability}",
                    "申请人可以自主选择是否采用告知承诺制；不选择的，应当按一般程序提交全部证明材料。"],
    )
    lifecycle.record(
        db_session=db_session, clock=clock, case=case, kind=EventKind.pledge_signed, actor_ref=actor_ref,
        actor_name=actor_name, reason="申请人选择告知承诺制并签署承诺书", document_id=document.id,
    )
