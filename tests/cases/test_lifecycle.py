"""The case row and the objects a session holds: a stale version is refused, and after every step each object
agrees with its row in the database (002 §8; 004)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from tongban.cases import decisions, delivery, handling, payments
from tongban.cases import service as cases
from tongban.cases.models import Case, CaseDelivery, CaseEvent, CasePost, Payment
from tongban.core import db as core_db
from tongban.core.errors import Conflict

from tests.cases.caseflow import Staff, approved_case, case_item, submit
from tests.factories import make_person


def _agrees_with_its_row(db_session, obj) -> None:
    """Every column the object holds is what its row holds now, and the object has nothing left to flush."""
    state = inspect(obj)
    assert state.persistent and not state.modified and not state.expired_attributes, obj
    table = type(obj).__table__
    stored = db_session.connection().execute(select(table).where(table.c.id == obj.id)).one()._mapping
    held = {column.key: state.dict[column.key] for column in table.columns}
    assert held == dict(stored), obj


def test_after_each_step_the_case_and_the_rows_the_session_holds_agree_with_the_database(db_session, clock):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    _agrees_with_its_row(db_session, case)
    assert case.version == 2  # inserted at 1, moved once by its first event

    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    _agrees_with_its_row(db_session, case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    _agrees_with_its_row(db_session, case)
    (post,) = db_session.scalars(select(CasePost).where(CasePost.case_id == case.id)).all()  # as a page would hold it
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=handling.Opinion.approve,
                            reasons="符合审查标准")
    _agrees_with_its_row(db_session, case)
    _agrees_with_its_row(db_session, post)
    assert post.opinion == "approve"
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    _agrees_with_its_row(db_session, case)
    db_session.commit()

    payment = payments.payment_of(db_session=db_session, case_id=case.id)
    held = delivery.of(db_session=db_session, case_id=case.id)  # the delivery row the session holds as an object
    body = payments.callback_body(payment=payment, gateway_ref="DEV9")
    assert payments.handle_callback(db_session=db_session, clock=clock, gateway=payments.gateway_from_settings(), body=body,
                                    signature=payments.gateway_from_settings().sign(body)) is payment
    assert payment.status == "paid" and payment.receipt_document_id is not None
    _agrees_with_its_row(db_session, payment)
    _agrees_with_its_row(db_session, case)
    db_session.commit()

    delivery.downloaded(db_session=db_session, clock=clock, case=case, actor_ref="person:1", actor_name="申请人")
    assert (case.state, held.status, held.delivered_by) == ("delivered", "delivered", "person:1")
    _agrees_with_its_row(db_session, case)
    _agrees_with_its_row(db_session, held)
    db_session.commit()


def test_a_step_on_a_case_read_before_another_step_committed_is_refused_and_writes_nothing(db_session, clock):
    item, agency = case_item(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    db_session.commit()
    other = core_db.session_factory()()
    try:
        stale = cases.get(db_session=other, case_id=case.id)  # a second desk opened the same case …
        other.commit()
        assert stale.version == case.version
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)  # … the first accepts
        db_session.commit()
        with pytest.raises(Conflict) as refused:
            handling.refuse(db_session=other, clock=clock, actor=staff.acceptor, case=stale, reasons="不属于受理范围")
        other.rollback()
    finally:
        other.close()
    assert refused.value.code == "CASE_CHANGED" and refused.value.status_code == 409 and "他人" in refused.value.message
    db_session.expire_all()
    assert db_session.get(Case, case.id).state == "accepted"
    kinds = db_session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert kinds.count("accepted") == 1 and "refused" not in kinds


def test_a_case_changed_by_a_step_shows_its_new_values_in_a_session_that_already_holds_it(db_session, clock):
    case, _, _ = approved_case(db_session, clock)
    db_session.commit()
    held = db_session.get(Case, case.id)
    assert held is case  # one object per row in a session: the step moved the very object the page holds
    assert (held.state, held.decision) == ("approved", "approved")
    _agrees_with_its_row(db_session, held)


def test_a_payment_and_a_delivery_the_session_holds_show_what_the_steps_wrote(db_session, clock):
    case, person, staff = approved_case(db_session, clock, delivery_method="window_pickup")
    db_session.commit()
    payment = db_session.scalars(select(Payment).where(Payment.case_id == case.id)).one()
    row = db_session.scalars(select(CaseDelivery).where(CaseDelivery.case_id == case.id)).one()
    body = payments.callback_body(payment=payment, gateway_ref="DEV7")
    payments.handle_callback(db_session=db_session, clock=clock, gateway=payments.gateway_from_settings(), body=body,
                             signature=payments.gateway_from_settings().sign(body))
    delivery.pickup_at_window(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case,
                              id_kind="resident_id", id_number=person.id_number)
    assert (payment.status, payment.gateway_ref, row.status) == ("paid", "DEV7", "delivered")
    for obj in (case, payment, row):
        _agrees_with_its_row(db_session, obj)
