"""The citizen's inbox (站内消息): a page in the personal space and its JSON twin (CASE-15, CASE-19)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from tongban.notify import inbox
from tongban.web.deps import Db, Me, Now
from tongban.web.rendering import render

router = APIRouter()


class MessageOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str
    case_id: int | None
    created_at: datetime
    read_at: datetime | None


class InboxOut(BaseModel):
    unread: int
    messages: list[MessageOut]


def _messages(db: Session, person_id: int, limit: int) -> list[MessageOut]:
    return [
        MessageOut(id=m.id, kind=m.kind, title=m.title, body=m.body, link=m.link, case_id=m.case_id,
                   created_at=m.created_at, read_at=m.read_at)
        for m in inbox.messages_of(db_session=db, person_id=person_id, limit=limit)
    ]


@router.get("/account/messages", response_class=HTMLResponse, include_in_schema=False)
def messages_page(request: Request, db: Db, clock: Now, me: Me) -> HTMLResponse:
    """Shown once, the messages count as read; the page still marks which ones were new this time."""
    unread = inbox.unread_count(db_session=db, person_id=me.person_id)
    messages = _messages(db, me.person_id, 100)
    if unread:
        inbox.mark_read(db_session=db, clock=clock, person_id=me.person_id)
        db.commit()
    return render(request, "notify/messages.html", messages=messages, unread=unread)


@router.get("/api/v1/me/messages", response_model=InboxOut, tags=["accounts"], summary="我的站内消息（最新在前）与未读条数")
def messages_api(db: Db, me: Me, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> InboxOut:
    return InboxOut(unread=inbox.unread_count(db_session=db, person_id=me.person_id), messages=_messages(db, me.person_id, limit))
