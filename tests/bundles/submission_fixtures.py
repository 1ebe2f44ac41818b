"""Helpers for the bundle submission tests (BND-07), over the `world` fixture of tests/bundles/conftest.py: the merged
form and uploads a person hands in for a plan, one submission call, staff per agency, a part decided."""

from __future__ import annotations

import itertools

from tests.factories import make_actor, make_person
from tongban.baselib.service import TableBaseLibrary
from tongban.bundles import submission as bundle_submission
from tongban.bundles.planning import make_plan
from tongban.cases import decisions, handling
from tongban.cases.enums import CaseChannel, Opinion
from tongban.cases.files import Upload
from tongban.cases.forms import Applicant
from tongban.catalog.enums import FormFieldKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# 在广安区落户, 暂不参保: 出生医学证明 and 预防接种证 (卫生健康局, stage 1, in parallel), then 出生登记 (公安, stage 2)
ANSWERS = {"local": "yes", "insure": "no"}
_keys = itertools.count(1)


def applicant_of(person) -> Applicant:
    return Applicant("person", person.id, None, person.name, person.id_number, person.phone)


def form_values(plan) -> dict[str, str]:
    values = {}
    for merged in plan.form:
        f = merged.field
        if f.kind is FormFieldKind.phone or "phone" in f.key:
            values[f.key] = "13900000001"
        elif f.kind is FormFieldKind.date:
            values[f.key] = "2026-11-01"
        elif f.kind is FormFieldKind.number:
            values[f.key] = "1"
        elif f.kind is FormFieldKind.choice:
            values[f.key] = f.options[0]
        else:
            values[f.key] = "王小明"
    return values


def uploads(plan) -> list[Upload]:
    return [Upload(m.key, f"{m.name}.pdf", PDF) for m in plan.materials if m.required and not m.e_form]


def new_key() -> str:
    return f"bundle-key-{next(_keys):06d}"


def submit(db_session, clock, world, person, *, answers=None, key=None, plan=None, **overrides):
    plan = plan or make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=answers or ANSWERS)
    sub = bundle_submission.BundleSubmission(
        bundle_id=world.bundle_id, answers=dict(plan.answers), form=overrides.pop("form", form_values(plan)),
        uploads=overrides.pop("uploads", uploads(plan)), **overrides)
    return bundle_submission.submit(
        db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), applicant=applicant_of(person),
        submission=sub, channel=CaseChannel.web, submitter_ref=f"person:{person.id}", idempotency_key=key or new_key(),
        plan=plan)


class Posts:
    """One actor per post of an agency."""

    def __init__(self, db_session, clock, agency) -> None:
        self.acceptor, self.acceptor_token = make_actor(db_session, clock, role="acceptor", agency=agency)
        self.reviewer, _ = make_actor(db_session, clock, role="reviewer", agency=agency)
        self.decider, _ = make_actor(db_session, clock, role="decider", agency=agency)
        self.dispatcher, self.dispatcher_token = make_actor(db_session, clock, role="dispatcher", agency=agency)


def decide(db_session, clock, posts: Posts, case, *, approve: bool = True, reasons: str = ""):
    """Review and decide an accepted part as its own agency does."""
    handling.start_review(db_session=db_session, clock=clock, actor=posts.reviewer, case=case)
    handling.record_opinion(db_session=db_session, clock=clock, actor=posts.reviewer, case=case,
                            opinion=Opinion.approve if approve else Opinion.deny, reasons=reasons or "符合审查标准")
    return decisions.decide(db_session=db_session, clock=clock, actor=posts.decider, case=case, approve=approve,
                            reasons=reasons)


def person(db_session, clock, **kwargs):
    return make_person(db_session, clock, **kwargs)


def small_bundle(db_session, clock, *, region: str = "511602"):
    """Two agencies, two items in parallel: 甲 checks originals on site and hands its paper result over at a window,
    乙 delivers by download only; both decided on the spot. Answers: {"go": "yes"}. Returns (bundle_id, agencies)."""
    from tests.bundles.conftest import BASIS
    from tests.factories import make_agency, make_item
    from tongban.bundles import service

    first = make_agency(db_session, name="测试甲局", region_code=region, level="county")
    second = make_agency(db_session, name="测试乙局", region_code=region, level="county")
    common = dict(item_type="confirmation", level="county", audiences=["person"], legal_basis=BASIS, themes=[], life_stages=[],
                  tags=[], handling_scope="fixed", promised_limit_days=3, legal_limit_days=5,
                  review_rules={"posts": [{"post": "acceptor", "time_limit_days": 1}, {"post": "decider", "time_limit_days": 1}],
                                "on_the_spot": True},
                  form=[{"key": "name", "label": "申请人", "prefill": "applicant.name"}])
    make_item(db_session, clock, agency=first, code="S-ONE", name="甲证明",
              materials=[{"key": "id", "name": "申请人居民身份证", "source": "申请人自备", "basis": ["b1"]}],
              on_site_verification=True, result={"name": "甲证明", "kind": "证明", "delivery": ["window_pickup", "post"]},
              **common)
    make_item(db_session, clock, agency=second, code="S-TWO", name="乙登记",
              materials=[{"key": "idc", "name": "申请人居民身份证", "source": "申请人自备", "basis": ["b1"]}],
              result={"name": "乙登记", "kind": "证明", "delivery": ["online_download"]}, **common)
    definition = {"code": "TEST-SMALL", "name": "小一件事", "theme": "测试", "audience": "person", "region_code": region,
                  "lead_agency": first.code, "start": "go",
                  "questions": [{"id": "go", "text": "办理吗？", "options": [{"value": "yes", "label": "办理", "next": None},
                                                                          {"value": "no", "label": "也办理", "next": None}]}],
                  "items": [{"code": "S-ONE"}, {"code": "S-TWO"}]}
    bundle, _ = service.import_definition(db_session=db_session, clock=clock, data=definition, by="测试")
    db_session.commit()
    return bundle.id, first, second
