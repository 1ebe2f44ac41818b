"""Staff workbench pages: token login, CSRF, drafting, review and publishing from the browser forms."""

import json
import re

import pytest

from tests.factories import CITED, cite_directory, content_dict, last_code, make_agency, make_content, make_staff


def _login(client, sms, db_session, clock, *, role, phone, agency=None):
    """Sign a new staff member in through /staff/ (password, SMS code, initial password change); returns the form token."""
    account, initial = make_staff(db_session, clock, roles=[role], agency=agency, phone=phone)
    db_session.commit()
    client.cookies.clear()
    client.get("/staff/")
    csrf = client.cookies.get("tb_csrf")
    step = client.post("/staff/login", data={"csrf": csrf, "username": account.username, "password": initial})
    challenge = re.search(r'name="challenge" value="([^"]+)"', step.text).group(1)
    client.post("/staff/login/verify", data={"csrf": csrf, "challenge": challenge, "code": last_code(sms, phone)})
    csrf = client.cookies.get("tb_csrf")
    new = "Workbench2026"
    done = client.post("/staff/password", data={"csrf": csrf, "current": initial, "new": new, "repeat": new}, follow_redirects=False)
    assert done.status_code == 303
    return csrf


@pytest.mark.req("CAT-11")
def test_editor_drafts_reviewer_publishes_through_pages(client, sms, db_session, clock):
    agency = make_agency(db_session)
    csrf = _login(client, sms, db_session, clock, role="catalog_editor", agency=agency, phone="13800000101")
    cite_directory(db_session, clock, make_content(name="网页新建事项"))
    db_session.commit()
    form = {"csrf": csrf, "agency_code": agency.code, "implementation_code": "PAGE-1", "basic_code": CITED, "relation": "main",
            "content": json.dumps(content_dict(name="网页新建事项"), ensure_ascii=False)}
    uncited = client.post("/staff/items/new", data={**form, "basic_code": ""})
    assert uncited.status_code == 422 and "必须引用基本目录" in uncited.text  # 003 §四(二): no item from nowhere
    bad = client.post("/staff/items/new", data={**form, "content": "{not json"})
    assert bad.status_code == 422 and "不是合法的 JSON" in bad.text
    assert client.post("/staff/items/new", data={**form, "csrf": "forged"}).status_code == 403
    created = client.post("/staff/items/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    item_url = created.headers["location"].split("?")[0]
    item_id = int(item_url.rsplit("/", 1)[1])
    page = client.get(item_url).text
    assert "第 1 版 · 草稿" in page
    version_id = int(page.split("/staff/versions/")[1].split("/")[0])
    assert client.post(f"/staff/versions/{version_id}/submit", data={"csrf": csrf}, follow_redirects=False).status_code == 303

    csrf = _login(client, sms, db_session, clock, role="catalog_reviewer", phone="13800000102")
    assert "网页新建事项" in client.get("/staff/review").text
    client.post(f"/staff/versions/{version_id}/approve", data={"csrf": csrf})
    client.post(f"/staff/versions/{version_id}/publish", data={"csrf": csrf})
    assert client.get(f"/items/{item_id}").status_code == 200
    assert "网页新建事项" in client.get(f"/items/{item_id}").text


def test_staff_pages_need_a_login(client):
    response = client.get("/staff/items", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/"
    assert "工作人员登录" in client.get("/staff/items").text


@pytest.mark.req("CAT-11")
def test_review_queue_and_buttons_show_only_to_the_responsible_management_agency(client, sms, db_session, clock):
    from tests.factories import make_actor, make_content
    from tongban.catalog import service
    from tongban.catalog.schemas import ItemIdentity

    department = make_agency(db_session, region_code="511600")
    guangan = make_agency(db_session, name="广安市政务服务中心", region_code="511600", is_management=True)
    mianyang = make_agency(db_session, name="绵阳市政务服务中心", region_code="510700", is_management=True)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=department)
    version = service.create_item(
        db_session=db_session, clock=clock, actor=editor, content=make_content(name="待审核的广安事项"),
        identity=ItemIdentity(implementation_code="PAGE-SCOPE", agency_code=department.code, region_code="511600",
                              basic_code=cite_directory(db_session, clock, make_content(name="待审核的广安事项"))),
    )
    service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)

    csrf = _login(client, sms, db_session, clock, role="catalog_reviewer", agency=mianyang, phone="13800000103")
    assert "待审核的广安事项" not in client.get("/staff/review").text
    page = client.get(f"/staff/items/{version.item_id}").text
    assert f"/staff/versions/{version.id}/approve" not in page and "保存状态" not in page
    refused = client.post(f"/staff/versions/{version.id}/approve", data={"csrf": csrf}, headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "OUT_OF_SCOPE"

    csrf = _login(client, sms, db_session, clock, role="catalog_reviewer", agency=guangan, phone="13800000104")
    assert "待审核的广安事项" in client.get("/staff/review").text
    page = client.get(f"/staff/items/{version.item_id}").text
    assert f"/staff/versions/{version.id}/approve" in page and "保存状态" in page
    assert client.post(f"/staff/versions/{version.id}/approve", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    db_session.expire_all()
    assert service.get_version(db_session=db_session, version_id=version.id).state == "approved"
