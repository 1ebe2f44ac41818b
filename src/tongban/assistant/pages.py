"""The assistant's pages: /ask (a question and its answer, follow-ups continue the item) and /ask/person (CONS-07)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tongban.assistant import service
from tongban.search.query import MAX_QUERY_CHARS
from tongban.web.actions import form_action
from tongban.web.deps import Csrf, Db, Hub, Now
from tongban.web.rendering import render

router = APIRouter(include_in_schema=False)
EXAMPLES = ("开饭馆要带什么材料", "身份证能在网上办吗", "申请护照要多少钱", "我的申请办到哪一步了")


TURNS_KEPT = 5  # the questions carried to a person when asking one (helpdesk.transcript.MAX_TURNS)


def _page(request: Request, *, answer: service.Answer | None = None, question: str = "", error: str = "",
          status_code: int = 200, turns: list[str] | None = None) -> HTMLResponse:
    return render(request, "assistant/ask.html", status_code=status_code, answer=answer, question=question, error=error,
                  examples=EXAMPLES, max_chars=MAX_QUERY_CHARS, turns=turns or [])


def _turns(before: list[str], question: str, context: int | None) -> list[str]:
    """The conversation so far as `context|question` tokens, for the hand-off to a person; the helpdesk asks each
    question again from the published data, so nothing here is trusted as an answer."""
    kept = [t[:MAX_QUERY_CHARS + 13] for t in before if "|" in t][-(TURNS_KEPT - 1):]
    return kept + [f"{context or ''}|{question.strip()}"]


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, q: str = "") -> HTMLResponse:
    return _page(request, question=q[:MAX_QUERY_CHARS])


@router.post("/ask", response_class=HTMLResponse)
def ask_form(
    request: Request, db: Db, clock: Now, hub: Hub, _: Csrf,
    question: Annotated[str, Form(max_length=10_000)] = "",
    context: Annotated[str, Form(max_length=12)] = "",
    region: Annotated[str, Form(max_length=12)] = "",
    turn: Annotated[list[str], Form(max_length=20)] = [],
) -> HTMLResponse:
    item = int(context) if context.isdigit() and 0 < int(context) < 2**31 else None
    return form_action(
        db, lambda: service.ask(db_session=db, clock=clock, hub=hub, question=question, channel="web",
                                region=region or None, context=item),
        done=lambda answer: _page(request, answer=answer, turns=_turns(turn, answer.question, item)),
        failed=lambda exc: _page(request, question=question[:MAX_QUERY_CHARS], error=exc.message, status_code=exc.status_code),
    )


@router.get("/ask/person", response_class=RedirectResponse)
def ask_person_page(q: str = "", item: str = "",
                    turn: Annotated[list[str], Query(max_length=20)] = []) -> RedirectResponse:
    """"Ask a person" opens a help ticket (helpdesk), the question, the item answered and the questions asked before
    carried over (CONS-07)."""
    query = [(k, v) for k, v in {"q": q[:MAX_QUERY_CHARS], "item": item if item.isdigit() else ""}.items() if v]
    query += [("turn", t[:MAX_QUERY_CHARS + 13]) for t in turn[-TURNS_KEPT:]]
    return RedirectResponse("/help/new" + (f"?{urlencode(query)}" if query else ""), status_code=303)
