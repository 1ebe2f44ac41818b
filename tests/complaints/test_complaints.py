"""Complaints from every channel, the handling loop, confidentiality and the complaint rate (RATE-04, RATE-05)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.complaints.conftest import page_csrf
from tests.signin import auth, person_headers as person_token, sign_in_person, sign_in_staff
from tests.factories import last_code
from tongban.accounts.access import PersonActor
from tongban.complaints import service
from tongban.complaints.models import Complaint
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.notify import service as notify
from tongban.supervision import flags


def _me(person) -> PersonActor:
    return PersonActor(person_id=person.id, name=person.name, id_kind="resident_id")


def _file(db_session, clock, world, *, person=None, staff=None, **over):
    data = dict(content="窗口工作人员态度恶劣，多次让我来回跑", agency_id=world.market.id, item_id=world.item.id)
    data.update(over)
    complaint = service.file_complaint(db_session=db_session, clock=clock, complaint_in=service.ComplaintIn(**data),
                                       person=_me(person) if person else None, staff=staff)
    db_session.commit()
    return complaint


def _count(db_session) -> int:
    return db_session.scalar(select(func.count(Complaint.id)))


@pytest.mark.req("RATE-04")
@pytest.mark.parametrize("through", ["page", "api"])
def test_twin_a_signed_in_person_files_and_follows_a_complaint(through, client, db_session, clock, world):
    from tests.cases.caseflow import case_item, submit

    case_item_row, _ = case_item(db_session, clock, agency=world.market, name="食品经营许可（新办）")
    case = submit(db_session, clock, case_item_row, world.person)
    db_session.commit()
    body = {"content": "办件超期没有任何说明", "agency_id": str(world.market.id), "case_number": case.case_number}
    if through == "page":
        csrf = sign_in_person(client, db_session, clock, world.person)
        answer = client.post("/complaints", data={**body, "csrf": csrf, "disclose": "1"})
        assert answer.status_code == 201 and "投诉已受理" in answer.text
        number = answer.text.split('id="complaint-number">')[1].split("<")[0]
        followed = client.get(f"/complaints/{number}")
        assert followed.status_code == 200 and "已受理，待核实" in followed.text
        assert number in client.get("/complaints").text
    else:
        headers = person_token(db_session, clock, world.person)
        answer = client.post("/api/v1/complaints", json={**body, "disclose_identity": True}, headers=headers)
        assert answer.status_code == 201, answer.text
        number = answer.json()["number"]
        followed = client.get(f"/api/v1/complaints/{number}", headers=headers).json()
        assert followed["state"] == "registered" and followed["agency_name"] == "广安市广安区市场监督管理局"
        assert [c["number"] for c in client.get("/api/v1/complaints", headers=headers).json()["items"]] == [number]
    row = db_session.scalar(select(Complaint).where(Complaint.number == number))
    assert row.person_id == world.person.id and row.disclose_identity and row.case_number == case.case_number
    assert row.item_id == case_item_row.id  # the case names the item complained about
    assert row.verify_due == datetime(2026, 11, 24).date()  # Friday 20 Nov + 2 working days


@pytest.mark.req("RATE-04")
@pytest.mark.parametrize("through", ["page", "api"])
def test_twin_anonymous_complaint_needs_a_phone_proved_by_sms_and_is_followed_by_number_and_code(
        through, client, db_session, clock, world, sms):
    phone = "13700001111"
    body = {"content": "大厅取号机故障无人处理", "agency_id": str(world.market.id), "contact_phone": phone}
    if through == "page":
        csrf = page_csrf(client, "/complaints/new")
        refused = client.post("/complaints", data={**body, "csrf": csrf})
        assert refused.status_code == 422 and "验证码" in refused.text
        sent = client.post("/complaints/sms-code", data={**body, "csrf": csrf})
        assert sent.status_code == 200 and "验证码已发送" in sent.text
        wrong = client.post("/complaints", data={**body, "csrf": csrf, "sms_code": "000000"})
        assert wrong.status_code == 422 and "验证码不正确" in wrong.text
        filed = client.post("/complaints", data={**body, "csrf": csrf, "sms_code": last_code(sms, phone)})
        assert filed.status_code == 201
        number = filed.text.split('id="complaint-number">')[1].split("<")[0]
        code = filed.text.split('id="complaint-code">')[1].split("<")[0]
        bad = client.post("/complaints/lookup", data={"csrf": csrf, "number": number, "code": "999999" if code != "999999" else "111111"})
        assert bad.status_code == 403 and "查询码不正确" in bad.text
        seen = client.post("/complaints/lookup", data={"csrf": csrf, "number": number, "code": code})
        assert seen.status_code == 200 and "大厅取号机故障无人处理" in seen.text
    else:
        refused = client.post("/api/v1/complaints", json=body)
        assert refused.status_code == 422 and "验证码" in refused.json()["error"]["message"]
        assert client.post("/api/v1/complaints/sms-code", json={"phone": phone}).status_code == 202
        wrong = client.post("/api/v1/complaints", json={**body, "sms_code": "000000"})
        assert wrong.status_code == 422
        filed = client.post("/api/v1/complaints", json={**body, "sms_code": last_code(sms, phone)})
        assert filed.status_code == 201, filed.text
        number, code = filed.json()["number"], filed.json()["check_code"]
        bad = client.post("/api/v1/complaints/lookup", json={"number": number, "code": "999999" if code != "999999" else "111111"})
        assert bad.status_code == 403 and "查询码不正确" in bad.json()["error"]["message"]
        seen = client.post("/api/v1/complaints/lookup", json={"number": number, "code": code})
        assert seen.status_code == 200 and seen.json()["content"] == "大厅取号机故障无人处理"
    assert _count(db_session) == 1
    row = db_session.scalar(select(Complaint))
    assert row.contact_phone == phone and row.person_id is None
    stored = db_session.connection().exec_driver_sql("SELECT contact_phone, check_code FROM complaint").one()
    assert phone not in stored[0] and row.check_code not in stored[1]  # encrypted at rest


@pytest.mark.req("RATE-04")
def test_hotline_and_letters_are_entered_by_staff_for_the_caller(client, db_session, clock, world):
    csrf = sign_in_staff(client, db_session, clock, world.consultant.staff_id)
    answer = client.post("/staff/complaints", data={
        "csrf": csrf, "channel": "hotline", "agency_id": str(world.market.id), "content": "来电反映窗口推诿",
        "contact_name": "赵六", "contact_phone": "13600002222"}, follow_redirects=False)
    assert answer.status_code == 303 and "查询码" in client.get(answer.headers["location"]).text
    row = db_session.scalar(select(Complaint))
    assert row.channel == "hotline" and row.registered_by == world.consultant.ref and row.contact_name == "赵六"
    with pytest.raises(Forbidden):
        _file(db_session, clock, world, person=world.person, channel="letter")
    letter = _file(db_session, clock, world, staff=world.supervisor, channel="letter")
    assert letter.channel == "letter"


@pytest.mark.req("RATE-05")
def test_register_verify_assign_dispose_answer_both_sides_and_archive(client, db_session, clock, world):
    complaint = _file(db_session, clock, world, person=world.person)
    sup = world.supervisor
    assert service.complaint_warning(db_session=db_session, clock=clock, complaint=complaint) is None
    with pytest.raises(Conflict):
        service.dispose(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id, finding="x", action="y")
    clock.advance(days=3)  # Monday 23 Nov: one working day left
    assert service.complaint_warning(db_session=db_session, clock=clock, complaint=complaint).value == "yellow"
    clock.advance(days=2)  # Wednesday 25 Nov: past the 24th
    assert service.complaint_warning(db_session=db_session, clock=clock, complaint=complaint).value == "red"
    service.verify(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id, valid=True,
                   reason="调取监控属实")
    assert complaint.dispose_due == datetime(2026, 12, 9).date()  # 10 working days after 25 Nov
    service.assign(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id)
    assert complaint.handling_region == "511600" and complaint.handling_agency_id == world.management.id
    service.dispose(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id,
                    finding="窗口人员未一次性告知", action="约谈窗口负责人，限期整改")
    service.answer(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id,
                   to_complainant="经调查属实，已约谈并责令整改，感谢监督")
    service.archive(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id)
    db_session.commit()
    assert complaint.state == "archived"
    sent = notify.deliveries_for(db_session=db_session, person_id=world.person.id)
    assert {d.channel for d in sent} >= {"inbox", "sms"} and "处理结果" in sent[0].title
    kinds = [s.kind for s in service.steps(db_session=db_session, complaint=complaint)]
    assert kinds == ["registered", "verified", "assigned", "disposed", "answered", "agency_told", "archived"]
    seen = client.get(f"/api/v1/complaints/{complaint.number}", headers=person_token(db_session, clock, world.person)).json()
    assert seen["answer"].startswith("经调查属实") and "agency_told" not in [s["kind"] for s in seen["steps"]]
    with pytest.raises(Conflict):
        service.archive(db_session=db_session, clock=clock, actor=sup, complaint_id=complaint.id)


@pytest.mark.req("RATE-05")
def test_an_untrue_complaint_is_invalid_with_a_reason_and_still_answered(db_session, clock, world):
    complaint = _file(db_session, clock, world, person=world.person)
    with pytest.raises(InvalidInput):
        service.verify(db_session=db_session, clock=clock, actor=world.supervisor, complaint_id=complaint.id, valid=False)
    service.verify(db_session=db_session, clock=clock, actor=world.supervisor, complaint_id=complaint.id, valid=False,
                   reason="监控显示当日已一次性告知全部材料")
    assert complaint.state == "invalid" and complaint.valid is False and complaint.answer_due is not None
    service.answer(db_session=db_session, clock=clock, actor=world.supervisor, complaint_id=complaint.id,
                   to_complainant="经核实，投诉情况不属实")
    assert complaint.state == "answered"


@pytest.mark.req("RATE-05")
def test_the_complained_about_agency_sees_the_content_but_not_the_complainant_unless_agreed(client, db_session, clock, world):
    hidden = _file(db_session, clock, world, person=world.person, content="我的电话13912345678，工作人员推诿")
    shown = _file(db_session, clock, world, person=world.person, disclose_identity=True)
    sign_in_staff(client, db_session, clock, world.market_staff.staff_id)
    page = client.get(f"/staff/complaints/{hidden.id}")
    assert page.status_code == 200 and "工作人员推诿" in page.text
    assert "李桂兰" not in page.text and "13912345678" not in page.text and "保密" in page.text
    assert "李桂兰" in client.get(f"/staff/complaints/{shown.id}").text
    sign_in_staff(client, db_session, clock, world.supervisor.staff_id)
    handler_page = client.get(f"/staff/complaints/{hidden.id}").text
    assert "李桂兰" in handler_page and "保密" not in handler_page
    sign_in_staff(client, db_session, clock, world.police_staff.staff_id)
    assert client.get(f"/staff/complaints/{hidden.id}").status_code == 403
    with pytest.raises(Forbidden):  # the complained-about agency does not handle its own complaint
        service.verify(db_session=db_session, clock=clock, actor=world.market_staff, complaint_id=hidden.id, valid=False,
                       reason="不属实")
    assert [c.id for c in service.queue(db_session=db_session, clock=clock, actor=world.market_staff)] == [shown.id, hidden.id]


@pytest.mark.req("RATE-04")
def test_bad_input_gets_a_chinese_4xx_and_writes_nothing(client, db_session, clock, world):
    headers = person_token(db_session, clock, world.person)
    cases = [
        ({"content": "有问题", "agency_id": 999999}, 404, "没有找到被投诉的部门"),
        ({"content": "长" * 10_000, "agency_id": world.market.id}, 422, "太长"),
        ({"content": "<script>alert(1)</script>", "agency_id": world.market.id}, 422, "网页代码"),
        ({"content": "有问题"}, 422, "被投诉的部门"),
        ({"content": "有问题", "agency_id": world.police.id, "item_id": world.item.id}, 422, "不是被投诉部门实施"),
        ({"content": "有问题", "agency_id": world.market.id, "hall_id": 99999}, 404, "场所"),
        ({"content": "有问题", "agency_id": world.market.id, "channel": "hotline"}, 403, "工作人员代为登记"),
    ]
    for body, status, words in cases:
        answer = client.post("/api/v1/complaints", json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["error"]["message"]
    csrf = sign_in_person(client, db_session, clock, world.person)
    page = client.post("/complaints", data={"csrf": csrf, "content": "<script>x</script>", "agency_id": str(world.market.id)})
    assert page.status_code == 422 and "网页代码" in page.text
    assert _count(db_session) == 0
    theirs = _file(db_session, clock, world, person=world.other_person)
    assert client.get(f"/api/v1/complaints/{theirs.number}", headers=headers).status_code == 404
    assert client.get(f"/complaints/{theirs.number}").status_code == 404
    with pytest.raises(NotFound):
        service.for_person(db_session=db_session, person=_me(world.person), number=theirs.number)


@pytest.mark.req("RATE-05")
def test_valid_complaints_feed_the_supervision_complaint_rate(db_session, clock, world):
    source = next(s for s in flags.rate_sources() if s.kind == "complaint")
    valid = _file(db_session, clock, world, person=world.person)
    invalid = _file(db_session, clock, world, person=world.person)
    service.verify(db_session=db_session, clock=clock, actor=world.supervisor, complaint_id=valid.id, valid=True)
    service.verify(db_session=db_session, clock=clock, actor=world.supervisor, complaint_id=invalid.id, valid=False,
                   reason="不属实")
    db_session.commit()
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    rates = source.item_rates(db_session=db_session, item_ids=[world.item.id], start=start, end=start + timedelta(days=30))
    assert rates == {world.item.id: (1, 1)}


@pytest.mark.req("RATE-05")
def test_staff_queue_shows_warnings_and_every_page_renders(client, db_session, clock, world):
    complaint = _file(db_session, clock, world, person=world.person)
    clock.advance(days=5)
    sign_in_staff(client, db_session, clock, world.supervisor.staff_id)
    queue = client.get("/staff/complaints?view=overdue")
    assert queue.status_code == 200 and complaint.number in queue.text and 'data-warning="red"' in queue.text
    for path in ("/staff/complaints/new", "/staff/complaints?view=done", "/staff/suggestions", "/staff/desk/new",
                 f"/staff/complaints/{complaint.id}"):
        assert client.get(path).status_code == 200, path
    assert client.get("/staff/complaints?view=nonsense").status_code == 422
    client.cookies.clear()
    for path in ("/complaints/new", "/complaints/lookup", "/feedback/new", "/desk/new"):
        assert client.get(path).status_code == 200, path
    assert client.get("/complaints", follow_redirects=False).status_code in (302, 303, 401)


@pytest.mark.req("RATE-05")
@pytest.mark.parametrize("through", ["page", "api"])
def test_twin_handling_through_the_staff_pages_and_the_staff_api(through, client, db_session, clock, world):
    complaint = _file(db_session, clock, world, person=world.person)
    steps = [("verify", {"valid": "0", "reason": ""}, {"valid": False, "reason": ""}, 422),
             ("verify", {"valid": "1", "reason": "属实"}, {"valid": True, "reason": "属实"}, 200),
             ("assign", {"agency_id": "999999"}, {"agency_id": 999999}, 404),
             ("assign", {}, {}, 200),
             ("dispose", {"finding": "属实", "action": "<script>"}, {"finding": "属实", "action": "<script>"}, 422),
             ("dispose", {"finding": "属实", "action": "整改"}, {"finding": "属实", "action": "整改"}, 200),
             ("answer", {"to_complainant": "已整改"}, {"to_complainant": "已整改"}, 200),
             ("archive", {}, {}, 200),
             ("archive", {}, {}, 409)]
    if through == "page":
        csrf = sign_in_staff(client, db_session, clock, world.supervisor.staff_id)
    for action, form, body, status in steps:
        if through == "page":
            answer = client.post(f"/staff/complaints/{complaint.id}/{action}", data={"csrf": csrf, **form},
                                 follow_redirects=False)
            assert answer.status_code == (303 if status == 200 else status), (action, answer.status_code)
        else:
            answer = client.post(f"/api/v1/staff/complaints/{complaint.id}/{action}", json=body,
                                 headers=auth(world.supervisor_token))
            assert answer.status_code == status, (action, answer.text)
    db_session.expire_all()
    assert db_session.get(Complaint, complaint.id).state == "archived"
    market = client.get(f"/api/v1/staff/complaints/{complaint.id}", headers=auth(world.market_token)).json()
    assert market["identity_shown"] is False and market["contact_name"] == "" and market["state"] == "archived"


@pytest.mark.req("RATE-04")
@pytest.mark.parametrize("through", ["page", "api"])
def test_twin_a_case_number_that_does_not_exist_is_refused_and_nothing_written(through, client, db_session, clock, world):
    body = {"content": "办件超期没有任何说明", "agency_id": str(world.market.id), "case_number": "GA2026-0001"}
    if through == "page":
        csrf = sign_in_person(client, db_session, clock, world.person)
        answer = client.post("/complaints", data={**body, "csrf": csrf})
        assert answer.status_code == 422 and "没有找到这个办件编号" in answer.text
    else:
        answer = client.post("/api/v1/complaints", json=body, headers=person_token(db_session, clock, world.person))
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "CASE_NOT_FOUND"
    assert _count(db_session) == 0
