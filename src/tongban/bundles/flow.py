"""The question flow and its outcome (BND-02, 03), without the database: which question comes next, whether a set
of answers is one complete path, and which items a complete path makes apply, and why.

A person's answers are `{question_id: option value}`. They are valid when, walking from the start, every question
met has an answer among its options, the walk ends at an option without `next`, and no answer is left over for a
question the walk did not meet (an answer kept from a path the person changed away from is an error, not noise).
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.bundles.definition import BundleDefinition, Question
from tongban.core.errors import InvalidInput

REQUIRED_WHY = "必办事项：本一件事的所有情形都要办理"


@dataclass(frozen=True)
class Step:
    """One answered question on a path."""

    question: Question
    value: str
    label: str


@dataclass(frozen=True)
class Walk:
    steps: tuple[Step, ...]  # the answered questions, in order
    next_question: Question | None  # the first unanswered question; None when complete
    complete: bool


@dataclass(frozen=True)
class Outcome:
    applies: dict[str, str]  # item code → why, in the definition's order
    excluded: dict[str, str]  # item code → why it does not apply (a rule excluded it)
    conflicts: tuple[tuple[str, str, str], ...]  # (item code, the requiring rule's why, the excluding rule's why)


def walk(definition: BundleDefinition, answers: dict[str, str], *, partial: bool = False) -> Walk:
    """The path these answers take. `partial`: stop quietly at the first unanswered question (the flow pages);
    otherwise the path must be complete (a plan). Raises InvalidInput with a Chinese message."""
    steps: list[Step] = []
    seen: set[str] = set()
    question = definition.question(definition.start)
    while question is not None:
        if question.id in seen:  # a checked definition has no cycle; guard an unchecked draft
            raise InvalidInput("BUNDLE_FLOW_CYCLE", f"问题“{question.text}”在流程中重复出现，请联系管理部门")
        seen.add(question.id)
        value = answers.get(question.id)
        if value is None or value == "":
            if partial:
                _no_strays(definition, answers, seen - {question.id})
                return Walk(tuple(steps), question, False)
            raise InvalidInput("BUNDLE_ANSWERS_INCOMPLETE", f"还没有回答问题“{question.text}”，请答完全部问题",
                               details={"question": question.id})
        option = next((o for o in question.options if o.value == value), None)
        if option is None:
            labels = "、".join(o.label for o in question.options)
            raise InvalidInput("BUNDLE_ANSWER_INVALID", f"问题“{question.text}”的回答不在选项中（可选：{labels}）",
                               details={"question": question.id})
        steps.append(Step(question, option.value, option.label))
        question = definition.question(option.next) if option.next else None
        if option.next and question is None:
            raise InvalidInput("BUNDLE_FLOW_BROKEN", "问答流程有误（下一个问题不存在），请联系管理部门")
    _no_strays(definition, answers, seen)
    return Walk(tuple(steps), None, True)


def _no_strays(definition: BundleDefinition, answers: dict[str, str], seen: set[str]) -> None:
    for qid, value in answers.items():
        if qid in seen or value in (None, ""):
            continue
        question = definition.question(qid)
        if question is None:
            raise InvalidInput("BUNDLE_QUESTION_UNKNOWN", f"没有编号为“{qid}”的问题", details={"question": qid})
        raise InvalidInput("BUNDLE_QUESTION_OFF_PATH", f"按您前面的回答，不需要回答问题“{question.text}”，请重新作答",
                           details={"question": qid})


def rule_holds(when: dict[str, list[str]], answers: dict[str, str]) -> bool:
    return all(answers.get(qid) in accepted for qid, accepted in when.items())


def outcome(definition: BundleDefinition, answers: dict[str, str]) -> Outcome:
    """The items a complete path's answers make apply (BND-02): every required item unless a rule excludes it, and
    every situational item a rule requires unless a rule excludes it. A rule that excludes wins over one that
    requires; the checker reports such a clash as a contradiction, so a published bundle has none."""
    required: dict[str, list[str]] = {}
    excluded: dict[str, list[str]] = {}
    for rule in definition.rules:
        if not rule_holds(rule.when, answers):
            continue
        for code in rule.require:
            required.setdefault(code, []).append(rule.why)
        for code in rule.exclude:
            excluded.setdefault(code, []).append(rule.why)
    applies: dict[str, str] = {}
    out: dict[str, str] = {}
    conflicts: list[tuple[str, str, str]] = []
    for item in definition.items:
        wanted = item.role == "required" or item.code in required
        if item.code in excluded:
            if item.code in required:
                conflicts.append((item.code, required[item.code][0], excluded[item.code][0]))
            if wanted:
                out[item.code] = "；".join(excluded[item.code])
            continue
        if wanted:
            applies[item.code] = "；".join(required[item.code]) if item.code in required else REQUIRED_WHY
    return Outcome(applies, out, tuple(conflicts))


def clean_answers(raw: dict[str, object]) -> dict[str, str]:
    """Answers as posted: strings only, empty ones dropped."""
    return {str(k): str(v) for k, v in raw.items() if v not in (None, "") and isinstance(v, (str, int))}
