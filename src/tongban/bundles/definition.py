"""A bundle as data (BND-01, 02): the question flow (GOV.UK smart-answers style) and the rules that turn answers
into the items that apply. Stored as JSON in `BundleVersion.definition`; shipped bundles live in
`tongban/data/bundles/*.json` and go through `BundleDefinition.model_validate`.

- `questions`: each with its options; an option names the next question (`next`) or ends the flow (`next` None).
  The flow starts at `start`. A person's answers are `{question_id: option value}` along one path.
- `items`: every item the bundle may involve, by the catalog's implementation code (the region's item with that
  code is used), with its role (`required`: always, unless a rule excludes it; `situational`: only when a rule
  requires it) and the items it must follow (`after`, BND-05: an item starts when those are done; items without
  an order between them run in parallel, BND-06).
- `rules` (BND-02): when all the `when` conditions hold (question id → the option values that satisfy it), the
  `require` items apply and the `exclude` items do not, for the reason `why` shown to the person.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(max_length=1000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    value: Ident
    label: Label
    next: Ident | None = None  # the next question, or None: the flow ends here


class Question(_Model):
    id: Ident
    text: Label
    hint: Note = ""
    options: Annotated[list[Option], Field(min_length=2, max_length=20)]


class BundleItem(_Model):
    code: Code  # the catalog implementation code
    role: Annotated[str, StringConstraints(pattern=r"^(required|situational)$")] = "required"
    after: list[Code] = []  # items that must be done first (BND-05)


class Rule(_Model):
    when: dict[Ident, list[Ident]] = {}  # question → accepted option values; all must hold; empty: always
    require: list[Code] = []
    exclude: list[Code] = []
    why: Label


class MaterialRef(_Model):
    code: Code  # the item
    key: Annotated[str, StringConstraints(min_length=1, max_length=60)]  # that item's material key


class SharedMaterial(_Model):
    """Materials of several items declared the same by the bundle's editors (BND-04), when their names differ
    (新生儿父母双方（或监护人）居民身份证 / 父母双方居民身份证): handed in once."""

    name: Label
    members: Annotated[list[MaterialRef], Field(min_length=2, max_length=30)]


class BundleDefinition(_Model):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9\-]{1,39}$")]
    name: Label  # 新生儿出生一件事
    theme: Label  # the life event or business stage
    audience: Annotated[str, StringConstraints(pattern=r"^(person|org)$")] = "person"
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}(\d{3}){0,2}$")]
    summary: Note = ""
    lead_agency: Code  # agency code (牵头部门)
    cooperating_agencies: list[Code] = []  # agency codes (协同部门)
    start: Ident
    questions: Annotated[list[Question], Field(min_length=1, max_length=50)]
    items: Annotated[list[BundleItem], Field(min_length=2, max_length=30)]
    rules: list[Rule] = []
    shared_materials: list[SharedMaterial] = []  # BND-04: declared matches beyond the name rule

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def item(self, code: str) -> BundleItem | None:
        return next((i for i in self.items if i.code == code), None)


def structure_problems(definition: BundleDefinition) -> list[str]:
    """What makes a definition meaningless before any path is walked: names that point nowhere (a next question,
    a rule's question or answer, an item a rule or an order names, a shared material's item). Chinese, one line each."""
    problems: list[str] = []
    questions = {q.id: q for q in definition.questions}
    items = {i.code for i in definition.items}
    if len(questions) != len(definition.questions):
        problems.append("问题编号重复")
    if len(items) != len(definition.items):
        problems.append("事项重复列出")
    if definition.start not in questions:
        problems.append(f"起始问题“{definition.start}”不存在")
    for q in definition.questions:
        values = [o.value for o in q.options]
        if len(set(values)) != len(values):
            problems.append(f"问题“{q.text}”的选项重复")
        for o in q.options:
            if o.next is not None and o.next not in questions:
                problems.append(f"问题“{q.text}”的选项“{o.label}”指向不存在的问题“{o.next}”")
            if o.next == q.id:
                problems.append(f"问题“{q.text}”的选项“{o.label}”又指回本问题")
    for i in definition.items:
        for code in i.after:
            if code not in items:
                problems.append(f"事项 {i.code} 的前置事项 {code} 不在本一件事中")
            if code == i.code:
                problems.append(f"事项 {i.code} 不能以自身为前置事项")
    for n, rule in enumerate(definition.rules, start=1):
        for qid, accepted in rule.when.items():
            question = questions.get(qid)
            if question is None:
                problems.append(f"规则{n}（{rule.why}）的条件引用了不存在的问题“{qid}”")
                continue
            options = {o.value for o in question.options}
            for value in accepted:
                if value not in options:
                    problems.append(f"规则{n}（{rule.why}）的条件引用了问题“{question.text}”中不存在的选项“{value}”")
            if not accepted:
                problems.append(f"规则{n}（{rule.why}）对问题“{question.text}”没有列出任何选项")
        for code in [*rule.require, *rule.exclude]:
            if code not in items:
                problems.append(f"规则{n}（{rule.why}）引用的事项 {code} 不在本一件事中")
        both = set(rule.require) & set(rule.exclude)
        for code in sorted(both):
            problems.append(f"规则{n}（{rule.why}）同时要求和排除事项 {code}")
        if not rule.require and not rule.exclude:
            problems.append(f"规则{n}（{rule.why}）既不要求也不排除任何事项")
    for shared in definition.shared_materials:
        for member in shared.members:
            if member.code not in items:
                problems.append(f"共享材料“{shared.name}”引用的事项 {member.code} 不在本一件事中")
    return problems


def _pydantic_problem(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    kind = error.get("type", "")
    if kind == "missing":
        return f"缺少 {where}"
    if kind == "extra_forbidden":
        return f"不认识的字段 {where}"
    if kind in ("string_pattern_mismatch", "string_too_long", "string_too_short"):
        return f"{where} 的格式不对"
    if kind in ("too_short", "too_long"):
        return f"{where} 的条目数不在允许范围内"
    return f"{where} 的值不对"


def parse(data: object) -> BundleDefinition:
    """A definition from JSON data, or InvalidInput naming every problem in Chinese (nothing is written)."""
    from pydantic import ValidationError

    from tongban.core.errors import InvalidInput

    try:
        definition = BundleDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [_pydantic_problem(e) for e in exc.errors()]
        raise InvalidInput("BUNDLE_DEFINITION_INVALID", "一件事定义有误：" + "；".join(problems[:10]),
                           details=problems) from None
    problems = structure_problems(definition)
    if problems:
        raise InvalidInput("BUNDLE_DEFINITION_INVALID", "一件事定义有误：" + "；".join(problems[:10]), details=problems)
    return definition
