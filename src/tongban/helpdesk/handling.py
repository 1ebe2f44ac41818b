"""What staff do on a ticket: take it (first-ask responsibility), reply, transfer with a reason, guide and assist
(001 8.2, 8.3; CONS-07, CONS-08, CONS-11). Only the owner acts on a ticket they took."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.cases import drafts
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.guide.service import build_view
from tongban.helpdesk import notices
from tongban.helpdesk.enums import WORKING, EntryKind, TicketState
from tongban.helpdesk.models import HelpTicket
from tongban.helpdesk.service import BODY_MAX, _entry, clean_text, for_staff

# The guide page's sections (guide/templates/guide/guide.html ids) a consultant may point to.
GUIDE_SECTIONS = {
    "basic": "基本信息", "conditions": "受理条件", "materials": "申请材料", "process": "办理流程", "fees": "收费标准",
    "result": "办理结果", "basis": "设定依据", "special": "特别程序", "faq": "常见问题", "contact": "咨询与监督",
}


@dataclass(frozen=True)
class Check:
    """One line of an assisted pre-check (帮办预审): a material or form element, whether it is right, what to fix."""

    subject: str
    ok: bool
    fix: str = ""


def _owned(db_session: Session, actor: StaffActor, ticket_id: int) -> HelpTicket:
    """The ticket, when `actor` is its first-ask owner and it is still being worked on."""
    actor.require(Permission.consult_answer)
    ticket = for_staff(db_session=db_session, actor=actor, ticket_id=ticket_id)
    if ticket.state == TicketState.open.value:
        raise Conflict("TICKET_NOT_TAKEN", "请先接单：接单人对这个工单首问负责，直至结案或转办")
    if ticket.owner_staff_id != actor.staff_id:
        raise Forbidden("NOT_TICKET_OWNER", f"这个工单由{ticket.owner_name}首问负责，只有负责人可以办理")
    if ticket.state not in {s.value for s in WORKING}:
        raise Conflict("TICKET_CLOSED", "工单已结案，不能再办理")
    return ticket


def take(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int) -> HelpTicket:
    """The first member of staff who takes a ticket owns it until it is closed or transferred (首问负责制, CONS-11)."""
    actor.require(Permission.consult_answer)
    ticket = for_staff(db_session=db_session, actor=actor, ticket_id=ticket_id)
    if ticket.owner_staff_id is not None:
        if ticket.owner_staff_id == actor.staff_id:
            return ticket
        raise Conflict("TICKET_OWNED", f"这个工单已由{ticket.owner_name}接单，首问负责，不能再接")
    if ticket.state != TicketState.open.value:
        raise Conflict("TICKET_CLOSED", "工单已结案，不能再接单")
    ticket.owner_staff_id, ticket.owner_name, ticket.taken_at = actor.staff_id, actor.name, clock.now()
    ticket.state = TicketState.taken.value
    _entry(db_session, clock, ticket, EntryKind.taken, actor.ref, actor.name)
    db_session.flush()
    return ticket


def reply(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, body: str,
          complete: bool = True) -> HelpTicket:
    """A reply to the person; `complete` is the one complete answer that stops the reply clock (CONS-04, CONS-13)."""
    ticket = _owned(db_session, actor, ticket_id)
    text = clean_text(body, what="答复内容", limit=BODY_MAX, code="REPLY")
    _entry(db_session, clock, ticket, EntryKind.reply if complete else EntryKind.interim, actor.ref, actor.name, text)
    if complete:
        ticket.state, ticket.answered_at = TicketState.answered.value, clock.now()
    notices.tell(db_session=db_session, clock=clock, ticket=ticket, title=f"咨询工单 {ticket.number} 有新答复",
                 body=f"您的咨询工单{ticket.number}有新的答复，请登录查看或凭工单编号和查询码查询。")
    db_session.flush()
    return ticket


def transfer(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, agency_id: int,
             reason: str) -> HelpTicket:
    """Hand the ticket to another agency or a lower level, with a reason (001 8.2; CONS-07): the new agency's first
    taker owns it from then on."""
    ticket = _owned(db_session, actor, ticket_id)
    why = clean_text(reason, what="转办理由", limit=500, code="REASON")
    target = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id)
    if target is None:
        raise NotFound("AGENCY_NOT_FOUND", "没有找到要转交的部门")
    if target.id == ticket.agency_id:
        raise InvalidInput("SAME_AGENCY", "要转交的部门就是当前负责的部门，请选择其他部门或下级")
    before = catalog_reads.find_agency(db_session=db_session, agency_id=ticket.agency_id) if ticket.agency_id else None
    lower = before is not None and target.region_code != before.region_code and target.region_code.startswith(
        before.region_code.rstrip("0"))
    _entry(db_session, clock, ticket, EntryKind.transfer, actor.ref, actor.name, why, data={
        "from_agency_id": ticket.agency_id, "from_agency": before.name if before else "", "to_agency_id": target.id,
        "to_agency": target.name, "lower_level": lower, "from_owner": ticket.owner_name})
    ticket.agency_id, ticket.region_code = target.id, target.region_code
    ticket.owner_staff_id, ticket.owner_name, ticket.taken_at = None, "", None
    ticket.state = TicketState.open.value
    db_session.flush()
    return ticket


def send_guide_link(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, item_id: int,
                    section: str, note: str = "") -> HelpTicket:
    """Guided service (导办): the exact section of the item's guide the person needs (CONS-08)."""
    ticket = _owned(db_session, actor, ticket_id)
    if section not in GUIDE_SECTIONS:
        raise InvalidInput("BAD_SECTION", f"指南章节只能是：{'、'.join(GUIDE_SECTIONS.values())}")
    view = build_view(db_session=db_session, item_id=item_id)
    text = clean_text(note, what="说明", limit=BODY_MAX, required=False, code="NOTE")
    _entry(db_session, clock, ticket, EntryKind.guide_link, actor.ref, actor.name, text, data={
        "item_id": item_id, "item_name": view.content.name, "section": section, "section_label": GUIDE_SECTIONS[section],
        "url": f"/items/{item_id}#{section}", "version": view.version_number})
    ticket.state = TicketState.guiding.value
    db_session.flush()
    return ticket


def send_checklist(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, item_id: int,
                   conditional: list[str] | None = None, note: str = "") -> HelpTicket:
    """A personal material checklist from the item's live version: every required material, and the conditional ones
    the consultant found apply to this person (keys in `conditional`) (CONS-08)."""
    ticket = _owned(db_session, actor, ticket_id)
    view = build_view(db_session=db_session, item_id=item_id)
    chosen = set(conditional or [])
    keys = {m.key for m in view.content.materials}
    unknown = chosen - keys
    if unknown:
        raise InvalidInput("BAD_MATERIAL", "所选材料不在这个事项的申请材料里，请重新选择")
    lines = []
    for m in view.content.materials:
        if m.necessity.value == "conditional" and m.key not in chosen:
            continue
        if m.necessity.value not in ("required", "conditional"):
            continue
        lines.append({"key": m.key, "name": m.name, "original": m.original_count, "copies": m.copy_count,
                      "condition": m.condition, "notes": m.notes, "source": m.source})
    text = clean_text(note, what="说明", limit=BODY_MAX, required=False, code="NOTE")
    _entry(db_session, clock, ticket, EntryKind.checklist, actor.ref, actor.name, text, data={
        "item_id": item_id, "item_name": view.content.name, "version": view.version_number, "materials": lines,
        "url": f"/items/{item_id}#materials"})
    ticket.state = TicketState.guiding.value
    db_session.flush()
    return ticket


def precheck(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int, checks: list[Check],
             note: str = "") -> HelpTicket:
    """Assisted service (帮办): the pre-check of materials and form elements, with what to fix before submitting (CONS-08)."""
    ticket = _owned(db_session, actor, ticket_id)
    if not checks:
        raise InvalidInput("CHECKS_REQUIRED", "请至少填写一项预审的材料或要素")
    if len(checks) > 50:
        raise InvalidInput("CHECKS_TOO_MANY", "一次预审最多 50 项")
    rows = []
    for c in checks:
        subject = clean_text(c.subject, what="预审的材料或要素", limit=200, code="SUBJECT")
        fix = clean_text(c.fix, what="需要补正的内容", limit=500, required=not c.ok, code="FIX")
        rows.append({"subject": subject, "ok": c.ok, "fix": fix})
    text = clean_text(note, what="说明", limit=BODY_MAX, required=False, code="NOTE")
    to_fix = [r for r in rows if not r["ok"]]
    _entry(db_session, clock, ticket, EntryKind.precheck, actor.ref, actor.name, text,
           data={"checks": rows, "ready": not to_fix, "to_fix": len(to_fix)})
    ticket.state = TicketState.assisting.value
    db_session.flush()
    return ticket


def parse_checks(text: str) -> list[Check]:
    """Checks typed one per line, `材料或要素 | 合格 or 需补正 | 怎么改` (the staff page's form)."""
    checks = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        parts += [""] * (3 - len(parts))
        verdict = parts[1]
        if verdict not in ("合格", "需补正", "ok", "fix"):
            raise InvalidInput("BAD_CHECK", "每行写：材料或要素 | 合格 或 需补正 | 需要怎么改")
        checks.append(Check(parts[0], verdict in ("合格", "ok"), parts[2]))
    return checks


def prepare_draft(*, db_session: Session, clock: Clock, actor: StaffActor, ticket_id: int,
                  values: dict[str, object]) -> HelpTicket:
    """Guided service (导办), filling together (共同填报, CONS-08): the owner fills the ticket item's live application
    form with the person and saves it as a draft for the ticket's signed-in person, who checks it and submits it under
    their own account. Empty fields are fine in a draft; wrong values are refused, all together."""
    ticket = _owned(db_session, actor, ticket_id)
    if ticket.item_id is None:
        raise InvalidInput("TICKET_WITHOUT_ITEM", "工单还没有确定事项，请先确定要办理的事项再预填申请表")
    if ticket.person_id is None:
        raise InvalidInput("TICKET_WITHOUT_ACCOUNT", "这个工单不是登录用户提交的，无法把预填的申请表交给申请人；"
                                                     "请申请人登录后转人工，或引导其自行网上申请")
    draft = drafts.prepare(db_session=db_session, clock=clock, item_id=ticket.item_id, person_id=ticket.person_id,
                           values=values, staff_ref=actor.ref, staff_name=actor.name, ticket_number=ticket.number or "")
    item = catalog_reads.find_item(db_session=db_session, item_id=ticket.item_id)
    _entry(db_session, clock, ticket, EntryKind.draft, actor.ref, actor.name, "工作人员已为您预填申请表，请核对后由您本人提交",
           data={"draft_id": draft.id, "item_id": draft.item_id, "item_name": item.name if item else "", "url": draft.url,
                 "filled": len(draft.values), "expires_on": draft.expires_on.isoformat()})
    ticket.state = TicketState.guiding.value
    notices.tell(db_session=db_session, clock=clock, ticket=ticket, title=f"咨询工单 {ticket.number}：工作人员已为您预填申请表",
                 body=f"工作人员已为您预填申请表（工单{ticket.number}），请登录后在工单中打开，核对无误后由您本人提交。")
    db_session.flush()
    return ticket


def draft_form(*, db_session: Session, actor: StaffActor, ticket_id: int):
    """The ticket item's live application form the owner fills with the person."""
    ticket = _owned(db_session, actor, ticket_id)
    if ticket.item_id is None:
        raise InvalidInput("TICKET_WITHOUT_ITEM", "工单还没有确定事项，请先确定要办理的事项再预填申请表")
    return ticket, drafts.form_fields(db_session=db_session, item_id=ticket.item_id)
