"""The published catalog through the JSON API."""

import pytest

from tests.factories import make_agency, make_item


@pytest.mark.req("CAT-05")
def test_item_detail_carries_every_guide_element(client, db_session, clock):
    from tests.guide.test_pages import STORED, _item_with_attachments

    item, files = _item_with_attachments(db_session, clock)  # a complete item: samples, fee basis, its own phones
    db_session.commit()
    body = client.get(f"/api/v1/items/{item.id}").json()
    content = body["content"]
    result = content["result"]
    assert (result["name"], result["kind"], result["validity"]) == ("食品经营许可证", "证照", "5年")
    assert result["sample_sha256"] == files["许可证样本.png"]
    assert client.get(f"/api/v1/attachments/{result['sample_sha256']}").content == STORED["许可证样本.png"]
    assert result["delivery"] == ["post", "locker"]
    (fee,) = content["fees"]
    assert (fee["name"], fee["amount_fen"], fee["basis"]) == ("工本费", 2000, "发改价格〔2003〕2322号")
    assert (content["consult_phone"], content["complaint_phone"]) == ("0826-2600999", "0826-2612345")
    assert content["hours"] == "周一至周五 8:30-12:00，14:00-17:30"
    assert content["address"] == "广安市广安区金安大道二段2号市政务服务中心"
    basis = content["legal_basis"][0]
    assert (basis["title"], basis["article"]) == ("《中华人民共和国食品安全法》", "第三十五条")
    assert (content["legal_limit_days"], content["promised_limit_days"]) == (20, 10)
    (material,) = content["materials"]
    assert (material["name"], material["sample_sha256"], material["template_sha256"]) == (
        "食品经营许可申请书", files["申请书样本.pdf"], files["申请书空白表.docx"])
    assert [s["name"] for s in content["steps"]] == ["申请", "受理", "审查", "决定", "送达"]
    assert (content["handling_form"], content["handling_scope"]) == ("both", "province")
    assert (content["booking"], content["online_payment"], content["logistics"]) == (False, False, False)
    assert body["agency"]["name"] == item.agency.name


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
