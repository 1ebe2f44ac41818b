"""Benefits without applying (免申即享, POL-01): policies as data with checked conditions, a dry run, matching with
notices, granting after the notice period unless declined, audited; idempotent and race-safe."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tongban.accounts.access import PersonActor
from tongban.baselib.service import TableBaseLibrary
from tongban.core import audit
from tongban.core import db as core_db
from tongban.core.clock import FixedClock
from tongban.core.errors import Conflict, InvalidInput
from tongban.notify import service as notify
from tongban.notify.outbox import registered_kinds
from tongban.policies import service
from tongban.policies.models import Policy, PolicyGrant

from tests.factories import add_population, make_actor, make_agency, make_person, resident_id
from tests.signin import auth, person_headers, sign_in_person

OLD = resident_id(birth="19400115", region="511602")  # 86 on 2026-11-20
TURNING = resident_id(birth="19461121", region="511602")  # 80 tomorrow
YOUNG = resident_id(birth="19850726", region="511602")
AWAY = resident_id(birth="19380301", region="511621")  # old, but not of 广安区
GONE = resident_id(birth="19300101", region="511602")

CONDITIONS = [{"field": "household_region", "op": "starts_with", "value": "511602"},
              {"field": "age", "op": "gte", "value": 80},
              {"field": "status", "op": "eq", "value": "normal"}]


@pytest.fixture
def world(db_session, clock, tmp_path):
    add_population(db_session, clock, tmp_path, [
        {"id_number": OLD, "name": "赵桂兰", "household_region": "511602"},
        {"id_number": TURNING, "name": "钱明", "household_region": "511602"},
        {"id_number": YOUNG, "name": "孙丽", "household_region": "511602"},
        {"id_number": AWAY, "name": "李强", "household_region": "511621"},
        {"id_number": GONE, "name": "周芳", "household_region": "511602", "status": "deceased"},
    ])
    agency = make_agency(db_session, name="广安区民政局", region_code="511602", level="county")
    account = make_person(db_session, clock, name="赵桂兰", id_number=OLD, phone="13900000088")
    return agency, account


def _policy_in(agency, **overrides) -> service.PolicyIn:
    values = dict(name="高龄津贴", benefit="每人每月 50 元", agency_id=agency.id, region_code="511602", notice_days=15,
                  conditions=CONDITIONS)
    values.update(overrides)
    return service.PolicyIn(**values)


def _grants(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(PolicyGrant))


@pytest.mark.req("POL-01")
@pytest.mark.parametrize("conditions, words", [
    ([{"field": "income", "op": "gte", "value": 1}], "字段“income”在基础库中不存在"),
    ([{"field": "age", "op": "between", "value": 80}], "运算“between”不支持"),
    ([{"field": "age", "op": "gte", "value": "八十"}], "0–200 的整数"),
    ([{"field": "gender", "op": "gte", "value": "male"}], "不能用“大于或等于”比较"),
    ([], "请至少写一条享受条件"),
    ("[{", "应为 JSON 列表"),
])
def test_a_rule_that_would_not_evaluate_is_refused_in_chinese_and_nothing_is_saved(world, db_session, clock, conditions, words):
    agency, _ = world
    admin, _ = make_actor(db_session, clock, role="admin", region_code="511602")
    with pytest.raises(InvalidInput) as refused:
        service.create(db_session=db_session, clock=clock, actor=admin, policy_in=_policy_in(agency, conditions=conditions))
    assert words in refused.value.message
    assert db_session.scalar(select(func.count()).select_from(Policy)) == 0


@pytest.mark.req("POL-01")
def test_the_staff_api_refuses_an_unknown_field_and_a_non_admin(world, db_session, clock, client):
    agency, _ = world
    _, token = make_actor(db_session, clock, role="admin", region_code="511602")
    _, window = make_actor(db_session, clock, role="acceptor", agency=agency)
    db_session.commit()
    body = {"name": "高龄津贴", "benefit": "每月 50 元", "agency_id": agency.id, "region_code": "511602", "notice_days": 15,
            "conditions": [{"field": "salary", "op": "gte", "value": 1}]}
    bad = client.post("/api/v1/staff/benefits", json=body, headers=auth(token))
    assert bad.status_code == 422 and "基础库中不存在" in bad.json()["error"]["message"]
    body["conditions"] = CONDITIONS
    assert client.post("/api/v1/staff/benefits", json=body, headers=auth(window)).status_code == 403
    made = client.post("/api/v1/staff/benefits", json=body, headers=auth(token))
    assert made.status_code == 201 and "年龄（周岁，按身份证出生日期）大于或等于 80" in made.json()["conditions_text"]
    trial = client.get(f"/api/v1/staff/benefits/{made.json()['id']}/dry-run", headers=auth(token)).json()
    assert trial["eligible"] == 1 and trial["people"][0]["id_masked"] == OLD[:6] + "********" + OLD[-4:]
    assert trial["people"][0]["name_masked"] == "赵**"
    assert _grants(db_session) == 0


@pytest.mark.req("POL-01")
def test_the_dry_run_lists_who_would_be_eligible_without_writing(world, db_session, clock):
    agency, _ = world
    policy = service.create(db_session=db_session, clock=clock, actor=None, policy_in=_policy_in(agency))
    library = TableBaseLibrary(db_session)
    result = service.dry_run(db_session=db_session, clock=clock, library=library, policy=policy)
    assert result.eligible == 1 and result.shown[0].data == {"household_region": "511602", "age": 86, "status": "normal"}
    assert _grants(db_session) == 0
    tomorrow = FixedClock(clock.now() + timedelta(days=1))
    assert service.dry_run(db_session=db_session, clock=tomorrow, library=library, policy=policy).eligible == 2


@pytest.mark.req("POL-01")
def test_matching_offers_notifies_and_grants_after_the_notice_period_unless_declined(world, db_session, clock):
    agency, account = world
    policy = service.create(db_session=db_session, clock=clock, actor=None, policy_in=_policy_in(agency))
    library = TableBaseLibrary(db_session)
    tomorrow = FixedClock(clock.now() + timedelta(days=1))
    first = service.match(db_session=db_session, clock=tomorrow, library=library, policy=policy)
    assert (first.eligible, first.offered, first.notified) == (2, 2, 1)
    again = service.match(db_session=db_session, clock=tomorrow, library=library, policy=policy)
    assert (again.eligible, again.offered) == (2, 0)  # re-runs are idempotent
    grants = {g.id_masked[-4:]: g for g in db_session.scalars(select(PolicyGrant))}
    mine, other = grants[OLD[-4:]], grants[TURNING[-4:]]
    assert mine.person_id == account.id and mine.notified == "inbox,sms" and other.notified == ""
    assert mine.grant_on == tomorrow.today() + timedelta(days=15)
    sent = notify.deliveries_for(db_session=db_session, person_id=account.id)
    assert {d.channel for d in sent} == {"inbox", "sms"} and all("高龄津贴" in d.title for d in sent)
    offered = audit.entries_for(db_session=db_session, object_kind="benefit_grant", object_id=mine.id)[0]
    assert offered.action == "benefit.offered" and '"age": 86' in offered.details and "starts_with" in offered.details

    me = PersonActor(person_id=account.id, name=account.name, id_kind="resident_id")
    assert [g.id for g, _ in service.mine(db_session=db_session, actor=me)] == [mine.id]
    before_end = FixedClock(tomorrow.now() + timedelta(days=14))
    assert service.grant_due(db_session=db_session, clock=before_end) == 0
    service.decline(db_session=db_session, clock=before_end, actor=me, grant_id=mine.id, reason="已由子女照顾")
    end = FixedClock(tomorrow.now() + timedelta(days=15))
    assert service.grant_due(db_session=db_session, clock=end) == 1
    assert (mine.state, other.state) == ("declined", "granted")
    granted = audit.entries_for(db_session=db_session, object_kind="benefit_grant", object_id=other.id)[0]
    assert granted.action == "benefit.granted" and '"age": 80' in granted.details
    with pytest.raises(Conflict):
        service.decline(db_session=db_session, clock=end, actor=me, grant_id=mine.id)


@pytest.mark.req("POL-01")
def test_a_person_sees_and_declines_an_offer_on_their_page_and_nobody_else_can(world, db_session, clock, client):
    agency, account = world
    policy = service.create(db_session=db_session, clock=clock, actor=None, policy_in=_policy_in(agency))
    service.match(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), policy=policy)
    grant = db_session.scalar(select(PolicyGrant))
    stranger = make_person(db_session, clock, name="吴用")
    db_session.commit()
    other = client.post(f"/api/v1/policies/grants/{grant.id}/decline", json={}, headers=person_headers(db_session, clock, stranger))
    assert other.status_code == 404
    assert client.get("/policies/mine", follow_redirects=False).status_code == 303  # to the login
    csrf = sign_in_person(client, db_session, clock, account)
    page = client.get("/policies/mine")
    assert page.status_code == 200 and "高龄津贴" in page.text and "放弃这项待遇" in page.text
    done = client.post(f"/policies/grants/{grant.id}/decline", data={"csrf": csrf, "reason": "不需要"}, follow_redirects=False)
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(PolicyGrant, grant.id).state == "declined"


@pytest.mark.req("POL-01")
def test_the_daily_job_is_registered_and_matches_every_active_policy(world, db_session, clock):
    from tongban.policies import jobs

    assert "policies.match" in registered_kinds() and callable(jobs.match_and_grant)
    agency, _ = world
    service.create(db_session=db_session, clock=clock, actor=None, policy_in=_policy_in(agency))
    assert service.run_all(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session)) == (1, 0)


@pytest.mark.req("POL-01")
def test_two_matches_at_once_make_one_grant_each(world, db_session, clock):
    agency, _ = world
    policy = service.create(db_session=db_session, clock=clock, actor=None, policy_in=_policy_in(agency))
    db_session.commit()
    later = FixedClock(clock.now() + timedelta(days=1))
    barrier, results = threading.Barrier(2), []

    def run():
        session = core_db.session_factory()()
        try:
            barrier.wait()
            found = service.get(db_session=session, policy_id=policy.id)
            results.append(service.match(db_session=session, clock=later, library=TableBaseLibrary(session), policy=found).offered)
            session.commit()
        except Exception as exc:  # noqa: BLE001 - SQLite may refuse the loser's write outright; the count below decides
            session.rollback()
            results.append(type(exc).__name__)
        finally:
            session.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db_session.expire_all()
    per_person = db_session.execute(select(PolicyGrant.person_hash, func.count()).group_by(PolicyGrant.person_hash)).all()
    assert len(per_person) == 2 and all(n == 1 for _, n in per_person), (per_person, results)
    assert sum(r for r in results if isinstance(r, int)) == 2  # the runs share the offers, neither duplicates one


@pytest.mark.req("POL-01")
def test_the_cli_dry_run_writes_nothing_and_the_match_offers(world, db_session, clock):
    from typer.testing import CliRunner

    from tongban.policies.cli import policies_app

    agency, _ = world
    policy = service.create(db_session=db_session, clock=clock, actor=None, policy_in=_policy_in(agency))
    db_session.commit()
    runner = CliRunner()
    trial = runner.invoke(policies_app, ["match", str(policy.id), "--dry-run"])
    assert trial.exit_code == 0, trial.output
    assert "符合条件" in trial.output and "未写入任何记录" in trial.output and OLD not in trial.output
    db_session.expire_all()
    assert _grants(db_session) == 0
    done = runner.invoke(policies_app, ["match", str(policy.id)])
    assert done.exit_code == 0 and "新告知" in done.output
    db_session.expire_all()
    assert _grants(db_session) >= 1
    missing = runner.invoke(policies_app, ["match", "999999"])
    assert missing.exit_code == 2 and "没有找到这项政策" in missing.output
