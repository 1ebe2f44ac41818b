"""我的证照: a holder's licences with their type's own fields, on the page and through the API, and other items' forms
prefilled from those fields (LIC-01, CASE-01)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cases.caseflow import applicant_of, case_item, person_headers
from tests.cases.test_licences import TODAY, food_fields, issue_food
from tests.cases.test_pages_applicant import sign_in
from tests.factories import make_agency, make_person, make_uscc
from tongban.accounts.models import Organisation
from tongban.baselib.service import TableBaseLibrary
from tongban.cases import licences, presenters


def _org_of(db_session, clock, person) -> Organisation:
    org = Organisation(uscc=make_uscc(), name="建国小吃店", org_kind="individual_business", legal_rep_name=person.name,
                       legal_rep_id_hash=person.id_number_hash, legal_rep_person_id=person.id, registered_via="online",
                       created_at=clock.now())
    db_session.add(org)
    db_session.flush()
    return org


@pytest.fixture
def held(db_session, clock):
    """王建国 holds a food licence himself, his shop holds another (expired), and a stranger holds a third."""
    agency = make_agency(db_session, name="广安区行政审批局", region_code="511602")
    person = make_person(db_session, clock, name="王建国")
    stranger = make_person(db_session, clock, name="赵六")
    org = _org_of(db_session, clock, person)
    own = issue_food(db_session, clock, agency, person)
    shop = licences.issue(db_session=db_session, clock=clock, agency_id=agency.id, item_id=None, case_id=None,
                          type_code="food_business", type_name="食品经营许可证", holder_kind="org", person_id=None,
                          organisation_id=org.id, holder_name=org.name, holder_identifier=org.uscc,
                          valid_from=TODAY - timedelta(days=800), valid_until=TODAY - timedelta(days=1), data={},
                          verify_base_url="https://tongban.example.gov.cn",
                          fields=food_fields(premises="广安区北辰街道建设路18号"))
    other = issue_food(db_session, clock, agency, stranger)
    db_session.commit()
    return {"person": person, "own": own, "shop": shop, "other": other, "org": org}


@pytest.mark.req("LIC-01")
def test_my_licences_page_and_api_list_mine_and_my_organisations_with_their_fields(client, db_session, clock, held):
    api = client.get("/api/v1/me/licences", headers=person_headers(db_session, clock, held["person"]))
    assert api.status_code == 200, api.text
    rows = {r["number"]: r for r in api.json()["licences"]}
    assert set(rows) == {held["own"].number, held["shop"].number}  # not the stranger's
    own, shop = rows[held["own"].number], rows[held["shop"].number]
    assert {"label": "经营场所", "value": "广安区建设路1号"} in own["fields"]
    assert {"label": "法定代表人（负责人）", "value": "王建国"} in own["fields"]  # the holder sees it in full
    assert (own["status"], shop["status"], shop["subject_kind"]) == ("valid", "expired", "org")
    assert {"label": "经营场所", "value": "广安区北辰街道建设路18号"} in shop["fields"]

    sign_in(client, db_session, clock, held["person"])
    page = client.get("/licences")
    assert page.status_code == 200
    for row in rows.values():  # the twin: the page shows what the API lists
        assert row["number"] in page.text and row["status_label"] in page.text
        for field in row["fields"]:
            assert field["label"] in page.text and field["value"] in page.text
    assert held["other"].number not in page.text
    assert 'href="/licences"' in client.get("/account").text


def test_my_licences_needs_a_signed_in_person(client, held):
    assert client.get("/api/v1/me/licences").status_code == 401
    signed_out = client.get("/licences", follow_redirects=False)
    assert signed_out.status_code in (303, 401) and held["own"].number not in signed_out.text


@pytest.mark.req("CASE-01")
def test_another_items_form_is_prefilled_from_the_licences_own_fields(db_session, clock, held):
    item, _ = case_item(
        db_session, clock, name="食品经营许可（变更）",
        form=[{"key": "licence_no", "label": "原许可证编号", "prefill": "licence:food_business.number"},
              {"key": "premises", "label": "经营场所", "prefill": "licence:food_business.premises"},
              {"key": "business_type", "label": "主体业态", "prefill": "licence:food_business.business_type"},
              {"key": "business_items", "label": "经营项目", "prefill": "licence:food_business.business_items"},
              {"key": "change", "label": "申请变更的事项"}],
        fees=[],
    )
    form = presenters.application_form(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session),
                                       applicant=applicant_of(held["person"]), item_id=item.id)
    assert form.prefill == {"licence_no": held["own"].number, "premises": "广安区建设路1号",
                            "business_type": "餐饮服务经营者", "business_items": "热食类食品制售"}
    nobody = make_person(db_session, clock, name="钱七")
    db_session.commit()
    empty = presenters.application_form(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session),
                                        applicant=applicant_of(nobody), item_id=item.id)
    assert empty.prefill == {}
