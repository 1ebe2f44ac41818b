"""Applying online and at a window: forms, exemptions, seals, idempotent submission, withdrawal (002 8.3; CASE-01…05, 18, 21, 22)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tongban.baselib.service import TableBaseLibrary
from tongban.cases import handling, licences, org_seals
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel, MaterialStatus
from tongban.cases.files import Upload
from tongban.cases.forms import Applicant
from tongban.cases.models import Case, CaseFile
from tongban.core import db as core_db
from tongban.core.errors import InvalidInput

from tests.cases.caseflow import (
    PDF, PNG, Staff, applicant_of, approved_case, b64, case_item, person_headers, staff_headers, submission, submit,
)
from tests.factories import add_population, make_actor, make_person, resident_id


def api_body(item, **overrides) -> dict:
    body = {
        "item_id": item.id,
        "form": {"applicant_name": "张三", "contact_phone": "13900000001", "address": "广安区建设路1号", "copies": "1"},
        "files": [{"material_key": "m2", "filename": "平面图.pdf", "content_base64": b64(PDF)},
                  {"material_key": "m3", "filename": "健康证.png", "content_base64": b64(PNG)}],
    }
    body.update(overrides)
    return body


@pytest.mark.req("CASE-01")
def test_the_form_is_prefilled_from_the_account(client, db_session, clock):
    item, _ = case_item(db_session, clock)
    person = make_person(db_session, clock, name="王芳", phone="13900001111")
    headers = person_headers(db_session, clock, person)
    form = client.get(f"/api/v1/items/{item.id}/application", headers=headers)
    assert form.status_code == 200, form.text
    data = form.json()
    assert data["prefill"] == {"applicant_name": "王芳", "contact_phone": "13900001111"}
    assert [f["key"] for f in data["fields"]] == ["applicant_name", "contact_phone", "address", "copies"]
    m3 = next(m for m in data["materials"] if m["key"] == "m3")
    assert {e["kind"] for e in m3["exemptions"]} == {"pledge", "assistance"}
    assert data["pledge"]["liability"].startswith("承诺不实")


@pytest.mark.req("CASE-01")
def test_a_licence_on_file_prefills_the_form_and_exempts_its_material(db_session, clock):
    issuer, _ = case_item(db_session, clock)
    person = make_person(db_session, clock)
    first, _, _ = approved_case(db_session, clock, item=issuer, agency=issuer.agency, person=person)
    licence = db_session.get(licences.License, first.licence_id)
    item, _ = case_item(
        db_session, clock, agency=issuer.agency, name="食品经营许可（变更）",
        form=[{"key": "licence_no", "label": "原许可证编号", "prefill": "licence:food_licence.number"},
              {"key": "applicant_name", "label": "申请人", "prefill": "applicant.name"}],
        materials=[{"key": "old", "name": "原食品经营许可证", "forms": ["original"], "exemptions": ["licence"],
                    "licence_type": "food_licence", "basis": ["b1"]}],
        fees=[],
    )
    from tongban.cases import presenters

    form = presenters.application_form(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session),
                                  applicant=applicant_of(person), item_id=item.id)
    assert form.prefill["licence_no"] == licence.number
    case = submit(db_session, clock, item, person, form={"licence_no": licence.number, "applicant_name": person.name},
                  exemptions={"old": "licence"}, uploads=[])
    material = cases.materials_of(db_session=db_session, case_id=case.id)[0]
    assert (material.status, material.exemption_ref) == (MaterialStatus.exempted.value, f"电子证照 {licence.number}")


@pytest.mark.req("CASE-02")
def test_exemptions_hold_only_when_the_data_backs_them(db_session, clock, tmp_path):
    number = resident_id(birth="19800101", region="511602", serial="123")
    add_population(db_session, clock, tmp_path, [{"id_number": number, "name": "赵敏"}])
    item, _ = case_item(
        db_session, clock,
        materials=[{"key": "idcopy", "name": "身份证复印件", "forms": ["copy"], "exemptions": ["shared_data"], "basis": ["b1"]},
                   {"key": "lic", "name": "健康证", "forms": ["copy"], "exemptions": ["licence"], "licence_type": "health",
                    "basis": ["b1"]},
                   {"key": "proof", "name": "无犯罪记录证明", "forms": ["original"], "exemptions": ["assistance"], "basis": ["b1"]}],
        fees=[], pledge=None,
    )
    known = make_person(db_session, clock, name="赵敏", id_number=number)
    case = submit(db_session, clock, item, known, exemptions={"idcopy": "shared_data", "proof": "assistance"},
                  uploads=[Upload("lic", "健康证.pdf", PDF)])
    rows = {m.material_key: m for m in cases.materials_of(db_session=db_session, case_id=case.id)}
    assert rows["idcopy"].exemption_ref == "人口基础信息库核验"
    assert rows["proof"].exemption == "assistance" and rows["lic"].status == MaterialStatus.provided.value
    stranger = make_person(db_session, clock, name="钱七")  # not in the population library
    with pytest.raises(InvalidInput) as error:
        submit(db_session, clock, item, stranger, exemptions={"idcopy": "shared_data"}, uploads=[])
    assert error.value.code == "EXEMPTION_NOT_AVAILABLE"
    with pytest.raises(InvalidInput) as error:
        submit(db_session, clock, item, known, exemptions={"lic": "licence", "idcopy": "shared_data"}, uploads=[])
    assert "没有查到您有效的相应电子证照" in error.value.message
    with pytest.raises(InvalidInput) as error:
        submit(db_session, clock, item, known, exemptions={"lic": "pledge"}, uploads=[])
    assert error.value.code == "EXEMPTION_NOT_ALLOWED"


DOCUMENTS = [  # one holder of every identity document the accounts accept (ACC-13)
    ("resident_id", resident_id(birth="19800101", region="511602", serial="321"), None),
    ("hkmo_residence_permit", "810000198511200029", None),
    ("tw_residence_permit", "830000197706150040", None),
    ("foreign_permanent_id", "933840198004120010", None),
    ("hkmo_travel_permit", "H12345678", None),
    ("tw_travel_permit", "12345678", None),
    ("passport", "E1234567", "USA"),
]


@pytest.mark.req("CASE-02")
@pytest.mark.req("ACC-13")
@pytest.mark.parametrize(("kind", "number", "nationality"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_the_shared_data_exemption_finds_the_person_by_their_own_document(client, db_session, clock, tmp_path, kind, number,
                                                                         nationality):
    from tongban.accounts import identity, persons

    number = identity.validate(kind, number, nationality=nationality).number
    add_population(db_session, clock, tmp_path, [{"id_kind": kind, "id_number": number, "name": "陈家明",
                                                  "nationality": nationality or ""}])
    person, _ = persons.register_at_window(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), actor=None,
                                           name="陈家明", id_kind=kind, id_number=number, phone="13900002222",
                                           nationality=nationality)
    item, _ = case_item(db_session, clock, fees=[], pledge=None, materials=[
        {"key": "idcopy", "name": "身份证件复印件", "forms": ["copy"], "exemptions": ["shared_data"], "basis": ["b1"]}])
    headers = person_headers(db_session, clock, person)
    form = client.get(f"/api/v1/items/{item.id}/application", headers=headers).json()
    assert [e["ref"] for e in form["materials"][0]["exemptions"]] == ["人口基础信息库核验"]
    filed = client.post("/api/v1/cases", json=api_body(item, files=[], exemptions={"idcopy": "shared_data"}),
                        headers={**headers, "Idempotency-Key": f"shared-{kind}"})
    assert filed.status_code == 201, filed.text
    (material,) = filed.json()["materials"]
    assert (material["status"], material["exemption_ref"]) == ("exempted", "人口基础信息库核验")


@pytest.mark.req("CASE-03")
def test_an_organisations_materials_are_sealed(db_session, clock):
    from tongban.accounts.models import Organisation
    from tests.factories import make_uscc

    item, _ = case_item(db_session, clock)
    agent = make_person(db_session, clock)
    org = Organisation(uscc=make_uscc(), name="广安区好味餐馆有限公司", org_kind="company", legal_rep_name=agent.name,
                       legal_rep_id_hash="x", legal_rep_person_id=agent.id, registered_via="window", created_at=clock.now())
    db_session.add(org)
    db_session.flush()
    applicant = Applicant("org", agent.id, org.id, org.name, org.uscc, agent.phone, agent_name=agent.name)
    case = cases.submit(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), applicant=applicant,
                        submission=submission(item), channel=CaseChannel.web, submitter_ref=f"person:{agent.id}",
                        idempotency_key="org-seal-0001")
    files = db_session.scalars(select(CaseFile).where(CaseFile.case_id == case.id)).all()
    assert len(files) == 2 and all(f.seal_signature for f in files)
    for f in files:
        assert org_seals.verify_material(db_session=db_session, organisation_id=org.id, sha256=f.sha256,
                                         signature_hex=f.seal_signature)
    assert not org_seals.verify_material(db_session=db_session, organisation_id=org.id, sha256="0" * 64,
                                         signature_hex=files[0].seal_signature)


@pytest.mark.req("CASE-04")
def test_submission_gives_the_number_once_and_the_same_key_gives_the_same_case(client, db_session, clock):
    item, _ = case_item(db_session, clock)
    person = make_person(db_session, clock)
    headers = {**person_headers(db_session, clock, person), "Idempotency-Key": "apply-0000000001"}
    first = client.post("/api/v1/cases", json=api_body(item), headers=headers)
    assert first.status_code == 201, first.text
    number = first.json()["case_number"]
    assert number.startswith("511600") and first.json()["state"] == "submitted"
    again = client.post("/api/v1/cases", json=api_body(item), headers=headers)
    assert again.status_code == 201 and again.json()["case_number"] == number
    other = client.post("/api/v1/cases", json=api_body(item), headers={**headers, "Idempotency-Key": "apply-0000000002"})
    assert other.json()["case_number"] != number
    db_session.expire_all()
    assert db_session.scalar(select(func.count(Case.id))) == 2


@pytest.mark.req("CASE-04")
def test_racing_submissions_with_one_key_make_one_case(db_session, clock):
    item, _ = case_item(db_session, clock)
    person = make_person(db_session, clock)
    db_session.commit()
    numbers: list[str] = []
    errors: list[Exception] = []

    def apply() -> None:
        session = core_db.session_factory()()
        try:
            case = cases.submit(db_session=session, clock=clock, library=TableBaseLibrary(session),
                                applicant=applicant_of(person), submission=submission(item), channel=CaseChannel.web,
                                submitter_ref=f"person:{person.id}", idempotency_key="race-key-0001")
            session.commit()
            numbers.append(case.case_number)
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(numbers)) == 1 and len(numbers) == 4
    db_session.expire_all()
    assert db_session.scalar(select(func.count(Case.id))) == 1


def test_bad_applications_are_refused_whole(client, db_session, clock):
    item, _ = case_item(db_session, clock)
    person = make_person(db_session, clock)
    headers = {**person_headers(db_session, clock, person), "Idempotency-Key": "apply-bad-000001"}
    cases_before = db_session.scalar(select(func.count(Case.id)))
    exe = api_body(item, files=[{"material_key": "m2", "filename": "平面图.pdf", "content_base64": b64(b"MZ\x90\x00rest")}])
    wrong = client.post("/api/v1/cases", json=exe, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "FILE_TYPE"
    missing = client.post("/api/v1/cases", json=api_body(item, files=[]), headers=headers)
    assert missing.status_code == 422 and "经营场所平面图" in missing.json()["error"]["message"]
    form = client.post("/api/v1/cases", json=api_body(item, form={"contact_phone": "123"}), headers=headers)
    assert form.status_code == 422 and form.json()["error"]["code"] == "FORM_INVALID"
    assert set(form.json()["error"]["details"]) == {"applicant_name", "contact_phone", "address"}
    no_key = client.post("/api/v1/cases", json=api_body(item), headers={"Authorization": headers["Authorization"]})
    assert no_key.status_code == 422
    db_session.expire_all()
    assert db_session.scalar(select(func.count(Case.id))) == cases_before


@pytest.mark.req("CASE-05")
def test_cases_are_found_by_every_way_the_standard_lists(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock, phone="13900004321")
    case = submit(db_session, clock, item, person)
    hotline, token = make_actor(db_session, clock, role="consultant", region_code="511600")
    db_session.commit()
    mine = client.get("/api/v1/cases", headers=person_headers(db_session, clock, person)).json()
    assert [c["case_number"] for c in mine["cases"]] == [case.case_number]
    public = client.get("/api/v1/case-progress", params={"number": case.case_number})
    assert public.status_code == 200 and public.json()["steps"][0]["label"] == "提交申请"
    assert public.json()["details"] is None
    unlocked = client.get("/api/v1/case-progress", params={"number": case.case_number, "digits": "4321"})
    assert unlocked.json()["details"]["contact_phone"] == "139****4321"
    wrong = client.get("/api/v1/case-progress", params={"number": case.case_number, "digits": "0000"})
    unknown = client.get("/api/v1/case-progress", params={"number": "511600209912310000000", "digits": "4321"})
    assert wrong.status_code == 403 and unknown.status_code == 404
    qr = client.get(f"/api/v1/case-progress/t/{case.tracking_token}")
    assert qr.json()["case_number"] == case.case_number
    by_id = client.get("/api/v1/staff/case-lookup", params={"id_number": person.id_number}, headers=staff_headers(token))
    assert [c["case_number"] for c in by_id.json()] == [case.case_number]
    by_number = client.get("/api/v1/staff/case-lookup", params={"number": case.case_number}, headers=staff_headers(token))
    assert by_number.json()[0]["state"] == "submitted"


@pytest.mark.req("CASE-18")
def test_cases_from_the_mobile_app_and_a_terminal_are_recorded_as_such(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    _, token = make_actor(db_session, clock, role="acceptor", agency=agency)
    headers = person_headers(db_session, clock, person)

    def apply(key: str, channel: str | None):
        extra = {"X-Client-Channel": channel} if channel is not None else {}
        return client.post("/api/v1/cases", json=api_body(item), headers={**headers, "Idempotency-Key": key, **extra})

    filed = {name: apply(f"channel-{name}-01", name) for name in ("mobile", "terminal")}
    filed["web"] = apply("channel-default-01", None)  # a client that declares nothing is the portal
    for name, label in (("mobile", "移动端"), ("terminal", "自助终端"), ("web", "政务服务网")):
        assert filed[name].status_code == 201, filed[name].text
        assert (filed[name].json()["channel"], filed[name].json()["channel_label"]) == (name, label)
        stored = db_session.get(Case, filed[name].json()["id"])
        db_session.refresh(stored)
        assert stored.channel == name
    staff_view = client.get(f"/api/v1/staff/cases/{filed['terminal'].json()['id']}", headers=staff_headers(token))
    assert staff_view.json()["channel_label"] == "自助终端"  # the same case, whatever the channel
    mine = client.get("/api/v1/cases", headers=headers).json()["cases"]
    assert sorted(c["channel"] for c in mine) == ["mobile", "terminal", "web"]
    window = apply("channel-window-01", "window")  # only staff file at a window
    assert window.status_code == 422 and window.json()["error"]["code"] == "CHANNEL_NOT_ALLOWED"
    unknown = apply("channel-other-01", "fax")
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "CHANNEL_UNKNOWN"
    assert db_session.scalar(select(func.count(Case.id)).where(Case.person_id == person.id)) == 3


@pytest.mark.req("CASE-18")
@pytest.mark.req("CASE-21")
def test_a_walk_in_applicant_is_filed_by_window_staff_and_later_sees_the_case(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    window, token = make_actor(db_session, clock, role="acceptor", agency=agency)
    db_session.commit()
    number = resident_id(birth="19661012", region="511602", serial="456")
    body = {**api_body(item, files=[{"material_key": "m2", "filename": "平面图.jpg", "content_base64": b64(b"\xff\xd8\xff\xe0jpeg")}]),
            "applicant": {"name": "孙大爷", "id_number": number, "phone": "13900007777"}}
    filed = client.post("/api/v1/staff/cases", params={"idempotency_key": "window-000000001"}, json=body,
                        headers=staff_headers(token))
    assert filed.status_code == 201, filed.text
    data = filed.json()
    assert data["channel"] == "window" and data["applicant_identifier"].startswith("511602********")
    statuses = {m["key"]: m["status"] for m in data["materials"]}
    assert statuses == {"m1": "provided", "m2": "provided", "m3": "missing"}  # nobody is sent home to upload online
    later = make_person(db_session, clock, name="孙大爷", id_number=number)
    mine = client.get("/api/v1/cases", headers=person_headers(db_session, clock, later)).json()
    assert [c["case_number"] for c in mine["cases"]] == [data["case_number"]]


@pytest.mark.req("CASE-22")
def test_withdrawal_is_allowed_until_the_decision(client, db_session, clock):
    item, agency = case_item(db_session, clock)
    person = make_person(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, person)
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    headers = person_headers(db_session, clock, person)
    done = client.post(f"/api/v1/cases/{case.id}/withdraw", json={"reason": "暂不开业"}, headers=headers)
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    assert done.json()["events"][-1]["reason"] == "暂不开业"
    decided, owner, _ = approved_case(db_session, clock, item=item, agency=agency)
    db_session.commit()
    late = client.post(f"/api/v1/cases/{decided.id}/withdraw", json={}, headers=person_headers(db_session, clock, owner))
    assert late.status_code == 409 and late.json()["error"]["code"] == "CASE_STATE_CONFLICT"


def test_nobody_sees_another_persons_case(client, db_session, clock):
    item, _ = case_item(db_session, clock)
    owner, other = make_person(db_session, clock), make_person(db_session, clock)
    case = submit(db_session, clock, item, owner)
    db_session.commit()
    headers = person_headers(db_session, clock, other)
    assert client.get(f"/api/v1/cases/{case.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/withdraw", json={}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 401


def test_uploaded_files_are_encrypted_at_rest(db_session, clock):
    item, _ = case_item(db_session, clock)
    case = submit(db_session, clock, item, make_person(db_session, clock))
    row = db_session.scalars(select(CaseFile).where(CaseFile.case_id == case.id, CaseFile.material_key == "m2")).one()
    assert PDF not in row.data and not row.data.startswith(b"%PDF")
    assert cases.file_of(db_session=db_session, case_id=case.id, file_id=row.id)[1] == PDF
