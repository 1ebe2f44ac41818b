"""Helpers of the cross-region tests: a remote-window intake and the handling region's steps."""

from __future__ import annotations

import itertools

from tongban.baselib.service import TableBaseLibrary
from tongban.cases import decisions, delivery, handling
from tongban.cases import service as cases
from tongban.cases.enums import Opinion
from tongban.cases.files import Upload
from tongban.crossregion import records, window
from tongban.crossregion.enums import Side

from tests.cases.caseflow import PDF, PNG
from tests.crossregion.conftest import LIU_ID

_keys = itertools.count(1)
FORM = {"applicant_name": "刘洋", "contact_phone": "13900000003", "address": "锦江区红星路1号"}


def remote(item, **overrides) -> window.RemoteIntake:
    values = dict(item_id=item.id, name="刘洋", id_kind="resident_id", id_number=LIU_ID, phone="13900000003",
                  form=dict(FORM), uploads=[Upload("m2", "平面图.pdf", PDF), Upload("m3", "健康证.png", PNG)],
                  delivery_choice="receiving_window", delivery_address="")
    values.update(overrides)
    return window.RemoteIntake(**values)


def take_in(db_session, clock, actor, item, *, key: str | None = None, **overrides):
    return window.intake(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), actor=actor,
                         intake=remote(item, **overrides), key=key or f"xreg-key-{next(_keys):06d}")


def handling_case(db_session, sent):
    received = records.by_envelope(db_session=db_session, envelope_id=sent.envelope_id, side=Side.received)
    return received, cases.get(db_session=db_session, case_id=received.case_id)


def approve(db_session, clock, staff, case) -> None:
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)


def post_result(db_session, clock, staff, case, address: str) -> None:
    delivery.post(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case, carrier="中国邮政EMS",
                  tracking_number="EMS1234567890", address=address)
