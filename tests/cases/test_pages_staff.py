"""Staff workbench pages for cases: queues in scope, the case view, every action, window intake and hotline look-up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader, TemplateNotFound
from sqlalchemy import select

from tests.accounts.test_staff_pages import _staff_session
from tests.cases.caseflow import PDF, case_item, pdf_text, submit
from tests.factories import make_agency, make_person, make_staff, resident_id
from tongban.accounts import staff as staff_service
from tongban.accounts.access import PersonActor
from tongban.cases import service as cases
from tongban.cases.documents import Document, NoticeKind
from tongban.cases.enums import CaseChannel, CaseState
from tongban.cases.models import Case

CSRF = "test-form-token"
STALE = "该办件刚被他人处理，请刷新后查看最新状态"


@pytest.fixture
def app(app):
    """The workbench as the app serves it; adds the router and templates if app.py does not (yet) register them."""
    import tongban.cases.staff_pages as staff_pages

    if not any(getattr(r, "path", "") == "/staff/cases" for r in app.routes):
        app.include_router(staff_pages.router)
    env = app.state.templates
    try:
        env.get_template("cases/staff_case.html")
    except TemplateNotFound:
        env.loader.loaders.append(FileSystemLoader(str(Path(staff_pages.__file__).parent / "templates")))
    return app


class Desk:
    """One member of staff at the workbench: every request carries their token, every form the CSRF token."""

    def __init__(self, client, db_session, clock, *, roles: list[str], agency=None, region_code: str | None = None) -> None:
        account, _ = make_staff(db_session, clock, roles=roles, agency=agency, region_code=region_code)
        _, self.token = staff_service.create_token(db_session=db_session, clock=clock, staff_id=account.id, label="test")
        self.account, self.client = account, client

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        self.client.cookies.set("tb_csrf", CSRF)
        return self.client.post(url, data={"csrf": CSRF, **(data or {})}, headers=self.headers, follow_redirects=False,
                                **kwargs)

    def act(self, case_id: int, action: str, data: dict | None = None):
        """Open the case, then post the action with the version the page was rendered with."""
        page = self.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200, page.text
        return self.post(f"/staff/cases/{case_id}/{action}", {"version": version_of(page.text), **(data or {})})


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def fresh(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def documents_of(db_session, case_id: int, kind: NoticeKind) -> list[Document]:
    return list(db_session.scalars(select(Document).where(Document.case_id == case_id, Document.kind == kind.value)))


@pytest.mark.req("CASE-06")
def test_queue_shows_only_own_agency_cases_and_other_agencies_get_403(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    other_item, other_agency = case_item(db_session, clock, agency=make_agency(db_session))
    person = make_person(db_session, clock)
    mine, theirs = submit(db_session, clock, item, person), submit(db_session, clock, other_item, person)
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    outsider = Desk(client, db_session, clock, roles=["acceptor", "reviewer"], agency=other_agency)
    catalog_editor = Desk(client, db_session, clock, roles=["catalog_editor"], agency=agency)
    db_session.commit()

    page = acceptor.get("/staff/cases")
    assert page.status_code == 200 and "待受理" in page.text and "待审查" not in page.text
    assert mine.case_number in page.text and theirs.case_number not in page.text
    assert person.name in page.text and person.id_number not in page.text  # the applicant by name only
    assert acceptor.get(f"/staff/cases?tab=all&q={mine.case_number[-6:]}").text.count(f"/staff/cases/{mine.id}\"") == 1
    assert mine.case_number not in acceptor.get("/staff/cases?tab=all&q=99999999").text
    assert acceptor.get("/staff/cases?tab=decide").status_code == 403

    assert outsider.get(f"/staff/cases/{mine.id}").status_code == 403
    file_id = cases.materials_of(db_session=db_session, case_id=mine.id)[1].file_id
    assert outsider.get(f"/staff/cases/{mine.id}/files/{file_id}").status_code == 403
    assert outsider.act(theirs.id, "accept").status_code == 303  # their own case works
    assert outsider.post(f"/staff/cases/{mine.id}/accept", {"version": str(mine.version)}).status_code == 403
    assert fresh(db_session, mine.id).state == CaseState.submitted.value
    assert acceptor.get("/staff/cases/999999").status_code == 404
    assert catalog_editor.get("/staff/cases").status_code == 403

    download = acceptor.get(f"/staff/cases/{mine.id}/files/{file_id}")
    assert download.status_code == 200 and download.content == PDF and download.headers["content-type"] == "application/pdf"


def test_queues_put_the_most_urgent_first_mark_overdue_cases_and_follow_the_region(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    waiting, accepted = submit(db_session, clock, item, person), submit(db_session, clock, item, person)
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    city = Desk(client, db_session, clock, roles=["supervisor"], region_code="511600")
    capital = Desk(client, db_session, clock, roles=["supervisor"], region_code="510100")
    db_session.commit()
    assert acceptor.act(accepted.id, "accept").status_code == 303

    listed = acceptor.get("/staff/cases?tab=all").text
    assert listed.index(accepted.case_number) < listed.index(waiting.case_number)  # a due date comes before none
    assert "已超期" not in listed
    clock.advance(days=30)
    assert "已超期" in acceptor.get("/staff/cases?tab=all").text
    overview = city.get("/staff/cases")
    assert overview.status_code == 200 and "待决定" in overview.text  # supervisors watch every queue
    assert waiting.case_number in overview.text and accepted.case_number in overview.text
    assert city.get(f"/staff/cases/{waiting.id}").status_code == 200
    assert "action=\"/staff/cases/%d/accept\"" % waiting.id not in city.get(f"/staff/cases/{waiting.id}").text
    assert waiting.case_number not in capital.get("/staff/cases").text
    assert capital.get(f"/staff/cases/{waiting.id}").status_code == 403


@pytest.mark.req("CASE-06")
def test_acceptor_signed_in_accepts_and_the_acceptance_notice_is_listed(client, sms, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person)
    _staff_session(client, sms, db_session, clock, roles=["acceptor"], phone="13800000021", agency=agency)

    assert 'href="/staff/cases"' in client.get("/staff/home").text  # the navigation leads to the cases
    page = client.get(f"/staff/cases/{case.id}")
    assert page.status_code == 200 and case.case_number in page.text
    assert person.id_number not in page.text and person.id_number[-4:] in page.text  # masked as views.detail gives it
    assert "13900000001" not in page.text and "139****0001" in page.text  # also the phone typed in the form
    assert 'action="/staff/cases/%d/accept"' % case.id in page.text and "/review" not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post(f"/staff/cases/{case.id}/accept", data={"csrf": csrf, "version": version_of(page.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/staff/cases/{case.id}?msg=")
    assert client.post(f"/staff/cases/{case.id}/refuse", data={"csrf": "forged", "version": "9", "reasons": "x"}).status_code == 403

    after = client.get(done.headers["location"])
    assert "已受理，受理通知书已出具" in after.text and "受理通知书" in after.text
    notice = documents_of(db_session, case.id, NoticeKind.acceptance_notice)[0]
    assert f"/staff/cases/{case.id}/documents/{notice.id}.pdf" in after.text and f"/verify/documents/{notice.number}" in after.text
    pdf = client.get(f"/staff/cases/{case.id}/documents/{notice.id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    assert fresh(db_session, case.id).state == CaseState.accepted.value


@pytest.mark.req("CASE-06")
def test_supplement_request_for_two_materials_gives_one_notice_with_both(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    db_session.commit()

    page = acceptor.get(f"/staff/cases/{case.id}")
    assert 'name="deadline" value="2026-11-27"' in page.text  # 5 working days from Friday 20 November
    form = {"version": version_of(page.text), "missing": ["m2", "m3"], "material_keys": ["m1", "m2", "m3"],
            "reasons": ["", "平面图未标注面积", "健康证明已过期"], "deadline": ""}
    done = acceptor.post(f"/staff/cases/{case.id}/supplement-request", form)
    assert done.status_code == 303, done.text

    notices = documents_of(db_session, case.id, NoticeKind.supplement_notice)
    assert len(notices) == 1
    download = acceptor.get(f"/staff/cases/{case.id}/documents/{notices[0].id}.pdf")  # sealed at once if its job has not run
    assert download.status_code == 200
    text = pdf_text(download.content)
    assert "经营场所平面图" in text and "平面图未标注面积" in text and "健康证明已过期" in text
    assert "食品经营许可申请书" not in text.split("需补正的材料")[-1].split("补正期限")[0]
    row = fresh(db_session, case.id)
    assert row.state == CaseState.supplement_requested.value and row.supplement_deadline.isoformat() == "2026-11-27"
    after = acceptor.get(f"/staff/cases/{case.id}")
    assert after.text.count("一次性告知补正材料通知书") == 1 and "待补正材料" in after.text
    assert "/supplement-request" not in after.text and "/refuse" in after.text  # only refusal remains while waiting
    assert case.case_number in acceptor.get("/staff/cases?tab=supplement").text

    nothing = acceptor.act(case.id, "refuse", {"reasons": "  "})
    assert nothing.status_code == 422 and "请写明不予受理的理由" in nothing.text


@pytest.mark.req("CASE-20")
@pytest.mark.req("CASE-12")
def test_parallel_approval_co_agency_gives_its_opinion_then_the_decider_decides(client, db_session, clock):
    co_agency = make_agency(db_session, name="消防救援支队")
    item, agency = case_item(db_session, clock, parallel_agencies=[co_agency.code])
    case = submit(db_session, clock, item, make_person(db_session, clock))
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    reviewer = Desk(client, db_session, clock, roles=["reviewer"], agency=agency)
    co_reviewer = Desk(client, db_session, clock, roles=["reviewer"], agency=co_agency)
    decider = Desk(client, db_session, clock, roles=["decider"], agency=agency)
    db_session.commit()

    assert acceptor.act(case.id, "accept").status_code == 303
    assert case.case_number in co_reviewer.get("/staff/cases?tab=review").text
    assert co_reviewer.get(f"/staff/cases/{case.id}").status_code == 200
    assert "/opinion" not in co_reviewer.get(f"/staff/cases/{case.id}").text  # review has not started yet
    assert reviewer.act(case.id, "review").status_code == 303
    waiting = decider.get(f"/staff/cases/{case.id}")
    assert "尚有部门未提出审查意见" in waiting.text and "消防救援支队" in waiting.text
    assert case.case_number not in decider.get("/staff/cases?tab=decide").text

    co_page = co_reviewer.get(f"/staff/cases/{case.id}")
    assert "/opinion" in co_page.text and "/special-procedures" not in co_page.text  # a co-agency only gives its opinion
    assert co_reviewer.act(case.id, "opinion", {"choice": "approve", "reasons": "消防设施符合要求"}).status_code == 303
    assert case.case_number not in co_reviewer.get("/staff/cases?tab=review").text  # its post is done
    assert co_reviewer.post(f"/staff/cases/{case.id}/special-procedures",
                            {"version": str(fresh(db_session, case.id).version), "name": "现场核查"}).status_code == 403
    assert reviewer.act(case.id, "opinion", {"choice": "approve", "reasons": "符合审查标准"}).status_code == 303

    queue = decider.get("/staff/cases?tab=decide")
    assert case.case_number in queue.text
    page = decider.get(f"/staff/cases/{case.id}")
    assert "消防设施符合要求" in page.text and "并联审批" in page.text
    assert decider.act(case.id, "decide", {"choice": "approve", "reasons": ""}).status_code == 303
    assert fresh(db_session, case.id).state == CaseState.approved.value
    assert "准予许可决定书" in decider.get(f"/staff/cases/{case.id}").text


@pytest.mark.req("CASE-12")
def test_the_reviewer_cannot_also_decide(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    both = Desk(client, db_session, clock, roles=["reviewer", "decider"], agency=agency)
    db_session.commit()
    acceptor.act(case.id, "accept")
    both.act(case.id, "review")
    assert both.act(case.id, "opinion", {"choice": "approve", "reasons": "符合审查标准"}).status_code == 303

    refused = both.act(case.id, "decide", {"choice": "approve"})
    assert refused.status_code == 403 and "审查人与决定人不能为同一人" in refused.text
    assert fresh(db_session, case.id).state == CaseState.under_review.value
    unchosen = both.act(case.id, "decide", {"choice": ""})
    assert unchosen.status_code == 422 and "请选择准予或不予" in unchosen.text


@pytest.mark.req("CASE-11")
@pytest.mark.req("CASE-16")
def test_special_procedure_then_decision_and_window_pickup_with_id_check(client, db_session, clock):
    item, agency = case_item(db_session, clock, fees=[])  # nothing to pay before the pickup
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person, delivery_method="window_pickup")
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    reviewer = Desk(client, db_session, clock, roles=["reviewer"], agency=agency)
    decider = Desk(client, db_session, clock, roles=["decider"], agency=agency)
    dispatcher = Desk(client, db_session, clock, roles=["dispatcher"], agency=agency)
    db_session.commit()
    accepted = acceptor.act(case.id, "accept")
    assert accepted.status_code == 303, accepted.text
    reviewer.act(case.id, "review")

    page = reviewer.get(f"/staff/cases/{case.id}")
    assert '<option value="现场核查">现场核查（不超过 10 日）</option>' in page.text
    assert reviewer.act(case.id, "special-procedures", {"name": "听证", "note": ""}).status_code == 422
    assert reviewer.act(case.id, "special-procedures", {"name": "现场核查", "note": "核查后厨"}).status_code == 303
    assert "特别程序告知书" in reviewer.get(f"/staff/cases/{case.id}").text
    assert reviewer.act(case.id, "special-procedures/end", {"outcome": "现场符合要求"}).status_code == 303
    reviewer.act(case.id, "opinion", {"choice": "approve", "reasons": "符合审查标准"})
    decider.act(case.id, "decide", {"choice": "approve"})

    assert case.case_number in dispatcher.get("/staff/cases?tab=dispatch").text
    page = dispatcher.get(f"/staff/cases/{case.id}")
    assert "/deliver/window" in page.text and "窗口领取" in page.text
    wrong = dispatcher.act(case.id, "deliver/window", {"id_kind": "resident_id", "id_number": resident_id()})
    assert wrong.status_code == 403 and "领取人证件与申请人（经办人）不一致" in wrong.text
    done = dispatcher.act(case.id, "deliver/window", {"id_kind": "resident_id", "id_number": person.id_number})
    assert done.status_code == 303
    assert fresh(db_session, case.id).state == CaseState.delivered.value


@pytest.mark.req("CASE-10")
@pytest.mark.req("CASE-12")
def test_on_site_check_is_asked_for_and_on_the_spot_decision_offered(client, db_session, clock):
    item, agency = case_item(db_session, clock, on_site_verification=True,
                             review_rules={"posts": [{"post": "reviewer", "time_limit_days": 1}], "on_the_spot": True})
    case = submit(db_session, clock, item, make_person(db_session, clock))
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    db_session.commit()

    form = acceptor.get(f"/staff/cases/{case.id}").text
    assert "现场核验原件的时间" in form and 'type="datetime-local" id="on-site-at" name="on_site_at"' in form
    empty = acceptor.act(case.id, "accept", {"on_site": "", "on_site_at": "2026-11-25T09:00"})
    assert empty.status_code == 422 and "请写明现场核验原件的地点" in empty.text
    no_time = acceptor.act(case.id, "accept", {"on_site": "市政务服务中心3号窗口", "on_site_at": ""})
    assert no_time.status_code == 422 and "请填写现场核验原件的时间" in no_time.text
    done = acceptor.act(case.id, "accept", {"on_site": "市政务服务中心3号窗口", "on_site_at": "2026-11-25T09:00"})
    assert done.status_code == 303
    page = acceptor.get(f"/staff/cases/{case.id}")
    assert "现场核验原件通知书" in page.text and "当场作出决定" in page.text
    assert "2026年11月25日 09:00，市政务服务中心3号窗口" in page.text  # in the timeline
    assert "待核验" in page.text and 'action="/staff/cases/%d/originals-checked"' % case.id in page.text
    unchecked = acceptor.act(case.id, "decide", {"choice": "approve"})
    assert unchecked.status_code == 409 and "申请材料原件尚未核验" in unchecked.text  # the approval waits (CASE-10)
    assert fresh(db_session, case.id).state == CaseState.accepted.value
    assert acceptor.act(case.id, "originals-checked", {"note": "原件与电子材料一致"}).status_code == 303
    page = acceptor.get(f"/staff/cases/{case.id}")
    assert "原件已核验" in page.text and acceptor.account.name in page.text and "/originals-checked" not in page.text
    assert acceptor.act(case.id, "decide", {"choice": "approve"}).status_code == 303
    assert fresh(db_session, case.id).state == CaseState.approved.value


@pytest.mark.req("CASE-11")
@pytest.mark.req("CASE-12")
def test_the_reviewer_sees_the_standard_records_the_review_against_it_and_decides_on_the_spot(client, db_session, clock):
    from html import escape

    from tongban.cases import lifecycle

    standard = "经营场所面积不小于30平方米；从业人员持有效健康证明；设备布局与工艺流程合理"
    rules = {"posts": [{"post": "reviewer", "time_limit_days": 1, "method": "书面审查：核对平面图与设备布局"},
                       {"post": "decider", "time_limit_days": 1}], "methods": ["书面审查", "信息系统核查"], "on_the_spot": True}
    item, agency = case_item(db_session, clock, fees=[], review_standard=standard, review_rules=rules)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    reviewer = Desk(client, db_session, clock, roles=["reviewer"], agency=agency)
    db_session.commit()
    acceptor.act(case.id, "accept")
    reviewer.act(case.id, "review")

    page = reviewer.get(f"/staff/cases/{case.id}")
    assert "审查标准" in page.text and escape(standard) in page.text
    assert "书面审查；信息系统核查" in page.text and "书面审查：核对平面图与设备布局" in page.text
    assert f"/staff/cases/{case.id}/decide" not in page.text  # the opinion comes first
    assert reviewer.act(case.id, "opinion", {"choice": "approve", "reasons": "对照审查标准逐项核对，均符合"}).status_code == 303
    opinion = [e for e in lifecycle.events_of(db_session=db_session, case_id=case.id) if e.kind == "opinion_recorded"]
    assert opinion[0].data["review_standard"] == standard and opinion[0].reason == "对照审查标准逐项核对，均符合"

    page = reviewer.get(f"/staff/cases/{case.id}")
    assert f"/staff/cases/{case.id}/decide" in page.text and "审查人在书面审查后当场作出决定" in page.text
    assert reviewer.act(case.id, "decide", {"choice": "approve"}).status_code == 303
    assert fresh(db_session, case.id).state == CaseState.approved.value
    timeline = reviewer.get(f"/staff/cases/{case.id}").text.split("办理过程")[-1]
    assert f"签署：审查人（兼决定人） {reviewer.account.name}（当场决定）" in timeline


def test_a_stale_version_is_refused_with_409(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    first = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    second = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    db_session.commit()

    seen = version_of(first.get(f"/staff/cases/{case.id}").text)
    assert second.act(case.id, "refuse", {"reasons": "不属于本机关职权范围"}).status_code == 303
    late = first.post(f"/staff/cases/{case.id}/accept", {"version": seen})
    assert late.status_code == 409 and STALE in late.text and "不予受理" in late.text
    assert fresh(db_session, case.id).state == CaseState.refused.value


@pytest.mark.req("CASE-18")
@pytest.mark.req("CASE-21")
def test_window_intake_of_an_unregistered_walk_in_who_later_registers_and_sees_it(client, db_session, clock):
    item, agency = case_item(db_session, clock, name="食品经营许可（窗口测试）")
    case_item(db_session, clock)  # another agency's item is not offered at this window
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    db_session.commit()
    walk_in_id = resident_id(birth="19851212")

    found = acceptor.get("/staff/cases/new?q=窗口测试")
    assert found.status_code == 200 and f"/staff/cases/new?item_id={item.id}" in found.text
    assert found.text.count("/staff/cases/new?item_id=") == 1
    form_page = acceptor.get(f"/staff/cases/new?item_id={item.id}")
    assert 'name="f_address"' in form_page.text and 'name="file_m3"' in form_page.text and 'name="exempt_m3"' in form_page.text
    key = re.search(r'name="key" value="([^"]+)"', form_page.text).group(1)
    data = {"item_id": str(item.id), "key": key, "name": "王五", "id_kind": "resident_id", "id_number": walk_in_id,
            "phone": "13700000005", "f_applicant_name": "王五", "f_contact_phone": "13700000005", "f_address": "广安区建设路2号",
            "f_copies": "1", "delivery_method": "window_pickup"}
    files = {"file_m2": ("平面图.pdf", PDF, "application/pdf"), "file_m3": ("", b"", "application/octet-stream")}

    bad = acceptor.post("/staff/cases/new", {**data, "id_number": "110105198512120000"}, files=files)
    assert bad.status_code == 422 and 'value="王五"' in bad.text and f'name="key" value="{key}"' in bad.text
    done = acceptor.post("/staff/cases/new", data, files=files)
    assert done.status_code == 303, done.text
    case_id = int(re.search(r"/staff/cases/(\d+)\?msg=", done.headers["location"]).group(1))
    again = acceptor.post("/staff/cases/new", data, files=files)
    assert again.headers["location"].startswith(f"/staff/cases/{case_id}?")  # the same key is the same case

    case = fresh(db_session, case_id)
    assert case.channel == CaseChannel.window.value and case.person_id is None and case.filed_by_staff_id == acceptor.account.id
    page = acceptor.get(done.headers["location"])
    assert case.case_number in page.text and "窗口代为申报" in page.text and "平面图.pdf" in page.text
    assert walk_in_id not in page.text
    short = acceptor.act(case_id, "accept")
    assert short.status_code == 409 and "材料不齐，不能直接受理" in short.text and "健康证明" in short.text
    deficiency = acceptor.act(case_id, "accept-with-deficiency",
                              {"missing": ["m3"], "material_keys": ["m3"], "reasons": ["三日内补交"], "deadline": "2026-12-04"})
    assert deficiency.status_code == 303, re.findall(r'notice error" role="alert">([^<]+)', deficiency.text)
    assert fresh(db_session, case_id).state == CaseState.accepted_with_deficiency.value

    person = make_person(db_session, clock, name="王五", id_number=walk_in_id)
    db_session.commit()
    mine, total = cases.list_mine(db_session=db_session, clock=clock,
                                  actor=PersonActor(person_id=person.id, name=person.name, id_kind="resident_id"))
    assert total == 1 and mine[0].id == case_id


@pytest.mark.req("CASE-18")
def test_window_intake_needs_the_acceptor_post_and_an_item_in_scope(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    other_item, _ = case_item(db_session, clock)
    reviewer = Desk(client, db_session, clock, roles=["reviewer"], agency=agency)
    acceptor = Desk(client, db_session, clock, roles=["acceptor"], agency=agency)
    db_session.commit()
    assert reviewer.get("/staff/cases/new").status_code == 403
    assert acceptor.get(f"/staff/cases/new?item_id={other_item.id}").status_code == 403
    data = {"item_id": str(other_item.id), "key": "k" * 20, "name": "王五", "id_number": resident_id()}
    assert acceptor.post("/staff/cases/new", data).status_code == 403
    assert acceptor.post("/staff/cases/new", {"item_id": str(item.id), "key": "k" * 20}).status_code == 422


@pytest.mark.req("CASE-05")
@pytest.mark.req("CASE-18")
def test_hotline_lookup_by_id_number_and_case_number_within_the_region(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    case = submit(db_session, clock, item, person)
    hotline = Desk(client, db_session, clock, roles=["consultant"], region_code="511600")
    elsewhere = Desk(client, db_session, clock, roles=["consultant"], region_code="510100")
    editor = Desk(client, db_session, clock, roles=["catalog_editor"], agency=agency)
    db_session.commit()

    assert 'href="/staff/case-lookup"' in hotline.get("/staff/case-lookup").text
    by_id = hotline.post("/staff/case-lookup", {"id_kind": "resident_id", "id_number": person.id_number})
    assert by_id.status_code == 200 and case.case_number in by_id.text and item.name in by_id.text
    assert "提交申请" in by_id.text and person.name not in by_id.text  # progress only, nobody's name
    by_number = hotline.get(f"/staff/case-lookup?number={case.case_number}")
    assert case.case_number in by_number.text and "已提交，待受理" in by_number.text
    assert case.case_number not in elsewhere.post("/staff/case-lookup", {"id_number": person.id_number}).text
    assert "没有找到" in elsewhere.get(f"/staff/case-lookup?number={case.case_number}").text
    invalid = hotline.post("/staff/case-lookup", {"id_kind": "resident_id", "id_number": "123"})
    assert invalid.status_code == 422
    assert editor.get("/staff/case-lookup").status_code == 403
    assert hotline.get("/staff/cases").status_code == 403  # hotline staff look up; they do not handle cases
