"""Staff workbench pages: token login, CSRF, drafting, review and publishing from the browser forms."""

import json

import pytest

from tests.factories import content_dict, make_actor, make_agency


def _login(client, token):
    response = client.post("/staff/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    return client.cookies.get("tb_csrf")


@pytest.mark.req("CAT-11")
def test_editor_drafts_reviewer_publishes_through_pages(client, db_session, clock):
    agency = make_agency(db_session)
    _, editor_token = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    _, reviewer_token = make_actor(db_session, clock, role="catalog_reviewer")
    db_session.commit()
    assert "工作人员令牌" in client.get("/staff/").text
    assert client.post("/staff/login", data={"token": "wrong"}).status_code == 401

    csrf = _login(client, editor_token)
    form = {"csrf": csrf, "agency_code": agency.code, "implementation_code": "PAGE-1", "relation": "main",
            "content": json.dumps(content_dict(name="网页新建事项"), ensure_ascii=False)}
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

    client.cookies.clear()
    csrf = _login(client, reviewer_token)
    assert "网页新建事项" in client.get("/staff/review").text
    client.post(f"/staff/versions/{version_id}/approve", data={"csrf": csrf})
    client.post(f"/staff/versions/{version_id}/publish", data={"csrf": csrf})
    assert client.get(f"/items/{item_id}").status_code == 200
    assert "网页新建事项" in client.get(f"/items/{item_id}").text


def test_staff_pages_need_a_token(client):
    response = client.get("/staff/items")
    assert response.status_code == 401 and "工作人员令牌" in response.text
