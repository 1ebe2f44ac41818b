"""Credit through the pages: opting in on the apply form, the staff desk, lists and exclusions, my credit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tongban.credit import lists, pledges
from tongban.credit.approval import treatment_of
from tongban.credit.enums import ListKind
from tongban.cases.models import Case

from tests.cases.caseflow import PDF, PNG, Staff, case_item, submit
from tests.factories import make_actor, make_person, resident_id
from tests.signin import sign_in_person, sign_in_staff

FILES = {"file_m2": ("平面图.pdf", PDF, "application/pdf"), "file_m3": ("健康证.png", PNG, "image/png")}


def _form(csrf: str, key: str, **extra) -> dict:
    return {"csrf": csrf, "key": key, "f_applicant_name": "李梅", "f_contact_phone": "13912345678",
            "f_address": "广安区建设路1号", "f_copies": "1", "way_m3": "upload", "delivery_method": "online_download", **extra}


@pytest.mark.req("CRED-06")
def test_the_apply_form_offers_credit_approval_and_the_choice_is_applied(db_session, clock, client, load_credit):
    item, _ = case_item(db_session, clock)
    lists.seed_entry(db_session=db_session, clock=clock, item_id=item.id, list_kind=ListKind.instant)
    number = resident_id()
    person = make_person(db_session, clock, name="李梅", id_number=number, phone="13912345678")
    load_credit([{"subject": number, "grade": "red"}])
    csrf = sign_in_person(client, db_session, clock, person)
    page = client.get(f"/items/{item.id}/apply")
    assert page.status_code == 200 and 'name="credit_opt_in" value="1">' in page.text  # not ticked: voluntary
    key = re.search(r'name="key" value="([^"]*)"', page.text).group(1)
    done = client.post(f"/items/{item.id}/apply", data=_form(csrf, key, credit_opt_in="1"), files=FILES,
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    db_session.expire_all()
    case = db_session.scalar(select(Case).where(Case.item_id == item.id))
    assert treatment_of(db_session=db_session, case_id=case.id).treatments == "instant"


@pytest.mark.req("CRED-02")
def test_a_black_listed_applicant_sees_the_reason_on_the_form(db_session, clock, client, load_credit):
    item, _ = case_item(db_session, clock)
    number = resident_id()
    person = make_person(db_session, clock, name="王建国", id_number=number, phone="13912345679")
    load_credit([{"subject": number, "grade": "black", "reason": "失信被执行人"}])
    csrf = sign_in_person(client, db_session, clock, person)
    page = client.get(f"/items/{item.id}/apply")
    key = re.search(r'name="key" value="([^"]*)"', page.text).group(1)
    refused = client.post(f"/items/{item.id}/apply", data=_form(csrf, key), files=FILES, follow_redirects=False)
    assert refused.status_code == 422 and "失信被执行人" in refused.text and "信用修复" in refused.text
    db_session.expire_all()
    assert db_session.scalar(select(Case.id).where(Case.item_id == item.id)) is None


@pytest.mark.req("CRED-06")
def test_staff_record_a_false_pledge_and_review_the_repair_on_their_pages(db_session, clock, client):
    from tongban.cases.files import Upload

    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person, pledge=True, exemptions={"m3": "pledge"}, uploads=[Upload("m2", "a.pdf", PDF)])
    staff = Staff(db_session, clock, agency)
    supervisor, _ = make_actor(db_session, clock, role="supervisor", agency=agency)
    check = pledges.check_of_case(db_session=db_session, case_id=case.id)
    db_session.commit()
    csrf = sign_in_staff(client, db_session, clock, staff.reviewer.staff_id)
    desk = client.get("/staff/credit")
    assert desk.status_code == 200 and "告知承诺事后核查" in desk.text and check.due_on.isoformat() in desk.text
    empty = client.post(f"/staff/credit/checks/{check.id}", data={"csrf": csrf, "truthful": "0", "finding": ""})
    assert empty.status_code == 422 and "不实的情形和理由" in empty.text
    done = client.post(f"/staff/credit/checks/{check.id}", data={"csrf": csrf, "truthful": "0", "finding": "健康证明系伪造"},
                       follow_redirects=False)
    assert done.status_code == 303
    csrf = sign_in_person(client, db_session, clock, person)
    mine = client.get("/credit/mine")
    assert "健康证明系伪造" in mine.text and "申请信用修复" in mine.text
    db_session.expire_all()
    exclusion = pledges.exclusions_of(db_session=db_session, subject_hash=check.subject_hash)[0]
    applied = client.post(f"/credit/exclusions/{exclusion.id}/repair", data={"csrf": csrf, "evidence": "已重新办理健康证明"},
                          follow_redirects=False)
    assert applied.status_code == 303
    csrf = sign_in_staff(client, db_session, clock, supervisor.staff_id)
    page = client.get("/staff/credit/exclusions")
    assert "已重新办理健康证明" in page.text and "审核" in page.text
    repair = pledges.repairs_of(db_session=db_session, exclusion_id=exclusion.id)[0]
    client.post(f"/staff/credit/repairs/{repair.id}/review", data={"csrf": csrf, "approve": "1", "note": "整改到位"})
    db_session.expire_all()
    assert pledges.exclusion(db_session=db_session, exclusion_id=exclusion.id).state == "lifted"


@pytest.mark.req("CRED-01")
def test_the_staff_list_page_adds_and_refuses_in_chinese(db_session, clock, client):
    item, agency = case_item(db_session, clock)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    db_session.commit()
    csrf = sign_in_staff(client, db_session, clock, editor.staff_id)
    bad = client.post("/staff/credit/lists", data={"csrf": csrf, "item_id": "abc", "list_kind": "instant"})
    assert bad.status_code == 422 and "事项编号" in bad.text
    done = client.post("/staff/credit/lists", data={"csrf": csrf, "item_id": str(item.id), "list_kind": "tolerant"},
                       follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/staff/credit/lists")
    assert item.name in page.text and "容缺受理" in page.text
