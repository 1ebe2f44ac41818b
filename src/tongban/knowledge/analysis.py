"""Frequent question analysis (高频咨询问题分析, CONS-10; 001 8.6): questions people asked are grouped by meaning,
and a group that no published entry answers well is proposed to its owner as a draft entry, with its count and
examples, so that the frequent questions become standard answers (统一答复模板).

Grouping: each distinct question becomes TF-IDF terms (`knowledge.text`: words, character pairs and the lexicon's
ideas); two questions whose cosine reaches the threshold are joined (single link, union-find over the pairs that
share a word or an idea). A group is about an item when the ideas its questions name contain the item's name;
its owner is then the item's agency, else the management agency of the region (004).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.catalog import service as catalog_service
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput
from tongban.knowledge import service
from tongban.knowledge import text as kb_text
from tongban.knowledge.enums import FaqOrigin, FaqState
from tongban.knowledge.models import FaqEntry, FaqVersion
from tongban.search.analyzer import compact, core_name

GROUP_THRESHOLD = 0.42  # cosine at which two questions ask the same thing (paraphrases score 0.45-0.8)
GOOD_ANSWER = 0.5  # a published entry that scores this against the group's questions answers it
MIN_COUNT = 2  # a question asked once is not yet frequent
EXAMPLES = 5
ANALYSIS_REF = "system:analysis"

QuestionSource = Callable[[Session, datetime], Iterable[service.AskedQuestion]]


@dataclass
class QuestionGroup:
    key: str
    representative: str
    count: int
    examples: list[str]
    channels: dict[str, int]
    answered_by: int | None = None  # the entry that answers it well
    answer_score: float = 0.0
    item_id: int | None = None
    item_name: str = ""
    proposal_entry_id: int | None = None


@dataclass
class Report:
    since: datetime
    questions: int
    groups: list[QuestionGroup] = field(default_factory=list)
    proposed: int = 0
    updated: int = 0

    @property
    def unanswered(self) -> list[QuestionGroup]:
        return [g for g in self.groups if g.answered_by is None]


def group_texts(texts: Sequence[str], *, threshold: float = GROUP_THRESHOLD) -> list[list[int]]:
    """Indexes of `texts` grouped by meaning, largest group first (identical texts always together)."""
    by_form: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        by_form.setdefault(compact(t), []).append(i)
    forms = list(by_form)
    collection = kb_text.Collection(forms)
    parent = list(range(len(forms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[str, list[int]] = {}
    for i, bag in enumerate(collection.bags):
        for term in bag:
            if term[0] in "wx":
                postings.setdefault(term, []).append(i)
    common = max(20, len(forms) // 3)  # a word half the questions share says nothing about meaning
    candidates = {(a, b) for ids in postings.values() if len(ids) <= common for a in ids for b in ids if a < b}
    for a, b in sorted(candidates):
        if find(a) != find(b) and collection.cosine(collection.vectors[a], b) >= threshold:
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for i, form in enumerate(forms):
        groups.setdefault(find(i), []).extend(by_form[form])
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))


def _key(text: str) -> str:
    return hashlib.sha256(compact(text).encode("utf-8")).hexdigest()[:32]


def _items_by_name(db_session: Session) -> list[tuple[str, int, int, str, str]]:
    """(core name, item id, agency id, region, name) of every published item, through the catalog's service."""
    out, offset = [], 0
    while True:
        rows, total = catalog_service.list_items(db_session=db_session, filters=catalog_service.ItemFilter(), limit=500, offset=offset)
        out.extend((core_name(r.name), r.id, r.agency_id, r.region_code, r.name) for r in rows)
        offset += len(rows)
        if not rows or offset >= total:
            return out


def _item_for(ideas: set[str], items: list[tuple[str, int, int, str, str]], region_code: str):
    """The item the questions are about: the longest idea that is (in) an item's name; the region's item first,
    then the shortest name (the main item, not a variant)."""
    best = None
    for idea in sorted(ideas, key=len, reverse=True):
        if len(idea) < 4:
            break
        found = [it for it in items if idea in it[0] or it[0] == idea]
        if found:
            best = min(found, key=lambda it: (not it[3] == region_code, len(it[0]), it[1]))
            break
    return best


def analyse(*, db_session: Session, clock: Clock, since: datetime, region_code: str, propose: bool = True,
            sources: Sequence[QuestionSource] = (service.asked_questions,), min_count: int = MIN_COUNT,
            threshold: float = GROUP_THRESHOLD) -> Report:
    """Group the questions asked since `since`; propose a draft entry for each frequent group without a good answer."""
    if since > clock.now():
        raise InvalidInput("SINCE_IN_FUTURE", "分析起始日期不能晚于今天")
    asked = [q for source in sources for q in source(db_session, since)]
    report = Report(since=since, questions=len(asked))
    if not asked:
        return report
    live = service.live_versions(db_session=db_session, clock=clock)
    items = _items_by_name(db_session) if propose else []
    existing = _open_proposals(db_session)
    for indexes in group_texts([q.text for q in asked], threshold=threshold):
        if len(indexes) < min_count:
            continue
        texts = Counter(asked[i].text for i in indexes)
        representative = min(texts, key=lambda t: (-texts[t], len(t), t))
        group = QuestionGroup(
            key=_key(representative), representative=representative, count=len(indexes),
            examples=[t for t, _ in texts.most_common(EXAMPLES)],
            channels=dict(Counter(asked[i].channel for i in indexes)),
        )
        scored = [r for text in group.examples[:3] for r in service.rank(live, text, min_score=0.0)[:1]]
        if scored:
            top = max(scored, key=lambda r: r.score)
            group.answer_score = top.score
            if top.score >= GOOD_ANSWER:
                group.answered_by = top.version.entry_id
        ideas: set[str] = set()
        for text in group.examples:
            ideas |= kb_text.ideas_in(text)
        item = _item_for(ideas, items, region_code) if propose else None
        if item is not None:
            group.item_id, group.item_name = item[1], item[4]
        report.groups.append(group)
        if propose and group.answered_by is None:
            _propose(db_session, clock, report, group, item, region_code, existing)
    return report


def _open_proposals(db_session: Session) -> dict[str, FaqVersion]:
    """Drafts the analysis proposed that nobody has taken up yet, by each of their wordings."""
    rows = db_session.scalars(select(FaqVersion).where(FaqVersion.origin == FaqOrigin.analysis.value,
                                                       FaqVersion.state == FaqState.draft.value))
    out: dict[str, FaqVersion] = {}
    for version in rows:
        for phrase in [version.question, *version.variants]:
            out.setdefault(compact(phrase), version)
    return out


def _propose(db_session: Session, clock: Clock, report: Report, group: QuestionGroup, item, region_code: str,
             existing: dict[str, FaqVersion]) -> None:
    evidence = {"count": group.count, "examples": group.examples, "channels": group.channels,
                "since": report.since.date().isoformat()}
    variants = [t[:200] for t in group.examples if t != group.representative and len(t) >= 2][:10]
    version = next((existing[compact(t)] for t in group.examples if compact(t) in existing), None)
    taken = db_session.scalar(select(FaqEntry.id).where(FaqEntry.proposal_key == group.key))
    if version is None and taken is not None:
        return  # proposed before and already taken up (in review, published or withdrawn): the owner decided
    if version is not None:
        version.evidence = evidence
        version.variants = list(dict.fromkeys([*version.variants, *variants]))[:20]
        group.proposal_entry_id = version.entry_id
        report.updated += 1
        db_session.flush()
        return
    now = clock.now()
    entry = FaqEntry(owner_agency_id=item[2] if item else None, region_code=item[3] if item else region_code,
                     proposal_key=group.key, created_at=now, updated_at=now)
    db_session.add(entry)
    db_session.flush()
    version = FaqVersion(entry_id=entry.id, number=1, state=FaqState.draft.value, origin=FaqOrigin.analysis.value,
                         question=group.representative[:200], answer=service.PLACEHOLDER_ANSWER, variants=variants,
                         item_ids=[item[1]] if item else [], evidence=evidence, created_at=now, created_by=ANALYSIS_REF,
                         author_name="高频问题分析")
    db_session.add(version)
    db_session.flush()
    for phrase in [version.question, *variants]:
        existing.setdefault(compact(phrase), version)
    audit.record(db_session=db_session, clock=clock, actor=ANALYSIS_REF, action="faq.propose", object_kind="faq_version",
                 object_id=version.id, details={"entry_id": entry.id, "count": group.count})
    group.proposal_entry_id = entry.id
    report.proposed += 1
