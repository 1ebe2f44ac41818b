"""Rectification and return visits through the staff pages and the person's page: the twins of the API tests
(RATE-03, RATE-08)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.signin import sign_in_person, sign_in_staff
from tongban.ratings import service, visits
from tongban.ratings.models import RectificationTask, ReturnVisit

BAD = service.RatingIn(level=5, dimensions=["staff"], comment="态度生硬")


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


@pytest.mark.req("RATE-03")
def test_twin_pages_verify_rectify_feed_back_and_the_person_answers(client, world, db_session, clock):
    rating = service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="case",
                          subject_id=world.closed_case().id, rating_in=BAD)
    db_session.commit()
    task = db_session.scalar(select(RectificationTask))
    sign_in_staff(client, db_session, clock, world.clerk.staff_id)
    assert client.get("/staff/ratings").status_code == 403
    sign_in_staff(client, db_session, clock, world.rectifier.staff_id)
    ledger = client.get("/staff/ratings")
    assert ledger.status_code == 200 and "态度生硬" in ledger.text and f"个人用户 #{world.person.id}" in ledger.text
    csrf = _csrf(ledger.text)
    refused = client.post(f"/staff/ratings/tasks/{task.id}/verify", data={"csrf": csrf, "verdict": "false",
                                                                         "invalid_kind": "malicious", "note": ""})
    assert refused.status_code == 422 and "核实情况" in refused.text
    steps = [("verify", {"verdict": "true", "note": "查看录像属实"}), ("rectify", {"text": "对窗口人员进行培训"}),
             ("feedback", {"text": "已对窗口人员培训并通报"})]
    for step, form in steps:
        done = client.post(f"/staff/ratings/tasks/{task.id}/{step}", data={"csrf": csrf, **form}, follow_redirects=False)
        assert done.status_code == 303, step
    sign_in_person(client, db_session, clock, world.person)
    mine = client.get("/ratings/mine")
    assert "已对窗口人员培训并通报" in mine.text
    answered = client.post(f"/ratings/{rating.id}/satisfied", data={"csrf": _csrf(mine.text), "answer": "no"},
                           follow_redirects=False)
    assert answered.status_code == 303
    db_session.expire_all()
    task = db_session.get(RectificationTask, task.id)
    assert (task.state, task.person_satisfied) == ("closed", False)


@pytest.mark.req("RATE-08")
def test_twin_page_records_a_return_visit(client, world, db_session, clock):
    world.closed_case()
    visits.draw(db_session=db_session, clock=clock, month="2026-11")
    db_session.commit()
    visit = db_session.scalar(select(ReturnVisit))
    sign_in_staff(client, db_session, clock, world.rectifier.staff_id)
    page = client.get("/staff/ratings/visits?month=2026-11")
    assert page.status_code == 200 and visit.subject_ref in page.text
    csrf = _csrf(page.text)
    missing = client.post(f"/staff/ratings/visits/{visit.id}", data={"csrf": csrf, "month": "2026-11", "method": "phone",
                                                                    "reached": "yes", "answer_level": ""})
    assert missing.status_code == 422 and "满意程度" in missing.text
    done = client.post(f"/staff/ratings/visits/{visit.id}", data={"csrf": csrf, "month": "2026-11", "method": "sms",
                                                                 "reached": "yes", "answer_level": "1", "note": "满意"},
                       follow_redirects=False)
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(ReturnVisit, visit.id).answer_level == 1
