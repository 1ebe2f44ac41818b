"""A small bundle world: four agencies of 广安区, five published items whose materials and forms overlap, and a
bundle over them published through the import path (checked first)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from tests.factories import make_actor, make_agency, make_item
from tongban.accounts.access import StaffActor
from tongban.bundles import service

BASIS = [{"key": "b1", "title": "《中华人民共和国户口登记条例》", "kind": "law", "article": "第七条",
          "text": "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。"}]


def _material(key: str, name: str, necessity: str = "required", **extra) -> dict:
    return {"key": key, "name": name, "necessity": necessity, "source": "申请人自备", "basis": ["b1"], **extra}


def _field(key: str, label: str, prefill: str = "", required: bool = True) -> dict:
    return {"key": key, "label": label, "prefill": prefill, "required": required}


def item_content(name: str, materials: list[dict], form: list[dict], limit: int, unit: str = "working_day") -> dict:
    return dict(name=name, item_type="confirmation", level="county", audiences=["person"], legal_basis=BASIS,
                materials=materials, form=form, promised_limit_days=limit, legal_limit_days=limit + 5,
                limit_unit=unit, themes=[], life_stages=[], tags=[], handling_scope="fixed")


DEFINITION = {
    "code": "TEST-BIRTH",
    "name": "新生儿出生一件事",
    "theme": "出生",
    "audience": "person",
    "region_code": "511602",
    "summary": "测试用",
    "lead_agency": "",  # filled in
    "cooperating_agencies": [],
    "start": "local",
    "questions": [
        {"id": "local", "text": "新生儿在广安区落户吗？", "options": [
            {"value": "yes", "label": "在广安区落户", "next": "insure"},
            {"value": "no", "label": "在外地落户", "next": "insure"}]},
        {"id": "insure", "text": "要为新生儿参加城乡居民医保吗？", "options": [
            {"value": "yes", "label": "要参保", "next": "card"},
            {"value": "no", "label": "暂不参保", "next": None}]},
        {"id": "card", "text": "同时申领社会保障卡吗？", "options": [
            {"value": "yes", "label": "申领", "next": None},
            {"value": "no", "label": "不申领", "next": None}]},
    ],
    "items": [
        {"code": "T-CERT", "role": "required"},
        {"code": "T-VACC", "role": "required"},
        {"code": "T-HUKOU", "role": "required", "after": ["T-CERT"]},
        {"code": "T-INSURE", "role": "situational", "after": ["T-HUKOU"]},
        {"code": "T-CARD", "role": "situational", "after": ["T-INSURE"]},
    ],
    "rules": [
        {"when": {"local": ["no"]}, "exclude": ["T-HUKOU"], "why": "在外地落户的，到落户地派出所办理出生登记"},
        {"when": {"insure": ["yes"]}, "require": ["T-INSURE"], "why": "您选择为新生儿参加城乡居民医保"},
        {"when": {"card": ["yes"]}, "require": ["T-CARD"], "why": "您选择申领社会保障卡"},
    ],
    "shared_materials": [
        {"name": "父母双方居民身份证", "members": [{"code": "T-HUKOU", "key": "m2"}, {"code": "T-INSURE", "key": "m1"}]},
    ],
}


@dataclass
class World:
    health: object
    police: object
    insurance: object
    hrss: object
    management: object
    items: dict
    editor: StaffActor
    editor_token: str
    reviewer: StaffActor
    reviewer_token: str
    definition: dict
    bundle_id: int


def definition_for(health) -> dict:
    data = copy.deepcopy(DEFINITION)
    data["lead_agency"] = health.code
    return data


@pytest.fixture
def world(db_session, clock) -> World:
    management = make_agency(db_session, name="广安区政务服务管理局", region_code="511602", level="county", is_management=True)
    health = make_agency(db_session, name="广安区卫生健康局", region_code="511602", level="county")
    police = make_agency(db_session, name="广安市公安局广安区分局", region_code="511602", level="county")
    insurance = make_agency(db_session, name="广安区医疗保障局", region_code="511602", level="county")
    hrss = make_agency(db_session, name="广安区人力资源和社会保障局", region_code="511602", level="county")
    items = {
        "T-CERT": make_item(db_session, clock, agency=health, code="T-CERT", **item_content(
            "出生医学证明首次签发",
            [_material("m1", "父母双方居民身份证复印件"), _material("m2", "出生医学证明首次签发申请表")],
            [_field("baby_name", "新生儿姓名"), _field("mother_name", "母亲姓名"),
             _field("phone", "联系电话", prefill="applicant.phone")], 5)),
        "T-VACC": make_item(db_session, clock, agency=health, code="T-VACC", **item_content(
            "预防接种证办理",
            [_material("m1", "出生医学证明（原件）", licence_type="出生医学证明"), _material("m2", "监护人居民身份证")],
            [_field("baby_name", "新生儿姓名"), _field("contact", "联系电话", prefill="applicant.phone")], 0)),
        "T-HUKOU": make_item(db_session, clock, agency=police, code="T-HUKOU", **item_content(
            "出生登记",
            [_material("m1", "出生医学证明", licence_type="出生医学证明"), _material("m2", "父母双方居民身份证"),
             _material("m3", "户口簿"), _material("m4", "结婚证", necessity="conditional", condition="父母已婚的")],
            [_field("baby_name", "新生儿姓名"), _field("address", "落户地址")], 3)),
        "T-INSURE": make_item(db_session, clock, agency=insurance, code="T-INSURE", **item_content(
            "新生儿参加城乡居民基本医疗保险",
            [_material("m1", "监护人居民身份证"), _material("m2", "居民户口簿")],
            [_field("baby_name", "新生儿姓名"), _field("guardian", "监护人姓名", prefill="applicant.name")], 10,
            unit="natural_day")),
        "T-CARD": make_item(db_session, clock, agency=hrss, code="T-CARD", **item_content(
            "社会保障卡申领", [_material("m1", "本人近期免冠证件照")], [], 4)),
    }
    editor, editor_token = make_actor(db_session, clock, role="catalog_editor", agency=health)
    reviewer, reviewer_token = make_actor(db_session, clock, role="catalog_reviewer", agency=management)
    definition = definition_for(health)
    bundle, _ = service.import_definition(db_session=db_session, clock=clock, data=definition, by="测试")
    db_session.commit()
    return World(health, police, insurance, hrss, management, items, editor, editor_token, reviewer, reviewer_token,
                 definition, bundle.id)
