"""Guide, list and home pages rendered from the published version."""

import pytest

from tests.factories import make_agency, make_item


STORED = {"申请书样本.pdf": b"%PDF-1.4 sample", "申请书空白表.docx": b"PK\x03\x04 blank form",
          "许可证样本.png": b"\x89PNG\r\n\x1a\n result"}


def _item_with_attachments(db_session, clock, **overrides):
    """An item whose materials have a sample and a blank form, and whose result has a sample, all stored as files."""
    from tongban.catalog.service import store_attachment

    types = {"pdf": "application/pdf", "docx": "application/octet-stream", "png": "image/png"}
    files = {name: store_attachment(db_session=db_session, clock=clock, data=data, filename=name,
                                    content_type=types[name.rsplit(".", 1)[1]]) for name, data in STORED.items()}
    materials = [{"key": "m1", "name": "食品经营许可申请书", "forms": ["original"], "source": "申请人自备", "original_count": 1,
                  "basis": ["b1"], "sample_sha256": files["申请书样本.pdf"], "template_sha256": files["申请书空白表.docx"]}]
    result = {"name": "食品经营许可证", "kind": "证照", "validity": "5年", "delivery": ["post", "locker"],
              "sample_sha256": files["许可证样本.png"]}
    item = make_item(db_session, clock, materials=materials, result=result,
                     fees=[{"name": "工本费", "amount_fen": 2000, "basis": "发改价格〔2003〕2322号"}],
                     hours="周一至周五 8:30-12:00，14:00-17:30", consult_phone="0826-2600999", complaint_phone="0826-2612345",
                     **overrides)
    return item, files


@pytest.mark.req("GUIDE-01")
def test_guide_page_shows_every_element_with_downloads(client, db_session, clock):
    import re

    item, files = _item_with_attachments(db_session, clock, booking=True)  # bookable, but no hall handles it yet
    db_session.commit()
    html = client.get(f"/items/{item.id}").text
    for text in ("食品经营许可（新办）", "食品安全法", "第三十五条", "食品经营许可申请书", "20.00元",
                 "法定办结时限", "承诺办结时限", "食品经营许可证", "0826-2600999", "0826-2612345", "审查"):
        assert text in html, text
    assert f'href="/api/v1/items/{item.id}/guide.pdf"' in html
    assert "<svg" in html
    for name, sha in files.items():  # every sample and blank form downloads, byte for byte
        assert f'href="/api/v1/attachments/{sha}"' in html, name
        download = client.get(f"/api/v1/attachments/{sha}")
        assert download.status_code == 200 and download.content == STORED[name]
        assert "attachment" in download.headers["content-disposition"]
    assert client.get(f"/api/v1/attachments/{files['许可证样本.png']}").headers["content-type"] == "image/png"
    links = set(re.findall(r'href="(/[^"#]*)"', html))
    assert len(links) > 10
    broken = {}
    for link in sorted(links):
        answer = client.get(link.replace("&amp;", "&"))
        if answer.status_code != 200:
            broken[link] = answer.status_code
    assert broken == {}


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
    import io
    import re

    from pypdf import PdfReader

    item, _ = _item_with_attachments(db_session, clock)
    db_session.commit()
    html = client.get(f"/items/{item.id}/print").text
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(.*?)</td>', html, re.S))
    assert rows["结果送达"] == "邮寄送达、24小时自助柜领取"
    assert rows["办理时间"] == "周一至周五 8:30-12:00，14:00-17:30"
    for label, expected in (("申请材料", "食品经营许可申请书"), ("咨询电话", "0826-2600999"), ("办理地点", "金安大道"),
                            ("收费", "20.00")):
        assert any(label in key and expected in value for key, value in rows.items()), label
    pdf = client.get(f"/api/v1/items/{item.id}/print.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf.content)).pages).replace(" ", "").replace("\n", "")
    assert "邮寄送达、24小时自助柜领取" in text and "周一至周五8:30-12:00，14:00-17:30" in text


@pytest.mark.req("CAT-09")
def test_list_filters_by_every_classification(client, db_session, clock):
    agency = make_agency(db_session)
    county = make_agency(db_session, name="广安区测试局", region_code="511602", level="county")
    make_item(db_session, clock, agency=agency, name="甲事项", audiences=["person"], themes=["household"],
              life_stages=["birth_household"], tags=["cross_province"], handling_form="online",
              handling_scope="cross_province")
    make_item(db_session, clock, agency=agency, name="乙事项", item_type="public_service", handling_form="offline")
    make_item(db_session, clock, agency=county, name="丙事项", handling_form="both")
    db_session.commit()
    for query, expected in (("audience=person", ["甲事项"]), ("theme=household", ["甲事项"]),
                            ("life_stage=birth_household", ["甲事项"]), ("tag=cross_province", ["甲事项"]),
                            ("handling_scope=cross_province", ["甲事项"]), ("item_type=public_service", ["乙事项"]),
                            ("nature=public_service", ["乙事项"]), (f"agency_id={agency.id}", ["甲事项", "乙事项"]),
                            (f"agency_id={county.id}", ["丙事项"]), ("level=county", ["丙事项"]),
                            ("level=city", ["甲事项", "乙事项"]),
                            ("handling_form=online", ["甲事项", "丙事项"]),  # what can be done online: also "both ways"
                            ("handling_form=offline", ["乙事项", "丙事项"]), ("handling_form=both", ["丙事项"]),
                            (f"agency_id={agency.id}&handling_form=offline", ["乙事项"]),
                            (f"agency_id={county.id}&level=city", [])):
        names = sorted(i["name"] for i in client.get(f"/api/v1/items?{query}&limit=100").json()["items"])
        assert names == sorted(expected), query
    html = client.get("/items?audience=person").text
    assert "甲事项" in html and "乙事项" not in html
    page = client.get(f"/items?agency_id={county.id}").text
    assert "丙事项" in page and "甲事项" not in page


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


@pytest.mark.req("GUIDE-01")
def test_the_guides_booking_element_and_the_halls_service_lists_are_one_source(client, db_session, clock):
    """A guide offers 预约到大厅办理 exactly when a hall takes bookings for the item, whatever flag the item carries."""
    from tests.factories import make_hall

    flagged_but_no_hall = make_item(db_session, clock, booking=True, handling_form="both")
    in_a_hall_but_not_flagged = make_item(db_session, clock, booking=False, handling_form="both")
    hall, group, _ = make_hall(db_session, clock, items=[in_a_hall_but_not_flagged])
    db_session.commit()

    html = client.get(f"/items/{flagged_but_no_hall.id}").text
    assert 'id="book-hall"' not in html and "预约办理</th><td>不支持" in html
    assert client.get(f"/items/{flagged_but_no_hall.id}/book", follow_redirects=False).status_code == 404

    html = client.get(f"/items/{in_a_hall_but_not_flagged.id}").text
    assert f'id="book-hall" class="button secondary" href="/items/{in_a_hall_but_not_flagged.id}/book"' in html
    assert "预约办理</th><td>支持" in html
    booked = client.get(f"/items/{in_a_hall_but_not_flagged.id}/book", follow_redirects=False)
    assert booked.status_code == 303 and booked.headers["location"].startswith(f"/halls/{hall.id}/book?group={group.id}")
    pdf = client.get(f"/api/v1/items/{in_a_hall_but_not_flagged.id}/guide.pdf")  # the PDF guide says the same
    assert pdf.status_code == 200
    from tests.cases.caseflow import pdf_text

    assert "支持预约办理是" in pdf_text(pdf.content)


# ---------------------------------------------------------------- render cache (issue 20 §4)


def _new_version(db_session, clock, item, **content):
    """Publish another version of the item through the trusted upsert path (same implementation code)."""
    from tongban.catalog.service import upsert_published
    from tongban.catalog.schemas import ItemDocument, ItemIdentity
    from tests.factories import make_content

    agency = item.agency
    document = ItemDocument(
        identity=ItemIdentity(implementation_code=item.implementation_code, agency_code=agency.code,
                              region_code=agency.region_code),
        content=make_content(level=agency.level, **content),
    )
    upsert_published(db_session=db_session, clock=clock, document=document, by="测试")
    db_session.commit()


@pytest.mark.req("GUIDE-02")
def test_guide_answers_304_to_its_etag_and_a_new_etag_once_a_new_version_is_published(client, db_session, clock):
    item = make_item(db_session, clock)
    db_session.commit()
    first = client.get(f"/items/{item.id}")
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["last-modified"] and "no-cache" in first.headers["cache-control"]
    again = client.get(f"/items/{item.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    for path in (f"/items/{item.id}/print", f"/api/v1/items/{item.id}"):
        tag = client.get(path).headers["etag"]
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304

    clock.advance(minutes=5)
    _new_version(db_session, clock, item, name="食品经营许可（新办·第二版）")
    after = client.get(f"/items/{item.id}", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert "食品经营许可（新办·第二版）" in after.text
    assert "食品经营许可（新办·第二版）" in client.get(f"/api/v1/items/{item.id}").json()["content"]["name"]


@pytest.mark.req("GUIDE-02")
def test_a_suspended_item_is_not_served_from_the_page_kept_before(client, db_session, clock):
    from tongban.catalog.models import ServiceItem

    item = make_item(db_session, clock)
    db_session.commit()
    etag = client.get(f"/items/{item.id}").headers["etag"]
    row = db_session.get(ServiceItem, item.id)
    row.status, row.status_reason, row.updated_at = "suspended", "系统升级暂停受理", clock.now()
    db_session.commit()
    after = client.get(f"/items/{item.id}", headers={"If-None-Match": etag})
    assert after.status_code == 200 and "系统升级暂停受理" in after.text


def test_a_kept_guide_never_shows_one_persons_header_to_another(client, db_session, clock):
    from tongban.accounts import sessions
    from tests.factories import make_person

    item = make_item(db_session, clock)
    person = make_person(db_session, clock)
    db_session.commit()
    anonymous = client.get(f"/items/{item.id}")  # kept for every anonymous reader
    session = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    client.cookies.set("tb_session", session.token)
    mine = client.get(f"/items/{item.id}")
    assert "/account/messages" in mine.text and 'action="/logout"' in mine.text
    assert "private" in mine.headers["cache-control"] and mine.headers["etag"] != anonymous.headers["etag"]
    client.cookies.clear()
    theirs = client.get(f"/items/{item.id}")
    assert "/account/messages" not in theirs.text and 'action="/logout"' not in theirs.text
    assert 'href="/login"' in theirs.text and theirs.content == anonymous.content
    home = client.get("/")
    assert "/account/messages" not in home.text and 'action="/logout"' not in home.text


def test_the_kept_guide_follows_the_readers_language_and_text_size(client, db_session, clock):
    item = make_item(db_session, clock)
    db_session.commit()
    zh = client.get(f"/items/{item.id}")
    en = client.get(f"/items/{item.id}?lang=en")
    assert 'lang="zh-CN"' in zh.text and 'lang="en"' in en.text.split(">", 2)[1]
    client.cookies.clear()
    client.cookies.set("tb_large", "1")
    assert "large-text" in client.get(f"/items/{item.id}").text
    client.cookies.clear()
    assert "large-text" not in client.get(f"/items/{item.id}").text.split("<body", 1)[1].split(">", 1)[0]
