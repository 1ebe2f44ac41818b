"""Ratings: ingest one rating per service with the uniqueness check, and the monthly aggregates, each beside a peer
measured in the same run on the same database (RATE-01, RATE-06).

- ingest: `ratings.service.store_once` (the savepoint and the unique (subject, rater) constraint that refuse a second
  rating of a service), one session and one commit per rating as a request has, against plain INSERTs of the same
  rows into a copy of the table without the constraint, one session and one commit per row as well.
  `insert_ratio` = ratings/s ÷ plain inserts/s (goal ≥ 0.5).
- aggregates: `ratings.aggregates.aggregate(by="month")` over N ratings (valid ones, platform faults left out,
  satisfaction and bad-rating counts, dimension counts of bad ratings) against a plain GROUP BY month with the same
  counts over the same table. `aggregate_ratio` = aggregate time ÷ GROUP BY time (goal ≤ 2).

SQLite in a temporary file by default; PostgreSQL with --database-url (a scratch database is created and dropped).

    .venv/bin/python bench/ratings.py [--n 1000000] [--ingest 3000] [--database-url postgresql+psycopg://…/postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("TONGBAN_DATA_KEY", "00112233445566778899aabbccddeeff")  # scratch databases only
os.environ.setdefault("TONGBAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
os.environ.setdefault("TONGBAN_LOG_LEVEL", "WARNING")

from sqlalchemy import Column, MetaData, Table, case, create_engine, func, insert, select, text  # noqa: E402

from tongban.core import db as core_db  # noqa: E402
from tongban.ratings import aggregates, service  # noqa: E402
from tongban.ratings.enums import dimension_mask  # noqa: E402
from tongban.ratings.models import Rating  # noqa: E402

SCRATCH_DB = "tongban_bench_ratings"
DIMENSIONS = ["item_management", "process", "norms", "efficiency", "convenience", "platform", "staff"]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _row(i: int, rng: random.Random) -> dict:
    level = rng.choices([1, 2, 3, 4, 5], weights=[55, 25, 8, 7, 5])[0]
    chosen = rng.sample(DIMENSIONS, 2) if level >= 4 else []
    at = START + timedelta(minutes=i % (330 * 24 * 60))
    return dict(subject_kind="case", subject_id=i + 1, rater_key="", subject_ref=f"TB{i:010d}", level=level,
                dimensions=chosen, dimension_mask=dimension_mask(chosen) if level >= 4 else 0, comment="等候时间较长" if level >= 4 else "",
                addendum="", channel=rng.choice(["web", "mobile", "sms_link", "window"]), person_id=i % 50_000 + 1,
                item_id=i % 1000 + 1, item_name="食品经营许可", agency_id=i % 40 + 1, region_code="511602", hall_id=None,
                window_number=None, staff_ref=f"staff:{i % 300 + 1}", staff_name="", token_hash=None,
                month=at.strftime("%Y-%m"), valid=True, invalid_kind="", invalid_reason="", created_at=at)


def _plain_table(metadata: MetaData) -> Table:
    """The rating table's columns, without its unique constraint: the peer's table."""
    columns = [Column(c.name, c.type, primary_key=c.primary_key) if c.name == "id" else Column(c.name, c.type)
               for c in Rating.__table__.columns]
    return Table("bench_rating_plain", metadata, *columns)


def _prepare(url: str) -> Table:
    from tongban.core.migrate import upgrade

    upgrade(url)
    plain = _plain_table(MetaData())
    engine = create_engine(url)
    plain.create(engine)
    engine.dispose()
    return plain


def ingest(url: str, count: int, plain: Table) -> dict:
    rng = random.Random(7)
    rows = [_row(i, rng) for i in range(count)]
    core_db.configure(url)
    factory = core_db.session_factory()
    rated = plained = 0.0
    for row in rows:  # interleaved, so that load from elsewhere on the machine falls on both alike
        start = time.perf_counter()
        with factory() as session:
            service.store_once(session, Rating(**row))
            session.commit()
        middle = time.perf_counter()
        with factory() as session:
            session.execute(insert(plain), row)
            session.commit()
        rated, plained = rated + middle - start, plained + time.perf_counter() - middle
    with factory() as session:  # the check works: a second rating of the same service is refused
        try:
            service.store_once(session, Rating(**rows[0]))
            raise SystemExit("a second rating of the same service was stored")
        except service.Conflict:
            session.rollback()
    with factory() as session:
        session.execute(text("DELETE FROM rating"))
        session.commit()
    return {"ingest": count, "ratings_per_s": round(count / rated), "plain_inserts_per_s": round(count / plained),
            "insert_ratio": round(plained / rated, 3)}


def load(url: str, n: int) -> None:
    rng = random.Random(11)
    engine = core_db.get_engine()
    table = Rating.__table__
    with engine.begin() as conn:
        for first in range(0, n, 20_000):
            conn.execute(insert(table), [_row(i, rng) for i in range(first, min(first + 20_000, n))])
    if engine.dialect.name == "postgresql":  # statistics, as autovacuum keeps them on a running server
        with engine.begin() as conn:
            conn.execute(text("ANALYZE rating"))


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def aggregate(url: str, n: int) -> dict:
    load(url, n)
    factory = core_db.session_factory()
    table = Rating.__table__

    def ours():
        with factory() as session:
            rows = aggregates.aggregate(db_session=session, by="month", month_from="2026-01", month_to="2026-12")
            assert sum(r.count for r in rows) == n

    def peer():
        with factory() as session:
            query = (select(table.c.month, func.count(), func.sum(case((table.c.level <= 3, 1), else_=0)),
                            func.sum(case((table.c.level >= 4, 1), else_=0))).group_by(table.c.month))
            assert sum(r[1] for r in session.execute(query)) == n

    ours(), peer()  # warm the caches alike
    ours_s, peer_s = _best(ours), _best(peer)
    return {"n": n, "aggregate_s": round(ours_s, 3), "group_by_s": round(peer_s, 3),
            "aggregate_ratio": round(ours_s / peer_s, 3)}


def _scratch_pg(server_url: str, create: bool) -> str:
    head, _, _ = server_url.rpartition("/")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{SCRATCH_DB}"'))
    admin.dispose()
    return f"{head}/{SCRATCH_DB}"


def run(url: str, n: int, ingest_count: int) -> dict:
    plain = _prepare(url)
    result = ingest(url, ingest_count, plain)
    result.update(aggregate(url, n))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="ratings aggregated")
    ap.add_argument("--ingest", type=int, default=3000, help="ratings ingested one by one (and plain rows)")
    ap.add_argument("--database-url", default="", help="PostgreSQL server URL; a scratch database is created there")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with all figures")
    args = ap.parse_args()
    if args.database_url:
        url = _scratch_pg(args.database_url, create=True)
        try:
            result, database = run(url, args.n, args.ingest), "postgresql"
        finally:
            core_db.get_engine().dispose()
            _scratch_pg(args.database_url, create=False)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result, database = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.n, args.ingest), "sqlite"
            core_db.get_engine().dispose()
    print(f"{database}: ingest {result['ingest']} ratings one by one: {result['ratings_per_s']:,}/s with the uniqueness "
          f"check, {result['plain_inserts_per_s']:,}/s plain → insert_ratio {result['insert_ratio']:.2f} (goal ≥ 0.5)")
    print(f"{database}: monthly aggregates over {result['n']:,} ratings {result['aggregate_s']:.3f} s, plain GROUP BY "
          f"{result['group_by_s']:.3f} s → aggregate_ratio {result['aggregate_ratio']:.2f} (goal ≤ 2)")
    if args.json:
        print(json.dumps({"bench": "ratings", "database": database, **result}))


if __name__ == "__main__":
    main()
