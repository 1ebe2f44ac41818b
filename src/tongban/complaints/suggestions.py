"""Staff suggestions (工作人员建议, 002 6.2.7.5; RATE-10): a member of staff proposes a change to an item or a process;
the owner adopts it (a guide change becomes a draft item version, linked here), rejects it with a reason, or marks
it for deliberation; every suggestion is answered within one month."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.catalog import service as catalog
from tongban.complaints.common import ANSWER_MAX, TEXT_MAX, clean_text, item_or_none, warning
from tongban.complaints.enums import SuggestionState, SuggestionTopic
from tongban.complaints.models import StaffSuggestion
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

ITEM_TOPICS = frozenset({SuggestionTopic.guide, SuggestionTopic.materials, SuggestionTopic.process})
OPEN = (SuggestionState.open.value, SuggestionState.deliberating.value)
YELLOW_DAYS = 3  # a month's clock warns three working days before the answer is due


@dataclass(frozen=True)
class SuggestionIn:
    title: str
    body: str
    topic: str = "guide"
    item_id: int | None = None


def one_month_after(day: date) -> date:
    """The same day next month (the last day of a shorter month): 6.2.7.5 d 一个月内予以答复."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _topic(value: str) -> SuggestionTopic:
    try:
        return SuggestionTopic(value)
    except ValueError:
        raise InvalidInput("BAD_TOPIC", f"建议类别只能是：{'、'.join(t.label for t in SuggestionTopic)}") from None


def propose(*, db_session: Session, clock: Clock, actor: StaffActor, suggestion_in: SuggestionIn) -> StaffSuggestion:
    """Any member of staff proposes; a suggestion about an item belongs to the item's agency, others to the
    management agency of the proposer's region."""
    topic = _topic(suggestion_in.topic)
    title = clean_text(suggestion_in.title, what="建议标题", limit=100, code="TITLE")
    body = clean_text(suggestion_in.body, what="建议内容和理由", limit=TEXT_MAX, code="BODY")
    item = item_or_none(db_session, suggestion_in.item_id)
    if topic is SuggestionTopic.guide and item is None:
        raise InvalidInput("ITEM_REQUIRED", "对办事指南的建议请选择事项")
    now = clock.now()
    row = StaffSuggestion(
        topic=topic.value, state=SuggestionState.open.value, title=title, body=body, item_id=item.id if item else None,
        agency_id=item.agency_id if item else None, region_code=item.region_code if item else actor.region_code,
        proposer_id=actor.staff_id, proposer_name=actor.name, due=one_month_after(clock.today()), created_at=now,
        updated_at=now,
    )
    db_session.add(row)
    db_session.flush()
    row.number = f"JY{clock.today():%y%m%d}{row.id:06d}"
    db_session.flush()
    return row


def may_answer(actor: StaffActor, row: StaffSuggestion) -> bool:
    """The owner: the item's agency editors, or the management reviewers of the region; never the proposer."""
    if row.proposer_id == actor.staff_id:
        return False
    if row.agency_id is not None and actor.has(Permission.catalog_edit) and actor.agency_id == row.agency_id:
        return True
    in_region = row.region_code.startswith(region_prefix(actor.region_code))
    return in_region and (actor.has(Permission.catalog_review) or actor.has(Permission.supervise))


def get(*, db_session: Session, actor: StaffActor, suggestion_id: int) -> StaffSuggestion:
    row = db_session.get(StaffSuggestion, suggestion_id)
    if row is None:
        raise NotFound("SUGGESTION_NOT_FOUND", "没有找到这条建议")
    if row.proposer_id != actor.staff_id and not may_answer(actor, row):
        raise Forbidden("SUGGESTION_OUT_OF_SCOPE", "这条建议不是您提出的，也不归您所在的机构答复")
    return row


def _answerable(db_session: Session, actor: StaffActor, suggestion_id: int) -> StaffSuggestion:
    row = get(db_session=db_session, actor=actor, suggestion_id=suggestion_id)
    if not may_answer(actor, row):
        raise Forbidden("NOT_OWNER", "建议由事项所属部门或管理机构答复，不能答复本人提出的建议")
    if row.state not in OPEN:
        raise Conflict("SUGGESTION_ANSWERED", f"这条建议已{SuggestionState(row.state).label}，不能再答复")
    return row


def _answer(row: StaffSuggestion, clock: Clock, actor: StaffActor, state: SuggestionState, text: str) -> None:
    row.state, row.answer, row.answered_by = state.value, text, actor.name
    row.answered_at = row.updated_at = clock.now()


def adopt(*, db_session: Session, clock: Clock, actor: StaffActor, suggestion_id: int, note: str = "") -> StaffSuggestion:
    """Adopt (a): a change to an item's guide, materials or process opens a draft version of the item (the open
    draft when there is one) through the catalog's own editing rules, linked to the suggestion; the editor then
    edits and submits it for review as any change."""
    row = _answerable(db_session, actor, suggestion_id)
    text = clean_text(note, what="采纳说明", limit=ANSWER_MAX, required=False, code="NOTE") or "建议合理，予以采纳"
    if row.item_id is not None and SuggestionTopic(row.topic) in ITEM_TOPICS:
        item = catalog.get_item(db_session=db_session, item_id=row.item_id)
        current = catalog.open_version(db_session=db_session, item_id=item.id)
        content = (catalog.content_of_version(db_session=db_session, version_id=current.id) if current is not None
                   else catalog.live_content(db_session=db_session, item=item))
        version = catalog.save_draft(db_session=db_session, clock=clock, actor=actor, item_id=item.id, content=content,
                                     change_note=f"采纳工作人员建议 {row.number}：{row.title}"[:500])
        row.draft_version_id = version.id
    _answer(row, clock, actor, SuggestionState.adopted, text)
    db_session.flush()
    return row


def reject(*, db_session: Session, clock: Clock, actor: StaffActor, suggestion_id: int, reason: str) -> StaffSuggestion:
    """Reject (b), always with the reason."""
    row = _answerable(db_session, actor, suggestion_id)
    _answer(row, clock, actor, SuggestionState.rejected,
            clean_text(reason, what="不采纳的理由", limit=ANSWER_MAX, code="REASON"))
    db_session.flush()
    return row


def deliberate(*, db_session: Session, clock: Clock, actor: StaffActor, suggestion_id: int, note: str) -> StaffSuggestion:
    """Disputed (c): marked for deliberation; the month's clock keeps running until it is adopted or rejected (d)."""
    row = _answerable(db_session, actor, suggestion_id)
    if row.state == SuggestionState.deliberating.value:
        raise Conflict("ALREADY_DELIBERATING", "这条建议已在审议中")
    row.state, row.updated_at = SuggestionState.deliberating.value, clock.now()
    row.answer = clean_text(note, what="提交审议的说明", limit=ANSWER_MAX, code="NOTE")
    row.answered_by = actor.name
    db_session.flush()
    return row


VIEWS = {"to_answer": "待我答复", "mine": "我提出的", "all": "本地区全部"}


def listing(*, db_session: Session, actor: StaffActor, view: str = "to_answer", limit: int = 200) -> list[StaffSuggestion]:
    if view not in VIEWS:
        raise InvalidInput("BAD_VIEW", f"列表只能是：{'、'.join(VIEWS.values())}")
    if view == "mine":
        query = select(StaffSuggestion).where(StaffSuggestion.proposer_id == actor.staff_id)
        return list(db_session.scalars(query.order_by(StaffSuggestion.id.desc()).limit(limit)))
    where = [StaffSuggestion.region_code.startswith(region_prefix(actor.region_code), autoescape=True)]
    if actor.agency_id is not None and not (actor.has(Permission.catalog_review) or actor.has(Permission.supervise)):
        where.append(or_(StaffSuggestion.agency_id == actor.agency_id, StaffSuggestion.proposer_id == actor.staff_id))
    query = select(StaffSuggestion).where(*where)
    if view == "to_answer":
        query = query.where(StaffSuggestion.state.in_(OPEN))
    rows = list(db_session.scalars(query.order_by(StaffSuggestion.due, StaffSuggestion.id).limit(limit)))
    return [r for r in rows if may_answer(actor, r)] if view == "to_answer" else rows


def suggestion_warning(*, db_session: Session, clock: Clock, row: StaffSuggestion):
    return warning(db_session=db_session, clock=clock, due=row.due, running=row.state in OPEN, yellow_days=YELLOW_DAYS)
