"""Case lifecycles through the service layer beside raw SQLAlchemy Core inserts of the same rows, same run.

Each lifecycle is what a real case goes through: submit with two uploaded files, accept (notice),
start review, opinion, approve (decision and e-licence), pay by signed callback (receipt), download
(delivery). Each step is one request's work: a fresh session from the app's own session factory,
the route's reads (person, item, case, access check), the service call and one commit. Each step stores its notices' numbers and
content and enqueues their rendering; the PDFs, seals and SM2 signatures are made by the job worker,
which this benchmark then runs over the same documents and times on its own.

The peer writes the same number of rows with plain Core INSERTs, one statement per row, committed
in as many transactions as the lifecycles used. So `ratio` (lifecycle rows/s ÷ raw rows/s) is what
the domain rules, reads, encryption and bookkeeping cost on top of writing the rows themselves;
`ratio_vs_batched` compares with the same rows sent as one multi-row INSERT per transaction, and
`ratio_with_rendering` charges the lifecycles with the worker's time to seal their documents too.

Every commit waits for the disk (SQLite: an fsync of the WAL per commit), so the wall ratio mostly
measures the disk: beside it, the CPU time of this process per lifecycle (`time.process_time`) of both
sides and their ratio (`cpu_ratio`: peer CPU ÷ tongban CPU for the same rows) show what the code
costs. The goal, wall ratio ≥ 0.25, is for PostgreSQL; the SQLite wall ratio is informative.

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

RATIO_GOAL = 0.25  # wall ratio on PostgreSQL; on SQLite the figure is informative (fsync-bound)


def count_rows(session) -> int:
    """Rows in every table the migrations made (the jobs a lifecycle enqueues included)."""
    from tongban.core.db import Base
    import tongban.models  # noqa: F401

    present = set(inspect(session.get_bind()).get_table_names())
    return sum(session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables if t.name in present)


class Lifecycles:
    """Applicants, staff and an item ready; `run(k)` takes k more cases through every step, one commit per step.

    Each step is one request's work: a fresh session from the app's own factory (`core_db.session_factory()`,
    the one `web.deps.get_db` hands to a route), the route's reads (the signed-in person, the item, the case
    and whether this member of staff may see it), the service call, the commit, and the session closed.
    Nothing carries over from one step to the next but ids, as between two requests."""

    STEPS = 7  # commits per lifecycle

    def __init__(self, n: int, clock) -> None:
        from tests.cases.caseflow import Staff, case_item
        from tests.factories import make_person

        self.clock = clock
        self.factory = core_db.session_factory()
        with self.factory() as session:
            item, agency = case_item(session, clock)
            staff = Staff(session, clock, agency)
            people = [make_person(session, clock) for _ in range(n)]
            session.commit()
            self.item_id = item.id
            self.staff = staff  # StaffActor values, not rows: what a staff token resolves to in a request
            self.people = [(p.id, p.name, p.id_kind) for p in people]
        self.done = 0

    def run(self, k: int) -> tuple[float, float]:
        """(wall seconds, CPU seconds of this process) for k lifecycles."""
        from tongban.accounts.access import PersonActor
        from tongban.baselib.service import TableBaseLibrary
        from tongban.cases import applicants, decisions, delivery, handling, payments
        from tongban.cases import service as cases
        from tongban.cases.enums import CaseChannel, Opinion
        from tongban.catalog import service as catalog
        from tests.cases.caseflow import submission

        factory, clock, staff = self.factory, self.clock, self.staff
        gateway = payments.gateway_from_settings()

        def staff_case(session, actor, case_id):
            case = cases.get(db_session=session, case_id=case_id)
            assert applicants.staff_may_see(db_session=session, actor=actor, case=case)
            return case

        cpu, start = time.process_time(), time.perf_counter()
        for i in range(self.done, self.done + k):
            person_id, name, id_kind = self.people[i]
            me = PersonActor(person_id, name, id_kind)
            with factory() as session:
                item = catalog.get_item(db_session=session, item_id=self.item_id)
                applicant = applicants.for_person(db_session=session, clock=clock, actor=me, item_code=item.implementation_code)
                case = cases.submit(db_session=session, clock=clock, library=TableBaseLibrary(session), applicant=applicant,
                                    submission=submission(item), channel=CaseChannel.web, submitter_ref=me.ref,
                                    idempotency_key=f"bench-{i:08d}")
                session.commit()
                case_id = case.id
            with factory() as session:
                handling.accept(db_session=session, clock=clock, actor=staff.acceptor,
                                case=staff_case(session, staff.acceptor, case_id))
                session.commit()
            with factory() as session:
                handling.start_review(db_session=session, clock=clock, actor=staff.reviewer,
                                      case=staff_case(session, staff.reviewer, case_id))
                session.commit()
            with factory() as session:
                handling.record_opinion(db_session=session, clock=clock, actor=staff.reviewer,
                                        case=staff_case(session, staff.reviewer, case_id), opinion=Opinion.approve,
                                        reasons="符合审查标准")
                session.commit()
            with factory() as session:
                decisions.decide(db_session=session, clock=clock, actor=staff.decider,
                                 case=staff_case(session, staff.decider, case_id), approve=True)
                session.commit()
            with factory() as session:  # the gateway's callback: it knows the order, the platform reads the payment
                payment = payments.payment_of(db_session=session, case_id=case_id)
                body = payments.callback_body(payment=payment, gateway_ref=f"B{i}")
                payments.handle_callback(db_session=session, clock=clock, gateway=gateway, body=body, signature=gateway.sign(body))
                session.commit()
            with factory() as session:
                case = cases.get(db_session=session, case_id=case_id)
                applicants.require_person(db_session=session, clock=clock, actor=me, case=case)
                delivery.downloaded(db_session=session, clock=clock, case=case, actor_ref=me.ref, actor_name=me.name)
                session.commit()
        self.done += k
        return time.perf_counter() - start, time.process_time() - cpu


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

    def run(self, rows: int, commits: int) -> tuple[float, float]:
        """(wall seconds, CPU seconds of this process) to write `rows` rows in `commits` transactions."""
        per_commit = max(1, rows // commits)
        payload = [{"kind": "event", "body": "x" * 200} for _ in range(per_commit)]
        cpu, start = time.process_time(), time.perf_counter()
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
        return time.perf_counter() - start, time.process_time() - cpu

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
    wall = {"tongban": 0.0, "raw": 0.0, "raw_batched": 0.0}
    cpu = dict(wall)
    rows = commits = 0
    rounds = max(1, min(args.rounds, args.n))

    def side(name: str, figures: tuple[float, float]) -> None:
        wall[name] += figures[0]
        cpu[name] += figures[1]

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
            side("tongban", cases_run.run(k))
            counter.rollback()
            added = count_rows(counter) - before
            counter.rollback()
            side("raw", raw_rows.run(added, k * Lifecycles.STEPS))
            side("raw_batched", raw_batched_rows.run(added, k * Lifecycles.STEPS))
            rows, commits = rows + added, commits + k * Lifecycles.STEPS
    raw_rows.close()
    raw_batched_rows.close()
    render_s, sealed = render_jobs(clock)
    timed_render_s = render_s * args.n / (args.n + warmup)  # the timed lifecycles' share of the documents
    database = url.split(":", 1)[0].split("+", 1)[0]
    elapsed = wall["tongban"]
    lifecycle_rate = rows / elapsed
    cpu_ms = {name: round(1000 * seconds / args.n, 3) for name, seconds in cpu.items()}  # per lifecycle's worth of rows
    result = {
        "database": database,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "lifecycles": args.n,
        "warmup_lifecycles": warmup,
        "session_per_step": True,
        "cases_per_s": round(args.n / elapsed, 2),
        "rows_per_lifecycle": round(rows / args.n, 1),
        "lifecycle_rows_per_s": round(lifecycle_rate, 1),
        "raw_rows_per_s": round(rows / wall["raw"], 1),
        "raw_batched_rows_per_s": round(rows / wall["raw_batched"], 1),
        "documents_sealed": sealed,
        "documents_per_s": round(sealed / render_s, 2) if render_s else None,
        "ratio": round(wall["raw"] / elapsed, 3),
        "ratio_vs_batched": round(wall["raw_batched"] / elapsed, 3),
        "ratio_with_rendering": round(wall["raw"] / (elapsed + timed_render_s), 3),
        "cpu_ms_per_lifecycle": cpu_ms["tongban"],
        "raw_cpu_ms_per_lifecycle": cpu_ms["raw"],
        "raw_batched_cpu_ms_per_lifecycle": cpu_ms["raw_batched"],
        "cpu_ratio": round(cpu["raw"] / cpu["tongban"], 3) if cpu["tongban"] else None,
        "cpu_ratio_vs_batched": round(cpu["raw_batched"] / cpu["tongban"], 3) if cpu["tongban"] else None,
        "ratio_goal": RATIO_GOAL,
        "ratio_goal_applies": database == "postgresql",
        "ratio_meets_goal": (wall["raw"] / elapsed >= RATIO_GOAL) if database == "postgresql" else None,
    }
    print(f"{args.n} lifecycles on {database} ({result['date']}), one session per step: {result['cases_per_s']} cases/s, "
          f"{result['rows_per_lifecycle']} rows each, in {commits} transactions")
    print(f"worker sealed {sealed} documents (PDF + SM2) at {result['documents_per_s']} documents/s")
    print(f"\n  {'side':<34} {'rows/s':>10} {'wall s':>8} {'CPU ms/lifecycle':>17} {'wall ratio':>11} {'CPU ratio':>10}")
    lines = (("tongban lifecycles", "tongban", lifecycle_rate, None, None),
             ("raw Core INSERT, one per statement", "raw", rows / wall["raw"], result["ratio"], result["cpu_ratio"]),
             ("raw Core INSERT, batched", "raw_batched", rows / wall["raw_batched"], result["ratio_vs_batched"],
              result["cpu_ratio_vs_batched"]))
    for label, name, rate, wall_ratio, cpu_ratio in lines:
        print(f"  {label:<34} {rate:>10,.1f} {wall[name]:>8.2f} {cpu_ms[name]:>17.2f} "
              f"{'' if wall_ratio is None else wall_ratio:>11} {'' if cpu_ratio is None else cpu_ratio:>10}")
    print("\nratios are peer time ÷ tongban time for the same rows (wall: perf_counter; CPU: process_time of this process,")
    print("so a PostgreSQL server's own CPU is not counted on either side); with the documents' sealing, wall ratio "
          f"{result['ratio_with_rendering']}")
    if database == "postgresql":
        verdict = "meets" if result["ratio_meets_goal"] else "misses"
        print(f"goal: wall ratio ≥ {RATIO_GOAL} on PostgreSQL: {result['ratio']} {verdict} it")
    else:
        print(f"goal: wall ratio ≥ {RATIO_GOAL} applies on PostgreSQL only; on {database} the wall ratio is informative "
              "(each commit waits for an fsync, so it mostly measures the disk); the CPU ratio shows what the code costs")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
