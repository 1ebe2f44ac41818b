"""Measuring the assistant: item hit@1/@5, fact accuracy, hand-offs and latency over a file of questions (CONS-01).

The question file is a TSV: a header line, then ``question<TAB>expected item|expected item<TAB>fact``, where fact is
one of `knowledge.FACTS` or ``no-item`` (with ``-`` as the item). `item_hit1`/`item_hit5` count questions that have
an item: the first item the answer names (the answered item, or the first choice when asked back; never a mere
suggestion of a hand-off) for hit@1, the first five of the items named and suggested for hit@5. `fact_acc`: the share
of those where the recognised fact is the expected one. `no_item_ok`: the share of ``no-item`` questions answered
with a hand-off or from an FAQ entry (no item asserted, none offered as a choice).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tongban.assistant.knowledge import FACTS
from tongban.core.clock import Clock
from tongban.search.evaluate import percentile, sichuan_engine

NO_ITEM = "no-item"
NO_ITEM_KINDS = ("handoff", "faq")  # the kinds of answer that assert no item


@dataclass(frozen=True)
class Question:
    text: str
    expected: tuple[str, ...]  # item names, any of; empty for no-item
    fact: str


@dataclass(frozen=True)
class Said:
    """What one answer asserted, as the metrics need it."""

    kind: str  # answer / choose / faq / handoff
    named: tuple[str, ...]  # the answered item or the choices, in order
    suggested: tuple[str, ...]
    fact: str | None


@dataclass
class Metrics:
    item_hit1: float
    item_hit5: float
    fact_acc: float
    no_item_ok: float
    n: int
    p50_ms: float
    p99_ms: float
    asked_back: int = 0
    misses: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"item_hit1": round(self.item_hit1, 4), "item_hit5": round(self.item_hit5, 4), "fact_acc": round(self.fact_acc, 4),
                "no_item_ok": round(self.no_item_ok, 4), "n": self.n, "p50_ms": round(self.p50_ms, 3), "p99_ms": round(self.p99_ms, 3)}


def load_questions(path: str | Path) -> list[Question]:
    out = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 3 or not cols[0] or cols[2] not in FACTS + (NO_ITEM,) or (cols[2] != NO_ITEM and cols[1] in ("", "-")):
            raise ValueError(f"{path} 第 {number} 行格式不对：应为 问题<TAB>期望事项|期望事项<TAB>所问信息（{'、'.join(FACTS)} 或 {NO_ITEM}）")
        expected = () if cols[2] == NO_ITEM else tuple(e.strip() for e in cols[1].split("|") if e.strip())
        out.append(Question(cols[0], expected, cols[2]))
    return out


def evaluate(answer: Callable[[str], Said], questions: list[Question]) -> Metrics:
    """Ask every question once (after one warm-up question) and score what was said."""
    if questions:
        answer(questions[0].text)
    hit1 = hit5 = facts = with_item = no_item = no_item_ok = asked_back = 0
    latencies, misses = [], []
    for q in questions:
        started = time.perf_counter()
        said = answer(q.text)
        latencies.append((time.perf_counter() - started) * 1000)
        asked_back += said.kind == "choose"
        if not q.expected:
            no_item += 1
            ok = said.kind in NO_ITEM_KINDS
            no_item_ok += ok
            if not ok:
                misses.append(f"{q.text} → 应转其他途径；答：{said.kind} {'、'.join(said.named[:2])}")
            continue
        with_item += 1
        first = said.named[0] if said.named and said.kind not in NO_ITEM_KINDS else None
        ranked = list(said.named if said.kind not in NO_ITEM_KINDS else ()) + list(said.suggested)
        hit1 += first in q.expected
        hit5 += any(name in q.expected for name in ranked[:5])
        facts += said.fact == q.fact
        if first not in q.expected or said.fact != q.fact:
            misses.append(f"{q.text} → {'|'.join(q.expected)} {q.fact}；答：{said.kind} {'、'.join(ranked[:3]) or '-'} {said.fact}")
    share = lambda a, b: a / b if b else 0.0  # noqa: E731
    return Metrics(share(hit1, with_item), share(hit5, with_item), share(facts, with_item), share(no_item_ok, no_item),
                   len(questions), percentile(latencies, 0.50), percentile(latencies, 0.99), asked_back, misses)


def sichuan_session(sichuan: str | Path, clock: Clock, *, workdir: str | None = None, progress=None) -> Session:
    """A session on a scratch SQLite database holding the Sichuan catalog (loaded by the search's evaluation)."""
    from tongban.core import db as core_db

    directory = workdir or tempfile.mkdtemp(prefix="tongban-eval-assistant-")
    sichuan_engine(sichuan, clock, workdir=directory, progress=progress)
    factory = sessionmaker(bind=core_db.make_engine(f"sqlite:///{Path(directory) / 'eval.db'}"), expire_on_commit=False)
    return factory()


def assistant_answer(db_session: Session, clock: Clock, hub) -> Callable[[str], Said]:
    from tongban.assistant import service

    def run(question: str) -> Said:
        a = service.ask(db_session=db_session, clock=clock, hub=hub, question=question, channel="eval", log=False)
        return Said(a.kind, tuple(i.name for i in a.items), tuple(i.name for i in a.suggestions), a.fact)

    return run
