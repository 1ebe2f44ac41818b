"""The 办不成事 desk: on the spot, 2 working days, a written reply in 3; ledger, monthly figures and CSV (RATE-11)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.signin import sign_in_person, sign_in_staff
from tongban.complaints import desk
from tongban.complaints.models import UnresolvedMatter
from tongban.core.errors import Conflict, Forbidden


def _register(db_session, clock, world, kind="general", **over):
    data = dict(matter="跑了两次都没办成营业执照变更", kind=kind, channel="desk", contact_name="周大爷",
                contact_phone="13700004444", agency_id=world.market.id)
    data.update(over)
    row = desk.register(db_session=db_session, clock=clock, staff=world.consultant, matter_in=desk.MatterIn(**data))
    db_session.commit()
    return row


@pytest.mark.req("RATE-11")
def test_time_limits_by_kind_on_the_working_day_calendar(db_session, clock, world):
    spot = _register(db_session, clock, world, kind="on_spot")
    general = _register(db_session, clock, world)
    impossible = _register(db_session, clock, world, kind="impossible")
    # registered Friday 20 Nov 2026: the same day; Tuesday 24th; Wednesday 25th
    assert (spot.due, general.due, impossible.due) == (date(2026, 11, 20), date(2026, 11, 24), date(2026, 11, 25))
    desk.classify(db_session=db_session, clock=clock, actor=world.consultant, matter_id=general.id, kind="impossible")
    assert general.due == date(2026, 11, 25)
    clock.advance(days=4)  # Tuesday 24th: one working day before the 25th
    assert desk.matter_warning(db_session=db_session, clock=clock, row=impossible).value == "yellow"
    assert desk.matter_warning(db_session=db_session, clock=clock, row=spot).value == "red"
    desk.resolve(db_session=db_session, clock=clock, actor=world.consultant, matter_id=impossible.id, outcome="replied",
                 resolution="该事项需本人到场核验，已书面告知可预约上门服务")
    assert impossible.on_time is True and desk.matter_warning(db_session=db_session, clock=clock, row=impossible) is None
    desk.resolve(db_session=db_session, clock=clock, actor=world.consultant, matter_id=spot.id, outcome="solved",
                 resolution="已协调窗口办结")
    assert spot.on_time is False
    with pytest.raises(Conflict):
        desk.resolve(db_session=db_session, clock=clock, actor=world.consultant, matter_id=spot.id, outcome="solved",
                     resolution="again")


@pytest.mark.req("RATE-11")
def test_desk_entry_online_entry_ledger_monthly_figures_and_csv(client, db_session, clock, world):
    csrf = sign_in_staff(client, db_session, clock, world.consultant.staff_id)
    made = client.post("/staff/desk", data={"csrf": csrf, "channel": "desk", "kind": "on_spot", "matter": "社保卡补办说要回户籍地",
                                            "contact_phone": "13700005555", "resolution": "已通过全省通办当场补办"},
                       follow_redirects=False)
    assert made.status_code == 303
    spot = db_session.scalar(select(UnresolvedMatter))
    assert spot.outcome == "solved" and spot.on_time is True
    csrf = sign_in_person(client, db_session, clock, world.person)
    online = client.post("/desk", data={"csrf": csrf, "matter": "网上办理一直提示系统错误", "agency_id": str(world.market.id)},
                         follow_redirects=False)
    assert online.status_code == 303 and "我们将在 2026-11-24 前答复您" in client.get(online.headers["location"]).text
    theirs = db_session.scalar(select(UnresolvedMatter).where(UnresolvedMatter.channel == "online"))
    assert theirs.person_id == world.person.id and theirs.kind == "general"
    clock.advance(days=5)
    sign_in_staff(client, db_session, clock, world.consultant.staff_id)
    page = client.get("/staff/desk?month=2026-11")
    assert page.status_code == 200
    months = desk.figures(rows=desk.ledger(db_session=db_session, actor=world.consultant,
                                           filters=desk.LedgerFilter(month="2026-11")), today=clock.today())
    m = months[0]
    assert (m.month, m.registered, m.solved, m.open, m.on_time, m.late) == ("2026-11", 2, 1, 1, 1, 1)
    assert "<td>2026-11</td><td>2</td>" in page.text
    assert [r.id for r in desk.ledger(db_session=db_session, actor=world.consultant,
                                      filters=desk.LedgerFilter(status="open"))] == [theirs.id]
    csv = client.get("/staff/desk.csv?status=done")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("编号,登记日期") and "已通过全省通办当场补办" in text and "系统错误" not in text
    assert client.get("/staff/desk?month=2026-13").status_code == 422


@pytest.mark.req("RATE-11")
def test_bad_desk_input_gets_a_chinese_4xx_and_writes_nothing(client, db_session, clock, world):
    csrf = sign_in_staff(client, db_session, clock, world.consultant.staff_id)
    for data, words in (({"matter": "x" * 10_000}, "太长"), ({"matter": "<script>1</script>"}, "网页代码"),
                        ({"matter": "办不成", "kind": "someday"}, "办理类别"), ({"matter": "办不成", "contact_phone": ""}, "手机号码"),
                        ({"matter": "办不成", "agency_id": "99999"}, "没有找到这个部门")):
        answer = client.post("/staff/desk", data={"csrf": csrf, "channel": "desk", "kind": "general",
                                                  "contact_phone": "13700006666", **data})
        assert answer.status_code in (400, 403, 404, 422) and words in answer.text, (data, answer.status_code)
    with pytest.raises(Forbidden):
        desk.register(db_session=db_session, clock=clock, staff=world.market_staff,
                      matter_in=desk.MatterIn(matter="办不成", contact_phone="13700006666"))
    assert db_session.scalar(select(func.count(UnresolvedMatter.id))) == 0
    assert client.get("/staff/desk").status_code == 200
    sign_in_staff(client, db_session, clock, world.market_staff.staff_id)
    assert client.get("/staff/desk").status_code == 403
