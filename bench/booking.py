"""Concurrent booking: many clients race for a few slots through the booking service; no slot may be overbooked.

Every client is a different person booking the one demo item. Clients run on `--threads` threads (in each of
`--processes` processes), each with its own session, one transaction per attempt, as the web route does: the
booking reads the slot and locks the person's booking account, checks the per-person rules, takes a seat with a
conditional UPDATE checked by its row count, writes the appointment and queues its confirmation job (on PostgreSQL
the first two and the last four are one statement each); the job worker then sends the confirmations (inbox and SMS
through the outbox), timed on its own after the race.
A client whose slot is full tries the next one, until it has a seat or every slot is full.

The peer, measured in the same run with the same threads and processes, writes the same number of appointment
rows with plain unguarded Core INSERTs, one transaction per row: `ratio` is what the guard, the rules and the
confirmation cost on top of writing the rows. The last line is JSON with `overbooked` (must be 0) and
`bookings_per_s`.

    python bench/booking.py [--clients 3000] [--slots 4] [--threads 16] [--processes 1] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue as queues
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.factories

os.environ.setdefault("TONGBAN_DATA_KEY", "00112233445566778899aabbccddeeff")
os.environ.setdefault("TONGBAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, func, insert, select, text  # noqa: E402

from tongban.core import db as core_db  # noqa: E402
from tongban.core.clock import FixedClock  # noqa: E402
from tongban.core.migrate import upgrade  # noqa: E402

CLOCK = FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc))  # a Friday morning in Shanghai


def prepare(url: str, clients: int, slot_count: int) -> tuple[list[int], list[int], int, int]:
    """An item, a hall whose `slot_count` first slots hold all the seats, and `clients` people; (people, slots, item, seats)."""
    from tongban.accounts.models import Person
    from tongban.accounts.verification import phone_hash
    from tongban.appointments import slots
    from tongban.appointments.models import Slot
    from tongban.baselib.service import id_hash
    from tongban.catalog.regions import load_regions
    from tongban.workdays.service import seed_from_chinesecalendar
    from tests.factories import make_hall, make_item, resident_id

    upgrade(url)
    core_db.configure(url)
    with core_db.session_scope() as session:
        load_regions(db_session=session)
        seed_from_chinesecalendar(db_session=session, clock=CLOCK, years=[2026])
    with core_db.session_scope() as session:
        item = make_item(session, CLOCK)
        # 20 windows, 1 minute a case, all time for bookings: 600 seats a half-hour slot; only the first few stay open
        hall, _, _ = make_hall(session, CLOCK, items=[item], windows=20, avg_minutes=1, booking_share=100)
        slots.open_slots(db_session=session, clock=CLOCK, hall=hall)
        rows = slots.list_slots(db_session=session, clock=CLOCK, hall=hall)
        per_slot = max(1, (clients * 4 // 5) // slot_count)  # seats for four clients in five: the rest find every slot full
        open_ids = [s.id for s in rows[:slot_count]]
        session.execute(Slot.__table__.update().where(Slot.id.in_(open_ids)).values(capacity=per_slot))
        session.execute(Slot.__table__.update().where(Slot.hall_id == hall.id, Slot.id.not_in(open_ids)).values(capacity=0))
        now = CLOCK.now()
        people = []
        for n in range(clients):  # people as registration leaves them; the password hash is not needed to book
            birth = (date(1980, 1, 1) + timedelta(days=n // 1000)).strftime("%Y%m%d")
            number, phone = resident_id(birth=birth, region="511602", serial=f"{n % 1000:03d}"), f"137{n:08d}"
            people.append({"name": f"客户{n}", "id_kind": "resident_id", "id_number": number, "id_number_hash": id_hash("resident_id", number),
                           "phone": phone, "phone_hash": phone_hash(phone), "status": "active", "registered_via": "window",
                           "failed_logins": 0, "must_change_password": False, "created_at": now})
        session.execute(insert(Person), people)
        ids = list(session.scalars(select(Person.id).order_by(Person.id)))
        return ids, open_ids, item.id, per_slot * slot_count


def _book_all(url: str, people: list[int], slot_ids: list[int], item_id: int, threads: int, out) -> None:
    """One process: its threads book for these people; put (booked, full, other errors, seconds)."""
    import tongban.models  # noqa: F401  (a spawned process maps every table before the first query)
    from tongban.accounts.access import PersonActor
    from tongban.appointments import bookings
    from tongban.core.errors import Conflict

    core_db.configure(url)
    todo: queues.Queue[int] = queues.Queue()
    for p in people:
        todo.put(p)
    counts = {"booked": 0, "full": 0, "errors": 0}
    lock = threading.Lock()

    def client() -> None:
        session = core_db.session_factory()()
        while True:
            try:
                person_id = todo.get_nowait()
            except queues.Empty:
                break
            outcome = "full"
            for slot_id in slot_ids[person_id % len(slot_ids):] + slot_ids[: person_id % len(slot_ids)]:
                try:
                    bookings.book(db_session=session, clock=CLOCK, actor=PersonActor(person_id, "客户", "resident_id"),
                                  slot_id=slot_id, item_id=item_id)
                    session.commit()
                    outcome = "booked"
                    break
                except Conflict as exc:
                    session.rollback()
                    if exc.code != "SLOT_FULL":
                        outcome = "errors"
                        break
            with lock:
                counts[outcome] += 1
        session.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((counts["booked"], counts["full"], counts["errors"], time.perf_counter() - start))


def _raw_all(url: str, rows: int, threads: int, out) -> None:
    """The peer: the same number of appointment-like rows, plain INSERTs with no guard, one transaction each."""
    engine = core_db.make_engine(url)  # the bookings' own engine settings (SQLite: WAL, synchronous=FULL; its pool)
    table = _raw_table(MetaData())
    todo: queues.Queue[int] = queues.Queue()
    for n in range(rows):
        todo.put(n)

    def writer() -> None:
        while True:
            try:
                n = todo.get_nowait()
            except queues.Empty:
                return
            with engine.begin() as conn:
                conn.execute(table.insert(), {"number": f"R{n:010d}", "person_id": n, "slot_id": n % 7, "item_id": 1,
                                              "day": CLOCK.today(), "status": "booked"})

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    engine.dispose()
    out.put((rows, 0, 0, time.perf_counter() - start))


def _raw_table(meta: MetaData) -> Table:
    return Table("bench_raw_appointment", meta, Column("id", Integer, primary_key=True), Column("number", String(30)),
                 Column("person_id", Integer), Column("slot_id", Integer), Column("item_id", Integer), Column("day", Date),
                 Column("status", String(20)))


def _in_processes(target, parts: list[tuple], processes: int) -> tuple[int, int, int, float]:
    """Run `target(*part, out)` in this process (one part) or in child processes; wall time of the slowest."""
    if processes == 1:
        out: queues.Queue = queues.Queue()
        target(*parts[0], out)
        return out.get()
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    children = [context.Process(target=target, args=(*part, out)) for part in parts]
    start = time.perf_counter()
    for c in children:
        c.start()
    results = [out.get() for _ in children]
    for c in children:
        c.join()
    wall = time.perf_counter() - start
    return (sum(r[0] for r in results), sum(r[1] for r in results), sum(r[2] for r in results), max(max(r[3] for r in results), 0) or wall)


def overbooked(url: str, hall_slots: list[int]) -> tuple[int, int]:
    """(seats over capacity by the counters, appointments beyond capacity by the rows): both must be 0."""
    from tongban.appointments.models import Appointment, Slot

    core_db.configure(url)
    with core_db.session_scope() as session:
        by_counter = sum(max(0, b - c) for b, c in session.execute(select(Slot.booked, Slot.capacity).where(Slot.id.in_(hall_slots))))
        rows = dict(session.execute(select(Appointment.slot_id, func.count(Appointment.id)).where(Appointment.status == "booked")
                                    .group_by(Appointment.slot_id)).all())
        caps = dict(session.execute(select(Slot.id, Slot.capacity)).all())
        by_rows = sum(max(0, n - caps.get(slot_id, 0)) for slot_id, n in rows.items())
        return by_counter, by_rows


def confirm_all(url: str) -> tuple[int, float]:
    """Run the job worker over the queued confirmations (and the inbox and SMS jobs they add); (bookings, seconds)."""
    from tongban.appointments.models import Appointment
    from tongban.notify import outbox
    from tongban.notify.sms import FileSmsGateway
    from tongban.notify.worker import load_handlers

    load_handlers()
    core_db.configure(url)
    factory = core_db.session_factory()
    gateway = FileSmsGateway(Path(tempfile.mkdtemp(prefix="tongban-bench-sms-")) / "sms.jsonl")
    start = time.perf_counter()
    while outbox.run_once(session_factory=factory, clock=CLOCK, worker_id="bench", batch=100, deps={"sms_gateway": gateway}):
        pass
    elapsed = time.perf_counter() - start
    with factory() as session:
        return session.scalar(select(func.count(Appointment.id))) or 0, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16, help="threads per process")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("TONGBAN_BENCH_DATABASE_URL", ""))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='tongban-bench-')}/bench.db"
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    processes = max(1, args.processes)
    people, slot_ids, item_id, seats = prepare(url, args.clients, args.slots)
    core_db.get_engine().dispose()
    parts = [(url, people[i::processes], slot_ids, item_id, args.threads) for i in range(processes)]
    booked, full, errors, elapsed = _in_processes(_book_all, parts, processes)
    raw_engine = create_engine(url)
    meta = MetaData()
    _raw_table(meta)
    meta.create_all(raw_engine)
    raw_engine.dispose()
    per = [booked * (i + 1) // processes - booked * i // processes for i in range(processes)]
    raw_rows, _, _, raw_elapsed = _in_processes(_raw_all, [(url, per[i], args.threads) for i in range(processes)], processes)
    over_counter, over_rows = overbooked(url, slot_ids)
    confirmed, confirm_s = confirm_all(url)
    rate, raw_rate = booked / elapsed, raw_rows / raw_elapsed if raw_elapsed else 0.0
    result = {
        "database": url.split(":", 1)[0], "clients": args.clients, "slots": args.slots, "seats": seats,
        "threads": args.threads, "processes": processes, "booked": booked, "refused_full": full, "other_errors": errors,
        "overbooked": over_counter + over_rows, "bookings_per_s": round(rate, 1),
        "attempts_per_s": round((booked + full) / elapsed, 1), "raw_inserts_per_s": round(raw_rate, 1),
        "ratio": round(rate / raw_rate, 3) if raw_rate else None,
        "confirmations_per_s": round(confirmed / confirm_s, 1) if confirm_s else None,
    }
    print(f"{args.clients} clients × {args.threads} threads × {processes} processes on {result['database']} raced for "
          f"{args.slots} slots with {seats} seats: {booked} booked, {full} found every slot full, {errors} other errors")
    print(f"overbooked: {result['overbooked']} (seat counters {over_counter}, appointment rows {over_rows})")
    print(f"booking service: {result['bookings_per_s']:,} bookings/s; plain unguarded inserts of the same {raw_rows} rows: "
          f"{result['raw_inserts_per_s']:,} rows/s; ratio booking/raw {result['ratio']}")
    print(f"worker sent {confirmed} confirmations (inbox and SMS through the outbox) at {result['confirmations_per_s']}/s")
    print(json.dumps(result) if args.json else json.dumps({"overbooked": result["overbooked"], "bookings_per_s": result["bookings_per_s"]}))


if __name__ == "__main__":
    main()
