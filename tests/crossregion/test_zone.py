"""XREG-01: the 全省通办 / 跨省通办 lists, through the service, the API and the zone page."""

from __future__ import annotations

import pytest

from tongban.core.errors import InvalidInput
from tongban.crossregion import zone

from tests.factories import make_item


@pytest.mark.req("XREG-01")
def test_the_province_list_holds_cross_region_items_and_not_fixed_ones(db_session, world):
    found, total = zone.items(db_session=db_session, scope="province")
    names = {(i.name, i.region_code) for i in found}
    assert ("食品经营许可（新办）", "511602") in names and ("食品经营许可（新办）", "510104") in names
    assert "定点办理事项" not in {i.name for i in found}
    assert total == 3
    assert all(i.place.value == "household" and i.guide_url == f"/items/{i.id}" for i in found)
    only_jjq, _ = zone.items(db_session=db_session, scope="province", region_code="510104")
    assert [i.region_code for i in only_jjq] == ["510104"]


@pytest.mark.req("XREG-01")
def test_the_cross_province_list_and_the_api(db_session, clock, client, world):
    make_item(db_session, clock, agency=world.gaq, **{"name": "跨省通办的社保转移", "handling_scope": "cross_province",
                                                       "audiences": ["person"]})
    db_session.commit()
    answer = client.get("/api/v1/crossregion/items", params={"scope": "cross_province"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and body["items"][0]["name"] == "跨省通办的社保转移"
    assert body["items"][0]["scope_label"] == "跨省通办"
    province = client.get("/api/v1/crossregion/items", params={"scope": "province", "audience": "person"}).json()
    assert province["total"] == 3
    assert client.get("/api/v1/crossregion/items", params={"scope": "province", "audience": "org"}).json()["total"] == 0


@pytest.mark.req("XREG-01")
def test_the_zone_page_lists_and_links_to_guides(client, world):
    page = client.get("/crossregion")
    assert page.status_code == 200
    assert "跨域通办专区" in page.text and f'href="/items/{world.item_gaq.id}"' in page.text
    assert "定点办理事项" not in page.text


def test_a_bad_scope_is_a_chinese_400(db_session, client, world):
    with pytest.raises(InvalidInput):
        zone.items(db_session=db_session, scope="fixed")
    answer = client.get("/api/v1/crossregion/items", params={"scope": "fixed"})
    assert answer.status_code == 422 and "通办范围无效" in answer.json()["error"]["message"]
    page = client.get("/crossregion", params={"region_code": "abc"})
    assert page.status_code == 422 and "行政区划代码应为" in page.text
