"""The checker (`tongban bundle check`): each check fails on a definition that has its problem and names the path."""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from tongban.bundles import graph
from tongban.bundles.check import check
from tongban.bundles.cli import bundles_app
from tongban.bundles.definition import BundleDefinition
from tongban.catalog import service as catalog_service


def _data(world) -> dict:
    return copy.deepcopy(world.definition)


def _kinds(problems) -> set[str]:
    return {p.kind for p in problems}


def test_the_world_bundle_is_sound(world, db_session):
    assert check(BundleDefinition.model_validate(world.definition), db_session=db_session) == []


@pytest.mark.req("BND-02")
def test_an_unreachable_question_is_found(world, db_session):
    data = _data(world)
    data["questions"].append({"id": "lost", "text": "没人会问到的问题", "options": [
        {"value": "a", "label": "甲"}, {"value": "b", "label": "乙"}]})
    problems = check(BundleDefinition.model_validate(data), db_session=db_session)
    assert [p.message for p in problems if p.kind == "unreachable"] == ["问题“没人会问到的问题”从起始问题出发无法到达"]


@pytest.mark.req("BND-02")
def test_a_dead_end_is_found_with_its_path(world, db_session):
    data = _data(world)
    data["items"] = [dict(i, role="situational") for i in data["items"]]
    data["rules"] = [r for r in data["rules"] if r.get("require")]
    problems = [p for p in check(BundleDefinition.model_validate(data), db_session=db_session) if p.kind == "dead_end"]
    assert problems and "死路" in problems[0].message
    assert problems[0].describe().endswith("路径：新生儿在广安区落户吗？：在广安区落户 → 要为新生儿参加城乡居民医保吗？：暂不参保")


@pytest.mark.req("BND-02")
def test_a_cycle_is_a_problem(world, db_session):
    data = _data(world)
    data["questions"][2]["options"][1]["next"] = "local"
    problems = check(BundleDefinition.model_validate(data), db_session=db_session)
    cycle = [p for p in problems if p.kind == "cycle"]
    assert cycle and "循环" in cycle[0].message and "同时申领社会保障卡吗？：不申领" in cycle[0].describe()


@pytest.mark.req("BND-02")
def test_an_outcome_never_reached_is_found(world, db_session):
    data = _data(world)
    data["rules"][2]["when"] = {"card": ["yes"], "insure": ["no"]}  # 'card' is asked only after insure=yes
    problems = check(BundleDefinition.model_validate(data), db_session=db_session)
    assert {"never_applies", "rule_never"} <= _kinds(problems)
    assert any("T-CARD" in p.message for p in problems if p.kind == "never_applies")


@pytest.mark.req("BND-02")
def test_an_item_that_is_not_live_is_found_with_the_path_that_needs_it(world, db_session, clock):
    catalog_service.set_status(db_session=db_session, clock=clock, actor=world.reviewer,
                               item_id=world.items["T-CARD"].id, status="suspended", reason="系统升级",
                               alternative="到窗口办理")
    data = _data(world)
    data["items"].append({"code": "T-MISSING", "role": "situational"})
    data["rules"].append({"when": {"local": ["no"]}, "require": ["T-MISSING"], "why": "测试"})
    problems = [p for p in check(BundleDefinition.model_validate(data), db_session=db_session) if p.kind == "not_live"]
    messages = " ".join(p.describe() for p in problems)
    assert "“社会保障卡申领”（T-CARD）未发布或已停止办理" in messages and "同时申领社会保障卡吗？：申领" in messages
    assert "事项 T-MISSING 在目录中不存在" in messages


@pytest.mark.req("BND-02")
def test_two_answers_that_require_and_exclude_the_same_item_contradict(world, db_session):
    data = _data(world)
    data["rules"].append({"when": {"card": ["yes"]}, "exclude": ["T-INSURE"], "why": "测试排除"})
    problems = [p for p in check(BundleDefinition.model_validate(data), db_session=db_session) if p.kind == "contradiction"]
    assert len(problems) == 1
    assert "T-INSURE" in problems[0].message and "测试排除" in problems[0].message
    assert "同时申领社会保障卡吗？：申领" in problems[0].describe()


@pytest.mark.req("BND-02")
def test_a_rule_over_a_question_that_does_not_exist_is_a_structure_problem(world, db_session):
    data = _data(world)
    data["rules"][0]["when"] = {"ghost": ["yes"]}
    problems = check(BundleDefinition.model_validate(data), db_session=db_session)
    assert _kinds(problems) == {"structure"} and "不存在的问题“ghost”" in problems[0].message


@pytest.mark.req("BND-05")
def test_the_cli_checks_exits_one_and_names_the_path_and_draws_the_flow(world, db_session, clock, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(bundles_app, ["check"])
    assert ok.exit_code == 0, ok.output
    assert "TEST-BIRTH" in ok.output
    bad = _data(world)
    bad["rules"].append({"when": {"card": ["yes"]}, "exclude": ["T-INSURE"], "why": "测试排除"})
    path = tmp_path / "bad.json"
    import json
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    failed = runner.invoke(bundles_app, ["check", "--file", str(path)])
    assert failed.exit_code == 1
    assert "规则矛盾" in failed.output and "同时申领社会保障卡吗？：申领" in failed.output
    drawn = runner.invoke(bundles_app, ["graph", "TEST-BIRTH", "--svg"])
    assert drawn.exit_code == 0 and drawn.output.lstrip().startswith("<svg")
    for q in world.definition["questions"]:
        assert q["text"][:12] in drawn.output
    assert "得出办理方案" in drawn.output


def test_the_flow_picture_is_valid_xml(world):
    import xml.etree.ElementTree as ET

    svg = graph.flow_svg(BundleDefinition.model_validate(world.definition))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}rect")) == 4


@pytest.mark.req("BND-02")
def test_an_item_not_offered_to_the_bundles_audience_is_found(world, db_session):
    data = _data(world)
    data["audience"] = "org"
    problems = [p for p in check(BundleDefinition.model_validate(data), db_session=db_session) if p.kind == "audience"]
    assert len(problems) == 5 and "不面向法人和其他组织办理" in problems[0].message
