"""热门搜索 comes from what different visitors found and opened, never from raw searches; staff can hide an entry (SRCH-05)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.catalog.test_staff_pages import _login
from tests.factories import make_actor, make_agency, make_item
from tongban.core import audit
from tongban.core.errors import Forbidden
from tongban.search import service
from tongban.search.models import HiddenSearch, SearchClick

SPAM = "办证找代办微信 abc123"


@pytest.fixture
def items(db_session, clock):
    police = make_agency(db_session, name="广安市公安局广安区分局", region_code="511602", level="county")
    found = {
        "id": make_item(db_session, clock, agency=police, name="居民身份证办理", aliases=["办证"], audiences=["person"],
                        themes=["household"], life_stages=[], tags=[], materials=[], conditions=[]),
        "hukou": make_item(db_session, clock, agency=police, name="户口登记", aliases=[], audiences=["person"],
                           themes=["household"], life_stages=[], tags=[], materials=[], conditions=[]),
    }
    db_session.commit()
    return found


def visitor(app, n: int) -> TestClient:
    """Another person: a client from another address."""
    return TestClient(app, raise_server_exceptions=False, client=(f"203.0.113.{n}", 50000))


def search_and_open(browser: TestClient, q: str) -> None:
    body = browser.get("/api/v1/search", params={"q": q}).json()
    assert body["total"] > 0, q
    hit = body["hits"][0]
    opened = browser.get("/search/go", params={"key": hit["key"], "q": q, "pos": 1}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == hit["url"]


def hot(client) -> list[str]:
    return [h["query"] for h in client.get("/api/v1/search/hot").json()["searches"]]


@pytest.mark.req("SRCH-05")
def test_one_visitor_searching_again_and_again_never_makes_a_hot_search(client, app, items):
    """Issue 25 §4: three anonymous searches put `办证找代办微信 abc123` on the public list."""
    for _ in range(3):
        assert client.get("/api/v1/search", params={"q": SPAM}).json()["total"] > 0  # it finds something
    assert SPAM not in hot(client) and hot(client) == []
    for _ in range(10):
        search_and_open(client, SPAM)  # even opening results: still one visitor
    assert hot(client) == []


@pytest.mark.req("SRCH-05")
def test_hot_searches_count_distinct_visitors_who_found_and_opened_something(client, app, items):
    for n in range(1, 4):
        search_and_open(visitor(app, n), "身份证")
    for n in range(1, 3):
        search_and_open(visitor(app, n), "户口")  # two visitors: not yet
    for n in range(1, 6):
        visitor(app, n).get("/api/v1/search", params={"q": "身份证 户口"})  # searched by five, opened by none
    # Clicks claimed for a query that was never searched (nothing found) do not count either.
    key = f"item:{items['id'].id}"
    for n in range(1, 5):
        assert visitor(app, n).post("/api/v1/search/click", json={"q": "查无此事项", "key": key}).status_code == 204
    assert hot(client) == ["身份证"]
    assert client.get("/api/v1/search/hot").json()["searches"][0]["count"] == 3

    search_and_open(visitor(app, 3), "户口")
    assert hot(client) == ["户口", "身份证"]  # as many visitors each: in text order


@pytest.mark.req("SRCH-05")
def test_a_click_on_a_result_the_index_does_not_have_is_refused(client, items, db_session):
    missing = client.post("/api/v1/search/click", json={"q": "身份证", "key": "item:99999"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "RESULT_NOT_FOUND"
    assert client.post("/api/v1/search/click", json={"q": "x", "key": "<script>"}).status_code in (404, 422)
    assert db_session.scalars(select(SearchClick)).all() == []


@pytest.mark.req("SRCH-05")
def test_staff_hide_a_hot_search_through_the_service_and_it_is_audited(app, db_session, clock, items):
    for n in range(1, 4):
        search_and_open(visitor(app, n), SPAM)
    assert [h.query for h in service.hot_searches(db_session=db_session, clock=clock)] == [SPAM.lower()]
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=make_agency(db_session))
    with pytest.raises(Forbidden):
        service.hide_search(db_session=db_session, clock=clock, actor=editor, query=SPAM)

    row = service.hide_search(db_session=db_session, clock=clock, actor=reviewer, query=SPAM)
    db_session.commit()
    assert service.hot_searches(db_session=db_session, clock=clock) == []
    review = service.hot_search_review(db_session=db_session, clock=clock, actor=reviewer)
    assert [(e.query, e.count, e.hidden) for e in review] == [(SPAM.lower(), 3, True)]
    [entry] = audit.entries_for(db_session=db_session, object_kind="hidden_search", object_id=row.id)
    assert (entry.action, entry.actor) == ("search.hot.hide", reviewer.ref) and SPAM.lower() in entry.details

    service.show_search(db_session=db_session, clock=clock, actor=reviewer, query=SPAM)
    db_session.commit()
    assert [h.query for h in service.hot_searches(db_session=db_session, clock=clock)] == [SPAM.lower()]
    assert [e.action for e in audit.entries_for(db_session=db_session, object_kind="hidden_search", object_id=row.id)] == [
        "search.hot.show", "search.hot.hide"]


@pytest.mark.req("SRCH-05")
def test_staff_hide_a_hot_search_through_the_api_and_the_page(client, app, sms, db_session, clock, items):
    """The twin: the same rule through the staff API and the workbench page."""
    for n in range(1, 4):
        search_and_open(visitor(app, n), "身份证")
        search_and_open(visitor(app, n), SPAM)
    assert set(hot(client)) == {"身份证", SPAM.lower()}
    _, reviewer = make_actor(db_session, clock, role="catalog_reviewer")
    _, editor = make_actor(db_session, clock, role="catalog_editor", agency=make_agency(db_session))
    db_session.commit()
    api = "/api/v1/staff/search/hot"
    assert client.post(f"{api}/hide", json={"query": SPAM}).status_code == 401
    assert client.post(f"{api}/hide", json={"query": SPAM}, headers={"Authorization": f"Bearer {editor}"}).status_code == 403
    assert client.post(f"{api}/hide", json={"query": SPAM}, headers={"Authorization": f"Bearer {reviewer}"}).status_code == 204
    assert hot(client) == ["身份证"]
    listed = client.get(api, headers={"Authorization": f"Bearer {reviewer}"}).json()
    assert {(e["query"], e["visitors"], e["hidden"]) for e in listed} == {("身份证", 3, False), (SPAM.lower(), 3, True)}
    assert client.post(f"{api}/show", json={"query": SPAM}, headers={"Authorization": f"Bearer {reviewer}"}).status_code == 204

    csrf = _login(client, sms, db_session, clock, role="catalog_reviewer", phone="13800000991")
    page = client.get("/staff/search/hot")
    assert page.status_code == 200 and SPAM.lower() in page.text and "公开显示中" in page.text
    assert client.post("/staff/search/hot/hide", data={"csrf": "forged", "query": SPAM}).status_code == 403
    done = client.post("/staff/search/hot/hide", data={"csrf": csrf, "query": SPAM}, follow_redirects=False)
    assert done.status_code == 303
    assert "已从热门检索中隐藏" in client.get(done.headers["location"]).text
    assert hot(client) == ["身份证"]
    assert db_session.scalar(select(HiddenSearch.hidden_by)).startswith("staff:")
