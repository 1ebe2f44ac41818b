"""Measuring search quality: MRR, hit@5 and latency over a file of real queries (SRCH-02).

The query file is a TSV: a header line, then ``query<TAB>expected name|expected name``; a query
counts as found at the rank of the first result whose title is one of its expected names.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from tongban.core.clock import Clock

SearchFn = Callable[[str], list[str]]  # query → result titles, best first


@dataclass
class Miss:
    query: str
    expected: list[str]
    rank: int | None
    got: list[str]


@dataclass
class Metrics:
    mrr: float
    hit5: float
    p50_ms: float
    p99_ms: float
    n: int
    misses: list[Miss] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"mrr": round(self.mrr, 4), "hit5": round(self.hit5, 4), "p50_ms": round(self.p50_ms, 3), "p99_ms": round(self.p99_ms, 3), "n": self.n}


def load_queries(path: str | Path) -> list[tuple[str, list[str]]]:
    out = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            raise ValueError(f"{path} 第 {number} 行格式不对：应为 检索词<TAB>期望事项名称|期望事项名称")
        out.append((cols[0].strip(), [e.strip() for e in cols[1].split("|") if e.strip()]))
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def evaluate(search: SearchFn, queries: list[tuple[str, list[str]]], *, depth: int = 10) -> Metrics:
    """Run every query once (after one warm-up query) and score the ranks."""
    if queries:
        search(queries[0][0])
    reciprocal, hits5, latencies, misses = [], 0, [], []
    for query, expected in queries:
        started = time.perf_counter()
        titles = search(query)[:depth]
        latencies.append((time.perf_counter() - started) * 1000)
        wanted = set(expected)
        rank = next((i + 1 for i, title in enumerate(titles) if title in wanted), None)
        reciprocal.append(1 / rank if rank else 0.0)
        hits5 += 1 if rank and rank <= 5 else 0
        if rank != 1:
            misses.append(Miss(query, expected, rank, titles[:3]))
    n = len(queries)
    return Metrics(
        mrr=statistics.fmean(reciprocal) if n else 0.0,
        hit5=hits5 / n if n else 0.0,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        n=n,
        misses=misses,
    )


def sichuan_engine(sichuan: str | Path, clock: Clock, *, workdir: str | None = None, progress=None):
    """Load the Sichuan catalog into a fresh temporary SQLite database and build the engine from it."""
    from tongban.catalog.regions import load_regions
    from tongban.catalog.sichuan import import_sichuan
    from tongban.core import db as core_db
    from tongban.core.migrate import upgrade
    from tongban.search.service import SearchHub

    directory = workdir or tempfile.mkdtemp(prefix="tongban-eval-")
    url = f"sqlite:///{Path(directory) / 'eval.db'}"
    upgrade(url)
    # Its own engine: the process's configured database (the portal's, or a test's) is not touched.
    factory = sessionmaker(bind=core_db.make_engine(url), expire_on_commit=False)
    with factory() as session:
        load_regions(db_session=session)
        session.commit()
        import_sichuan(db_session=session, clock=clock, path=sichuan, progress=progress)
        session.commit()
    with factory() as session:
        engine = SearchHub().engine_for(session, clock)
    factory.kw["bind"].dispose()
    return engine


def engine_search(engine, *, limit: int = 10) -> SearchFn:
    def run(query: str) -> list[str]:
        _, result = engine.search(query, filters={"kind": "item"}, limit=limit)
        return [hit.doc.title for hit in result.hits]

    return run
