"""Search as a service: the index kept in step with the published catalog, logs, hot lists (SRCH-01, SRCH-05).

The index lives in memory, one per process. It is built from the database on first use and
kept current two ways: a publish in this process marks its item for re-indexing once the
transaction commits, and every few seconds a cheap fingerprint of the catalog and of the
publications is compared, so a publish in another process is seen too.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor
from tongban.catalog import regions
from tongban.catalog import service as catalog_service
from tongban.core.clock import Clock
from tongban.core import audit
from tongban.core.crypto import lookup_hash
from tongban.core.errors import InvalidInput, NotFound
from tongban.publications import service as publications_service
from tongban.search import analyzer, sources
from tongban.search.engine import SearchEngine
from tongban.search.index import SearchDoc
from tongban.search.models import HiddenSearch, SearchClick, SearchLog
from tongban.search.query import MAX_QUERY_CHARS

CHECK_SECONDS = 2.0
POPULARITY_SECONDS = 60.0
POPULARITY_DAYS = 90
DIGITS_RE = re.compile(r"\d{5,}")

_hubs: weakref.WeakSet[SearchHub] = weakref.WeakSet()


class SearchHub:
    """The process's search engine and what it knows of the database it was built from."""

    def __init__(self) -> None:
        self.engine: SearchEngine | None = None
        self._stamp: tuple | None = None
        self._since: datetime | None = None
        self._checked = 0.0
        self._popularity_at = 0.0
        self._pending: set[int] = set()
        self._faq_keys: dict[int, list[str]] = {}
        self._lock = threading.RLock()
        _hubs.add(self)

    def mark(self, item_ids: set[int]) -> None:
        with self._lock:
            self._pending |= item_ids

    def engine_for(self, db_session: Session, clock: Clock) -> SearchEngine:
        """The engine, built or brought up to date with the database when needed."""
        now = time.monotonic()
        if self.engine is not None and not self._pending and now - self._checked < CHECK_SECONDS:
            return self.engine
        with self._lock:
            stamp = _stamp(db_session)
            if self.engine is None:
                self._build(db_session)
            elif stamp != self._stamp or self._pending:
                self._refresh(db_session)
            self._stamp = stamp
            self._checked = now
            if now - self._popularity_at >= POPULARITY_SECONDS:
                self.engine.index.set_popularity(click_counts(db_session=db_session, clock=clock, days=POPULARITY_DAYS))
                self._popularity_at = now
            return self.engine

    def refresh_popularity(self) -> None:
        """Re-read the click logs at the next search instead of within a minute."""
        self._popularity_at = 0.0
        self._checked = 0.0

    def _item_docs(self, db_session: Session, since: datetime | None, only_ids: set[int] | None = None):
        docs, removed, newest = [], [], since
        for item, content in catalog_service.published_since(db_session=db_session, since=since, only_ids=only_ids):
            item_docs = sources.item_documents(item, content)
            removed += self._faq_keys.get(item.id, [])
            self._faq_keys[item.id] = [d.key for d in item_docs if d.kind == "faq"]
            docs += item_docs
            if newest is None or item.updated_at > newest:
                newest = item.updated_at
        return docs, removed, newest

    def _publication_docs(self, db_session: Session, since: datetime | None):
        docs, removed, newest = [], [], since
        for pub in publications_service.changed_since(db_session=db_session, since=since):
            if pub.status == "published":
                agency = regions.get_agency(db_session=db_session, agency_id=pub.agency_id) if pub.agency_id else None
                docs.append(sources.publication_document(pub, agency.name if agency else ""))
            else:
                removed.append(f"publication:{pub.id}")
            if newest is None or pub.updated_at > newest:
                newest = pub.updated_at
        return docs, removed, newest

    def _build(self, db_session: Session) -> None:
        engine = SearchEngine()
        item_docs, _, newest_item = self._item_docs(db_session, None)
        pub_docs, _, newest_pub = self._publication_docs(db_session, None)
        engine.rebuild(item_docs + pub_docs)
        self.engine = engine
        self._since = (newest_item, newest_pub)
        self._pending.clear()

    def _refresh(self, db_session: Session) -> None:
        since_item, since_pub = self._since
        pending, self._pending = self._pending, set()
        docs, removed, newest_item = self._item_docs(db_session, since_item)
        seen = {int(d.key.split(":")[1]) for d in docs if d.kind == "item"}
        if pending - seen:
            # Published in this process at the same instant as the last change we saw.
            more, more_removed, _ = self._item_docs(db_session, None, pending - seen)
            docs += more
            removed += more_removed
        pub_docs, pub_removed, newest_pub = self._publication_docs(db_session, since_pub)
        self.engine.upsert(docs + pub_docs, removed + pub_removed)
        self._since = (newest_item, newest_pub)


def _stamp(db_session: Session) -> tuple:
    return catalog_service.change_stamp(db_session=db_session) + publications_service.change_stamp(db_session=db_session)


@catalog_service.on_publish
def _note_publish(db_session: Session, item: sources.IndexedItem) -> None:
    db_session.info.setdefault("search_published", set()).add(item.id)


@event.listens_for(Session, "after_commit")
def _after_commit(db_session: Session) -> None:
    published = db_session.info.pop("search_published", None)
    if published:
        for hub in list(_hubs):
            hub.mark(published)


@event.listens_for(Session, "after_rollback")
def _after_rollback(db_session: Session) -> None:
    db_session.info.pop("search_published", None)


# ---------------------------------------------------------------- logs and hot lists


def mask_query(q: str) -> str:
    """What may be stored of a query: normalised, long digit runs (ID or phone numbers) masked."""
    return DIGITS_RE.sub(lambda m: "*" * len(m.group()), analyzer.normalize(q))[:MAX_QUERY_CHARS]


def log_search(*, db_session: Session, clock: Clock, q: str, result_count: int, channel: str = "web") -> None:
    text = mask_query(q)
    if text:
        db_session.add(SearchLog(at=clock.now(), query=text, result_count=result_count, channel=channel[:20]))


def visitor_key(address: str) -> str:
    """Who clicked, as far as hot searches need to know: a keyed hash of the address, never the address."""
    return lookup_hash("search-visitor", address or "unknown")


def log_click(*, db_session: Session, clock: Clock, q: str, doc_key: str, position: int, visitor: str = "") -> None:
    if not re.fullmatch(r"(item|faq|publication|bundle):[0-9:]+", doc_key or ""):
        raise InvalidInput("BAD_RESULT_KEY", "检索结果编号格式不正确")
    db_session.add(SearchClick(at=clock.now(), query=mask_query(q), doc_key=doc_key,
                               position=max(0, min(position, 1000)), visitor=visitor[:64]))


def record_click(*, db_session: Session, clock: Clock, hub: SearchHub, q: str, doc_key: str, position: int,
                 visitor: str) -> SearchDoc:
    """An opened result (page and API): only a document the index has counts, under the visitor who opened it."""
    doc = hub.engine_for(db_session, clock).document(doc_key) if re.fullmatch(r"[a-z]+:[0-9:]+", doc_key or "") else None
    if doc is None:
        raise NotFound("RESULT_NOT_FOUND", "没有这条检索结果，可能已下线")
    log_click(db_session=db_session, clock=clock, q=q, doc_key=doc_key, position=position, visitor=visitor)
    return doc


def click_counts(*, db_session: Session, clock: Clock, days: int) -> dict[str, float]:
    since = clock.now() - timedelta(days=days)
    rows = db_session.execute(
        select(SearchClick.doc_key, func.count()).where(SearchClick.at >= since).group_by(SearchClick.doc_key)
    )
    counts: dict[str, float] = {}
    for key, count in rows:
        # A FAQ opened counts for its item too.
        counts[key] = counts.get(key, 0) + count
        if key.startswith("faq:"):
            item_key = "item:" + key.split(":")[1]
            counts[item_key] = counts.get(item_key, 0) + count
    return counts


# ---------------------------------------------------------------- hot searches (SRCH-05)

HOT_DAYS = 30
HOT_MIN_VISITORS = 3  # a query shows only when this many different visitors found something and opened it


@dataclass
class HotQuery:
    query: str
    count: int  # distinct visitors who searched it, found something and opened a result
    hidden: bool = False


def _hot_candidates(since: datetime):
    """Queries that found something and whose results were opened, with the number of distinct visitors."""
    visitors = func.count(func.distinct(SearchClick.visitor))
    found = select(SearchLog.query).where(SearchLog.at >= since, SearchLog.result_count > 0)
    return (
        select(SearchClick.query, visitors.label("n"))
        .where(SearchClick.at >= since, SearchClick.query != "", SearchClick.visitor != "",
               SearchClick.query.in_(found))
        .group_by(SearchClick.query)
        .order_by(visitors.desc(), SearchClick.query)
    )


def hot_searches(*, db_session: Session, clock: Clock, limit: int = 10, days: int = HOT_DAYS,
                 min_visitors: int = HOT_MIN_VISITORS) -> list[HotQuery]:
    """The public 热门搜索: searches that found something and were clicked by enough different visitors.

    A query's raw search count plays no part (one visitor searching a thousand times is one visitor);
    queries staff hid and queries with masked digits never show.
    """
    since = clock.now() - timedelta(days=days)
    visitors = func.count(func.distinct(SearchClick.visitor))
    rows = db_session.execute(
        _hot_candidates(since)
        .where(SearchClick.query.not_in(select(HiddenSearch.query)))
        .having(visitors >= min_visitors)
        .limit(limit * 2)
    )
    return [HotQuery(q, n) for q, n in rows if "*" not in q][:limit]


def hot_search_review(*, db_session: Session, clock: Clock, actor: StaffActor, limit: int = 50,
                      days: int = HOT_DAYS) -> list[HotQuery]:
    """What staff see: every clicked query (shown or not yet) and every hidden one, hidden ones marked."""
    actor.require(Permission.catalog_review)
    since = clock.now() - timedelta(days=days)
    hidden = set(db_session.scalars(select(HiddenSearch.query)))
    rows = db_session.execute(_hot_candidates(since).limit(limit))
    entries = [HotQuery(q, n, q in hidden) for q, n in rows if "*" not in q]
    listed = {e.query for e in entries}
    return entries + [HotQuery(q, 0, True) for q in sorted(hidden - listed)]


def hide_search(*, db_session: Session, clock: Clock, actor: StaffActor, query: str) -> HiddenSearch:
    """Take a query off the public hot-search list (catalog reviewers, audited); hiding twice changes nothing."""
    actor.require(Permission.catalog_review)
    text = mask_query(query)
    if not text:
        raise InvalidInput("QUERY_REQUIRED", "请填写要隐藏的检索词")
    row = db_session.scalar(select(HiddenSearch).where(HiddenSearch.query == text))
    if row is not None:
        return row
    row = HiddenSearch(query=text, hidden_at=clock.now(), hidden_by=actor.ref)
    db_session.add(row)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="search.hot.hide", object_kind="hidden_search",
                 object_id=row.id, details={"query": text})
    return row


def show_search(*, db_session: Session, clock: Clock, actor: StaffActor, query: str) -> None:
    """Let a hidden query appear in the hot-search list again when visitors use it (audited)."""
    actor.require(Permission.catalog_review)
    row = db_session.scalar(select(HiddenSearch).where(HiddenSearch.query == mask_query(query)))
    if row is None:
        raise NotFound("HIDDEN_SEARCH_NOT_FOUND", "这个检索词没有被隐藏")
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="search.hot.show", object_kind="hidden_search",
                 object_id=row.id, details={"query": row.query})
    db_session.delete(row)
    db_session.flush()


def hot_item_keys(*, db_session: Session, clock: Clock, limit: int = 10, days: int = 30) -> list[tuple[str, int]]:
    counts = click_counts(db_session=db_session, clock=clock, days=days)
    items = [(k, int(v)) for k, v in counts.items() if k.startswith("item:")]
    items.sort(key=lambda kv: (-kv[1], kv[0]))
    return items[:limit]
