"""The staff audit page (/staff/audit): every recorded action named in Chinese, people by name (citizens masked),
case steps merged in from the case record, and no raw codes or JSON for people to decode (issue 21; ACC-08)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import tongban
from tests.cases.caseflow import approved_case, case_item, staff_headers
from tests.factories import make_actor, make_agency, make_person
from tongban.accounts import audit_view, status

# --- every action passed to core.audit.record has a label --------------------------------------------------------
WILD = "\0"


def _is_audit_record(call: ast.Call) -> bool:
    f = call.func
    return isinstance(f, ast.Attribute) and f.attr == "record" and isinstance(f.value, ast.Name) and f.value.id == "audit"


class Module:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parents = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def enclosing(self, node):
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def values(self, expr, depth=0) -> set[str]:
        """The strings ``expr`` may hold; WILD marks a part that cannot be known statically."""
        if depth > 6:
            return {WILD}
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.values(expr.body, depth + 1) | self.values(expr.orelse, depth + 1)
        if isinstance(expr, ast.JoinedStr):
            results = {""}
            for part in expr.values:
                options = self.values(part.value, depth + 1) if isinstance(part, ast.FormattedValue) else self.values(part, depth + 1)
                results = {r + o for r in results for o in options}
            return results
        if isinstance(expr, ast.Name):
            return self._name_values(expr, depth)
        return {WILD}

    def _name_values(self, name: ast.Name, depth: int) -> set[str]:
        func = self.enclosing(name)
        if func is None:
            return {WILD}
        assigned = [n.value for n in ast.walk(func) if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name.id for t in n.targets)]
        if assigned:
            return set().union(*(self.values(v, depth + 1) for v in assigned))
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        kwonly = [a.arg for a in func.args.kwonlyargs]
        if name.id not in params + kwonly:
            return {WILD}
        found: set[str] = set()
        for call in ast.walk(self.tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == func.name):
                continue
            arg = next((k.value for k in call.keywords if k.arg == name.id), None)
            if arg is None and name.id in params and params.index(name.id) < len(call.args):
                arg = call.args[params.index(name.id)]
            found |= self.values(arg, depth + 1) if arg is not None else {WILD}
        return found or {WILD}


def recorded_actions(root: Path) -> dict[str, set[str]]:
    """action (WILD where unknowable) -> the files that record it."""
    actions: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        module = Module(path)
        for call in ast.walk(module.tree):
            if isinstance(call, ast.Call) and _is_audit_record(call):
                arg = next((k.value for k in call.keywords if k.arg == "action"), None)
                for value in module.values(arg) if arg is not None else {WILD}:
                    actions.setdefault(value, set()).add(str(path.relative_to(root)))
    return actions


def test_every_recorded_action_has_a_chinese_label():
    actions = recorded_actions(Path(tongban.__file__).parent)
    assert "person.register" in actions and "staff.login" not in actions  # staff.login is an f-string: "{kind}.login"
    missing = {}
    for action, files in actions.items():
        if WILD not in action:
            if action not in audit_view.ACTION_LABELS:
                missing[action] = files
            continue
        pattern = re.compile(re.escape(action).replace(re.escape(WILD), "[a-z_]+"))
        if not any(pattern.fullmatch(known) for known in audit_view.ACTION_LABELS):
            missing[action.replace(WILD, "*")] = files
    assert not missing, f"actions recorded without a label in accounts/audit_view.ACTION_LABELS: {missing}"
    for kind in status.KINDS:  # the account families recorded as f"{kind}.…"
        for suffix in ("login", "login_throttled", "disable", "enable_request", "enable_approved", "enable_rejected"):
            assert f"{kind}.{suffix}" in audit_view.ACTION_LABELS


def test_the_scan_sees_forwarded_and_formatted_actions(tmp_path):
    (tmp_path / "m.py").write_text(
        "from tongban.core import audit\n"
        "def _rec(action):\n    audit.record(action=f'thing.{action}')\n"
        "def a(ok):\n    what = 'yes' if ok else 'no'\n    _rec(what)\n    _rec('maybe')\n"
        "def b(kind):\n    audit.record(action=f'{kind.x}.gone')\n",
        encoding="utf-8")
    assert set(recorded_actions(tmp_path)) == {"thing.yes", "thing.no", "thing.maybe", f"{WILD}.gone"}


def test_an_unknown_action_is_not_shown_as_a_code():
    assert audit_view.action_label("person.register") == "个人用户注册"
    assert audit_view.action_label("future.thing") == "其他操作"


# --- the page ----------------------------------------------------------------------------------------------------

def _visible(html: str) -> str:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.req("ACC-08")
def test_audit_page_names_people_labels_actions_and_shows_case_steps(client, db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    item, _ = case_item(db_session, clock, agency=agency)
    applicant = make_person(db_session, clock, name="张三丰")
    case, _, staff = approved_case(db_session, clock, item=item, agency=agency, person=applicant)
    target = make_person(db_session, clock, name="王五")
    operator, _ = make_actor(db_session, clock, role="operator", region_code="511600")
    status.disable(db_session=db_session, clock=clock, actor=operator, ref=status.AccountRef("person", target.id),
                   reason="冒用他人身份办理业务")
    reader, token = make_actor(db_session, clock, role="supervisor", region_code="511600")
    db_session.commit()

    page = client.get("/staff/audit", headers=staff_headers(token))
    assert page.status_code == 200
    text = _visible(page.text)
    # actions in Chinese, never their codes; details as words, never JSON
    assert "禁用个人用户账号" in text and "开设工作人员账号" in text and "签发接口令牌" in text
    for code in ("person.disable", "staff.create", "staff.token_create"):
        assert code not in text
    assert 'data-action="person.disable"' in page.text  # the code stays in the markup for people who read logs
    assert "原因：冒用他人身份办理业务" in text and '{"' not in text and "&#34;" not in text
    # people by name: staff by name and username, citizens masked
    assert f"工作人员 {operator.name}（" in text and not re.search(r"\b(staff|person):\d+", text)
    assert "王*" in text and "王五" not in text
    # case steps, from the case record, linked to the case
    for label in ("提交申请", "受理", "开始审查", "提出审查意见", "作出准予决定"):
        assert label in text
    assert f'href="/staff/cases/{case.id}"' in page.text and case.case_number in text
    assert f"工作人员 {staff.decider.name}（" in text
    assert "申请人 张**" in text and "张三丰" not in text


def test_case_steps_are_only_those_of_the_readers_cases(client, db_session, clock):
    ours, theirs = make_agency(db_session, name="甲局"), make_agency(db_session, name="乙局")
    our_case, _, _ = approved_case(db_session, clock, agency=ours)
    their_case, _, _ = approved_case(db_session, clock, agency=theirs)
    manager, token = make_actor(db_session, clock, role="manager", agency=ours)
    db_session.commit()
    page = client.get("/staff/audit", headers=staff_headers(token)).text
    assert f"/staff/cases/{our_case.id}" in page and f"/staff/cases/{their_case.id}" not in page


def test_audit_page_needs_the_audit_permission(client, db_session, clock):
    _, token = make_actor(db_session, clock, role="operator", region_code="511600")
    db_session.commit()
    assert client.get("/staff/audit", headers=staff_headers(token)).status_code == 403
