"""The knowledge base (知识库, CONS-03; 004; 002 8.1.1b): FAQ entries written by their owners, reviewed by the
management agency, published for everyone, searched by staff; and the log of questions people asked (CONS-10).

Item facts are kept by the implementing agency, everything else by the hall's management agency (004); a version
moves draft → review → published (→ superseded by the next, or withdrawn) through the catalog's shared transition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import reads as catalog_reads
from tongban.catalog import review
from tongban.catalog.regions import list_agencies, managed_region, region_full_name, require_management
from tongban.core import audit
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.pii import mask_text
from tongban.knowledge import text as kb_text
from tongban.knowledge.enums import EDITABLE_STATES, OPEN_STATES, FaqOrigin, FaqState, QuestionChannel
from tongban.knowledge.models import FaqEntry, FaqVersion, QuestionLog
from tongban.knowledge.schemas import FaqIn

VERSION = review.Reviewed("版", "BAD_FAQ_STATE", "FAQ_CHANGED", "该问答刚被其他人处理过，请刷新后查看")
MAX_LIMIT = 50
QUERY_MAX = 200
ANSWER_WEIGHT = 0.1  # the answer's text counts a little; the question and its variants are what people ask
LINKED_BONUS = 0.1  # an entry linked to the item being asked about
LONG_DIGITS_RE = re.compile(r"\d{5,}")
PLACEHOLDER_ANSWER = "（待编写：请根据高频问题补充标准答复）"  # the answer of a draft the analysis proposed


# ---------------------------------------------------------------- reading

def get_entry(*, db_session: Session, entry_id: int) -> FaqEntry:
    entry = db_session.get(FaqEntry, entry_id)
    if entry is None:
        raise NotFound("FAQ_NOT_FOUND", "没有找到这条常见问题")
    return entry


def get_version(*, db_session: Session, version_id: int) -> FaqVersion:
    version = db_session.get(FaqVersion, version_id)
    if version is None:
        raise NotFound("FAQ_VERSION_NOT_FOUND", "没有找到这个版本")
    return version


def history(*, db_session: Session, entry_id: int) -> list[FaqVersion]:
    """Every version of an entry, newest first: what was said, who wrote, reviewed, published or withdrew it."""
    get_entry(db_session=db_session, entry_id=entry_id)
    return list(db_session.scalars(select(FaqVersion).where(FaqVersion.entry_id == entry_id).order_by(FaqVersion.number.desc())))


def _version_in(db_session: Session, entry_id: int, states: Sequence[FaqState]) -> FaqVersion | None:
    return db_session.scalar(select(FaqVersion).where(FaqVersion.entry_id == entry_id,
                                                      FaqVersion.state.in_([s.value for s in states])))


def published_version(*, db_session: Session, entry_id: int) -> FaqVersion | None:
    return _version_in(db_session, entry_id, (FaqState.published,))


def open_version(*, db_session: Session, entry_id: int) -> FaqVersion | None:
    """The change being made (draft, in review or returned), if any: at most one per entry."""
    return _version_in(db_session, entry_id, OPEN_STATES)


def is_valid(version: FaqVersion, today: date) -> bool:
    """Within its validity (有效期): not before `valid_from`, not after `valid_until`."""
    return (version.valid_from is None or version.valid_from <= today) and (
        version.valid_until is None or today <= version.valid_until)


def owner_name(*, db_session: Session, entry: FaqEntry) -> str:
    if entry.owner_agency_id is not None:
        return catalog_reads.agency(db_session=db_session, agency_id=entry.owner_agency_id).name
    managers = [a for a in list_agencies(db_session=db_session, region_code=entry.region_code) if a.is_management]
    return managers[0].name if managers else f"{region_full_name(db_session=db_session, code=entry.region_code)}政务服务管理机构"


# ---------------------------------------------------------------- who may do what

def require_editor(*, db_session: Session, actor: StaffActor, owner_agency_id: int | None, region_code: str) -> None:
    """The owner writes: staff of the owning agency, or, for entries of the management agency, its own staff (004)."""
    if owner_agency_id is not None:
        actor.require_edit(owner_agency_id, region_code=region_code)
        return
    actor.require(Permission.catalog_edit, region_code=region_code)
    if managed_region(db_session=db_session, actor=actor) is None:
        raise Forbidden("NOT_MANAGEMENT_FAQ", "事项以外的问答由政务服务大厅管理机构维护，实施机构的人员不能编辑")


def may_edit(*, db_session: Session, actor: StaffActor, entry: FaqEntry) -> bool:
    try:
        require_editor(db_session=db_session, actor=actor, owner_agency_id=entry.owner_agency_id, region_code=entry.region_code)
    except Forbidden:
        return False
    return True


def _proposers(version: FaqVersion) -> set[str]:
    return {ref for ref in (version.created_by, version.submitted_by) if ref}


def require_reviewer(*, db_session: Session, actor: StaffActor, entry: FaqEntry, version: FaqVersion) -> None:
    """The management agency responsible for the entry's region reviews and publishes; never the one who wrote it."""
    require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=entry.region_code)
    actor.require_not_proposer(_proposers(version))


def may_review(*, db_session: Session, actor: StaffActor, entry: FaqEntry, version: FaqVersion) -> bool:
    try:
        require_reviewer(db_session=db_session, actor=actor, entry=entry, version=version)
    except Forbidden:
        return False
    return True


# ---------------------------------------------------------------- writing

def _check_items(db_session: Session, item_ids: list[int]) -> None:
    missing = set(item_ids) - catalog_reads.existing_item_ids(db_session=db_session, item_ids=item_ids)
    if missing:
        raise InvalidInput("FAQ_ITEM_UNKNOWN", f"关联的事项不存在：{'、'.join(str(i) for i in sorted(missing))}")


def _record(db_session: Session, clock: Clock, actor_ref: str, action: str, version: FaqVersion, **details) -> None:
    audit.record(db_session=db_session, clock=clock, actor=actor_ref, action=action, object_kind="faq_version",
                 object_id=version.id, details={"entry_id": version.entry_id, "number": version.number, **details})


def _fill(version: FaqVersion, faq_in: FaqIn) -> None:
    version.question = faq_in.question
    version.answer = faq_in.answer.strip()
    version.variants = list(faq_in.variants)
    version.item_ids = list(faq_in.item_ids)
    version.valid_from = faq_in.valid_from
    version.valid_until = faq_in.valid_until


def _owner_region(db_session: Session, actor: StaffActor, faq_in: FaqIn) -> str:
    if faq_in.owner_agency_id is not None:
        return catalog_reads.agency(db_session=db_session, agency_id=faq_in.owner_agency_id).region_code
    return faq_in.region_code or managed_region(db_session=db_session, actor=actor) or actor.region_code


def create_entry(*, db_session: Session, clock: Clock, actor: StaffActor, faq_in: FaqIn) -> FaqVersion:
    """A new entry and its first version, a draft of the owner."""
    region_code = _owner_region(db_session, actor, faq_in)
    require_editor(db_session=db_session, actor=actor, owner_agency_id=faq_in.owner_agency_id, region_code=region_code)
    _check_items(db_session, faq_in.item_ids)
    now = clock.now()
    entry = FaqEntry(owner_agency_id=faq_in.owner_agency_id, region_code=region_code, created_at=now, updated_at=now)
    db_session.add(entry)
    db_session.flush()
    version = FaqVersion(entry_id=entry.id, number=1, state=FaqState.draft.value, origin=FaqOrigin.staff.value,
                         created_at=now, created_by=actor.ref, author_name=actor.name)
    _fill(version, faq_in)
    db_session.add(version)
    db_session.flush()
    _record(db_session, clock, actor.ref, "faq.draft", version)
    return version


def save_draft(*, db_session: Session, clock: Clock, actor: StaffActor, entry_id: int, faq_in: FaqIn) -> FaqVersion:
    """Change an entry: the open draft (or returned version) is edited, else a new version starts from this text."""
    entry = get_entry(db_session=db_session, entry_id=entry_id)
    require_editor(db_session=db_session, actor=actor, owner_agency_id=entry.owner_agency_id, region_code=entry.region_code)
    _check_items(db_session, faq_in.item_ids)
    version = open_version(db_session=db_session, entry_id=entry.id)
    if version is not None and FaqState(version.state) not in EDITABLE_STATES:
        raise Conflict("FAQ_IN_REVIEW", f"第 {version.number} 版正在审核，审核结束前不能修改")
    now = clock.now()
    if version is None:
        number = (db_session.scalar(select(func.max(FaqVersion.number)).where(FaqVersion.entry_id == entry.id)) or 0) + 1
        version = FaqVersion(entry_id=entry.id, number=number, state=FaqState.draft.value, origin=FaqOrigin.staff.value,
                             created_at=now, created_by=actor.ref, author_name=actor.name)
        db_session.add(version)
    elif version.created_by != actor.ref:
        version.submitted_by = version.submitted_by or actor.ref  # whoever changed the text is a proposer too
    _fill(version, faq_in)
    entry.updated_at = now
    try:
        db_session.flush()
    except IntegrityError:
        raise Conflict("FAQ_CHANGED", "另一位工作人员同时修改了这条问答，请刷新后重试") from None
    _record(db_session, clock, actor.ref, "faq.draft", version)
    return version


def submit(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int) -> FaqVersion:
    """Hand a draft to the management agency for review (送审)."""
    version = get_version(db_session=db_session, version_id=version_id)
    entry = get_entry(db_session=db_session, entry_id=version.entry_id)
    require_editor(db_session=db_session, actor=actor, owner_agency_id=entry.owner_agency_id, region_code=entry.region_code)
    if version.answer.strip() == PLACEHOLDER_ANSWER:
        raise InvalidInput("FAQ_ANSWER_MISSING", "请先写好答复再送审")
    review.transition(db_session, version, VERSION, EDITABLE_STATES, FaqState.review, submitted_at=clock.now(),
                      submitted_by=actor.ref)
    _record(db_session, clock, actor.ref, "faq.submit", version)
    return version


def publish(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int, comment: str = "") -> FaqVersion:
    """Approve a version in review and make it the entry's public answer; the one before becomes history."""
    version = get_version(db_session=db_session, version_id=version_id)
    entry = get_entry(db_session=db_session, entry_id=version.entry_id)
    require_reviewer(db_session=db_session, actor=actor, entry=entry, version=version)
    if FaqState(version.state) is not FaqState.review:
        raise Conflict("BAD_FAQ_STATE", f"第 {version.number} 版当前为“{FaqState(version.state).label}”，送审后才能发布")
    now = clock.now()
    db_session.execute(
        update(FaqVersion).where(FaqVersion.entry_id == entry.id, FaqVersion.state == FaqState.published.value)
        .values(state=FaqState.superseded.value).execution_options(synchronize_session="fetch")
    )
    review.transition(db_session, version, VERSION, (FaqState.review,), FaqState.published, reviewed_at=now,
                      reviewed_by=actor.name, review_comment=comment.strip()[:500], published_at=now)
    entry.updated_at = now
    _record(db_session, clock, actor.ref, "faq.publish", version)
    return version


def return_version(*, db_session: Session, clock: Clock, actor: StaffActor, version_id: int, reasons: str) -> FaqVersion:
    """Send a version in review back to its owner with the reasons (退回修改)."""
    version = get_version(db_session=db_session, version_id=version_id)
    entry = get_entry(db_session=db_session, entry_id=version.entry_id)
    require_reviewer(db_session=db_session, actor=actor, entry=entry, version=version)
    if not reasons or not reasons.strip():
        raise InvalidInput("REASONS_REQUIRED", "退回时必须写明退回理由")
    review.transition(db_session, version, VERSION, (FaqState.review,), FaqState.returned, reviewed_at=clock.now(),
                      reviewed_by=actor.name, review_comment=reasons.strip()[:500])
    _record(db_session, clock, actor.ref, "faq.return", version)
    return version


def withdraw(*, db_session: Session, clock: Clock, actor: StaffActor, entry_id: int, reason: str) -> FaqVersion:
    """Take an entry's public answer down (撤下): its owner or the management agency, with a reason."""
    entry = get_entry(db_session=db_session, entry_id=entry_id)
    if not may_edit(db_session=db_session, actor=actor, entry=entry):
        require_management(db_session=db_session, actor=actor, permission=Permission.catalog_review, region_code=entry.region_code)
    if not reason or not reason.strip():
        raise InvalidInput("REASONS_REQUIRED", "撤下时必须写明理由")
    version = published_version(db_session=db_session, entry_id=entry.id)
    if version is None:
        raise Conflict("FAQ_NOT_PUBLISHED", "这条问答没有已发布的版本，无需撤下")
    now = clock.now()
    review.transition(db_session, version, VERSION, (FaqState.published,), FaqState.withdrawn, withdrawn_at=now,
                      withdrawn_by=actor.name, review_comment=reason.strip()[:500])
    entry.updated_at = now
    _record(db_session, clock, actor.ref, "faq.withdraw", version, reason=reason.strip()[:500])
    return version


# ---------------------------------------------------------------- matching questions

@dataclass(frozen=True)
class Ranked:
    version: FaqVersion
    score: float


class _Matcher:
    """The phrasings (question and variants) and answers of a set of versions as TF-IDF collections."""

    def __init__(self, versions: Sequence[FaqVersion]) -> None:
        self.versions = list(versions)
        phrasings: list[str] = []
        self.owner: list[int] = []
        for position, version in enumerate(self.versions):
            for phrase in [version.question, *version.variants]:
                phrasings.append(phrase)
                self.owner.append(position)
        self.phrasings = kb_text.Collection(phrasings)
        self.answers = kb_text.Collection(v.answer for v in self.versions)

    def scores(self, question: str) -> list[float]:
        best = [0.0] * len(self.versions)
        query = self.phrasings.query(question)
        for index, position in enumerate(self.owner):
            best[position] = max(best[position], self.phrasings.cosine(query, index))
        answer_query = self.answers.query(question)
        return [(1 - ANSWER_WEIGHT) * b + ANSWER_WEIGHT * self.answers.cosine(answer_query, i) for i, b in enumerate(best)]


_matchers: dict[tuple, _Matcher] = {}


def _matcher(versions: Sequence[FaqVersion]) -> _Matcher:
    """Published text does not change, so a set of versions' collections is built once per process."""
    key = tuple((v.id, v.question, tuple(v.variants), len(v.answer)) for v in versions)
    found = _matchers.get(key)
    if found is None:
        if len(_matchers) > 16:
            _matchers.clear()
        found = _matchers[key] = _Matcher(versions)
    return found


def clean_query(question: str) -> str:
    """The question stripped; empty or too long is refused in Chinese."""
    question = (question or "").strip()
    if not question:
        raise InvalidInput("QUESTION_EMPTY", "请输入要查询的问题")
    if len(question) > QUERY_MAX:
        raise InvalidInput("QUESTION_TOO_LONG", f"问题不能超过 {QUERY_MAX} 个字")
    return question


def live_versions(*, db_session: Session, clock: Clock) -> list[FaqVersion]:
    """Published versions within their validity today: what the public and the assistant see."""
    today = clock.today()
    rows = db_session.scalars(select(FaqVersion).where(FaqVersion.state == FaqState.published.value).order_by(FaqVersion.entry_id))
    return [v for v in rows if is_valid(v, today)]


def rank(versions: Sequence[FaqVersion], question: str, *, item_ids: Sequence[int] | None = None,
         min_score: float = 0.0) -> list[Ranked]:
    """Versions by how well they answer `question`, best first; with `item_ids`, entries about other items are
    left out and entries about these items come first (entries about no item stay: hall hours, the portal)."""
    if not versions:
        return []
    wanted = set(item_ids or ())
    scores = _matcher(versions).scores(question)
    ranked = []
    for version, score in zip(versions, scores, strict=True):
        if wanted:
            linked = set(version.item_ids or ())
            if linked and not linked & wanted:
                continue
            if linked & wanted:
                score = min(1.0, score + LINKED_BONUS)
        if score > min_score:
            ranked.append(Ranked(version, round(score, 4)))
    ranked.sort(key=lambda r: (-r.score, r.version.entry_id))
    return ranked


def list_public(*, db_session: Session, clock: Clock, q: str = "", limit: int = 20, offset: int = 0) -> tuple[list[Ranked], int]:
    """Published, valid entries: all of them by entry, or those that answer `q`, best first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("BAD_LIMIT", f"每页数量应在 1 到 {MAX_LIMIT} 之间")
    if offset < 0:
        raise InvalidInput("BAD_OFFSET", "偏移量不能为负数")
    versions = live_versions(db_session=db_session, clock=clock)
    if q.strip():
        ranked = rank(versions, clean_query(q), min_score=MIN_PUBLIC_SCORE)
    else:
        ranked = [Ranked(v, 0.0) for v in versions]
    return ranked[offset:offset + limit], len(ranked)


MIN_PUBLIC_SCORE = 0.15  # below it a match shares a word or two by chance


def get_public(*, db_session: Session, clock: Clock, entry_id: int) -> FaqVersion:
    """An entry as the public reads it: published and valid today, else not found (an expired answer is not shown)."""
    version = published_version(db_session=db_session, entry_id=entry_id)
    if version is None or not is_valid(version, clock.today()):
        raise NotFound("FAQ_NOT_FOUND", "没有找到这条常见问题，它可能已过期或已撤下")
    return version


@dataclass(frozen=True)
class StaffHit:
    entry: FaqEntry
    version: FaqVersion
    score: float
    valid: bool


def search(*, db_session: Session, clock: Clock, actor: StaffActor, q: str, limit: int = 20) -> list[StaffHit]:
    """Staff full-text search (CONS-03): every published entry (valid or not, marked) and the open drafts of
    entries the actor may edit, by how well the question, a variant or the answer matches."""
    question = clean_query(q)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("BAD_LIMIT", f"每页数量应在 1 到 {MAX_LIMIT} 之间")
    rows = db_session.execute(
        select(FaqVersion, FaqEntry).join(FaqEntry, FaqEntry.id == FaqVersion.entry_id)
        .where(FaqVersion.state.in_([FaqState.published.value, *(s.value for s in OPEN_STATES)]))
        .order_by(FaqVersion.id)
    ).all()
    entries = {entry.id: entry for _, entry in rows}
    editable = {eid for eid, entry in entries.items() if may_edit(db_session=db_session, actor=actor, entry=entry)}
    versions = [v for v, e in rows if v.state == FaqState.published.value or e.id in editable]
    today = clock.today()
    return [StaffHit(entries[r.version.entry_id], r.version, r.score, is_valid(r.version, today))
            for r in rank(versions, question, min_score=0.05)[:limit]]


def list_for_staff(*, db_session: Session, actor: StaffActor, state: str = "", limit: int = 200) -> list[tuple[FaqEntry, FaqVersion]]:
    """The latest version of each entry the actor edits or reviews, newest change first (the staff list)."""
    latest = select(FaqVersion.entry_id, func.max(FaqVersion.number).label("number")).group_by(FaqVersion.entry_id).subquery()
    query = (select(FaqEntry, FaqVersion).join(latest, latest.c.entry_id == FaqEntry.id)
             .join(FaqVersion, (FaqVersion.entry_id == FaqEntry.id) & (FaqVersion.number == latest.c.number))
             .order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc()))
    if state:
        query = query.where(FaqVersion.state == FaqState(state).value)
    out = []
    for entry, version in db_session.execute(query).all():
        if may_edit(db_session=db_session, actor=actor, entry=entry) or actor.covers(region_code=entry.region_code):
            out.append((entry, version))
        if len(out) >= limit:
            break
    return out


# ---------------------------------------------------------------- questions asked (CONS-10 input)

@dataclass(frozen=True)
class AskedQuestion:
    text: str
    channel: str
    source: str
    asked_at: datetime


def record_question(*, db_session: Session, clock: Clock, text: str, channel: str, source: str) -> QuestionLog:
    """Log a question someone asked (assistant, help ticket, letter), personal data masked, for the analysis: ID and
    phone numbers, and any other run of five or more digits (bank cards, case numbers) says nothing of the meaning."""
    text = LONG_DIGITS_RE.sub(lambda m: "*" * len(m.group()), mask_text(" ".join((text or "").split())))
    if len(text) < 2:
        raise InvalidInput("QUESTION_EMPTY", "问题内容不能为空")
    try:
        channel = QuestionChannel(channel).value
    except ValueError:
        raise InvalidInput("BAD_CHANNEL", f"咨询渠道只能是：{'、'.join(c.value for c in QuestionChannel)}") from None
    source = (source or "").strip()[:40]
    if not source:
        raise InvalidInput("BAD_SOURCE", "请注明问题的来源")
    row = QuestionLog(asked_at=clock.now(), text=text[:500], channel=channel, source=source)
    db_session.add(row)
    db_session.flush()
    return row


def since_start(day: date) -> datetime:
    """The start of a legal date in Shanghai, as the UTC timestamp the log stores."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(timezone.utc)


def asked_questions(db_session: Session, since: datetime) -> list[AskedQuestion]:
    """The questions asked since `since`, oldest first: the analysis's input (other sources follow this shape)."""
    rows = db_session.scalars(select(QuestionLog).where(QuestionLog.asked_at >= since).order_by(QuestionLog.id))
    return [AskedQuestion(r.text, r.channel, r.source, r.asked_at) for r in rows]
