"""Case lifecycles through the service layer beside raw SQLAlchemy Core inserts of the same rows, same run.

Each lifecycle is what a real case goes through: submit with two uploaded files, accept (notice),
start review, opinion, approve (decision and e-licence), pay by signed callback (receipt), download
(delivery): one commit per step, as the web routes do. Each step stores its notices' numbers and
content and enqueues their rendering; the PDFs, seals and SM2 signatures are made by the job worker,
which this benchmark then runs over the same documents and times on its own.

The peer writes the same number of rows with plain Core INSERTs, one statement per row, committed
in as many transactions as the lifecycles used. So `ratio` (lifecycle rows/s ÷ raw rows/s) is what
the domain rules, reads, encryption and bookkeeping cost on top of writing the rows themselves;
`ratio_vs_batched` compares with the same rows sent as one multi-row INSERT per transaction, and
`ratio_with_rendering` charges the lifecycles with the worker's time to seal their documents too.

Before the timed rounds, `--warmup` lifecycles and their raw rows run untimed on both sides, so neither
is charged with the first use of a statement or of the item's parsed content.

    python bench/cases.py [--n 100] [--rounds 5] [--warmup 5] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.factories and tests.cases.caseflow

os.environ.setdefault("TONGBAN_DATA_KEY", "00112233445566778899aabbccddeeff")
os.environ.setdefault("TONGBAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, func, inspect, select, text  # noqa: E402

from tongban.core import db as core_db  # noqa: E402
from tongban.core.clock import FixedClock  # noqa: E402
from tongban.core.migrate import upgrade  # noqa: E402


def count_rows(session) -> int:
    """Rows in every table the migrations made (the jobs a lifecycle enqueues included)."""
    from tongban.core.db import Base
    import tongban.models  # noqa: F401

    present = set(inspect(session.get_bind()).get_table_names())
    return sum(session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables if t.name in present)


class Lifecycles:
    """Applicants, staff and an item ready; `run(k)` takes k more cases through every step, one commit per step."""

    STEPS = 7  # commits per lifecycle

    def __init__(self, n: int, clock) -> None:
        from tests.cases.caseflow import Staff, case_item
        from tests.factories import make_person

        self.clock = clock
        self.session = core_db.session_factory()()
        self.item, agency = case_item(self.session, clock)
        self.staff = Staff(self.session, clock, agency)
        self.people = [make_person(self.session, clock) for _ in range(n)]
        self.session.commit()
        self.done = 0

    def run(self, k: int) -> float:
        from tongban.baselib.service import TableBaseLibrary
        from tongban.cases import decisions, delivery, handling, payments
        from tongban.cases import service as cases
        from tongban.cases.enums import CaseChannel, Opinion
        from tests.cases.caseflow import applicant_of, submission

        session, clock, staff, item = self.session, self.clock, self.staff, self.item
        gateway = payments.gateway_from_settings()
        start = time.perf_counter()
        for i in range(self.done, self.done + k):
            person = self.people[i]
            case = cases.submit(db_session=session, clock=clock, library=TableBaseLibrary(session), applicant=applicant_of(person),
                                submission=submission(item), channel=CaseChannel.web, submitter_ref=f"person:{person.id}",
                                idempotency_key=f"bench-{i:08d}")
            session.commit()
            handling.accept(db_session=session, clock=clock, actor=staff.acceptor, case=case)
            session.commit()
            handling.start_review(db_session=session, clock=clock, actor=staff.reviewer, case=case)
            session.commit()
            handling.record_opinion(db_session=session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                                    reasons="符合审查标准")
            session.commit()
            decisions.decide(db_session=session, clock=clock, actor=staff.decider, case=case, approve=True)
            session.commit()
            payment = payments.payment_of(db_session=session, case_id=case.id)
            body = payments.callback_body(payment=payment, gateway_ref=f"B{i}")
            payments.handle_callback(db_session=session, clock=clock, gateway=gateway, body=body, signature=gateway.sign(body))
            session.commit()
            delivery.downloaded(db_session=session, clock=clock, case=case, actor_ref=f"person:{person.id}", actor_name=person.name)
            session.commit()
        self.done += k
        return time.perf_counter() - start


def render_jobs(clock) -> tuple[float, int]:
    """Run the worker until no job is due; (seconds, documents sealed)."""
    from tongban.cases.documents import Document, DocumentStatus
    from tongban.notify import outbox
    from tongban.notify.sms import FileSmsGateway
    from tongban.notify.worker import load_handlers

    load_handlers()
    factory = core_db.session_factory()
    start = time.perf_counter()
    while outbox.run_once(session_factory=factory, clock=clock, worker_id="bench", batch=50,
                          deps={"sms_gateway": FileSmsGateway(Path(tempfile.mkdtemp(prefix="tongban-bench-sms-")) / "sms.jsonl")}):
        pass
    elapsed = time.perf_counter() - start
    with factory() as session:
        sealed = session.scalar(select(func.count()).select_from(Document).where(Document.status == DocumentStatus.issued.value))
    return elapsed, sealed or 0


class RawInserts:
    """The peer: plain Core INSERTs into a table of its own, either one statement per row or one per transaction."""

    def __init__(self, url: str, *, batched: bool) -> None:
        self.engine = core_db.make_engine(url)  # the lifecycles' engine settings (SQLite: WAL, synchronous=FULL)
        self.batched = batched
        meta = MetaData()
        self.table = Table(f"bench_raw_{'batched' if batched else 'rows'}", meta, Column("id", Integer, primary_key=True),
                           Column("kind", String(40)), Column("body", Text))
        self.meta = meta
        meta.drop_all(self.engine)
        meta.create_all(self.engine)

    def run(self, rows: int, commits: int) -> float:
        per_commit = max(1, rows // commits)
        payload = [{"kind": "event", "body": "x" * 200} for _ in range(per_commit)]
        start = time.perf_counter()
        written = 0
        while written < rows:
            batch = payload[: min(per_commit, rows - written)]
            with self.engine.begin() as conn:
                if self.batched:
                    conn.execute(self.table.insert(), batch)
                else:
                    for row in batch:
                        conn.execute(self.table.insert(), row)
            written += len(batch)
        return time.perf_counter() - start

    def close(self) -> None:
        self.meta.drop_all(self.engine)
        self.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--database-url", default=os.environ.get("TONGBAN_BENCH_DATABASE_URL", ""))
    parser.add_argument("--rounds", type=int, default=5, help="alternate lifecycles and raw inserts this many times")
    parser.add_argument("--warmup", type=int, default=5,
                        help="untimed lifecycles (and their raw rows) first, so both sides are measured warm, as a serving process is")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = args.database_url
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='tongban-bench-')}/bench.db"
    elif url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    core_db.configure(url)
    from tongban.catalog.regions import load_regions

    with core_db.session_scope() as session:
        load_regions(db_session=session)
    clock = FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc))
    # Rounds alternate the two sides, so a machine that gets busier or quieter during the run weighs on both alike.
    warmup = max(0, args.warmup)
    cases_run = Lifecycles(args.n + warmup, clock)
    raw_rows, raw_batched_rows = RawInserts(url, batched=False), RawInserts(url, batched=True)
    elapsed = raw = raw_batched = 0.0
    rows = commits = 0
    rounds = max(1, min(args.rounds, args.n))
    with core_db.session_factory()() as counter:
        if warmup:  # statements compiled, item content parsed, calendar read: the first request's costs, not every one's
            before = count_rows(counter)
            cases_run.run(warmup)
            counter.rollback()
            added = count_rows(counter) - before
            counter.rollback()
            raw_rows.run(added, warmup * Lifecycles.STEPS)
            raw_batched_rows.run(added, warmup * Lifecycles.STEPS)
        for r in range(rounds):
            k = args.n * (r + 1) // rounds - args.n * r // rounds
            before = count_rows(counter)
            elapsed += cases_run.run(k)
            counter.rollback()
            added = count_rows(counter) - before
            counter.rollback()
            raw += raw_rows.run(added, k * Lifecycles.STEPS)
            raw_batched += raw_batched_rows.run(added, k * Lifecycles.STEPS)
            rows, commits = rows + added, commits + k * Lifecycles.STEPS
    cases_run.session.close()
    raw_rows.close()
    raw_batched_rows.close()
    render_s, sealed = render_jobs(clock)
    timed_render_s = render_s * args.n / (args.n + warmup)  # the timed lifecycles' share of the documents
    lifecycle_rate = rows / elapsed
    result = {
        "database": url.split(":", 1)[0],
        "lifecycles": args.n,
        "warmup_lifecycles": warmup,
        "cases_per_s": round(args.n / elapsed, 2),
        "rows_per_lifecycle": round(rows / args.n, 1),
        "lifecycle_rows_per_s": round(lifecycle_rate, 1),
        "raw_rows_per_s": round(rows / raw, 1),
        "raw_batched_rows_per_s": round(rows / raw_batched, 1),
        "documents_sealed": sealed,
        "documents_per_s": round(sealed / render_s, 2) if render_s else None,
        "ratio": round(lifecycle_rate / (rows / raw), 3),
        "ratio_vs_batched": round(lifecycle_rate / (rows / raw_batched), 3),
        "ratio_with_rendering": round((rows / (elapsed + timed_render_s)) / (rows / raw), 3),
    }
    print(f"{args.n} lifecycles on {result['database']}: {result['cases_per_s']} cases/s, "
          f"{result['rows_per_lifecycle']} rows each, {result['lifecycle_rows_per_s']:,} rows/s")
    print(f"worker sealed {sealed} documents (PDF + SM2) at {result['documents_per_s']} documents/s")
    print(f"raw Core inserts of the same {rows} rows in {commits} transactions: {result['raw_rows_per_s']:,} rows/s "
          f"one per statement, {result['raw_batched_rows_per_s']:,} rows/s batched")
    print(f"ratio lifecycle/raw: {result['ratio']} (target ≥ 0.25); against batched inserts {result['ratio_vs_batched']}; "
          f"with the documents' sealing {result['ratio_with_rendering']}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
