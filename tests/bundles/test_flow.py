"""The question flow as data (BND-02, 03): walking answers, the outcome of a path, and bad input in Chinese."""

from __future__ import annotations

import copy

import pytest

from tests.bundles.conftest import DEFINITION
from tongban.bundles import flow
from tongban.bundles.definition import BundleDefinition, parse
from tongban.core.errors import InvalidInput


def _definition() -> BundleDefinition:
    data = copy.deepcopy(DEFINITION)
    data["lead_agency"] = "X"
    return parse(data)


@pytest.mark.req("BND-03")
def test_walk_goes_one_question_at_a_time_and_skips_questions_off_the_path():
    d = _definition()
    walk = flow.walk(d, {}, partial=True)
    assert walk.next_question.id == "local" and not walk.complete
    walk = flow.walk(d, {"local": "yes"}, partial=True)
    assert walk.next_question.id == "insure"
    walk = flow.walk(d, {"local": "yes", "insure": "no"}, partial=True)
    assert walk.complete and [s.question.id for s in walk.steps] == ["local", "insure"]  # 'card' is never asked


@pytest.mark.req("BND-03")
@pytest.mark.parametrize(("answers", "code", "words"), [
    ({"local": "maybe", "insure": "no"}, "BUNDLE_ANSWER_INVALID", "不在选项中"),
    ({"local": "yes", "insure": "no", "card": "yes"}, "BUNDLE_QUESTION_OFF_PATH", "不需要回答"),
    ({"local": "yes"}, "BUNDLE_ANSWERS_INCOMPLETE", "还没有回答"),
    ({"local": "yes", "insure": "no", "nosuch": "x"}, "BUNDLE_QUESTION_UNKNOWN", "没有编号"),
])
def test_bad_answers_are_refused_in_chinese(answers, code, words):
    with pytest.raises(InvalidInput) as caught:
        flow.walk(_definition(), answers)
    assert caught.value.code == code and words in caught.value.message


@pytest.mark.req("BND-02")
def test_required_items_apply_unless_excluded_and_situational_ones_only_when_a_rule_requires_them():
    d = _definition()
    plain = flow.outcome(d, {"local": "yes", "insure": "no"})
    assert list(plain.applies) == ["T-CERT", "T-VACC", "T-HUKOU"]
    assert plain.applies["T-HUKOU"].startswith("必办事项")
    full = flow.outcome(d, {"local": "no", "insure": "yes", "card": "yes"})
    assert list(full.applies) == ["T-CERT", "T-VACC", "T-INSURE", "T-CARD"]
    assert full.applies["T-INSURE"] == "您选择为新生儿参加城乡居民医保"
    assert "在外地落户" in full.excluded["T-HUKOU"]


@pytest.mark.req("BND-02")
@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["rules"][0]["when"].update({"nosuch": ["yes"]}), "不存在的问题“nosuch”"),
    (lambda d: d["rules"][0]["when"].update({"local": ["maybe"]}), "不存在的选项“maybe”"),
    (lambda d: d["rules"][1]["require"].append("T-NOPE"), "T-NOPE 不在本一件事中"),
    (lambda d: d["questions"][0]["options"][0].update({"next": "gone"}), "不存在的问题“gone”"),
    (lambda d: d["items"][2]["after"].append("T-NOPE"), "前置事项 T-NOPE"),
    (lambda d: d.update({"start": "nowhere"}), "起始问题"),
    (lambda d: d.update({"colour": "red"}), "不认识的字段"),
])
def test_a_definition_that_points_nowhere_is_refused_in_chinese(change, words):
    data = copy.deepcopy(DEFINITION)
    data["lead_agency"] = "X"
    change(data)
    with pytest.raises(InvalidInput) as caught:
        parse(data)
    assert caught.value.code == "BUNDLE_DEFINITION_INVALID" and words in caught.value.message
