"""Helpers for case tests: an item that exercises every part of applying, and one call per lifecycle step."""

from __future__ import annotations

import itertools
from typing import Any

from tongban.baselib.service import TableBaseLibrary
from tongban.cases import decisions, handling
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel, Opinion
from tongban.cases.files import Upload
from tongban.cases.forms import Applicant

from tests.factories import make_actor, make_agency, make_item, make_person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_keys = itertools.count(1)

CASE_CONTENT: dict[str, Any] = {
    "audiences": ["person", "org"],
    "form": [
        {"key": "applicant_name", "label": "申请人", "prefill": "applicant.name"},
        {"key": "contact_phone", "label": "联系电话", "kind": "phone", "prefill": "applicant.phone"},
        {"key": "address", "label": "经营场所", "max_length": 200},
        {"key": "copies", "label": "证书份数", "kind": "number", "required": False},
    ],
    "materials": [
        {"key": "m1", "name": "食品经营许可申请书", "forms": ["original"], "e_form": True,
         "acceptance_standard": "填写完整，签字盖章", "basis": ["b1"]},
        {"key": "m2", "name": "经营场所平面图", "forms": ["electronic"], "acceptance_standard": "标明功能区位置和面积",
         "basis": ["b1"]},
        {"key": "m3", "name": "健康证明", "forms": ["copy", "electronic"], "necessity": "required",
         "exemptions": ["pledge", "assistance"], "acceptance_standard": "在有效期内", "basis": ["b1"]},
    ],
    "pledge": {"obligations": "如实提交材料，接受事后核查", "content": "本人承诺从业人员均持有效健康证明",
               "liability": "承诺不实的，撤销许可，三年内不得再次申请，并记入信用记录"},
    "fees": [{"name": "证书工本费", "rule": "per_unit", "amount_fen": 1050, "unit": "本", "units_field": "copies",
              "basis": "川发改价格〔2026〕1号"}],
    "result": {"name": "食品经营许可证", "kind": "证照", "validity": "5年", "licence_type": "food_licence",
               "validity_years": 5, "delivery": ["online_download", "window_pickup", "locker", "post"]},
    "special_procedures": [{"name": "现场核查", "max_days": 10}],
    "review_rules": {"posts": [{"post": "reviewer", "time_limit_days": 3}, {"post": "decider", "time_limit_days": 1}],
                     "on_the_spot": False},
    "legal_limit_days": 20,
    "promised_limit_days": 10,
}


def case_item(db_session, clock, *, agency=None, **overrides):
    agency = agency or make_agency(db_session)
    return make_item(db_session, clock, agency=agency, **{**CASE_CONTENT, **overrides}), agency


def applicant_of(person) -> Applicant:
    return Applicant("person", person.id, None, person.name, person.id_number, person.phone)


def submission(item, **overrides) -> cases.Submission:
    values = {
        "item_id": item.id,
        "form": {"applicant_name": "张三", "contact_phone": "13900000001", "address": "广安区建设路1号", "copies": "2"},
        "exemptions": {},
        "uploads": [Upload("m2", "平面图.pdf", PDF), Upload("m3", "健康证.png", PNG)],
    }
    values.update(overrides)
    return cases.Submission(**values)


def submit(db_session, clock, item, person, *, key: str | None = None, channel=CaseChannel.web, **overrides):
    return cases.submit(
        db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), applicant=applicant_of(person),
        submission=submission(item, **overrides), channel=channel, submitter_ref=f"person:{person.id}",
        idempotency_key=key or f"test-key-{next(_keys):06d}",
    )


class Staff:
    """One actor per post of an agency, as the workbench would have them."""

    def __init__(self, db_session, clock, agency) -> None:
        self.acceptor, _ = make_actor(db_session, clock, role="acceptor", agency=agency)
        self.reviewer, _ = make_actor(db_session, clock, role="reviewer", agency=agency)
        self.decider, _ = make_actor(db_session, clock, role="decider", agency=agency)
        self.dispatcher, _ = make_actor(db_session, clock, role="dispatcher", agency=agency)


def approved_case(db_session, clock, *, item=None, agency=None, person=None, **submit_overrides):
    if item is None:
        item, agency = case_item(db_session, clock, agency=agency)
    person = person or make_person(db_session, clock)
    staff = Staff(db_session, clock, agency)
    case = submit(db_session, clock, item, person, **submit_overrides)
    handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=staff.reviewer, case=case, opinion=Opinion.approve,
                            reasons="符合审查标准")
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=case, approve=True)
    return case, person, staff


def sealed(db_session, clock, document):
    """The document as its rendering job leaves it: PDF rendered, sealed and signed (tests run the job's work inline)."""
    from tongban.cases import documents

    return documents.render(db_session=db_session, clock=clock, document=document)


def person_headers(db_session, clock, person) -> dict:
    """A bearer session for the person, committed so the app's own sessions see it."""
    from tongban.accounts import sessions

    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id,
                                transport="bearer")
    db_session.commit()
    return {"Authorization": f"Bearer {new.token}"}


def staff_headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")
