"""The published catalog through the JSON API."""

import pytest

from tests.factories import make_agency, make_item


@pytest.mark.req("CAT-05")
def test_item_detail_carries_every_guide_element(client, db_session, clock):
    item = make_item(db_session, clock, fees=[{"name": "工本费", "amount_fen": 2000, "basis": "发改价格〔2003〕2322号"}])
    db_session.commit()
    body = client.get(f"/api/v1/items/{item.id}").json()
    content = body["content"]
    for key in ("name", "item_type", "legal_basis", "legal_limit_days", "promised_limit_days", "result", "fees",
                "materials", "steps", "handling_form", "review_standard", "handling_scope", "booking",
                "online_payment", "logistics", "address", "hours", "consult_phone", "complaint_phone"):
        assert key in content
    assert body["agency"]["name"] == item.agency.name
    assert content["fees"][0]["amount_fen"] == 2000
    assert content["legal_basis"][0]["article"] == "第三十五条"


def test_list_contract(client, db_session, clock):
    agency = make_agency(db_session)
    for n in range(3):
        make_item(db_session, clock, agency=agency, name=f"事项{n}")
    db_session.commit()
    body = client.get("/api/v1/items?limit=2&offset=0").json()
    assert body["total"] == 3 and len(body["items"]) == 2
    first = body["items"][0]
    assert {"id", "name", "item_type", "agency"} <= set(first)


def test_bad_input_is_a_chinese_4xx(client):
    response = client.get("/api/v1/items?limit=0")
    assert response.status_code == 422
    assert "不能小于" in response.json()["error"]["message"]
    assert client.get("/api/v1/items/999999").json()["error"]["code"] == "ITEM_NOT_FOUND"


def test_choice_errors_list_the_allowed_values_in_chinese(client):
    message = client.get("/api/v1/items?level=galaxy").json()["error"]["message"]
    assert "national、province、city、county、township、village" in message and " or " not in message
