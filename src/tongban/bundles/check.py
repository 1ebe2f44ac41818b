"""The bundle checker (`tongban bundle check`): proves a definition sound by walking every path of answers.

For every bundle it proves: every question is reachable from the start; no dead end (a path whose outcome has no
item, or a cycle, which is a path that never ends); every outcome is reached (each item of the bundle applies on
some path, and each rule takes effect on some path); every item an outcome names is a live catalog item of the
bundle's region; no rule contradiction (on some path one rule requires an item another excludes). Each problem names
the path of answers that shows it. Structural problems (a rule over a question or option that does not exist, an
order naming an item outside the bundle) come first, from `definition.structure_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.bundles import flow
from tongban.bundles.definition import BundleDefinition, structure_problems
from tongban.catalog import reads as catalog_reads
from tongban.catalog import service as catalog_service

MAX_PATHS = 5000


@dataclass(frozen=True)
class Problem:
    kind: str  # structure / unreachable / dead_end / cycle / never_applies / rule_never / not_live / audience /
    #          contradiction / too_many
    message: str  # Chinese
    path: tuple[tuple[str, str], ...] = ()  # (question text, option label) along the path that shows it

    def describe(self) -> str:
        if not self.path:
            return self.message
        return f"{self.message}　路径：{path_text(self.path)}"


def path_text(path: tuple[tuple[str, str], ...]) -> str:
    return " → ".join(f"{q}：{a}" for q, a in path)


@dataclass(frozen=True)
class Path:
    answers: dict[str, str]
    shown: tuple[tuple[str, str], ...]


def paths(definition: BundleDefinition) -> tuple[list[Path], list[Problem]]:
    """Every complete path from the start, and the cycles and overflow met on the way (depth first, bounded)."""
    found: list[Path] = []
    problems: list[Problem] = []
    start = definition.question(definition.start)
    if start is None:
        return found, problems

    def visit(qid: str, answers: dict[str, str], shown: tuple, trail: tuple[str, ...]) -> None:
        if len(found) >= MAX_PATHS:
            return
        question = definition.question(qid)
        if question is None:
            return  # reported as structure
        if qid in trail:
            problems.append(Problem("cycle", f"问答流程出现循环：问题“{question.text}”会被再次问到", shown))
            return
        for option in question.options:
            step = ((question.text, option.label),)
            nxt = {**answers, qid: option.value}
            if option.next is None:
                found.append(Path(nxt, shown + step))
            else:
                visit(option.next, nxt, shown + step, trail + (qid,))

    visit(start.id, {}, (), ())
    if len(found) >= MAX_PATHS:
        problems.append(Problem("too_many", f"问答路径超过 {MAX_PATHS} 条，请简化问题"))
    return found, problems


def check(definition: BundleDefinition, *, db_session: Session | None = None) -> list[Problem]:
    """Every problem of the definition; empty when sound. With a session, also that the items are live."""
    problems = [Problem("structure", text) for text in structure_problems(definition)]
    if problems:
        return problems
    all_paths, walk_problems = paths(definition)
    problems += walk_problems
    reached: set[str] = set()

    def reach(qid: str, seen: set[str]) -> None:
        if qid in seen or definition.question(qid) is None:
            return
        seen.add(qid)
        for option in definition.question(qid).options:
            if option.next:
                reach(option.next, seen)

    reach(definition.start, reached)
    for question in definition.questions:
        if question.id not in reached:
            problems.append(Problem("unreachable", f"问题“{question.text}”从起始问题出发无法到达"))
    applied_somewhere: dict[str, Path] = {}
    rule_fired: set[int] = set()
    contradictions: set[str] = set()
    for path in all_paths:
        result = flow.outcome(definition, path.answers)
        if not result.applies:
            problems.append(Problem("dead_end", "这样回答后没有任何需要办理的事项（死路）", path.shown))
        for code in result.applies:
            applied_somewhere.setdefault(code, path)
        for n, rule in enumerate(definition.rules):
            if flow.rule_holds(rule.when, path.answers):
                rule_fired.add(n)
        for code, requiring, excluding in result.conflicts:
            if code not in contradictions:
                contradictions.add(code)
                problems.append(Problem(
                    "contradiction", f"规则矛盾：事项 {code} 既被“{requiring}”要求，又被“{excluding}”排除", path.shown))
    for item in definition.items:
        if item.code not in applied_somewhere:
            what = "情形事项" if item.role == "situational" else "必办事项"
            problems.append(Problem("never_applies", f"{what} {item.code} 在任何回答下都不会办理（没有可达的结果）"))
    for n, rule in enumerate(definition.rules):
        if n not in rule_fired:
            problems.append(Problem("rule_never", f"规则{n + 1}（{rule.why}）在任何回答下都不会生效"))
    if db_session is not None:
        for code, path in applied_somewhere.items():
            facts = catalog_reads.item_by_code(db_session=db_session, implementation_code=code,
                                               region_prefix=definition.region_code[:2])
            if facts is None:
                problems.append(Problem("not_live", f"事项 {code} 在目录中不存在", path.shown))
            elif facts.status != "active" or facts.live_version_id is None:
                problems.append(Problem("not_live", f"事项“{facts.name}”（{code}）未发布或已停止办理", path.shown))
            else:
                content, _digest = catalog_service.content_and_digest(db_session=db_session,
                                                                      version_id=facts.live_version_id)
                if definition.audience not in {a.value for a in content.audiences}:
                    who = "法人和其他组织" if definition.audience == "org" else "个人"
                    problems.append(Problem("audience", f"事项“{facts.name}”（{code}）不面向{who}办理", path.shown))
        for code in [definition.lead_agency, *definition.cooperating_agencies]:
            if catalog_reads.agency_by_code(db_session=db_session, code=code) is None:
                problems.append(Problem("structure", f"部门代码 {code} 不存在"))
    return problems
