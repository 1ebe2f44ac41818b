"""Fees, payment, receipts and delivery of results (002 8.6-8.7; CASE-13, CASE-16, CASE-19)."""

from __future__ import annotations

import pytest
from tongban.cases import delivery, fees, payments
from tongban.cases.documents import Document
from tongban.cases.models import Payment
from tongban.catalog.schemas import Fee
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.notify import inbox

from tests.cases.caseflow import approved_case, pdf_text, person_headers, sealed

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


@pytest.mark.req("CASE-16")
def test_the_locker_code_works_once_for_24_hours(client, db_session, clock):
    case, person, staff = approved_case(db_session, clock, delivery_method="locker")
    _paid(db_session, clock, case)
    db_session.commit()
    shown = client.get(f"/api/v1/cases/{case.id}", headers=person_headers(db_session, clock, person)).json()["delivery"]
    code = shown["locker_code"]
    assert len(code) == 6 and shown["locker_expires_at"] == "2026-11-21 09:30"
    wrong = client.post("/api/v1/lockers/pickup", json={"case_number": case.case_number, "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 403
    clock.advance(hours=25)
    late = client.post("/api/v1/lockers/pickup", json={"case_number": case.case_number, "code": code})
    assert late.status_code == 409 and late.json()["error"]["code"] == "LOCKER_CODE_EXPIRED"
    db_session.expire_all()
    row = delivery.reissue_locker_code(db_session=db_session, clock=clock, actor=staff.dispatcher,
                                       case=db_session.get(type(case), case.id))
    db_session.commit()
    ok = client.post("/api/v1/lockers/pickup", json={"case_number": case.case_number, "code": row.locker_code})
    assert ok.status_code == 200 and ok.json()["state"] == "delivered"


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
