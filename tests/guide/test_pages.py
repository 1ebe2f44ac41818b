"""Guide, list and home pages rendered from the published version."""

import pytest

from tests.factories import make_agency, make_item


@pytest.mark.req("GUIDE-01")
def test_guide_page_shows_every_element_with_downloads(client, db_session, clock):
    item = make_item(db_session, clock, fees=[{"name": "工本费", "amount_fen": 2000, "basis": "发改价格〔2003〕2322号"}])
    db_session.commit()
    html = client.get(f"/items/{item.id}").text
    for text in ("食品经营许可（新办）", "食品安全法", "第三十五条", "食品经营许可申请书", "营业执照", "20.00元",
                 "法定办结时限", "承诺办结时限", "食品经营许可证", "0826-2600315", "0826-12345", "审查"):
        assert text in html, text
    assert f'href="/api/v1/items/{item.id}/guide.pdf"' in html
    assert "<svg" in html


@pytest.mark.req("GUIDE-02")
def test_publishing_changes_page_pdf_and_json_together(client, db_session, clock):
    from io import BytesIO

    from pypdf import PdfReader

    item = make_item(db_session, clock, code="SAME-1")
    db_session.commit()
    make_item(db_session, clock, agency=item.agency, code="SAME-1", name="食品经营许可（新办）第二版名称")
    db_session.commit()
    assert "第二版名称" in client.get(f"/items/{item.id}").text
    assert client.get(f"/api/v1/items/{item.id}").json()["content"]["name"].endswith("第二版名称")
    pdf = client.get(f"/api/v1/items/{item.id}/guide.pdf")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "第二版名称" in text


@pytest.mark.req("GUIDE-04")
def test_suspended_item_says_why_and_what_instead(client, db_session, clock):
    from tests.factories import make_actor
    from tongban.catalog import service

    item = make_item(db_session, clock)
    other = make_item(db_session, clock, agency=item.agency, name="食品经营备案")
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")
    service.set_status(db_session=db_session, clock=clock, actor=reviewer, item_id=item.id, status="suspended",
                       reason="系统升级暂停办理至12月1日", alternative="请到市政务服务中心3号窗口办理", alternative_item_id=other.id)
    db_session.commit()
    html = client.get(f"/items/{item.id}").text
    assert "暂停办理" in html and "系统升级暂停办理至12月1日" in html and "3号窗口" in html
    assert f'href="/items/{other.id}"' in html


@pytest.mark.req("GUIDE-05")
def test_accessible_modes_and_english_shell(client, db_session, clock):
    item = make_item(db_session, clock)
    db_session.commit()
    plain = client.get(f"/items/{item.id}").text
    assert 'lang="zh-CN"' in plain and 'class="skip-link"' in plain and "<th scope=\"row\">" in plain
    assert 'class=" ' in plain or "large-text" not in plain.split("<body", 1)[1].split(">", 1)[0]
    large = client.get(f"/items/{item.id}?large=1")
    assert "large-text" in large.text.split("<body", 1)[1].split(">", 1)[0]
    assert large.cookies.get("tb_large") == "1"
    simple = client.get(f"/items/{item.id}?simple=1").text
    assert "simple-mode" in simple.split("<body", 1)[1].split(">", 1)[0]
    english = client.get(f"/items/{item.id}?lang=en").text
    assert 'lang="en"' in english and "Materials" in english and "Download PDF" in english


@pytest.mark.req("GUIDE-03")
def test_print_version_has_the_self_service_elements(client, db_session, clock):
    item = make_item(db_session, clock)
    db_session.commit()
    html = client.get(f"/items/{item.id}/print").text
    for text in ("食品经营许可申请书", "0826-2600315", "金安大道", "工作日", "不收费"):
        assert text in html, text
    pdf = client.get(f"/api/v1/items/{item.id}/print.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


@pytest.mark.req("CAT-09")
def test_list_filters_by_every_classification(client, db_session, clock):
    agency = make_agency(db_session)
    make_item(db_session, clock, agency=agency, name="甲事项", audiences=["person"], themes=["household"],
              life_stages=["birth_household"], tags=["cross_province"], handling_form="online", handling_scope="cross_province")
    make_item(db_session, clock, agency=agency, name="乙事项", item_type="public_service")
    db_session.commit()
    for query, expected in (("audience=person", "甲事项"), ("theme=household", "甲事项"), ("life_stage=birth_household", "甲事项"),
                            ("tag=cross_province", "甲事项"), ("handling_scope=cross_province", "甲事项"),
                            ("item_type=public_service", "乙事项"), ("nature=public_service", "乙事项")):
        names = [i["name"] for i in client.get(f"/api/v1/items?{query}").json()["items"]]
        assert names == [expected], query
    html = client.get("/items?audience=person").text
    assert "甲事项" in html and "乙事项" not in html


def test_home_navigates_by_audience_theme_stage_department_and_level(client, db_session, clock):
    make_item(db_session, clock, themes=["operation_permit"], life_stages=["startup"])
    db_session.commit()
    html = client.get("/").text
    for href in ("/items?audience=person", "/items?audience=org", "/items?life_stage=startup", "theme=operation_permit", "/items?level=city", "/agencies"):
        assert href in html, href


def test_unknown_item_page_is_a_friendly_404(client):
    response = client.get("/items/424242")
    assert response.status_code == 404 and "没有找到这个事项" in response.text
    assert client.get("/items?level=nowhere").status_code == 422
