"""Draft applications filled together (共同填报, 001 8.3 导办; CONS-08): a consultant fills the item's live form with
the person on a help ticket; the person opens the draft, checks it and submits it under their own account.

A draft is checked like a submission except that required fields may still be empty; a wrong value is refused. Only
the person it was made for opens it: anyone else gets the answer of a draft that does not exist."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import PersonActor
from tongban.cases import forms
from tongban.cases.models import ApplicationDraft
from tongban.catalog import service as catalog
from tongban.catalog.enums import HandlingForm
from tongban.catalog.schemas import FormField
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound

KEEP_DAYS = 30  # a draft not used within a month is stale: the person's situation or the form may have changed
UNKNOWN = "没有找到这份预填的申请表"


@dataclass(frozen=True)
class DraftFacts:
    """A draft as others read it (the helpdesk, the apply page)."""

    id: int
    item_id: int
    person_id: int
    values: dict[str, str]
    prepared_by_name: str
    ticket_number: str
    created_at: datetime
    expires_on: date
    used: bool
    case_id: int | None

    @property
    def url(self) -> str:
        return f"/items/{self.item_id}/apply?draft={self.id}"


def _facts(row: ApplicationDraft) -> DraftFacts:
    return DraftFacts(row.id, row.item_id, row.person_id, json.loads(row.form_values or "{}"), row.prepared_by_name,
                      row.ticket_number, row.created_at, row.expires_on, row.used_at is not None, row.case_id)


def form_fields(*, db_session: Session, item_id: int) -> list[FormField]:
    """The item's live application form (`forms.form_for`), the one a draft is filled on."""
    item = catalog.get_item(db_session=db_session, item_id=item_id)
    return forms.form_for(catalog.live_content(db_session=db_session, item=item))


def check_partial(fields: list[FormField], values: dict[str, object]) -> dict[str, str]:
    """`forms.check` with every field optional: empty is fine in a draft, a wrong value is not."""
    return forms.check([f.model_copy(update={"required": False}) for f in fields], values)


def prepare(*, db_session: Session, clock: Clock, item_id: int, person_id: int, values: dict[str, object],
            staff_ref: str, staff_name: str, ticket_number: str = "") -> DraftFacts:
    item = catalog.get_item(db_session=db_session, item_id=item_id)
    content = catalog.live_content(db_session=db_session, item=item)
    if item.status != "active" or content.handling_form is HandlingForm.offline:
        raise InvalidInput("NOT_ONLINE", "该事项不能网上申请，不能预填申请表；请引导申请人到大厅窗口办理")
    clean = check_partial(forms.form_for(content), values)
    if not clean:
        raise InvalidInput("DRAFT_EMPTY", "请至少填写申请表中的一项再保存")
    row = ApplicationDraft(item_id=item.id, person_id=person_id, form_values=json.dumps(clean, ensure_ascii=False),
                           prepared_by=staff_ref[:40], prepared_by_name=staff_name[:100], ticket_number=ticket_number[:20],
                           created_at=clock.now(), expires_on=clock.today() + timedelta(days=KEEP_DAYS))
    db_session.add(row)
    db_session.flush()
    return _facts(row)


def _own(db_session: Session, actor: PersonActor, draft_id: int) -> ApplicationDraft:
    row = db_session.get(ApplicationDraft, draft_id)
    if row is None or row.person_id != actor.person_id:
        raise NotFound("DRAFT_NOT_FOUND", UNKNOWN)
    return row


def open_draft(*, db_session: Session, clock: Clock, actor: PersonActor, draft_id: int, item_id: int) -> DraftFacts:
    """The person's own draft of this item, still usable."""
    row = _own(db_session, actor, draft_id)
    if row.item_id != item_id:
        raise NotFound("DRAFT_NOT_FOUND", UNKNOWN)
    if row.used_at is not None:
        raise Conflict("DRAFT_USED", "这份预填的申请表已经提交过了，可在“我的办件”查看")
    if clock.today() > row.expires_on:
        raise Conflict("DRAFT_EXPIRED", "这份预填的申请表已过期，请重新填写或联系工作人员")
    return _facts(row)


def find_own(*, db_session: Session, actor: PersonActor, draft_id: int, item_id: int) -> DraftFacts:
    """The person's own draft of this item, used or not (submitting it again with the same key is no error)."""
    row = _own(db_session, actor, draft_id)
    if row.item_id != item_id:
        raise NotFound("DRAFT_NOT_FOUND", UNKNOWN)
    return _facts(row)


def mark_used(*, db_session: Session, clock: Clock, actor: PersonActor, draft_id: int, case_id: int) -> None:
    """The person submitted the draft as `case_id`; submitting the same case again (its idempotency key) is no error."""
    row = _own(db_session, actor, draft_id)
    if row.used_at is not None:
        if row.case_id == case_id:
            return
        raise Conflict("DRAFT_USED", "这份预填的申请表已经提交过了，可在“我的办件”查看")
    row.used_at, row.case_id = clock.now(), case_id
    db_session.flush()


def for_ticket(*, db_session: Session, ticket_number: str) -> list[DraftFacts]:
    query = select(ApplicationDraft).where(ApplicationDraft.ticket_number == ticket_number).order_by(ApplicationDraft.id)
    return [_facts(row) for row in db_session.scalars(query)]
