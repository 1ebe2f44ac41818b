"""The e-licence library: issue, sign, verify offline and online, share, revoke, across regions (LIC-01)."""

from __future__ import annotations

import base64
import io
import json
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from stdnum.iso7064 import mod_11_10

from tests.factories import make_agency, make_item, make_person, make_uscc
from tongban.cases import documents, licences, seals
from tongban.cases.licences import LicenceStatus
from tongban.catalog.schemas import LicenceDeclaration
from tongban.core import db as core_db
from tongban.core import sm2
from tongban.core.clock import FixedClock
from tongban.core.errors import Conflict, InvalidInput, NotFound

BASE = "https://tongban.example.gov.cn"
TODAY = date(2026, 11, 20)  # the conftest clock's date in Shanghai


def issue_to_person(db_session, clock, person, agency=None, **overrides) -> licences.License:
    agency = agency or make_agency(db_session, name="广安市市场监督管理局")
    args = dict(
        db_session=db_session, clock=clock, agency_id=agency.id, item_id=None, case_id=41, type_code="food-business",
        type_name="食品经营许可证", holder_kind="person", person_id=person.id, organisation_id=None,
        holder_name=person.name, holder_identifier=person.id_number, valid_from=TODAY, valid_until=date(2031, 11, 19),
        data={"经营场所": "广安区金安大道1号", "主体业态": "餐饮服务经营者"}, verify_base_url=BASE,
    )
    args.update(overrides)
    licence = licences.issue(**args)
    documents.render(db_session=db_session, clock=clock, document=db_session.get(documents.Document, licence.document_id))
    return licence


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.req("LIC-01")
def test_issuing_signs_a_masked_payload_and_renders_the_licence_pdf(db_session, clock):
    person = make_person(db_session, clock, name="张三")
    item = make_item(db_session, clock)
    licence = issue_to_person(db_session, clock, person, item_id=item.id)
    assert licence.number == "511600-2026-000001"
    assert issue_to_person(db_session, clock, person).number == "511600-2026-000002"
    payload = json.loads(licence.payload)
    assert payload["hid"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert person.id_number not in licence.payload
    assert licence.payload == licences.canonical(payload).decode()  # stored exactly in canonical form
    seal = seals.get(db_session=db_session, seal_id=licence.seal_id)
    assert payload["fp"] == seal.fingerprint
    assert sm2.verify(seal.public_hex, licence.payload.encode(), base64.b64decode(licence.signature))
    document = db_session.get(documents.Document, licence.document_id)
    assert document.kind == "licence" and document.case_id == 41
    pdf_text = "".join(PdfReader(io.BytesIO(bytes(document.pdf))).pages[0].extract_text().split())
    assert "食品经营许可证" in pdf_text and licence.number in pdf_text and "长期" not in pdf_text
    assert person.id_number not in pdf_text
    check = licences.verify_online(db_session=db_session, clock=clock, number=licence.number)
    assert check.signature_ok and check.document_ok and check.status is LicenceStatus.valid


@pytest.mark.req("LIC-01")
def test_the_holder_identifier_is_encrypted_at_rest(db_session, clock):
    person = make_person(db_session, clock)
    licence = issue_to_person(db_session, clock, person)
    db_session.commit()
    raw = db_session.execute(text("SELECT holder_identifier, holder_hash FROM licence WHERE id = :id"), {"id": licence.id}).one()
    assert raw[0].startswith("sm4g1:") and person.id_number not in raw[0]
    assert person.id_number not in raw[1]


@pytest.mark.req("LIC-01")
def test_the_qr_code_verifies_offline_and_a_tampered_one_does_not(db_session, clock):
    licence = issue_to_person(db_session, clock, make_person(db_session, clock, name="王小明"))
    keys = licences.trusted_keys(db_session=db_session)
    qr = licences.qr_text(licence)
    assert qr.startswith("TBL1.") and len(qr) < 1400
    db_session.rollback()  # nothing below touches the database
    found = licences.verify_qr(qr, keys)
    assert (found.number, found.type_name, found.holder_name) == (licence.number, "食品经营许可证", "王小明")
    assert found.valid_from == TODAY and found.valid_until == date(2031, 11, 19) and not found.expired_on(TODAY)
    assert found.data["主体业态"] == "餐饮服务经营者"

    _, body, signature = qr.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["until"] = "2099-12-31"
    forged = f"TBL1.{b64url(licences.canonical(payload))}.{signature}"
    with pytest.raises(InvalidInput) as raised:
        licences.verify_qr(forged, keys)
    assert raised.value.code == "LICENCE_QR_SIGNATURE"
    with pytest.raises(InvalidInput) as raised:
        licences.verify_qr(qr, {})
    assert raised.value.code == "LICENCE_QR_UNKNOWN_SEAL"
    for garbage in (None, "", "hello", "TBL1.!!.!!", "TBL1.e30.AA", qr.replace("TBL1", "TBL2")):
        with pytest.raises(InvalidInput) as raised:
            licences.verify_qr(garbage, keys)
        assert raised.value.code == "LICENCE_QR_FORMAT"


@pytest.mark.req("LIC-01")
def test_licences_of_another_region_are_recognised_once_their_seal_key_is_trusted(db_session, clock):
    other_province = sm2.generate_keypair()  # another province's platform signs with its own seal
    payload = {
        "v": 1, "no": "330100-2026-000009", "type": "food-business", "name": "食品经营许可证", "hk": "org",
        "holder": "杭州某餐饮有限公司", "hid": "913301********12AB", "issuer": "杭州市市场监督管理局", "region": "330100",
        "from": "2026-01-05", "until": None, "fp": sm2.fingerprint(other_province.public_hex), "data": {},
    }
    raw = licences.canonical(payload)
    qr = f"TBL1.{b64url(raw)}.{b64url(sm2.sign(other_province, raw))}"
    with pytest.raises(InvalidInput):
        licences.verify_qr(qr, licences.trusted_keys(db_session=db_session))
    seals.import_trusted_key(
        db_session=db_session, clock=clock, pem=sm2.public_key_pem(other_province.public_hex),
        issuer_name="杭州市市场监督管理局", region_code="330100",
    )
    found = licences.verify_qr(qr, licences.trusted_keys(db_session=db_session))
    assert found.region_code == "330100" and found.valid_until is None


@pytest.mark.req("LIC-01")
def test_valid_licences_are_found_to_exempt_materials(db_session, clock):
    person = make_person(db_session, clock)
    stranger = make_person(db_session, clock)
    licence = issue_to_person(db_session, clock, person)
    find = dict(db_session=db_session, clock=clock, type_code="food-business")
    assert licences.find_valid(**find, person_id=person.id).id == licence.id
    assert licences.find_valid(**find, holder_identifier=person.id_number.lower()).id == licence.id
    assert licences.find_valid(**find, person_id=stranger.id) is None
    assert licences.find_valid(db_session=db_session, clock=clock, type_code="other", person_id=person.id) is None
    with pytest.raises(InvalidInput):
        licences.find_valid(**find)
    clock.advance(days=365 * 6)
    assert licences.find_valid(**find, person_id=person.id) is None
    assert licences.verify_online(db_session=db_session, clock=clock, number=licence.number).status is LicenceStatus.expired


@pytest.mark.req("LIC-01")
def test_a_holders_licences_and_revocation(db_session, clock):
    person = make_person(db_session, clock)
    agency = make_agency(db_session)
    kept = issue_to_person(db_session, clock, person, agency)
    revoked = issue_to_person(db_session, clock, person, agency, type_code="other-permit", type_name="其他许可证")
    expired = issue_to_person(db_session, clock, person, agency, valid_from=TODAY - timedelta(days=400), valid_until=TODAY - timedelta(days=1))
    with pytest.raises(InvalidInput):
        licences.revoke(db_session=db_session, clock=clock, number=revoked.number, reason=" ")
    licences.revoke(db_session=db_session, clock=clock, number=revoked.number, reason="申请人申请注销")
    with pytest.raises(Conflict):
        licences.revoke(db_session=db_session, clock=clock, number=revoked.number, reason="again")
    mine = dict(db_session=db_session, clock=clock, subject_kind="person", person_id=person.id)
    assert [x.id for x in licences.licences_of(**mine)] == [kept.id]
    assert {x.id for x in licences.licences_of(**mine, valid_only=False)} == {kept.id, revoked.id, expired.id}
    check = licences.verify_online(db_session=db_session, clock=clock, number=revoked.number)
    assert check.status is LicenceStatus.revoked and check.signature_ok
    assert licences.status_of(expired, TODAY) is LicenceStatus.expired
    with pytest.raises(NotFound):
        licences.verify_online(db_session=db_session, clock=clock, number="511600-2026-999999")


@pytest.mark.req("LIC-01")
def test_an_organisation_holds_a_long_term_licence_with_its_credit_code_masked(db_session, clock):
    code = make_uscc()
    licence = licences.issue(
        db_session=db_session, clock=clock, agency_id=make_agency(db_session).id, item_id=None, case_id=None,
        type_code="food-business", type_name="食品经营许可证", holder_kind="org", person_id=None, organisation_id=None,
        holder_name="广安某餐饮有限公司", holder_identifier=code, valid_from=TODAY, valid_until=None, data=None,
        verify_base_url=BASE,
    )
    assert json.loads(licence.payload)["hid"] == code[:6] + "********" + code[-4:]
    assert licence.valid_until is None and licences.status_of(licence, date(2099, 1, 1)) is LicenceStatus.valid
    assert licences.find_valid(db_session=db_session, clock=clock, type_code="food-business", holder_identifier=code).id == licence.id
    assert licences.mask_holder_name("org", licence.holder_name) == "广安某餐饮有限公司"
    assert licences.mask_holder_name("person", "王小明") == "王**"


@pytest.mark.req("LIC-01")
def test_a_person_with_a_travel_permit_or_passport_can_hold_a_licence(db_session, clock):
    person = make_person(db_session, clock)
    permit = issue_to_person(db_session, clock, person, holder_identifier="H12345678", type_code="食品经营许可证")
    assert permit.holder_id_kind == "hkmo_travel_permit" and json.loads(permit.payload)["hid"] == "H******78"
    passport = issue_to_person(db_session, clock, person, holder_identifier="E12345678", holder_id_kind="passport")
    assert passport.holder_id_kind == "passport"
    assert licences.find_valid(db_session=db_session, clock=clock, type_code="食品经营许可证", holder_identifier="h12345678").id == permit.id


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"holder_identifier": "110105199003071234"}, "ID_NUMBER_CHECKSUM"),
        ({"holder_identifier": "12345"}, "ID_NUMBER_FORMAT"),
        ({"holder_kind": "org", "person_id": None, "holder_identifier": "91510000MA0000000X"}, "LICENCE_HOLDER_USCC"),
        ({"holder_kind": "org"}, "LICENCE_HOLDER_KIND"),
        ({"holder_kind": "robot"}, "LICENCE_HOLDER_KIND"),
        ({"valid_until": date(2020, 1, 1)}, "LICENCE_VALIDITY"),
        ({"type_code": "食品 许可"}, "LICENCE_TYPE_CODE"),
        ({"type_code": "food.v2"}, "LICENCE_TYPE_CODE"),
        ({"holder_id_kind": "passport", "holder_identifier": "E1"}, "ID_NUMBER_FORMAT"),
        ({"type_name": ""}, "LICENCE_TYPE_NAME"),
        ({"data": {"备注": "很长" * 400}}, "LICENCE_DATA_TOO_LARGE"),
        ({"data": {"x": object()}}, "LICENCE_DATA"),
        ({"verify_base_url": "nope"}, "VERIFY_URL"),
    ],
)
def test_bad_licence_input_is_refused_with_a_code(db_session, clock, overrides, code):
    person = make_person(db_session, clock)
    with pytest.raises(InvalidInput) as raised:
        issue_to_person(db_session, clock, person, **overrides)
    assert raised.value.code == code


def _issue_args(agency, person, **overrides) -> dict:
    args = dict(
        agency_id=agency.id, item_id=None, case_id=None, type_code="food-business", type_name="食品经营许可证",
        holder_kind="person", person_id=person.id, organisation_id=None, holder_name=person.name,
        holder_identifier=person.id_number, valid_from=TODAY, valid_until=None, data={}, verify_base_url=BASE,
    )
    args.update(overrides)
    return args


@pytest.mark.req("LIC-01")
def test_licence_numbers_count_per_region_and_year_and_a_rolled_back_issue_leaves_no_gap(db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    person = make_person(db_session, clock)
    db_session.commit()
    first = licences.issue(db_session=db_session, clock=clock, **_issue_args(agency, person)).number
    db_session.commit()
    licences.issue(db_session=db_session, clock=clock, **_issue_args(agency, person))
    db_session.rollback()  # the decision that would have issued it failed
    second = licences.issue(db_session=db_session, clock=clock, **_issue_args(agency, person)).number
    next_year = FixedClock(datetime(2027, 1, 4, 2, 0, tzinfo=timezone.utc))
    third = licences.issue(db_session=db_session, clock=next_year, **_issue_args(agency, person, valid_from=date(2027, 1, 4))).number
    db_session.commit()
    assert (first, second, third) == ("511600-2026-000001", "511600-2026-000002", "511600-2027-000001")


@pytest.mark.req("LIC-01")
def test_agencies_issuing_at_once_never_share_or_skip_a_number(db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    person = make_person(db_session, clock)
    seals.seal_for(db_session=db_session, clock=clock, agency_id=agency.id)  # so the race is over the number alone
    db_session.commit()
    workers, barrier = 6, threading.Barrier(6)
    numbers: list[str] = []
    errors: list[str] = []

    def issue_one() -> None:
        session = core_db.session_factory()()
        try:
            barrier.wait()
            licence = licences.issue(db_session=session, clock=clock, **_issue_args(agency, person))
            session.commit()
            numbers.append(licence.number)
        except Exception as error:  # noqa: BLE001 - reported below
            session.rollback()
            errors.append(repr(error))
        finally:
            session.close()

    threads = [threading.Thread(target=issue_one) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"511600-2026-{n:06d}" for n in range(1, workers + 1)]


# --- a licence type's own fields and number format (declared by the item's result) -------------------

FOOD = LicenceDeclaration.model_validate({
    "number_format": "JY{code:business_type}{region:6}{serial:6}{check}",
    "fields": [
        {"key": "principal", "label": "法定代表人（负责人）", "source": "form", "form_field": "principal", "max_length": 50,
         "personal": "name"},
        {"key": "premises", "label": "经营场所", "source": "form", "form_field": "premises", "max_length": 60},
        {"key": "business_type", "label": "主体业态", "form_field": "business_type",
         "options": [{"label": "食品销售经营者", "code": "1"}, {"label": "餐饮服务经营者", "code": "2"}]},
        {"key": "business_items", "label": "经营项目", "form_field": "business_items", "max_length": 120},
        {"key": "supervisor", "label": "日常监督管理机构", "required": False, "max_length": 50},
    ],
})
FOOD_FORM = {"principal": "王建国", "premises": "广安区建设路1号", "business_type": "餐饮服务经营者",
             "business_items": "热食类食品制售"}


def food_fields(given=None, **form):
    return licences.fields_for(declaration=FOOD, form={**FOOD_FORM, **form}, given=given)


def issue_food(db_session, clock, agency, person, fields=None) -> licences.License:
    return licences.issue(db_session=db_session, clock=clock, **_issue_args(
        agency, person, type_code="food_business", fields=fields or food_fields(), data={"办件编号": "GA-1"}))


@pytest.mark.req("LIC-01")
def test_a_declared_format_numbers_per_prefix_kind_and_region_with_a_check_digit_and_no_gap(db_session, clock):
    agency = make_agency(db_session, name="广安区行政审批局", region_code="511602")
    person = make_person(db_session, clock)
    db_session.commit()
    first = issue_food(db_session, clock, agency, person).number
    db_session.commit()
    issue_food(db_session, clock, agency, person)
    db_session.rollback()  # the approval that would have issued it failed: its serial is given back
    second = issue_food(db_session, clock, agency, person).number
    selling = issue_food(db_session, clock, agency, person, food_fields({"business_type": "食品销售经营者"})).number
    default = licences.issue(db_session=db_session, clock=clock, **_issue_args(agency, person)).number
    db_session.commit()
    assert first[:-1] == "JY2511602000001" and second[:-1] == "JY2511602000002" and selling[:-1] == "JY1511602000001"
    for number in (first, second, selling):
        assert len(number) == 16 and number[2:].isdigit()  # JY and 14 digits
        assert mod_11_10.is_valid(number[2:])  # ISO 7064 MOD 11,10 over the 13 digits before it
    assert default == "511602-2026-000001"  # items without a declaration keep today's format and counter


@pytest.mark.req("LIC-01")
def test_the_declared_fields_are_signed_in_order_printed_and_kept_encrypted(db_session, clock):
    agency = make_agency(db_session, name="广安区行政审批局", region_code="511602")
    person = make_person(db_session, clock)
    licence = issue_food(db_session, clock, agency, person, food_fields({"supervisor": "广安区市场监督管理局"}))
    documents.render(db_session=db_session, clock=clock, document=db_session.get(documents.Document, licence.document_id))
    db_session.commit()
    printed = [["法定代表人（负责人）", "王**"], ["经营场所", "广安区建设路1号"], ["主体业态", "餐饮服务经营者"],
               ["经营项目", "热食类食品制售"], ["日常监督管理机构", "广安区市场监督管理局"]]
    assert json.loads(licence.payload)["f"] == printed and "王建国" not in licence.payload  # personal: masked
    raw = db_session.execute(text("SELECT fields FROM licence WHERE id = :id"), {"id": licence.id}).scalar_one()
    assert raw.startswith("sm4g1:") and "王建国" not in raw and "建设路" not in raw
    assert licences.held_fields(db_session.get(licences.License, licence.id))[0] == ("法定代表人（负责人）", "王建国")
    pdf = "".join(PdfReader(io.BytesIO(bytes(db_session.get(documents.Document, licence.document_id).pdf))).pages[0]
                  .extract_text().split())
    order = [pdf.index(words) for words in ("证照编号", "持证主体", "法定代表人（负责人）王**", "经营场所广安区建设路1号",
                                            "主体业态餐饮服务经营者", "经营项目热食类食品制售", "有效期限", "核验码")]
    assert order == sorted(order) and licence.number in pdf and "王建国" not in pdf

    found = licences.verify_qr(licences.qr_text(licence), licences.trusted_keys(db_session=db_session))
    assert found.number == licence.number and [list(f) for f in found.fields] == printed
    _, body, signature = licences.qr_text(licence).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["f"][3][1] = "热食类、冷食类食品制售"  # a field changed after signing does not verify
    with pytest.raises(InvalidInput) as raised:
        licences.verify_qr(f"TBL1.{b64url(licences.canonical(payload))}.{signature}", licences.trusted_keys(db_session=db_session))
    assert raised.value.code == "LICENCE_QR_SIGNATURE"


@pytest.mark.req("LIC-01")
@pytest.mark.parametrize(
    ("given", "form", "code", "words"),
    [
        ({"business_items": " "}, {}, "LICENCE_FIELD_REQUIRED", "经营项目"),
        (None, {"premises": ""}, "LICENCE_FIELD_REQUIRED", "经营场所"),
        ({"business_type": "网吧"}, {}, "LICENCE_FIELD_OPTION", "主体业态"),
        ({"business_items": "热" * 121}, {}, "LICENCE_FIELD_TOO_LONG", "最多 120 个字"),
        ({"business_items": "热食\x00"}, {}, "LICENCE_FIELD_TEXT", "经营项目"),
        ({"premises": "改了"}, {}, "LICENCE_FIELD_UNKNOWN", "经营场所"),  # a form field is not the decider's to change
        ({"colour": "红"}, {}, "LICENCE_FIELD_UNKNOWN", "colour"),
    ],
)
def test_licence_field_values_are_checked_with_a_message_naming_the_field(given, form, code, words):
    with pytest.raises(InvalidInput) as raised:
        food_fields(given, **form)
    assert raised.value.code == code and words in raised.value.message and raised.value.status_code == 422
