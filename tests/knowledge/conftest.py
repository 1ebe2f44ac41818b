"""Agencies, staff and entries of the knowledge base tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_actor, make_agency
from tongban.accounts.access import StaffActor
from tongban.knowledge import service
from tongban.knowledge.schemas import FaqIn


@dataclass
class Desk:
    agency_a: object
    agency_b: object
    management: object
    editor_a: StaffActor
    token_a: str
    editor_b: StaffActor
    token_b: str
    reviewer: StaffActor
    token_reviewer: str
    admin: StaffActor


@pytest.fixture
def desk(db_session, clock) -> Desk:
    management = make_agency(db_session, name="广安市政务服务中心", is_management=True)
    agency_a = make_agency(db_session, name="广安市市场监督管理局")
    agency_b = make_agency(db_session, name="广安市公安局")
    editor_a, token_a = make_actor(db_session, clock, role="catalog_editor", agency=agency_a)
    editor_b, token_b = make_actor(db_session, clock, role="catalog_editor", agency=agency_b)
    reviewer, token_reviewer = make_actor(db_session, clock, role="catalog_reviewer", agency=management)
    admin, _ = make_actor(db_session, clock, role="admin", region_code="511600")
    return Desk(agency_a, agency_b, management, editor_a, token_a, editor_b, token_b, reviewer, token_reviewer, admin)


def faq_in(**overrides) -> FaqIn:
    data = {"question": "开饭馆要办什么证？", "answer": "从事餐饮服务应当依法取得食品经营许可，先办营业执照，再申请食品经营许可。",
            "variants": ["开餐馆需要什么手续", "开饭店要办哪些证"]}
    data.update(overrides)
    return FaqIn.model_validate(data)


def published(db_session, clock, desk: Desk, **overrides):
    """An entry of agency A, written by its editor and published by the management agency's reviewer."""
    version = service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_a,
                                   faq_in=faq_in(owner_agency_id=desk.agency_a.id, **overrides))
    service.submit(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=version.id)
    return service.publish(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=version.id)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
