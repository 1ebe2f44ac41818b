"""XREG-02: an online application away from home goes to the home region's item, by itself, with the reason kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tongban.crossregion import places, routing
from tongban.crossregion.models import RouteRecord
from tongban.notify import inbox

from tests.cases.caseflow import b64, person_headers, submit, PDF, PNG


def _inbox(db_session, case):
    return [m.body for m in inbox.messages_of(db_session=db_session, person_id=case.person_id)]


@pytest.mark.req("XREG-02")
def test_a_chengdu_resident_applying_in_guangan_is_routed_to_jinjiang(db_session, clock, world):
    case = submit(db_session, clock, world.item_gaq, world.liu)
    assert case.item_id == world.item_jjq.id and case.region_code == "510104" and case.agency_id == world.jjq.id
    record = routing.route_of(db_session=db_session, case_id=case.id)
    assert record.outcome == "routed" and record.applied_item_id == world.item_gaq.id
    assert record.home_region == "510104" and "锦江区行政审批局" in record.reason
    assert any("已按户籍地自动分发" in body for body in _inbox(db_session, case))


@pytest.mark.req("XREG-02")
def test_routing_works_the_other_way_too(db_session, clock, world):
    case = submit(db_session, clock, world.item_jjq, world.li)
    assert case.item_id == world.item_gaq.id and case.region_code == "511602"
    assert routing.route_of(db_session=db_session, case_id=case.id).outcome == "routed"


@pytest.mark.req("XREG-02")
def test_without_an_equivalent_item_the_case_stays_and_says_so(db_session, clock, world):
    case = submit(db_session, clock, world.only_gaq, world.liu)
    assert case.item_id == world.only_gaq.id and case.region_code == "511602"
    record = routing.route_of(db_session=db_session, case_id=case.id)
    assert record.outcome == "no_equivalent" and "暂无对应" in record.reason
    assert any("由申请地办理" in body for body in _inbox(db_session, case))


@pytest.mark.req("XREG-02")
def test_no_routing_at_home_for_fixed_items_or_items_handled_anywhere(db_session, clock, world):
    at_home = submit(db_session, clock, world.item_gaq, world.li)
    fixed = submit(db_session, clock, world.fixed_gaq, world.liu)
    assert at_home.item_id == world.item_gaq.id and fixed.item_id == world.fixed_gaq.id
    _set_anywhere(db_session, clock, world)
    anywhere = submit(db_session, clock, world.item_gaq, world.liu)
    assert anywhere.item_id == world.item_gaq.id and anywhere.region_code == "511602"
    count = db_session.scalar(select(func.count(RouteRecord.id)).where(
        RouteRecord.case_id.in_([at_home.id, fixed.id, anywhere.id])))
    assert count == 0


def _set_anywhere(db_session, clock, world):
    from tests.factories import make_actor

    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=world.gaq)
    places.set_place(db_session=db_session, clock=clock, actor=editor, item_id=world.item_gaq.id, place="anywhere")


def test_a_window_filing_is_never_routed(db_session, clock, world):
    from tongban.cases.enums import CaseChannel

    case = submit(db_session, clock, world.item_gaq, world.liu, channel=CaseChannel.window)
    assert case.item_id == world.item_gaq.id


@pytest.mark.req("XREG-02")
def test_routing_through_the_api(db_session, clock, client, world):
    headers = {**person_headers(db_session, clock, world.liu), "Idempotency-Key": "xreg-api-0001"}
    body = {"item_id": world.item_gaq.id,
            "form": {"applicant_name": "刘洋", "contact_phone": "13900000003", "address": "锦江区红星路1号", "copies": "1"},
            "files": [{"material_key": "m2", "filename": "平面图.pdf", "content_base64": b64(PDF)},
                      {"material_key": "m3", "filename": "健康证.png", "content_base64": b64(PNG)}]}
    answer = client.post("/api/v1/cases", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    case_id = answer.json()["id"]
    record = db_session.scalar(select(RouteRecord).where(RouteRecord.case_id == case_id))
    assert record.filed_item_id == world.item_jjq.id


def test_a_handling_place_needs_a_known_place_and_the_items_agency(db_session, clock, client, world):
    from tongban.core.errors import Forbidden, InvalidInput
    from tests.factories import make_actor

    editor, token = make_actor(db_session, clock, role="catalog_editor", agency=world.jjq)
    with pytest.raises(Forbidden):
        places.set_place(db_session=db_session, clock=clock, actor=editor, item_id=world.item_gaq.id, place="residence")
    with pytest.raises(InvalidInput):
        places.set_place(db_session=db_session, clock=clock, actor=editor, item_id=world.item_jjq.id, place="moon")
    db_session.commit()
    answer = client.put(f"/api/v1/staff/crossregion/places/{world.item_jjq.id}", json={"place": "residence"},
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["place_label"] == "居住地办理"


@pytest.mark.req("XREG-02")
def test_an_item_handled_at_the_residence_goes_where_the_residence_permit_says(db_session, clock, world, tmp_path):
    """刘洋 is registered in 锦江区 but lives in 广安区 on a residence permit: an item handled at the residence (居住地)
    goes to 广安区; 李梅 has no residence on record, so hers stays where she applied, and says why."""
    from tests.factories import add_population, make_actor
    from tests.crossregion.conftest import LIU_ID

    add_population(db_session, clock, tmp_path, [
        {"id_number": LIU_ID, "name": "刘洋", "household_region": "510104", "residence_region": "511602"}])
    for agency, item in ((world.jjq, world.item_jjq), (world.gaq, world.item_gaq)):
        editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
        places.set_place(db_session=db_session, clock=clock, actor=editor, item_id=item.id, place="residence")
    lives_here = submit(db_session, clock, world.item_jjq, world.liu)
    assert lives_here.item_id == world.item_gaq.id and lives_here.region_code == "511602"
    record = routing.route_of(db_session=db_session, case_id=lives_here.id)
    assert record.outcome == "routed" and "由居住地办理" in record.reason and "广安区行政审批局" in record.reason
    assert any("已按居住地自动分发" in body for body in _inbox(db_session, lives_here))
    unknown = submit(db_session, clock, world.item_jjq, world.li)
    assert unknown.item_id == world.item_jjq.id
    assert routing.route_of(db_session=db_session, case_id=unknown.id).outcome == "home_unknown"
    assert "居住地信息" in routing.route_of(db_session=db_session, case_id=unknown.id).reason
