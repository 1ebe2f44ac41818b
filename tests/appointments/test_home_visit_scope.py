"""Home-visit requests reach only the staff who handle their item: a department's window staff at a hall see and
decide the requests for the items their window group handles, not another department's (issue 25 §5; APPT-12)."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.accounts import sessions
from tongban.appointments import halls, homevisits
from tongban.appointments.schemas import GroupIn, HomeVisitIn, WindowIn
from tongban.core.errors import Forbidden
from tests.factories import make_actor, make_agency, make_hall, make_item, make_person, make_staff


@pytest.fixture
def scene(db_session, clock):
    """A hall managed by the 政务服务中心: its 市场准入 group (its own windows) and the 民政局's 婚姻登记 group."""
    from tongban.accounts.access import PersonActor

    centre = make_agency(db_session, region_code="511602", level="county", name="广安区政务服务中心")
    civil = make_agency(db_session, region_code="511602", level="county", name="广安区民政局")
    market_item, marriage_item = make_item(db_session, clock), make_item(db_session, clock)
    hall, market, _ = make_hall(db_session, clock, items=[market_item], windows=0, agency_id=centre.id)
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                      window_in=WindowIn(number=1, group_id=market.id, agency_id=centre.id))
    marriage = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall,
                                group_in=GroupIn(name="婚姻登记窗口", ticket_prefix="C", item_ids=[marriage_item.id]))
    halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                      window_in=WindowIn(number=6, group_id=marriage.id, agency_id=civil.id))
    person = make_person(db_session, clock)
    asker = PersonActor(person.id, person.name, person.id_kind)

    def visit(item_id=None, item_name=""):
        return homevisits.request(db_session=db_session, clock=clock, actor=asker, visit_in=HomeVisitIn(
            hall_id=hall.id, item_id=item_id, item_name=item_name, visitee_name="王奶奶", visitee_phone="13800008888",
            address="广安区建设路8号3单元", reason="elderly", preferred_day=date(2026, 11, 24)))

    visits = {"market": visit(market_item.id), "marriage": visit(marriage_item.id), "free": visit(item_name="高龄津贴申领")}
    civil_staff, civil_token = make_actor(db_session, clock, role="acceptor", agency=civil)
    centre_staff, _ = make_actor(db_session, clock, role="acceptor", agency=centre)
    db_session.commit()
    return {"hall": hall, "visits": visits, "civil": civil, "civil_staff": civil_staff, "civil_token": civil_token,
            "centre_staff": centre_staff}


@pytest.mark.req("APPT-12")
def test_another_departments_window_staff_neither_list_nor_decide_a_home_visit(db_session, clock, scene):
    hall, visits, civil_staff = scene["hall"], scene["visits"], scene["civil_staff"]
    listed = homevisits.for_hall(db_session=db_session, actor=civil_staff, hall_id=hall.id)
    assert [v.id for v in listed] == [visits["marriage"].id]
    for other in (visits["market"], visits["free"]):
        with pytest.raises(Forbidden) as err:
            homevisits.decide(db_session=db_session, clock=clock, actor=civil_staff, visit_id=other.id, status="declined", note="无法安排")
        assert err.value.code == "OUT_OF_SCOPE"
    mine = homevisits.decide(db_session=db_session, clock=clock, actor=civil_staff, visit_id=visits["marriage"].id,
                             status="declined", note="当日无人手")
    assert mine.status == "declined"
    everything = homevisits.for_hall(db_session=db_session, actor=scene["centre_staff"], hall_id=hall.id)
    assert {v.id for v in everything} == {v.id for v in visits.values()}  # the hall's own staff handle them all


@pytest.mark.req("APPT-12")
def test_home_visit_scope_holds_over_the_api_and_the_calling_page(client, db_session, clock, scene):
    hall, visits = scene["hall"], scene["visits"]
    headers = {"Authorization": f"Bearer {scene['civil_token']}"}
    listed = client.get(f"/api/v1/staff/halls/{hall.id}/home-visits", headers=headers)
    assert listed.status_code == 200 and [v["id"] for v in listed.json()] == [visits["marriage"].id]
    refused = client.post(f"/api/v1/staff/home-visits/{visits['market'].id}/decline", headers=headers, json={"reason": "无法安排"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "OUT_OF_SCOPE"
    assert client.post(f"/api/v1/staff/home-visits/{visits['free'].id}/schedule", headers=headers,
                       json={"day": "2026-11-24"}).status_code == 403

    account, _ = make_staff(db_session, clock, roles=["acceptor"], agency=scene["civil"])
    signed = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_staff": signed.token, "tb_csrf": signed.csrf_token})
    page = client.get(f"/staff/halls/{hall.id}/calling")
    assert page.status_code == 200
    assert f'action="/staff/home-visits/{visits["marriage"].id}"' in page.text
    assert f'action="/staff/home-visits/{visits["market"].id}"' not in page.text
    posted = client.post(f"/staff/home-visits/{visits['market'].id}", data={"csrf": signed.csrf_token, "hall_id": hall.id,
                                                                            "status": "declined", "note": "无法安排"})
    assert posted.status_code == 403
    db_session.expire_all()
    assert homevisits.for_hall(db_session=db_session, actor=scene["centre_staff"], hall_id=hall.id)[0].status == "requested"
