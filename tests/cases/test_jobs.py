"""The cases' scheduled work, run by the real worker: lapsed tolerant acceptances are denied (CASE-07)."""

from __future__ import annotations

import pytest

from tests.cases.caseflow import Staff, case_item, submit
from tests.factories import make_person
from tongban.cases import handling
from tongban.cases.models import Case
from tongban.core import db as core_db
from tongban.notify.models import Job
from tongban.notify.worker import Worker, load_handlers


@pytest.mark.req("CASE-07")
def test_the_worker_denies_a_deficiency_left_unfixed_past_its_deadline_once(db_session, clock, engine):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    handling.accept_with_deficiency(db_session=db_session, clock=clock, actor=staff.acceptor, case=case,
                                    missing=[handling.Missing("m3", "健康证明过期")])
    db_session.commit()
    load_handlers()
    worker = Worker(session_factory=core_db.session_factory(), clock=clock, worker_id="test", poll=0)
    worker.run(once=True)
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == "accepted_with_deficiency"  # the deadline has not passed
    clock.advance(days=15)
    for _ in range(2):  # a second worker round in the same hour schedules nothing new
        worker.run(once=True)
    db_session.expire_all()
    denied = db_session.get(Case, case.id)
    assert denied.state == "denied" and "健康证明" in denied.decision_reasons
    this_hour = db_session.query(Job).filter(Job.kind == "cases.deadlines", Job.created_at == clock.now()).all()
    assert [job.status for job in this_hour] == ["done"]  # two worker rounds, one run
