"""The assistant (智能问答): a question in plain words → the item and the fact, from published data only, or the
right path when no item fits (CONS-01, CONS-02, CONS-05, CONS-07; 000 §6.3, 001 8.2, 002 8.1.1).

`ask` is the one rule the page, the API and the evaluation call. It never makes up text: an answer is a fixed
sentence frame filled from the item's live version (`answers.py`), with the guide section it comes from, plus the
published FAQ entries of that item (or of no item) that answer the question (CONS-03). When no item fits with
confidence, a published FAQ entry that answers the question is the answer, with its page; else it says so and names
a path (the progress look-up, the complaint phone, the department's phone and address) and always offers a person.
Two close items are asked back, not guessed. An entry counts only from the knowledge base's answer threshold up
(`knowledge.reads.ANSWER_MIN_SCORE`): a wrong answer is worse than a hand-off. Every question asked by a person is
logged in the knowledge base's question log, the input of the frequent question analysis (CONS-10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tongban.assistant import answers, knowledge, understanding
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.core.text import MARKUP_RE
from tongban.guide.service import cached_view
from tongban.knowledge import reads as kb_reads
from tongban.knowledge import service as kb_service
from tongban.search.query import MAX_QUERY_CHARS
from tongban.search.service import SearchHub

CHANNELS = ("web", "mobile", "api", "hotline", "kiosk", "eval")
ASK_PERSON_URL = "/ask/person"
PROGRESS_URL = "/progress"
HOTLINE = answers.HOTLINE
# The knowledge base's question channel of each of ours; questions of an evaluation are nobody's and are not logged.
LOG_CHANNELS = {"web": "web", "mobile": "mobile", "api": "api", "hotline": "hotline", "kiosk": "terminal"}
LOG_SOURCE = "assistant"
FAQS_SHOWN = 3


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class ItemChoice:
    item_id: int
    name: str
    agency: str
    confidence: float  # 0…1: share of the question the name holds, times how far ahead of the others it is
    url: str


@dataclass(frozen=True)
class FaqRef:
    """A published, valid FAQ entry (常见问题) that answers the question, with its page as the source (CONS-03)."""

    entry_id: int
    question: str
    answer: str
    score: float
    url: str  # /faq/{entry_id}


@dataclass(frozen=True)
class Handoff:
    kind: str  # progress / complaint / department / unknown
    text: str
    department: str = ""
    phone: str = ""
    address: str = ""


@dataclass
class Answer:
    """What the assistant says: `kind` is "answer" (one item, one fact), "choose" (close items asked back), "faq" (no
    item fits, a published FAQ entry answers: `faqs[0]`) or "handoff" (neither: a path instead)."""

    question: str
    kind: str
    fact: str | None
    fact_label: str
    text: str
    lines: list[str] = field(default_factory=list)
    items: list[ItemChoice] = field(default_factory=list)  # the item answered, or the choices
    suggestions: list[ItemChoice] = field(default_factory=list)  # weaker items offered with a hand-off
    source: answers.Source | None = None
    handoff: Handoff | None = None
    faqs: list[FaqRef] = field(default_factory=list)  # the FAQ answer, or entries of the answered item that fit too
    links: list[Link] = field(default_factory=list)
    context: int | None = None  # the item a follow-up question continues (passed back by the page or the caller)

    @property
    def item_id(self) -> int | None:
        return self.items[0].item_id if self.kind == "answer" and self.items else None


def check_question(question: str) -> str:
    """The question as asked, or a Chinese refusal (empty, too long, markup)."""
    text = (question or "").strip()
    if not text:
        raise InvalidInput("QUESTION_REQUIRED", "请说说您想问什么，比如“开饭馆要带什么材料”")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput("QUESTION_TOO_LONG", f"问题太长了，请在 {MAX_QUERY_CHARS} 个字以内说清楚想办的事")
    if MARKUP_RE.search(text):
        raise InvalidInput("QUESTION_MARKUP", "问题里不能带网页代码，请用文字描述您的问题")
    return text


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise InvalidInput("BAD_CHANNEL", f"咨询渠道只能是：{'、'.join(CHANNELS)}")
    return channel


def _region(region: str | None) -> str | None:
    if region in (None, ""):
        return None
    if not re.fullmatch(r"\d{6,12}", region):
        raise InvalidInput("BAD_REGION", "所在地区应为 6 至 12 位行政区划代码")
    return region


def _published(db_session: Session, item_id: int | None) -> int | None:
    """The context item when it still has a live version, else None (a stale hidden field is not an error)."""
    if item_id is None:
        return None
    found = catalog_reads.find_item(db_session=db_session, item_id=item_id)
    return found.id if found is not None and found.live_version_id is not None else None


def _choice(candidate: understanding.Candidate, confidence: float) -> ItemChoice:
    """An item as the index holds it (its published name and agency): no query."""
    return ItemChoice(candidate.item_id, candidate.name, candidate.agency, round(confidence, 2), f"/items/{candidate.item_id}")


def _confidence(candidate: understanding.Candidate, others: list[understanding.Candidate]) -> float:
    second = max((o.score for o in others if o is not candidate), default=0.0)
    lead = 1.0 - min(1.0, second / candidate.score) if candidate.score else 0.0
    return candidate.fits * (0.5 + 0.5 * lead)


def _department(db_session: Session, text: str, region: str | None, item_agency_id: int | None = None):
    """The agency to name for a question outside services: by topic (departments.tsv) in the asker's region, or the
    region's management agency; None when the catalog has neither."""
    if item_agency_id is not None:
        return catalog_reads.find_agency(db_session=db_session, agency_id=item_agency_id)
    agencies = regions.list_agencies(db_session=db_session, region_code=region) if region else []
    agencies = agencies or regions.list_agencies(db_session=db_session)
    for topics, keywords in knowledge.department_topics():
        if any(t in text for t in topics):
            for keyword in keywords:
                found = next((a for a in agencies if keyword in a.name), None)
                if found is not None:
                    return catalog_reads.find_agency(db_session=db_session, agency_id=found.id)
    management = next((a for a in agencies if a.is_management), None)
    return catalog_reads.find_agency(db_session=db_session, agency_id=management.id) if management else None


def _handoff(db_session: Session, reading: understanding.Reading, region: str | None, agency_id: int | None) -> Handoff:
    if reading.handoff == "progress":
        return Handoff("progress", "查询办件进度请使用“办件进度查询”，输入办件编号和查询码即可查看；也可以登录后在“我的空间”查看。")
    if reading.handoff == "complaint":
        agency = catalog_reads.find_agency(db_session=db_session, agency_id=agency_id) if agency_id else None
        phone = (agency.complaint_phone if agency else "") or HOTLINE
        name = agency.name if agency else ""
        return Handoff("complaint", f"您要反映的问题，请拨打{name or '政务服务'}监督投诉电话 {phone}，工作人员会登记并答复。",
                       department=name, phone=phone, address=agency.address if agency else "")
    agency = _department(db_session, reading.text, region)
    if agency is None:
        return Handoff("unknown", f"这个问题我没有找到对应的政务服务事项。您可以拨打政务服务热线 {HOTLINE}，或转人工咨询。",
                       phone=HOTLINE)
    phone = agency.consult_phone or HOTLINE
    where = f"，地址：{agency.address}" if agency.address else ""
    return Handoff("department", f"这个问题不属于我能查到的政务服务事项。建议咨询{agency.name}，电话 {phone}{where}。",
                   department=agency.name, phone=phone, address=agency.address)


def _log(db_session: Session, clock: Clock, question: str, channel: str) -> None:
    """The question into the knowledge base's log (masked there), for the frequent question analysis (CONS-10). A
    single character is no question to group."""
    log_channel = LOG_CHANNELS.get(channel)
    if log_channel is not None and len("".join(question.split())) >= 2:
        kb_service.record_question(db_session=db_session, clock=clock, text=question, channel=log_channel, source=LOG_SOURCE)


def _faqs(db_session: Session, clock: Clock, question: str, fact: str | None, item_ids: list[int] | None = None) -> list[FaqRef]:
    """Published, valid entries that answer the question, best first; with `item_ids`, only entries linked to these
    items or to none. An entry whose question asks another fact is left out: "开饭馆要多久" shares the item's words
    with "开饭馆要准备哪些材料", not its meaning."""
    found = kb_reads.find_answers(db_session, clock, question, item_ids=item_ids, limit=2 * FAQS_SHOWN,
                                  min_score=kb_reads.ANSWER_MIN_SCORE)
    fitting = [f for f in found if fact is None or understanding.fact_of(f.question) in (None, fact)]
    return [FaqRef(f.entry_id, f.question, f.answer, round(f.score, 2), f.url) for f in fitting[:FAQS_SHOWN]]


def _answer_faq(question: str, reading: understanding.Reading, faqs: list[FaqRef], weaker: list) -> Answer:
    best = faqs[0]
    return Answer(
        question=question, kind="faq", fact=reading.fact, fact_label=knowledge.FACT_LABELS.get(reading.fact or "", ""),
        text=f"常见问题“{best.question}”的答复：", lines=[p.strip() for p in best.answer.splitlines() if p.strip()],
        faqs=faqs, suggestions=[_choice(c, c.fits * 0.5) for c in weaker],
        links=[Link("查看常见问题", best.url), Link("转人工咨询", ASK_PERSON_URL)],
    )


def _answer_item(db_session: Session, question: str, item_id: int, fact: str | None, confidence: float) -> Answer:
    view = cached_view(db_session=db_session, item_id=item_id)
    said = answers.answer(view, fact)
    choice = ItemChoice(item_id, view.content.name, view.agency.name, round(confidence, 2), f"/items/{item_id}")
    return Answer(
        question=question, kind="answer", fact=said.fact, fact_label=knowledge.FACT_LABELS[said.fact], text=said.text,
        lines=said.lines, items=[choice], source=said.source, context=item_id,
        links=[Link(f"查看办事指南·{said.source.section}", said.source.url), Link("转人工咨询", ASK_PERSON_URL)],
    )


def ask(*, db_session: Session, clock: Clock, hub: SearchHub, question: str, channel: str, region: str | None = None,
        context: int | None = None, log: bool = True) -> Answer:
    """Answer one question (CONS-01/02/05/07). `context` is the item of the previous answer (multi-turn)."""
    text = check_question(question)
    channel, region = _channel(channel), _region(region)
    engine = hub.engine_for(db_session, clock)
    reading = understanding.read(engine, text, region=region)
    kind, chosen, weaker = understanding.decide(reading)
    context = _published(db_session, context)
    if context is not None and reading.fact and reading.handoff is None:
        if kind != "answer" and (reading.about_nothing or kind == "none" or any(c.item_id == context for c in chosen)):
            kind, chosen = "answer", [understanding.Candidate(context, "", 1.0, 1.0)]
    if reading.handoff is None and kind == "answer":
        top = chosen[0]
        confidence = _confidence(top, reading.candidates) if top.name else 1.0
        answer = _answer_item(db_session, text, top.item_id, reading.fact, confidence)
        answer.faqs = _faqs(db_session, clock, text, reading.fact, [top.item_id])
    elif reading.handoff is None and kind == "choose":
        fact = reading.fact or "overview"
        items = [_choice(c, _confidence(c, chosen)) for c in chosen]
        answer = Answer(
            question=text, kind="choose", fact=reading.fact, fact_label=knowledge.FACT_LABELS[fact],
            text=f"有 {len(items)} 个事项和您的问题相近，请选择您要办的是哪一个，我再告诉您{knowledge.FACT_LABELS[fact]}：",
            items=items, links=[Link("转人工咨询", ASK_PERSON_URL)],
        )
    elif reading.handoff is None and (faqs := _faqs(db_session, clock, text, reading.fact)):
        answer = _answer_faq(text, reading, faqs, weaker)
    else:
        agency_id = chosen[0].agency_id if chosen and kind == "answer" else None
        handoff = _handoff(db_session, reading, region, agency_id)
        links = [Link("办件进度查询", PROGRESS_URL)] if handoff.kind == "progress" else []
        links.append(Link("转人工咨询", ASK_PERSON_URL))
        answer = Answer(
            question=text, kind="handoff", fact=reading.fact, fact_label=knowledge.FACT_LABELS.get(reading.fact or "", ""),
            text=("没有找到和您的问题确切对应的事项。" if handoff.kind in ("department", "unknown") else "") + handoff.text,
            handoff=handoff, links=links,
            suggestions=[_choice(c, c.fits * 0.5) for c in weaker] if handoff.kind != "progress" else [],
        )
    if log:
        _log(db_session, clock, text, channel)
    return answer

