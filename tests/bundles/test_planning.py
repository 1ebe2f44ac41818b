"""A person's plan (BND-02 … 06): items and why, merged materials and form, order, overall limit; bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tongban.bundles.models import BundleVersion
from tongban.bundles.planning import make_plan, normalised_name
from tongban.catalog import service as catalog_service
from tongban.core.errors import InvalidInput, NotFound

ALL = {"local": "yes", "insure": "yes", "card": "yes"}


def _plan(world, db_session, clock, answers):
    return make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=answers)


@pytest.mark.req("BND-02")
def test_the_plan_names_the_items_that_apply_with_the_reason(world, db_session, clock):
    plan = _plan(world, db_session, clock, {"local": "no", "insure": "yes", "card": "no"})
    assert [i.code for i in plan.items] == ["T-CERT", "T-VACC", "T-INSURE"]
    why = {i.code: i.why for i in plan.items}
    assert why["T-CERT"].startswith("必办事项") and why["T-INSURE"] == "您选择为新生儿参加城乡居民医保"
    assert plan.items[0].item_id == world.items["T-CERT"].id and plan.items[0].agency_name == "广安区卫生健康局"
    assert any("出生登记" in n and "外地落户" in n for n in plan.notes)


@pytest.mark.req("BND-04")
def test_a_material_several_items_need_appears_once_with_the_rule_that_matched_it(world, db_session, clock):
    plan = _plan(world, db_session, clock, ALL)
    by_name = {m.name: m for m in plan.materials}
    ids = by_name["父母双方居民身份证"]  # declared by the bundle, plus the name rule for the 复印件 of T-CERT
    assert ids.used_by == {"T-CERT": "m1", "T-HUKOU": "m2", "T-INSURE": "m1"}
    assert ids.match_rule == "经本一件事梳理确认为同一份材料"
    cert = next(m for m in plan.materials if set(m.used_by) == {"T-VACC", "T-HUKOU"})
    assert cert.match_rule == "同一电子证照类型（出生医学证明）"
    book = by_name["户口簿"]
    assert book.used_by == {"T-HUKOU": "m3", "T-INSURE": "m2"} and book.match_rule.startswith("名称相同")
    marriage = by_name["结婚证"]
    assert not marriage.required and marriage.condition == "父母已婚的"
    handed_in = sum(len(m.used_by) for m in plan.materials)
    assert len(plan.materials) == 7 and handed_in == 11  # 11 materials of five items, handed in as 7
    assert [m.key for m in plan.materials] == [f"m{n}" for n in range(1, 8)]


def test_names_are_normalised_for_matching():
    assert normalised_name("出生医学证明（原件）") == normalised_name("出生医学证明")
    assert normalised_name("申请人居民身份证复印件") == normalised_name("居民身份证") == normalised_name("身份证")
    assert normalised_name("户口簿") == normalised_name("居民户口簿")
    assert normalised_name("营业执照正、副本") == normalised_name("营业执照（或电子营业执照）")
    assert normalised_name("死者居民身份证") != normalised_name("申报人居民身份证")


@pytest.mark.req("BND-03")
def test_the_merged_form_asks_a_shared_field_once(world, db_session, clock):
    plan = _plan(world, db_session, clock, ALL)
    by_key = {f.field.key: f for f in plan.form}
    assert set(by_key["baby_name"].used_by) == {"T-CERT", "T-VACC", "T-HUKOU", "T-INSURE"}  # same key
    assert by_key["phone"].used_by == {"T-CERT": "phone", "T-VACC": "contact", "T-CARD": "contact_phone"}  # same source
    assert by_key["guardian"].used_by == {"T-INSURE": "guardian", "T-CARD": "applicant_name"}
    assert len({f.field.key for f in plan.form}) == len(plan.form)


@pytest.mark.req("BND-05")
def test_items_are_ordered_in_stages_also_through_an_item_that_does_not_apply(world, db_session, clock):
    plan = _plan(world, db_session, clock, ALL)
    stage = {i.code: (i.stage, i.after) for i in plan.items}
    assert stage == {"T-CERT": (1, ()), "T-VACC": (1, ()), "T-HUKOU": (2, ("T-CERT",)),
                     "T-INSURE": (3, ("T-HUKOU",)), "T-CARD": (4, ("T-INSURE",))}
    elsewhere = _plan(world, db_session, clock, {"local": "no", "insure": "yes", "card": "no"})
    assert {i.code: (i.stage, i.after) for i in elsewhere.items}["T-INSURE"] == (2, ("T-CERT",))


@pytest.mark.req("BND-06")
def test_the_overall_limit_overlaps_parallel_items_and_adds_sequential_ones(world, db_session, clock):
    plan = _plan(world, db_session, clock, ALL)
    limits = {i.code: i.limit_days for i in plan.items}
    assert limits == {"T-CERT": 5, "T-VACC": 0, "T-HUKOU": 3, "T-INSURE": 8, "T-CARD": 4}  # 10 natural days → 8
    assert plan.overall_limit_days == 5 + 3 + 8 + 4  # T-VACC runs beside T-CERT
    short = _plan(world, db_session, clock, {"local": "yes", "insure": "no"})
    assert short.overall_limit_days == 5 + 3
    parallel = _plan(world, db_session, clock, {"local": "no", "insure": "no"})
    assert parallel.overall_limit_days == 5  # T-CERT and T-VACC at once: max, not sum


def _versions(db_session) -> int:
    return db_session.scalar(select(func.count(BundleVersion.id)))


def test_bad_answers_are_refused_in_chinese_and_write_nothing(world, db_session, clock):
    before = _versions(db_session)
    for answers, code in (({"local": "maybe", "insure": "no"}, "BUNDLE_ANSWER_INVALID"),
                          ({"local": "yes", "insure": "no", "card": "yes"}, "BUNDLE_QUESTION_OFF_PATH"),
                          ({"local": "yes"}, "BUNDLE_ANSWERS_INCOMPLETE")):
        with pytest.raises(InvalidInput) as caught:
            _plan(world, db_session, clock, answers)
        assert caught.value.code == code
    assert _versions(db_session) == before and not db_session.new and not db_session.dirty
    with pytest.raises(NotFound):
        make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id + 99, answers=ALL)


@pytest.mark.req("BND-02")
def test_an_item_withdrawn_since_the_person_started_is_named(world, db_session, clock):
    catalog_service.set_status(db_session=db_session, clock=clock, actor=world.reviewer,
                               item_id=world.items["T-CARD"].id, status="stopped", reason="职能调整",
                               alternative="到人社窗口办理")
    db_session.commit()
    assert _plan(world, db_session, clock, {"local": "yes", "insure": "yes", "card": "no"}).items  # not on this path
    with pytest.raises(InvalidInput) as caught:
        _plan(world, db_session, clock, ALL)
    assert caught.value.code == "BUNDLE_ITEM_NOT_LIVE" and "“社会保障卡申领”" in caught.value.message
