"""Draft applications filled together with a consultant (共同填报, CONS-08): checked like a submission but partial,
encrypted at rest, opened only by the person it was made for, prefilled on the apply page, used once submitted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.cases.caseflow import case_item
from tests.cases.test_pages_applicant import GOOD_FILES, form_fields, hidden, sign_in
from tests.factories import make_person
from tongban.accounts.access import PersonActor
from tongban.cases import drafts
from tongban.cases.models import ApplicationDraft, Case
from tongban.core.errors import Conflict, InvalidInput, NotFound


@pytest.fixture
def world(db_session, clock) -> dict:
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock, name="李桂兰", phone="13912345678")
    other = make_person(db_session, clock, name="王小明", phone="13800000002")
    db_session.commit()
    return {"item": item, "person": person, "other": other}


def _prepare(db_session, clock, world, **values):
    return drafts.prepare(db_session=db_session, clock=clock, item_id=world["item"].id, person_id=world["person"].id,
                          values=values, staff_ref="staff:1", staff_name="陈导办", ticket_number="ZX261120000001")


@pytest.mark.req("CONS-08")
def test_a_partial_draft_is_kept_encrypted_and_a_wrong_value_is_refused(db_session, clock, world):
    draft = _prepare(db_session, clock, world, address="广安区建设路88号", copies="2", applicant_name="")
    assert draft.values == {"address": "广安区建设路88号", "copies": "2"} and not draft.used
    raw = db_session.connection().exec_driver_sql("SELECT form_values FROM application_draft").scalar_one()
    assert "建设路" not in raw and raw.startswith("sm4g1:")
    for bad in ({"copies": "两本"}, {"shoe_size": "42"}, {}):
        with pytest.raises(InvalidInput):
            _prepare(db_session, clock, world, **bad)
    assert db_session.scalar(select(func.count()).select_from(ApplicationDraft)) == 1


@pytest.mark.req("CONS-08")
def test_only_its_person_opens_a_draft(db_session, clock, world):
    draft = _prepare(db_session, clock, world, address="广安区建设路88号")
    mine = PersonActor(world["person"].id, "李桂兰", "resident_id")
    assert drafts.open_draft(db_session=db_session, clock=clock, actor=mine, draft_id=draft.id,
                             item_id=world["item"].id).values["address"] == "广安区建设路88号"
    stranger = PersonActor(world["other"].id, "王小明", "resident_id")
    for actor, draft_id in ((stranger, draft.id), (mine, draft.id + 99)):
        with pytest.raises(NotFound) as err:
            drafts.open_draft(db_session=db_session, clock=clock, actor=actor, draft_id=draft_id, item_id=world["item"].id)
        assert err.value.message == drafts.UNKNOWN


@pytest.mark.req("CONS-08")
def test_the_person_opens_the_draft_prefilled_and_submits_it_under_their_own_account(client, db_session, clock, world):
    draft = _prepare(db_session, clock, world, address="广安区建设路88号")
    db_session.commit()
    csrf = sign_in(client, db_session, clock, world["other"])
    other = client.get(f"/items/{world['item'].id}/apply", params={"draft": draft.id})
    missing = client.get(f"/items/{world['item'].id}/apply", params={"draft": draft.id + 99})
    assert other.status_code == missing.status_code == 404
    assert drafts.UNKNOWN in other.text and drafts.UNKNOWN in missing.text and "广安区建设路88号" not in other.text
    csrf = sign_in(client, db_session, clock, world["person"])
    page = client.get(f"/items/{world['item'].id}/apply", params={"draft": draft.id})
    assert page.status_code == 200 and 'id="draft-note"' in page.text and "陈导办" in page.text
    assert 'value="广安区建设路88号"' in page.text and 'value="李桂兰"' in page.text  # the draft, and the account
    assert hidden(page.text, "draft") == str(draft.id)
    sent = client.post(f"/items/{world['item'].id}/apply", files=GOOD_FILES, follow_redirects=False,
                       data=form_fields(csrf, hidden(page.text, "key"), f_address="广安区建设路88号", draft=str(draft.id)))
    assert sent.status_code == 303, sent.text
    case = db_session.scalars(select(Case)).one()
    assert case.person_id == world["person"].id
    db_session.expire_all()
    row = db_session.get(ApplicationDraft, draft.id)
    assert row.used_at is not None and row.case_id == case.id
    again = client.get(f"/items/{world['item'].id}/apply", params={"draft": draft.id})
    assert again.status_code == 409 and "已经提交" in again.text
    with pytest.raises(Conflict):
        drafts.open_draft(db_session=db_session, clock=clock, actor=PersonActor(world["person"].id, "李桂兰", "resident_id"),
                          draft_id=draft.id, item_id=world["item"].id)
