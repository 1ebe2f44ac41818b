"""Approving an item whose result declares its licence type: the decider supplies the fields that come from the
decision, the licence prints them and verification shows them (LIC-01, CASE-14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import FileSystemLoader
from sqlalchemy import select

from tests.cases.caseflow import Staff, case_item, pdf_text, submit
from tests.cases.test_pages_applicant import sign_in
from tests.cases.test_pages_staff import Desk, fresh
from tests.factories import make_agency, make_person
from tongban.cases import decisions, documents, handling, licences
from tongban.cases.enums import CaseState, Opinion
from tongban.cases.models import License
from tongban.core.errors import InvalidInput

FORM = [
    {"key": "applicant_name", "label": "经营者名称", "prefill": "applicant.name"},
    {"key": "contact_phone", "label": "联系电话", "kind": "phone", "prefill": "applicant.phone"},
    {"key": "address", "label": "经营场所", "max_length": 100},
    {"key": "business_type", "label": "主体业态", "kind": "choice", "options": ["食品销售经营者", "餐饮服务经营者"]},
    {"key": "business_items", "label": "经营项目", "kind": "textarea", "max_length": 500, "required": False},
    {"key": "copies", "label": "证书份数", "kind": "number", "required": False},
]
LICENCE = {
    "number_format": "JY{code:business_type}{region:6}{serial:6}{check}",
    "fields": [
        {"key": "premises", "label": "经营场所", "source": "form", "form_field": "address", "max_length": 100},
        {"key": "business_type", "label": "主体业态", "form_field": "business_type",
         "options": [{"label": "食品销售经营者", "code": "1"}, {"label": "餐饮服务经营者", "code": "2"}]},
        {"key": "business_items", "label": "经营项目", "form_field": "business_items", "max_length": 120},
    ],
}
RESULT = {"name": "食品经营许可证", "kind": "证照", "licence_type": "food_business", "validity_years": 5,
          "delivery": ["online_download"]}
ANSWERS = {"applicant_name": "张三", "contact_phone": "13900000001", "address": "广安区建设路1号",
           "business_type": "食品销售经营者", "copies": "1"}


@pytest.fixture
def app(app):
    """The applicant's, the workbench's and the verify pages, whether or not app.py registers them (yet)."""
    import tongban.cases.pages as pages
    import tongban.cases.staff_pages as staff_pages
    import tongban.cases.verify_pages as verify_pages

    for module, path in ((pages, "/cases/{case_id}"), (staff_pages, "/staff/cases"),
                         (verify_pages, "/verify/licences/{number}")):
        if not any(getattr(r, "path", "") == path for r in app.routes):
            app.include_router(module.router)
    folder = str(Path(pages.__file__).parent / "templates")
    loader = app.state.templates.loader
    if not any(folder in getattr(each, "searchpath", []) for each in loader.loaders):
        loader.loaders.append(FileSystemLoader(folder))
    return app


def food_case(db_session, clock, **answers):
    agency = make_agency(db_session, name="广安区行政审批局", region_code="511602")
    item, _ = case_item(db_session, clock, agency=agency, form=FORM, result={**RESULT, "licence": LICENCE})
    person = make_person(db_session, clock, name="张三")
    case = submit(db_session, clock, item, person, form={**ANSWERS, **answers})
    return case, person, Staff(db_session, clock, agency)


def reviewed(db_session, clock, case, staff):
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    return case


@pytest.mark.req("LIC-01")
@pytest.mark.req("CASE-14")
def test_approval_needs_the_required_fields_and_the_licence_carries_them(db_session, clock):
    case, _, staff = food_case(db_session, clock)  # 经营项目 left empty on the form
    reviewed(db_session, clock, case, staff)
    decide = dict(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    with pytest.raises(InvalidInput) as raised:
        decisions.decide(**decide)
    assert raised.value.status_code == 422 and "经营项目" in raised.value.message
    assert case.state == CaseState.under_review.value and case.licence_id is None
    with pytest.raises(InvalidInput) as raised:
        decisions.decide(**decide, licence_fields={"business_items": "预包装食品销售", "business_type": "饭馆"})
    assert "主体业态" in raised.value.message
    decisions.decide(**decide, licence_fields={"business_items": "预包装食品销售（含冷藏冷冻食品）",
                                               "business_type": "餐饮服务经营者"})  # the decider corrects the form
    licence = db_session.get(License, case.licence_id)
    assert licence.number.startswith("JY2511602") and len(licence.number) == 16
    assert licences.held_fields(licence) == [("经营场所", "广安区建设路1号"), ("主体业态", "餐饮服务经营者"),
                                             ("经营项目", "预包装食品销售（含冷藏冷冻食品）")]
    document = documents.render(db_session=db_session, clock=clock, document=db_session.get(documents.Document,
                                                                                            licence.document_id))
    text = pdf_text(bytes(document.pdf))
    assert "经营场所广安区建设路1号" in text and "主体业态餐饮服务经营者" in text and licence.number in text


@pytest.mark.req("CASE-17")
def test_a_deemed_renewal_keeps_the_fields_it_has_without_failing(db_session, clock):
    case, _, staff = food_case(db_session, clock)
    reviewed(db_session, clock, case, staff)
    fields = decisions._licence_fields(case, handling.content_of(db_session, case), None, strict=False)
    assert fields.values == {"premises": "广安区建设路1号", "business_type": "食品销售经营者", "business_items": ""}


@pytest.mark.req("LIC-01")
@pytest.mark.req("CASE-14")
def test_the_decider_fills_the_licence_on_the_approve_form_and_every_page_shows_it(client, db_session, clock):
    case, person, staff = food_case(db_session, clock, business_items="热食类食品制售")
    reviewed(db_session, clock, case, staff)
    decider = Desk(client, db_session, clock, roles=["decider"], agency=_agency(db_session, case))
    db_session.commit()

    page = decider.get(f"/staff/cases/{case.id}").text
    assert 'name="licence_keys" value="business_items"' in page and ">热食类食品制售</textarea>" in page
    assert "广安区建设路1号" in page and "取自申请表" in page  # a form field is shown, not edited
    assert 'name="licence_keys" value="premises"' not in page
    post = {"choice": "approve", "reasons": "", "licence_keys": ["business_type", "business_items"]}
    refused = decider.act(case.id, "decide", {**post, "licence_values": ["食品销售经营者", " "]})
    assert refused.status_code == 422 and "请填写证照栏目“经营项目”" in refused.text
    assert fresh(db_session, case.id).state == CaseState.under_review.value
    done = decider.act(case.id, "decide", {**post, "licence_values": ["食品销售经营者", "热食类食品制售（不含冷食）"]})
    assert done.status_code == 303
    licence = db_session.scalar(select(License).where(License.id == fresh(db_session, case.id).licence_id))
    assert licence.number.startswith("JY1511602")
    staff_page = decider.get(f"/staff/cases/{case.id}").text
    assert "证照·经营项目" in staff_page and "热食类食品制售（不含冷食）" in staff_page

    sign_in(client, db_session, clock, person)
    own = client.get(f"/cases/{case.id}").text
    assert licence.number in own and "主体业态" in own and "热食类食品制售（不含冷食）" in own

    client.cookies.clear()
    hidden = client.get(f"/verify/licences/{licence.number}").text
    assert "热食类食品制售" not in hidden  # the number alone shows no content
    code = licences.check_code(licence.number)
    shown = client.get(f"/verify/licences/{licence.number}", params={"code": code}).text
    assert "经营项目" in shown and "热食类食品制售（不含冷食）" in shown and "广安区建设路1号" in shown
    data = client.get(f"/api/v1/verify/licences/{licence.number}", params={"code": code}).json()
    assert data["fields"][1] == ["主体业态", "食品销售经营者"]
    db_session.refresh(licence)  # signed when it was first verified
    qr = client.get("/api/v1/verify/licence-qr", params={"qr": licences.qr_text(licence)}).json()
    assert qr["valid"] and qr["fields"] == data["fields"]


@pytest.mark.req("LIC-01")
def test_the_staff_api_takes_the_licence_fields_too(client, db_session, clock):
    from tongban.accounts import staff as staff_service

    case, _, staff = food_case(db_session, clock)
    reviewed(db_session, clock, case, staff)
    _, token = staff_service.create_token(db_session=db_session, clock=clock, staff_id=staff.decider.staff_id, label="t")
    db_session.commit()
    url, headers = f"/api/v1/staff/cases/{case.id}/decide", {"Authorization": f"Bearer {token}"}
    missing = client.post(url, json={"version": case.version, "approve": True}, headers=headers)
    error = missing.json()["error"]
    assert missing.status_code == 422 and error["code"] == "LICENCE_FIELD_REQUIRED" and "经营项目" in error["message"]
    done = client.post(url, json={"version": case.version, "approve": True,
                                  "licence_fields": {"business_items": "预包装食品销售"}}, headers=headers)
    assert done.status_code == 200, done.text
    licence = db_session.get(License, fresh(db_session, case.id).licence_id)
    assert dict(licences.held_fields(licence))["经营项目"] == "预包装食品销售"


def _agency(db_session, case):
    from tongban.catalog.models import Agency

    return db_session.get(Agency, case.agency_id)
