"""Fees, payment, receipts and delivery of results (002 8.6-8.7; CASE-13, CASE-16, CASE-19)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tongban.cases import delivery, fees, payments
from tongban.cases.documents import Document
from tongban.cases.models import Payment
from tongban.catalog.schemas import Fee
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.notify import inbox

from tests.cases.caseflow import approved_case, pdf_text, person_headers, sealed
from tests.factories import make_person

BASIS = "川发改价格〔2026〕1号"


@pytest.mark.req("CASE-13")
def test_fee_rules_fixed_per_unit_and_tiered_in_fen():
    fixed = Fee(name="工本费", rule="fixed", amount_fen=1000, basis=BASIS)
    per_unit = Fee(name="登记费", rule="per_unit", amount_fen=8000, unit="件", units_field="n", basis=BASIS)
    tiered = Fee(name="测绘费", rule="tiered", unit="平方米", units_field="area", basis=BASIS,
                 tiers=[{"up_to": 100, "amount_fen": 150}, {"up_to": 500, "amount_fen": 120}, {"up_to": None, "amount_fen": 100}])
    lines = fees.assess([fixed, per_unit, tiered], {"n": "3", "area": "650"})
    assert [line.amount_fen for line in lines] == [1000, 24000, 100 * 150 + 400 * 120 + 150 * 100]
    assert fees.assess([tiered], {"area": "80"})[0].amount_fen == 80 * 150
    assert fees.yuan(78001) == "780.01 元"
    with pytest.raises(InvalidInput):
        fees.assess([per_unit], {"n": "2.5"})
    with pytest.raises(InvalidInput):
        fees.assess([per_unit], {})
    per_application = Fee(name="登记费", rule="per_unit", amount_fen=8000, unit="件", basis=BASIS)
    assert fees.assess([per_application], {})[0].amount_fen == 8000


@pytest.mark.req("CASE-13")
def test_payment_by_signed_callback_with_a_receipt_and_no_double_payment(client, db_session, clock):
    case, person, staff = approved_case(db_session, clock)
    payment = payments.payment_of(db_session=db_session, case_id=case.id)
    assert (case.fee_fen, payment.amount_fen, payment.status) == (2100, 2100, "pending")  # 2 copies × 10.50 yuan
    db_session.commit()
    gateway = payments.gateway_from_settings()
    body = payments.callback_body(payment=payment, gateway_ref="DEV123")
    forged = client.post("/api/v1/payments/callback", content=body, headers={"X-Tongban-Signature": "00" * 32})
    assert forged.status_code == 401
    cheap = payments.callback_body(payment=payment, gateway_ref="DEV123").replace(b"2100", b"1")
    wrong = client.post("/api/v1/payments/callback", content=cheap, headers={"X-Tongban-Signature": gateway.sign(cheap)})
    assert wrong.status_code == 409
    for _ in range(2):
        paid = client.post("/api/v1/payments/callback", content=body, headers={"X-Tongban-Signature": gateway.sign(body)})
        assert paid.status_code == 200 and paid.json()["status"] == "paid"
    db_session.expire_all()
    payment = db_session.get(Payment, payment.id)
    receipt = sealed(db_session, clock, db_session.get(Document, payment.receipt_document_id))
    assert receipt.kind == "payment_receipt" and "21.00元" in pdf_text(receipt.pdf)
    kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case.id}", headers=person_headers(db_session, clock, person)).json()["events"]]
    assert kinds.count("paid") == 1


@pytest.mark.req("CASE-16")
def test_download_in_the_space_is_delivery_once_paid(client, db_session, clock):
    case, person, _ = approved_case(db_session, clock)
    db_session.commit()
    headers = person_headers(db_session, clock, person)
    licence_doc = next(d for d in client.get(f"/api/v1/cases/{case.id}", headers=headers).json()["documents"] if d["kind"] == "licence")
    unpaid = client.get(f"/api/v1/cases/{case.id}/documents/{licence_doc['id']}", headers=headers)
    assert unpaid.status_code == 409 and unpaid.json()["error"]["code"] == "FEE_UNPAID"
    payment = payments.payment_of(db_session=db_session, case_id=case.id)
    body = payments.callback_body(payment=payment, gateway_ref="DEV1")
    client.post("/api/v1/payments/callback", content=body, headers={"X-Tongban-Signature": payments.gateway_from_settings().sign(body)})
    pdf = client.get(f"/api/v1/cases/{case.id}/documents/{licence_doc['id']}", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    after = client.get(f"/api/v1/cases/{case.id}", headers=headers).json()
    assert after["state"] == "delivered" and after["delivery"]["status"] == "delivered"


def _paid(db_session, clock, case) -> None:
    payment = payments.payment_of(db_session=db_session, case_id=case.id)
    body = payments.callback_body(payment=payment, gateway_ref="DEV2")
    payments.handle_callback(db_session=db_session, clock=clock, gateway=payments.gateway_from_settings(), body=body,
                             signature=payments.gateway_from_settings().sign(body))


@pytest.mark.req("CASE-16")
def test_window_pickup_checks_the_id_card(db_session, clock):
    case, person, staff = approved_case(db_session, clock, delivery_method="window_pickup")
    _paid(db_session, clock, case)
    with pytest.raises(Forbidden):
        delivery.pickup_at_window(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case,
                                  id_kind="resident_id", id_number="11010519491231002X")
    delivery.pickup_at_window(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case,
                              id_kind="resident_id", id_number=person.id_number)
    assert case.state == "delivered" and "已核验领取人证件" in delivery.of(db_session=db_session, case_id=case.id).note


def _locker_case(db_session, clock, *, paid=True):
    case, person, staff = approved_case(db_session, clock, delivery_method="locker")
    if paid:
        _paid(db_session, clock, case)
    db_session.commit()
    return case, person, staff


def _other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _pick(client, case_number: str, code: str):
    return client.post("/api/v1/lockers/pickup", json={"case_number": case_number, "code": code})


@pytest.mark.req("CASE-16")
def test_the_locker_code_lasts_the_holding_period_not_24_hours(client, db_session, clock):
    """A 24-hour locker is reachable around the clock; its code is good until collected or the holding period ends."""
    case, person, staff = _locker_case(db_session, clock)
    headers = person_headers(db_session, clock, person)
    shown = client.get(f"/api/v1/cases/{case.id}", headers=headers).json()["delivery"]
    code = shown["locker_code"]
    assert len(code) == 6 and shown["locker_expires_at"] == "2026-12-05 09:30"  # 15 days, not 2026-11-21
    assert delivery.LOCKER_HOLDING == timedelta(days=15)
    message = next(m for m in inbox.messages_of(db_session=db_session, person_id=person.id) if code in m.body)
    assert "领取前一直有效" in message.body and "2026-12-05 09:30" in message.body
    assert _pick(client, case.case_number, _other(code)).status_code == 403
    clock.advance(hours=25)  # the old code stopped here
    late = client.post("/api/v1/lockers/pickup", json={"case_number": case.case_number, "code": code})
    assert late.status_code == 200 and late.json()["state"] == "delivered", late.json()
    assert _pick(client, case.case_number, code).status_code == 403  # once only


@pytest.mark.req("CASE-16")
def test_after_the_holding_period_the_result_is_at_the_window_until_staff_put_it_back(client, db_session, clock):
    case, person, staff = _locker_case(db_session, clock)
    code = delivery.of(db_session=db_session, case_id=case.id).locker_code
    clock.advance(days=14, hours=23)
    assert delivery.of(db_session=db_session, case_id=case.id).locker_expires_at > clock.now()
    clock.advance(hours=2)
    ended = _pick(client, case.case_number, code)
    assert ended.status_code == 409 and ended.json()["error"]["code"] == "LOCKER_HOLDING_ENDED"
    assert "窗口" in ended.json()["error"]["message"]
    db_session.expire_all()
    row = delivery.reissue_locker_code(db_session=db_session, clock=clock, actor=staff.dispatcher,
                                       case=db_session.get(type(case), case.id))
    db_session.commit()
    assert row.locker_code and row.locker_expires_at == clock.now() + delivery.LOCKER_HOLDING
    ok = _pick(client, case.case_number, row.locker_code)
    assert ok.status_code == 200 and ok.json()["state"] == "delivered"


@pytest.mark.req("CASE-16")
def test_the_locker_answers_the_same_for_unknown_numbers_other_deliveries_and_wrong_codes(client, db_session, clock):
    """Issue 25 §2: 404 for an unknown number and 409 with the state for another case told strangers which exist."""
    in_locker, _, _ = _locker_case(db_session, clock)
    code = delivery.of(db_session=db_session, case_id=in_locker.id).locker_code
    at_window, _, _ = approved_case(db_session, clock, delivery_method="window_pickup")
    by_post, _, _ = approved_case(db_session, clock, delivery_method="post")
    db_session.commit()
    answers = [
        _pick(client, "TB-20261120-999999", code),
        _pick(client, at_window.case_number, code),
        _pick(client, by_post.case_number, "123456"),
        _pick(client, in_locker.case_number, _other(code)),
    ]
    assert {(a.status_code, a.json()["error"]["code"], a.json()["error"]["message"]) for a in answers} == {
        (403, "LOCKER_PICKUP_REFUSED", delivery.LOCKER_REFUSED)}
    assert all(at_window.case_number not in a.text and "approved" not in a.text for a in answers)


@pytest.mark.req("CASE-16")
def test_a_stranger_cannot_lock_the_applicant_out_of_the_locker(app, client, db_session, clock):
    """Issue 25 §2: five wrong codes used to shut the locker for the applicant; now they slow only the stranger."""
    case, _, _ = _locker_case(db_session, clock)
    code = delivery.of(db_session=db_session, case_id=case.id).locker_code
    for _ in range(delivery.LOCKER_FROM.max):
        assert _pick(client, case.case_number, _other(code)).status_code == 403
    stopped = _pick(client, case.case_number, _other(code))
    assert stopped.status_code == 429 and stopped.json()["error"]["code"] == "LOCKER_TOO_MANY"
    assert _pick(client, "TB-20261120-999999", "123456").status_code == 429  # the address, whatever the number
    with TestClient(app, raise_server_exceptions=False, client=("10.8.0.2", 50000)) as applicant:
        ok = _pick(applicant, case.case_number, code)
    assert ok.status_code == 200 and ok.json()["state"] == "delivered", ok.json()


@pytest.mark.req("CASE-16")
def test_guesses_from_many_addresses_stop_a_code_and_the_applicant_gets_a_new_one(client, db_session, clock, sms):
    """Many addresses together get LOCKER_GUESSES tries at one code; the applicant then gets a fresh code by SMS."""
    case, person, _ = _locker_case(db_session, clock)
    code = delivery.of(db_session=db_session, case_id=case.id).locker_code
    for n in range(delivery.LOCKER_GUESSES.max):
        with pytest.raises(Forbidden):
            delivery.locker_pickup(db_session=db_session, clock=clock, case_number=case.case_number,
                                   code=_other(code), client_ip=f"10.9.{n}.1")
    with pytest.raises(Forbidden) as refused:  # the right code no longer opens: the answer is still the same
        delivery.locker_pickup(db_session=db_session, clock=clock, case_number=case.case_number, code=code,
                               client_ip="10.8.0.3")
    assert refused.value.code == "LOCKER_PICKUP_REFUSED"
    headers = person_headers(db_session, clock, person)
    renewed = client.post(f"/api/v1/cases/{case.id}/locker-code", headers=headers)
    assert renewed.status_code == 200, renewed.json()
    new_code = renewed.json()["delivery"]["locker_code"]
    assert renewed.json()["delivery"]["locker_expires_at"] == "2026-12-05 09:30"  # the holding period stays
    from tongban.core import db as core_db
    from tongban.notify.outbox import run_once
    while run_once(session_factory=core_db.session_factory(), clock=clock, worker_id="test", deps={"sms_gateway": sms}):
        pass
    assert any(new_code in m["text"] for m in sms.messages(case.contact_phone))
    db_session.expire_all()
    opened = delivery.locker_pickup(db_session=db_session, clock=clock, case_number=case.case_number, code=new_code,
                                    client_ip="10.8.0.3")
    assert opened.state == "delivered"


@pytest.mark.req("CASE-16")
def test_the_case_page_renews_the_locker_code_like_the_api(client, db_session, clock):
    from tests.cases.test_pages_applicant import sign_in

    case, person, _ = _locker_case(db_session, clock)
    csrf = sign_in(client, db_session, clock, person)
    page = client.get(f"/cases/{case.id}")
    assert "重新获取" in page.text and "2026-12-05 09:30" in page.text and "领取前一直有效" in page.text
    renewed = client.post(f"/cases/{case.id}/locker-code", data={"csrf": csrf}, follow_redirects=False)
    assert renewed.status_code == 303, renewed.text
    db_session.expire_all()
    row = delivery.of(db_session=db_session, case_id=case.id)
    after = client.get(renewed.headers["location"]).text
    assert "新的取件码已发送到您的手机" in after and f'<span class="case-number">{row.locker_code}</span>' in after
    assert client.post(f"/cases/{case.id}/locker-code", data={}, follow_redirects=False).status_code == 403  # CSRF


def test_only_the_applicant_renews_a_locker_code_and_not_without_limit(client, db_session, clock, sms):
    case, person, _ = _locker_case(db_session, clock)
    stranger = person_headers(db_session, clock, make_person(db_session, clock))
    assert client.post(f"/api/v1/cases/{case.id}/locker-code", headers=stranger).status_code in (403, 404)
    headers = person_headers(db_session, clock, person)
    for _ in range(delivery.LOCKER_RENEWALS.max):
        assert client.post(f"/api/v1/cases/{case.id}/locker-code", headers=headers).status_code == 200
    over = client.post(f"/api/v1/cases/{case.id}/locker-code", headers=headers)
    assert over.status_code == 429 and over.json()["error"]["code"] == "LOCKER_RENEW_TOO_MANY"


@pytest.mark.req("CASE-16")
def test_post_records_carrier_and_tracking_number(db_session, clock):
    case, person, staff = approved_case(db_session, clock, delivery_method="post")
    _paid(db_session, clock, case)
    with pytest.raises(InvalidInput):
        delivery.post(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case, carrier="EMS",
                      tracking_number="not a number!", address="广安区建设路1号")
    delivery.post(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case, carrier="中国邮政EMS",
                  tracking_number="1190012345678", address="广安区建设路1号")
    row = delivery.of(db_session=db_session, case_id=case.id)
    assert case.state == "delivered" and row.tracking_number == "1190012345678" and row.address == "广安区建设路1号"
    with pytest.raises(Conflict):
        delivery.post(db_session=db_session, clock=clock, actor=staff.dispatcher, case=case, carrier="EMS",
                      tracking_number="1190012345679", address="x")


@pytest.mark.req("CASE-19")
def test_progress_is_pushed_to_the_applicant_at_every_step(db_session, clock):
    case, person, _ = approved_case(db_session, clock)
    titles = [m.title for m in reversed(inbox.messages_of(db_session=db_session, person_id=person.id))]
    steps = [t.split("：", 1)[1] for t in titles]
    assert steps == ["已提交", "已受理", "进入审查", "已办结（准予）"]
    assert all(case.case_number in t for t in titles)


@pytest.mark.req("CASE-15")
def test_the_result_goes_out_by_sms_message_and_site(db_session, clock, sms):
    from tongban.core import db as core_db
    from tongban.notify.outbox import run_once

    case, person, _ = approved_case(db_session, clock, delivery_method="locker")
    db_session.commit()
    while run_once(session_factory=core_db.session_factory(), clock=clock, worker_id="test", deps={"sms_gateway": sms}):
        pass
    texts = [m["text"] for m in sms.messages(person.phone)]
    assert any(case.case_number in t and "已办结（准予）" in t for t in texts)
    assert any("取件码" in t for t in texts)
    assert inbox.messages_of(db_session=db_session, person_id=person.id)[0].kind == "case_result"
