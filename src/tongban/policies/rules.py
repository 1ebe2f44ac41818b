"""A policy's conditions: a small declarative rule list over named base-library fields (POL-01).

A condition is `{"field": …, "op": …, "value": …}`; all of them must hold. The fields are those the population
library knows (`household_region`, `status`, `id_kind`), those read from the identity document (`age`, `gender`), and
the attributes other departments share (`baselib.service.ATTRIBUTES`). An unknown field or operator, or a value of the
wrong kind, is refused in Chinese when the policy is saved, so a rule never fails while matching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tongban.baselib.service import ATTRIBUTES, PersonFacts
from tongban.core.errors import InvalidInput

MAX_CONDITIONS = 20
_REGION = re.compile(r"^\d{2,12}$")


@dataclass(frozen=True)
class Field:
    label: str
    kind: str  # text / number / choice
    read: Callable[[PersonFacts, date], object]
    choices: tuple[str, ...] = ()


FIELDS: dict[str, Field] = {
    "household_region": Field("户籍地区划代码", "region", lambda p, d: p.household_region),
    "age": Field("年龄（周岁，按身份证出生日期）", "number", lambda p, d: p.age_on(d)),
    "gender": Field("性别", "choice", lambda p, d: p.gender, ("male", "female")),
    "status": Field("人口状态", "choice", lambda p, d: p.status, ("normal", "deceased", "cancelled")),
    "id_kind": Field("证件类型", "text", lambda p, d: p.id_kind),
    "disability_grade": Field(ATTRIBUTES["disability_grade"], "number", lambda p, d: _number(p.attributes.get("disability_grade"))),
    "subsistence_allowance": Field(ATTRIBUTES["subsistence_allowance"], "choice",
                                   lambda p, d: p.attributes.get("subsistence_allowance", "no"), ("yes", "no")),
    "veteran": Field(ATTRIBUTES["veteran"], "choice", lambda p, d: p.attributes.get("veteran", "no"), ("yes", "no")),
}

OPERATORS = {
    "eq": "等于", "ne": "不等于", "gte": "大于或等于", "gt": "大于", "lte": "小于或等于", "lt": "小于",
    "in": "属于其中之一", "starts_with": "以…开头",
}
_OPS_BY_KIND = {
    "number": {"eq", "ne", "gte", "gt", "lte", "lt", "in"},
    "region": {"eq", "ne", "in", "starts_with"},
    "choice": {"eq", "ne", "in"},
    "text": {"eq", "ne", "in"},
}


def _number(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: object

    def as_dict(self) -> dict:
        return {"field": self.field, "op": self.op, "value": self.value}

    def describe(self) -> str:
        field = FIELDS[self.field]
        value = "、".join(map(str, self.value)) if isinstance(self.value, list) else str(self.value)
        if self.op == "starts_with":
            return f"{field.label}以 {value} 开头"
        return f"{field.label}{OPERATORS[self.op]} {value}"


def _value(field_name: str, field: Field, op: str, raw: object, position: int) -> object:
    where = f"第 {position} 条条件（{field.label}）"
    if op == "in":
        if not isinstance(raw, list) or not raw or len(raw) > 50:
            raise InvalidInput("RULE_VALUE", f"{where}：“属于其中之一”的值应为 1–50 个值的列表")
        return [_value(field_name, field, "eq", v, position) for v in raw]
    if field.kind == "number":
        number = _number(raw) if not isinstance(raw, bool) else None
        if number is None or not 0 <= number <= 200:
            raise InvalidInput("RULE_VALUE", f"{where}：值应为 0–200 的整数")
        return number
    text = str(raw if raw is not None else "").strip()
    if field.kind == "region" and not _REGION.fullmatch(text):
        raise InvalidInput("RULE_VALUE", f"{where}：区划代码应为 2–12 位数字")
    if field.kind == "choice" and text not in field.choices:
        raise InvalidInput("RULE_VALUE", f"{where}：值只能是 {'、'.join(field.choices)}")
    if not text or len(text) > 40:
        raise InvalidInput("RULE_VALUE", f"{where}：请填写 1–40 个字的值")
    return text


def parse(conditions: object) -> list[Condition]:
    """Checked conditions from JSON text or a list of dicts; refuses in Chinese what would not evaluate."""
    if isinstance(conditions, str):
        try:
            conditions = json.loads(conditions or "[]")
        except ValueError:
            raise InvalidInput("RULES_JSON", "条件格式不对：应为 JSON 列表，例如 [{\"field\": \"age\", \"op\": \"gte\", \"value\": 80}]") from None
    if not isinstance(conditions, list) or not conditions:
        raise InvalidInput("RULES_EMPTY", "请至少写一条享受条件")
    if len(conditions) > MAX_CONDITIONS:
        raise InvalidInput("RULES_TOO_MANY", f"享受条件最多 {MAX_CONDITIONS} 条")
    parsed = []
    for position, raw in enumerate(conditions, start=1):
        if not isinstance(raw, dict) or set(raw) - {"field", "op", "value"}:
            raise InvalidInput("RULE_SHAPE", f"第 {position} 条条件应写明 field（字段）、op（运算）和 value（值）")
        name, op = str(raw.get("field", "")), str(raw.get("op", ""))
        field = FIELDS.get(name)
        if field is None:
            raise InvalidInput("RULE_FIELD", f"第 {position} 条条件的字段“{name}”在基础库中不存在，可用字段："
                                             + "、".join(f"{k}（{f.label}）" for k, f in FIELDS.items()))
        if op not in OPERATORS:
            raise InvalidInput("RULE_OPERATOR", f"第 {position} 条条件的运算“{op}”不支持，可用：" +
                               "、".join(f"{k}（{v}）" for k, v in OPERATORS.items()))
        if op not in _OPS_BY_KIND[field.kind]:
            raise InvalidInput("RULE_OPERATOR", f"第 {position} 条条件：{field.label}不能用“{OPERATORS[op]}”比较")
        parsed.append(Condition(name, op, _value(name, field, op, raw.get("value"), position)))
    return parsed


def dumps(conditions: list[Condition]) -> str:
    return json.dumps([c.as_dict() for c in conditions], ensure_ascii=False)


def _holds(op: str, actual: object, expected: object) -> bool:
    if actual is None or actual == "":
        return op == "ne" and expected not in (None, "")
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected  # type: ignore[operator]
    if op == "starts_with":
        return str(actual).startswith(str(expected))
    if not isinstance(actual, int):
        return False
    return {"gte": actual >= expected, "gt": actual > expected, "lte": actual <= expected,  # type: ignore[operator]
            "lt": actual < expected}[op]  # type: ignore[operator]


def evaluate(conditions: list[Condition], person: PersonFacts, today: date) -> tuple[bool, dict[str, object]]:
    """Whether every condition holds for the person today, and the values each condition read (for the audit)."""
    data: dict[str, object] = {}
    for condition in conditions:
        actual = FIELDS[condition.field].read(person, today)
        data[condition.field] = actual
        if not _holds(condition.op, actual, condition.value):
            return False, data
    return True, data
