"""The assistant's conversation carried into a help ticket when the person asks a person (转人工; 001 8.2, CONS-07).

The page and the API hand over only what the person asked (each question with the item it continued); the answers
are asked again here from the same published data, so what staff read is what the assistant says, never text a
client made up. Bounded: the last `MAX_TURNS` questions, a few lines per answer, each line cut to `LINE_MAX`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.assistant import service as assistant
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.core.pii import mask_text
from tongban.search.query import MAX_QUERY_CHARS
from tongban.search.service import SearchHub

MAX_TURNS = 5
LINES_MAX = 20
LINE_MAX = 300
LINKS_MAX = 5


@dataclass(frozen=True)
class Turn:
    """One question asked at /ask, with the item of the answer before it (`context`) that it continued."""

    question: str
    context: int | None = None

    @property
    def token(self) -> str:
        """How a page carries the turn in a hidden field or a link: `context|question`."""
        return f"{self.context or ''}|{self.question}"


def parse_turns(tokens: list[str] | None) -> list[Turn]:
    """Turns from the pages' `context|question` fields; the last `MAX_TURNS` are kept, a malformed one is refused."""
    turns = []
    for token in (tokens or [])[-MAX_TURNS:]:
        context, sep, question = (token or "").partition("|")
        if not sep or (context and not (context.isdigit() and 0 < int(context) < 2**31)):
            raise InvalidInput("BAD_CONVERSATION", "智能问答记录格式不正确，请回到智能问答重新提问后再转人工")
        turns.append(Turn(question[:MAX_QUERY_CHARS * 4], int(context) if context else None))
    return turns


def _cut(text: str) -> str:
    text = mask_text((text or "").strip())
    return text if len(text) <= LINE_MAX else text[:LINE_MAX - 1] + "…"


def _shown(answer: assistant.Answer) -> dict:
    """The answer as /ask shows it: its text and lines, the guide section it comes from, FAQ entries, items offered."""
    shown: dict = {"question": _cut(answer.question), "kind": answer.kind, "text": _cut(answer.text),
                   "lines": [_cut(line) for line in answer.lines[:LINES_MAX]], "links": []}
    if answer.source is not None:
        shown["links"].append({"label": f"{answer.source.item_name} · 办事指南 · {answer.source.section}",
                               "url": answer.source.url})
    for faq in answer.faqs[:LINKS_MAX]:
        shown["links"].append({"label": f"常见问题 · {_cut(faq.question)}", "url": faq.url})
    for choice in (answer.items if answer.kind == "choose" else answer.suggestions)[:LINKS_MAX]:
        shown["links"].append({"label": choice.name, "url": choice.url})
    if answer.handoff is not None and answer.handoff.phone:
        shown["phone"] = answer.handoff.phone
    if answer.item_id is not None:
        shown["item_id"] = answer.item_id
    return shown


def replay(*, db_session: Session, clock: Clock, hub: SearchHub, turns: list[Turn]) -> list[dict]:
    """Each question answered again from the published data, not logged a second time (CONS-10 counted it once).
    A question the assistant itself refuses (empty, too long, web page code) refuses the hand-off the same way."""
    return [_shown(assistant.ask(db_session=db_session, clock=clock, hub=hub, question=turn.question, channel="web",
                                 context=turn.context, log=False))
            for turn in turns[-MAX_TURNS:]]
