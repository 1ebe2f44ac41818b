"""Ratings through the service functions: one per service, five levels and the dimensions, only the person served,
signed single-use links, the addendum, guides once per person and version (RATE-01, RATE-02)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tongban.core import db as core_db
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.ratings import links, service
from tongban.ratings.enums import Dimension, Level, SubjectKind
from tongban.ratings.models import Rating, RectificationTask

GOOD = service.RatingIn(level=1, comment="很快")
BAD = service.RatingIn(level=4, dimensions=["efficiency", "staff"], comment="等了很久，态度一般")


def test_levels_carry_the_gbt39046_codes_and_dimensions_the_gbt39735_labels():
    assert [(l.code, l.label) for l in Level] == [(1, "非常满意"), (2, "满意"), (3, "基本满意"), (4, "不满意"),
                                                  (5, "非常不满意")]
    assert [d.label for d in Dimension] == ["事项管理", "办事流程", "服务规范", "服务效率", "便利程度", "平台服务", "工作人员"]


@pytest.mark.req("RATE-01")
def test_the_person_served_rates_a_closed_case_once(world, db_session, clock):
    case = world.closed_case()
    me = world.person_actor()
    row = service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=case.id, rating_in=GOOD)
    assert (row.level, row.agency_id, row.item_id, row.month, row.valid) == (1, world.agency.id, world.item.id, "2026-11", True)
    assert row.staff_ref == world.staff.acceptor.ref
    with pytest.raises(Conflict) as err:
        service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=case.id, rating_in=BAD)
    assert err.value.code == "ALREADY_RATED" and "只能评价一次" in err.value.message
    assert db_session.scalar(select(func.count()).select_from(Rating)) == 1


@pytest.mark.req("RATE-01")
def test_only_the_person_served_and_only_after_completion(world, db_session, clock):
    case = world.closed_case()
    with pytest.raises(Forbidden):
        service.rate(db_session=db_session, clock=clock, person=world.person_actor(world.other), kind="case",
                     subject_id=case.id, rating_in=GOOD)
    running = world.open_case()
    with pytest.raises(Conflict) as err:
        service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="case", subject_id=running.id,
                     rating_in=GOOD)
    assert err.value.code == "SERVICE_NOT_COMPLETE"
    with pytest.raises(NotFound):
        service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="case", subject_id=999999,
                     rating_in=GOOD)
    assert db_session.scalar(select(func.count()).select_from(Rating)) == 0


@pytest.mark.req("RATE-02")
@pytest.mark.parametrize("rating_in, code", [
    (service.RatingIn(level=0), "BAD_LEVEL"), (service.RatingIn(level=6), "BAD_LEVEL"),
    (service.RatingIn(level=4, comment="慢"), "DIMENSION_REQUIRED"),
    (service.RatingIn(level=5, dimensions=["staff"]), "COMMENT_REQUIRED"),
    (service.RatingIn(level=2, comment="好" * 10_000), "COMMENT_TOO_LONG"),
    (service.RatingIn(level=2, comment="<script>alert(1)</script>"), "COMMENT_MARKUP"),
    (service.RatingIn(level=2, dimensions=["speed"]), "BAD_DIMENSION"),
])
def test_bad_ratings_are_refused_in_chinese_and_write_nothing(world, db_session, clock, rating_in, code):
    case = world.closed_case()
    with pytest.raises(InvalidInput) as err:
        service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="case", subject_id=case.id,
                     rating_in=rating_in)
    assert err.value.code == code and any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    assert db_session.scalar(select(func.count()).select_from(Rating)) == 0


@pytest.mark.req("RATE-01")
def test_a_signed_link_rates_once_and_forged_or_reused_links_are_refused(world, db_session, clock):
    ticket = world.closed_ticket()
    token = links.make(SubjectKind.help_ticket, ticket.id, today=clock.today())
    row = service.rate_by_link(db_session=db_session, clock=clock, token=token, rating_in=GOOD)
    assert row.subject_kind == "help_ticket" and row.channel == "sms_link" and row.token_hash
    assert token not in str(row.token_hash)
    with pytest.raises(Conflict):
        service.rate_by_link(db_session=db_session, clock=clock, token=token, rating_in=GOOD)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    other = links.make(SubjectKind.help_ticket, ticket.id + 1, today=clock.today())
    tampered = other.replace(f".{ticket.id + 1}.", f".{ticket.id + 2}.")
    for bad in (forged, tampered, "", "x" * 500, "case.1.2"):
        with pytest.raises(Forbidden) as err:
            service.rate_by_link(db_session=db_session, clock=clock, token=bad, rating_in=GOOD)
        assert err.value.code == "RATING_LINK_INVALID"
    old = links.make(SubjectKind.help_ticket, ticket.id, today=clock.today().replace(year=2025))
    with pytest.raises(Forbidden):
        service.rate_by_link(db_session=db_session, clock=clock, token=old, rating_in=GOOD)


@pytest.mark.req("RATE-01")
def test_an_addendum_is_appended_once_and_the_rating_is_not_edited(world, db_session, clock):
    case = world.closed_case()
    me = world.person_actor()
    row = service.rate(db_session=db_session, clock=clock, person=me, kind="case", subject_id=case.id, rating_in=GOOD)
    service.add_addendum(db_session=db_session, clock=clock, person=me, rating_id=row.id, text="证照也已收到")
    assert row.addendum == "证照也已收到" and row.comment == "很快" and row.level == 1
    with pytest.raises(Conflict):
        service.add_addendum(db_session=db_session, clock=clock, person=me, rating_id=row.id, text="再补充")
    with pytest.raises(NotFound):
        service.add_addendum(db_session=db_session, clock=clock, person=world.person_actor(world.other), rating_id=row.id,
                             text="不是我的")


@pytest.mark.req("RATE-01")
def test_a_guide_is_rated_once_per_person_and_version(world, db_session, clock):
    me, other = world.person_actor(), world.person_actor(world.other)
    service.rate(db_session=db_session, clock=clock, person=me, kind="guide", subject_id=world.item.id, rating_in=GOOD)
    service.rate(db_session=db_session, clock=clock, person=other, kind="guide", subject_id=world.item.id, rating_in=GOOD)
    with pytest.raises(Conflict):
        service.rate_guide(db_session=db_session, clock=clock, person=me, item_id=world.item.id, rating_in=GOOD)


@pytest.mark.req("RATE-01")
def test_a_handled_visit_and_a_closed_ticket_are_rated_by_their_person(world, db_session, clock):
    ticket = world.closed_ticket()
    row = service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="help_ticket",
                       subject_id=ticket.id, rating_in=GOOD)
    assert row.agency_id == world.agency.id and row.subject_ref == ticket.number
    hall, window, visit = world.handled_visit()
    with pytest.raises(Forbidden):  # a walk-in without an account rates at the window or by the SMS link
        service.rate(db_session=db_session, clock=clock, person=world.person_actor(), kind="visit", subject_id=visit.id,
                     rating_in=GOOD)
    token = links.make(SubjectKind.visit, visit.id, today=clock.today())
    row = service.rate_by_link(db_session=db_session, clock=clock, token=token, rating_in=GOOD)
    assert (row.hall_id, row.window_number) == (hall.id, window.number)


@pytest.mark.req("RATE-01")
def test_two_submissions_of_the_same_rating_at_once_store_one(world, db_session, clock):
    case = world.closed_case()
    db_session.commit()
    me = world.person_actor()
    barrier, results = threading.Barrier(2), []

    def submit():
        session = core_db.session_factory()()
        try:
            barrier.wait()
            service.rate(db_session=session, clock=clock, person=me, kind="case", subject_id=case.id, rating_in=BAD)
            session.commit()
            results.append("stored")
        except Conflict:
            session.rollback()
            results.append("refused")
        except Exception as exc:  # noqa: BLE001 - a lock timeout would show here, and fail the test below
            session.rollback()
            results.append(repr(exc))
        finally:
            session.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused", "stored"]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Rating)) == 1
    assert db_session.scalar(select(func.count()).select_from(RectificationTask)) == 1
