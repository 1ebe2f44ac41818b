"""XREG-03: the remote window takes in, the handling region files and decides, the result comes back as chosen and the
delivery is fed back to the receiving window."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from tongban.baselib.service import TableBaseLibrary
from tongban.cases.models import Case
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.crossregion import handling, handover, transport, window
from tongban.crossregion.models import Handover
from tongban.notify.models import NotificationDelivery

from tests.cases.caseflow import PDF, b64
from tests.crossregion.conftest import LIU_ID
from tests.crossregion.flow import approve, handling_case, post_result, take_in
from tests.signin import auth, sign_in_staff


def _counts(db_session):
    return (db_session.scalar(select(func.count(Handover.id))), db_session.scalar(select(func.count(Case.id))))


@pytest.mark.req("XREG-03")
def test_round_trip_from_the_guangan_window_to_jinjiang_and_back(db_session, clock, world):
    sent = take_in(db_session, clock, world.gaq_window, world.item_jjq)
    assert sent.side == "sent" and sent.state == "filed" and sent.case_number
    received, case = handling_case(db_session, sent)
    assert case.region_code == "510104" and case.agency_id == world.jjq.id and case.channel == "window"
    assert case.filed_by_staff_id == world.gaq_window.staff_id and case.delivery_method == "post"
    assert {m.status for m in cases_materials(db_session, case)} == {"provided"}
    assert received.delivery_address == world.gaq.address  # the result travels to the receiving window

    approve(db_session, clock, world.jjq_staff, case)
    assert sent.state == "result_ready"
    post_result(db_session, clock, world.jjq_staff, case, received.delivery_address)
    assert case.state == "delivered"
    assert sent.state == "at_window" and "EMS1234567890" in sent.feedback_note
    assert [s["state"] for s in sent.steps] == ["sent", "filed", "accepted", "result_ready", "at_window"]
    sms = db_session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == "sms")).all()
    assert any("请携带本人有效身份证件领取" in d.body and d.recipient == "13900000003" for d in sms)

    with pytest.raises(Forbidden):
        window.hand_over(db_session=db_session, clock=clock, actor=world.gaq_window, handover_id=sent.id,
                         id_kind="resident_id", id_number="511602198507261174")
    with pytest.raises(NotFound):  # the handling side cannot hand over what the receiving window holds
        window.hand_over(db_session=db_session, clock=clock, actor=world.jjq_window, handover_id=sent.id,
                         id_kind="resident_id", id_number=LIU_ID)
    window.hand_over(db_session=db_session, clock=clock, actor=world.gaq_window, handover_id=sent.id,
                     id_kind="resident_id", id_number=LIU_ID)
    assert sent.state == "handed_over" and received.state == "handed_over"


def cases_materials(db_session, case):
    from tongban.cases import service as cases

    return cases.materials_of(db_session=db_session, case_id=case.id)


@pytest.mark.req("XREG-03")
def test_a_result_posted_to_the_person_is_fed_back_as_delivered(db_session, clock, world):
    sent = take_in(db_session, clock, world.gaq_window, world.item_jjq, delivery_choice="post",
                   delivery_address="广安市广安区建设路8号")
    received, case = handling_case(db_session, sent)
    approve(db_session, clock, world.jjq_staff, case)
    post_result(db_session, clock, world.jjq_staff, case, received.delivery_address)
    assert sent.state == "delivered" and "直接寄送申请人" in sent.feedback_note
    with pytest.raises(Conflict):
        window.hand_over(db_session=db_session, clock=clock, actor=world.gaq_window, handover_id=sent.id,
                         id_kind="resident_id", id_number=LIU_ID)


@pytest.mark.req("XREG-03")
def test_a_refusal_is_fed_back_as_ended(db_session, clock, world):
    from tongban.cases import handling as case_handling

    sent = take_in(db_session, clock, world.gaq_window, world.item_jjq, delivery_choice="electronic")
    _, case = handling_case(db_session, sent)
    case_handling.refuse(db_session=db_session, clock=clock, actor=world.jjq_staff.acceptor, case=case,
                         reasons="不属于本机关职权范围")
    assert sent.state == "ended" and sent.feedback_note == "属地不予受理"


@pytest.mark.req("XREG-03")
def test_the_envelope_is_signed_self_contained_and_accepted_once(db_session, clock, world, monkeypatch):
    captured = {}

    def keep(**kwargs):
        captured.update(kwargs)

    monkeypatch.setattr(transport, "send_intake", keep)
    sent = take_in(db_session, clock, world.gaq_window, world.item_jjq)
    envelope = captured["envelope"]
    assert sent.state == "sent" and handover.digest(envelope) == sent.envelope_sha256
    wire = handover.from_bytes(handover.to_bytes(envelope))
    assert "item_id" not in wire["body"]["target"] and wire["body"]["target"]["item_code"] == world.item_jjq.implementation_code

    forged = copy.deepcopy(wire)
    forged["body"]["applicant"]["name"] = "王五"
    with pytest.raises(InvalidInput) as refused:
        handling.accept_intake(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session),
                               envelope=forged, filer=world.gaq_window)
    assert refused.value.code == "ENVELOPE_SIGNATURE"

    library = TableBaseLibrary(db_session)
    case = handling.accept_intake(db_session=db_session, clock=clock, library=library, envelope=wire, filer=world.gaq_window)
    again = handling.accept_intake(db_session=db_session, clock=clock, library=library, envelope=wire, filer=world.gaq_window)
    assert again.id == case.id and case.region_code == "510104"
    assert sent.state == "filed" and sent.case_number == case.case_number


@pytest.mark.parametrize("overrides, code", [
    ({"uploads": []}, "MATERIALS_MISSING"),
    ({"name": "王五"}, "IDENTITY_NAME_MISMATCH"),
    ({"id_number": "110105199003071234"}, None),
    ({"delivery_choice": "post"}, "ADDRESS_REQUIRED"),
    ({"delivery_choice": "pigeon"}, "DELIVERY_CHOICE"),
    ({"phone": ""}, "PHONE_REQUIRED"),
    ({"form": {"applicant_name": "刘洋"}}, None),
])
def test_bad_intake_gives_a_chinese_message_and_writes_nothing(db_session, clock, world, overrides, code):
    before = _counts(db_session)
    with pytest.raises(InvalidInput) as refused:
        take_in(db_session, clock, world.gaq_window, world.item_jjq, **overrides)
    db_session.rollback()
    assert code is None or refused.value.code == code, refused.value.code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)
    assert _counts(db_session) == before


@pytest.mark.req("XREG-03")
def test_only_other_regions_cross_region_items_are_taken_in(db_session, clock, world):
    with pytest.raises(InvalidInput) as same:
        take_in(db_session, clock, world.gaq_window, world.item_gaq)
    assert same.value.code == "SAME_REGION"
    with pytest.raises(InvalidInput) as fixed:
        take_in(db_session, clock, world.jjq_window, world.fixed_gaq, name="李梅", id_number="511602198507261174")
    assert fixed.value.code == "NOT_CROSS_REGION"
    with pytest.raises(Forbidden):
        take_in(db_session, clock, world.jjq_staff.reviewer, world.item_gaq)


@pytest.mark.req("XREG-03")
def test_intake_and_lists_through_the_api(db_session, clock, client, world):
    body = {"item_id": world.item_jjq.id,
            "applicant": {"name": "刘洋", "id_number": LIU_ID, "phone": "13900000003"},
            "form": {"applicant_name": "刘洋", "contact_phone": "13900000003", "address": "锦江区红星路1号"},
            "files": [{"material_key": "m2", "filename": "平面图.pdf", "content_base64": b64(PDF)},
                      {"material_key": "m3", "filename": "健康证.pdf", "content_base64": b64(PDF)}],
            "delivery_choice": "receiving_window"}
    headers = auth(world.gaq_window_token)
    bad = client.post("/api/v1/staff/crossregion/intake", params={"idempotency_key": "api-key-0001"},
                      json={**body, "files": body["files"][:1]}, headers=headers)
    assert bad.status_code == 422 and "缺少以下材料" in bad.json()["error"]["message"]
    assert _counts(db_session) == (0, 0)
    answer = client.post("/api/v1/staff/crossregion/intake", params={"idempotency_key": "api-key-0002"}, json=body,
                         headers=headers)
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["state"] == "filed" and out["applicant_name"] == "刘*" and out["case_number"]
    twice = client.post("/api/v1/staff/crossregion/intake", params={"idempotency_key": "api-key-0002"}, json=body,
                        headers=headers)
    assert twice.json()["id"] == out["id"] and _counts(db_session) == (2, 1)
    reused = client.post("/api/v1/staff/crossregion/intake", params={"idempotency_key": "api-key-0002"},
                         json={**body, "item_id": world.only_gaq.id}, headers=headers)
    assert reused.status_code == 409 and "提交编号已用于" in reused.json()["error"]["message"]

    awaiting = client.get("/api/v1/staff/crossregion/handovers", headers=headers).json()
    assert [h["id"] for h in awaiting["items"]] == [out["id"]]
    received = client.get("/api/v1/staff/crossregion/handovers", params={"view": "received"},
                          headers=auth(world.jjq_window_token)).json()
    assert received["total"] == 1 and received["items"][0]["side"] == "received"
    assert client.get(f"/api/v1/staff/crossregion/handovers/{out['id']}",
                      headers=auth(world.jjq_window_token)).status_code == 404
    assert client.get("/api/v1/staff/crossregion/handovers", params={"view": "received"},
                      headers=headers).json()["total"] == 0


@pytest.mark.req("XREG-03")
def test_intake_through_the_staff_pages(db_session, clock, client, world):
    csrf = sign_in_staff(client, db_session, clock, world.gaq_window.staff_id)
    picker = client.get("/staff/crossregion/new")
    assert picker.status_code == 200 and f"item_id={world.item_jjq.id}" in picker.text
    assert f"item_id={world.item_gaq.id}" not in picker.text
    form = client.get(f"/staff/crossregion/new?item_id={world.item_jjq.id}")
    assert form.status_code == 200 and "流转至属地" in form.text
    data = {"csrf": csrf, "item_id": str(world.item_jjq.id), "key": "page-key-0001", "name": "刘洋",
            "id_kind": "resident_id", "id_number": LIU_ID, "phone": "13900000003", "delivery_choice": "receiving_window",
            "f_applicant_name": "刘洋", "f_contact_phone": "13900000003", "f_address": "锦江区红星路1号"}
    refused = client.post("/staff/crossregion/new", data=data)
    assert refused.status_code == 422 and "缺少以下材料" in refused.text and _counts(db_session) == (0, 0)
    files = {"file_m2": ("平面图.pdf", PDF, "application/pdf"), "file_m3": ("健康证.pdf", PDF, "application/pdf")}
    done = client.post("/staff/crossregion/new", data=data, files=files, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and "属地已接件" in page.text
    assert "食品经营许可" in client.get("/staff/crossregion?view=sent").text
