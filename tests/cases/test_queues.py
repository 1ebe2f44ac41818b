"""The staff's case queues: one rule for the workbench page, the JSON API and the to-do list (CASE-12, CASE-20; SUP-01)."""

from __future__ import annotations

import re
import pytest

from tests.cases.caseflow import Staff, case_item, staff_headers, submit
from tests.factories import make_actor, make_agency, make_person
from tongban.cases import decisions, handling, queues
from tongban.cases.enums import Opinion
from tongban.core.errors import Forbidden


class Screen:
    """One member of staff, read through both the workbench pages and the JSON API with the same token."""

    def __init__(self, client, actor, token) -> None:
        self.client, self.actor, self.headers = client, actor, staff_headers(token)

    def page(self, tab: str) -> tuple[set[int], int]:
        response = self.client.get(f"/staff/cases?tab={tab}", headers=self.headers)
        assert response.status_code == 200, response.text
        counted = re.search(rf'href="/staff/cases\?tab={tab}"[^>]*>[^<]*<span class="badge">(\d+)</span>', response.text)
        return {int(i) for i in re.findall(r'href="/staff/cases/(\d+)"', response.text)}, int(counted.group(1))

    def tabs(self) -> list[str]:
        return re.findall(r'href="/staff/cases\?tab=(\w+)"', self.client.get("/staff/cases", headers=self.headers).text)

    def api(self, queue: str) -> tuple[set[int], int]:
        response = self.client.get(f"/api/v1/staff/cases?queue={queue}&limit=100", headers=self.headers)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["cases"]}, response.json()["total"]

    def queues(self) -> dict[str, set[int]]:
        """Every queue the page offers, asserted to hold the same cases, with the same count, in the API."""
        found = {}
        for tab in self.tabs():
            on_page, api = self.page(tab), self.api(tab)
            assert on_page == api, f"{tab}: page {on_page} but API {api}"
            assert on_page[1] == len(on_page[0])
            found[tab] = on_page[0]
        return found


def _opinion(db_session, clock, actor, case, reasons="符合审查标准"):
    handling.record_opinion(db_session=db_session, clock=clock, actor=actor, case=case, opinion=Opinion.approve,
                            reasons=reasons)


@pytest.mark.req("CASE-20")
@pytest.mark.req("CASE-12")
def test_page_and_api_agree_a_case_waiting_for_the_fire_brigade_is_not_ready_to_decide(client, db_session, clock):
    lead = make_agency(db_session, name="广安区市场监督管理局")
    fire = make_agency(db_session, name="广安区消防救援大队")
    parallel_item, _ = case_item(db_session, clock, agency=lead, parallel_agencies=[fire.code])
    plain_item, _ = case_item(db_session, clock, agency=lead)
    staff = Staff(db_session, clock, lead)
    person = make_person(db_session, clock)
    parallel, plain = submit(db_session, clock, parallel_item, person), submit(db_session, clock, plain_item, person)
    fire_actor, fire_token = make_actor(db_session, clock, role="reviewer", agency=fire)
    reviewer = Screen(client, *make_actor(db_session, clock, role="reviewer", agency=lead))
    decider = Screen(client, *make_actor(db_session, clock, role="decider", agency=lead))
    fire_desk = Screen(client, fire_actor, fire_token)
    watcher = Screen(client, *make_actor(db_session, clock, role="supervisor", region_code=lead.region_code))
    for case in (parallel, plain):
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
    db_session.commit()

    assert reviewer.queues()["review"] == {parallel.id, plain.id}
    at_fire = fire_desk.queues()  # a co-agency sees the case for its own post, and nothing to decide
    assert (at_fire["review"], at_fire["opinions"], at_fire["all"]) == ({parallel.id}, set(), {parallel.id})
    assert decider.queues()["decide"] == set()

    for case in (parallel, plain):
        handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
        _opinion(db_session, clock, staff.reviewer, case)
    db_session.commit()
    at_decider = decider.queues()
    assert at_decider["decide"] == {plain.id}  # the fire brigade has not given its opinion on the other
    assert at_decider["opinions"] == {parallel.id}  # the lead sees what it waits for
    assert reviewer.queues()["review"] == set() and reviewer.queues()["opinions"] == {parallel.id}
    assert fire_desk.queues()["review"] == {parallel.id}
    watched = watcher.queues()  # a supervisor watches every queue, through both
    assert watched["decide"] == {plain.id} and watched["opinions"] == {parallel.id}
    with pytest.raises(Forbidden):
        queues.queue_named(fire_actor, "decide")
    assert client.get("/api/v1/staff/cases?queue=decide", headers=fire_desk.headers).status_code == 403

    _opinion(db_session, clock, fire_actor, parallel, "消防设施符合要求")
    db_session.commit()
    assert decider.queues()["decide"] == {parallel.id, plain.id}
    assert decider.queues()["opinions"] == set()
    at_fire = fire_desk.queues()
    assert (at_fire["review"], at_fire["all"]) == (set(), {parallel.id})
    decisions.decide(db_session=db_session, clock=clock, actor=staff.decider, case=parallel, approve=True)
    db_session.commit()
    assert decider.queues()["decide"] == {plain.id}


@pytest.mark.req("SUP-01")
def test_the_examiners_and_deciders_workbench_opens_on_their_own_to_do_list_with_overdue_and_warned(client, db_session, clock):
    lead = make_agency(db_session, name="广安区市场监督管理局")
    fire = make_agency(db_session, name="广安区消防救援大队")
    parallel_item, _ = case_item(db_session, clock, agency=lead, parallel_agencies=[fire.code])
    plain_item, _ = case_item(db_session, clock, agency=lead)
    staff = Staff(db_session, clock, lead)
    person = make_person(db_session, clock)
    parallel, plain = submit(db_session, clock, parallel_item, person), submit(db_session, clock, plain_item, person)
    submit(db_session, clock, plain_item, person)  # waits for acceptance: its clock has not started
    for case in (parallel, plain):
        handling.accept(db_session=db_session, clock=clock, actor=staff.acceptor, case=case)
        handling.start_review(db_session=db_session, clock=clock, actor=staff.reviewer, case=case)
    _opinion(db_session, clock, staff.reviewer, plain)
    _, reviewer_token = make_actor(db_session, clock, role="reviewer", agency=lead)
    _, decider_token = make_actor(db_session, clock, role="decider", agency=lead)
    _, acceptor_token = make_actor(db_session, clock, role="acceptor", agency=lead)
    _, editor_token = make_actor(db_session, clock, role="catalog_editor", agency=lead)
    db_session.commit()

    def todo(token) -> dict[str, dict]:
        response = client.get("/api/v1/staff/todo", headers=staff_headers(token))
        assert response.status_code == 200, response.text
        return {t["queue"]: t for t in response.json()}

    def home(token) -> str:
        response = client.get("/staff/home", headers=staff_headers(token))
        assert response.status_code == 200, response.text
        return re.sub(r"\s+", " ", response.text)

    assert {k: v["total"] for k, v in todo(decider_token).items()} == {"opinions": 1, "decide": 1}
    assert {k: v["total"] for k, v in todo(reviewer_token).items()} == {"review": 1, "opinions": 1}
    assert todo(acceptor_token)["accept"]["total"] == 1
    page = home(decider_token)
    assert "我的待办" in page and 'href="/staff/cases?tab=decide">待决定</a> <span class="badge">1 件</span>' in page
    assert 'href="/staff/cases?tab=opinions">待协办部门意见</a> <span class="badge">1 件</span>' in page
    assert "超期" not in page and "预警" not in page
    assert 'href="/staff/cases?tab=accept">待受理</a> <span class="badge">1 件</span>' in home(acceptor_token)
    assert "我的待办" not in home(editor_token)  # who handles no cases has no case to-do list

    clock.advance(days=12)  # 2 December: two working days left of the ten promised (SUP-03 default)
    warned = todo(decider_token)["decide"]
    assert (warned["overdue"], warned["warned"]) == (0, 1) and warned["urgent"][0]["id"] == plain.id
    assert "预警 1 件" in home(decider_token) and "预警 1 件" in home(reviewer_token)

    clock.advance(days=30)
    for token, queue in ((decider_token, "decide"), (reviewer_token, "review")):
        counted = todo(token)[queue]
        assert (counted["total"], counted["overdue"], counted["warned"]) == (1, 1, 0)
        page = home(token)
        assert "超期 1 件" in page and "已超期" in page
    assert f'href="/staff/cases/{plain.id}"' in home(decider_token) and f'href="/staff/cases/{parallel.id}"' in home(reviewer_token)
