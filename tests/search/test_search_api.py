"""Search through the HTTP API and pages: one index, filters, facets, highlights, hot lists, navigation (SRCH-01…09)."""

from __future__ import annotations


import pytest

from tests.factories import make_actor, make_agency, make_item
from tongban.catalog import service as catalog_service
from tongban.publications import service as publications_service
from tongban.publications.schemas import PublicationIn
from tongban.search.models import SearchLog


def _names(body: dict) -> list[str]:
    return [h["title"] for h in body["hits"]]


@pytest.fixture
def catalog(db_session, clock):
    """A small catalog in two regions, for people and for companies, with a FAQ and a publication."""
    police = make_agency(db_session, name="广安市公安局广安区分局", region_code="511602", level="county")
    market = make_agency(db_session, name="广安市市场监督管理局", region_code="511600", level="city")
    other = make_agency(db_session, name="成都市公安局", region_code="510100", level="city")
    items = {
        "hukou": make_item(
            db_session, clock, agency=police, name="户口登记", aliases=[], audiences=["person"], themes=["household"],
            life_stages=["birth_household"], tags=[], handling_form="offline", handling_scope="fixed", materials=[], conditions=[],
            faqs=[{"question": "新生儿落户需要带什么？", "answer": "带上出生医学证明和父母户口簿，到派出所户籍窗口办理。"}],
        ),
        "hukou_cd": make_item(
            db_session, clock, agency=other, name="户口登记", aliases=[], audiences=["person"], themes=["household"],
            life_stages=["birth_household"], tags=[], materials=[], conditions=[], handling_scope="fixed",
        ),
        "food": make_item(db_session, clock, agency=market, name="食品经营许可（新办）", audiences=["org"]),
        "id": make_item(
            db_session, clock, agency=police, name="居民身份证办理", aliases=[], audiences=["person"], themes=["household"],
            life_stages=[], tags=[], handling_form="online", materials=[], conditions=[], handling_scope="fixed",
        ),
    }
    publications_service.add_trusted(
        db_session=db_session,
        clock=clock,
        publication_in=PublicationIn(kind="regulation", title="中华人民共和国户口登记条例", issuer="全国人民代表大会常务委员会", summary="规定户口登记的范围和程序。", issued_on="1958-01-09", body="户口登记由公安机关主管。"),
        by="测试",
    )
    db_session.commit()
    return items


@pytest.mark.req("SRCH-01")
def test_one_search_covers_items_faqs_and_publications(client, catalog):
    body = client.get("/api/v1/search", params={"q": "户口登记"}).json()
    kinds = {h["kind"] for h in body["hits"]}
    assert {"item", "faq", "regulation"} <= kinds, body["hits"]
    assert body["hits"][0]["kind"] == "item"
    kind_facet = {f["value"]: f["count"] for f in body["facets"]["kind"]}
    assert kind_facet["item"] == 2 and kind_facet["regulation"] == 1
    only_faq = client.get("/api/v1/search", params={"q": "落户", "kind": "faq"}).json()
    assert _names(only_faq) == ["新生儿落户需要带什么？"]
    assert only_faq["hits"][0]["url"].endswith("#faq-1")


@pytest.mark.req("SRCH-02")
def test_colloquial_query_through_the_api_says_how_it_was_understood(client, catalog):
    body = client.get("/api/v1/search", params={"q": "给小孩上户口"}).json()
    assert body["hits"][0]["title"] == "户口登记"
    assert any(u.startswith("上户口 → ") and "户口登记" in u for u in body["understood"])


@pytest.mark.req("SRCH-02")
def test_typo_gets_did_you_mean_and_pinyin_is_read(client, catalog):
    body = client.get("/api/v1/search", params={"q": "身份正"}).json()
    assert body["hits"][0]["title"] == "居民身份证办理"
    assert body["did_you_mean"] == "身份证"
    assert client.get("/api/v1/search", params={"q": "shenfenzheng"}).json()["hits"][0]["title"] == "居民身份证办理"


@pytest.mark.req("SRCH-05")
def test_keywords_are_highlighted_and_escaped(client, catalog):
    hit = client.get("/api/v1/search", params={"q": "户口"}).json()["hits"][0]
    assert "<mark>户口</mark>" in hit["title_html"]
    page = client.get("/search", params={"q": "<script>户口"})
    assert page.status_code == 200
    assert "<script>户口" not in page.text and "&lt;script&gt;户口" in page.text


@pytest.mark.req("SRCH-05")
def test_users_region_ranks_first_among_equal_items(client, catalog):
    near_guangan = client.get("/api/v1/search", params={"q": "户口登记", "near": "511602", "kind": "item"}).json()
    near_chengdu = client.get("/api/v1/search", params={"q": "户口登记", "near": "510104", "kind": "item"}).json()
    assert near_guangan["hits"][0]["subtitle"] == "广安市公安局广安区分局"
    assert near_chengdu["hits"][0]["subtitle"] == "成都市公安局"


@pytest.mark.req("SRCH-05")
def test_hot_searches_and_hot_items_come_from_logs(client, catalog, db_session, clock):
    for _ in range(3):
        client.get("/api/v1/search", params={"q": "身份证"})
    client.get("/api/v1/search", params={"q": "户口"})
    client.get("/api/v1/search", params={"q": "户口"})
    client.get("/api/v1/search", params={"q": "查无此事项的词"})
    client.get("/api/v1/search", params={"q": "身份证"})
    key = f"item:{catalog['id'].id}"
    go = client.get("/search/go", params={"key": key, "q": "身份证", "pos": 1}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"] == f"/items/{catalog['id'].id}"
    hot = client.get("/api/v1/search/hot").json()
    assert hot["searches"] == []  # one visitor's searches are never a hot search (see test_hot_searches.py)
    assert hot["items"][0]["key"] == key and hot["items"][0]["count"] == 1
    # Clicks feed ranking: the opened 户口登记 of Chengdu now ranks before the one nobody opened.
    cd_key = f"item:{catalog['hukou_cd'].id}"
    for _ in range(5):
        client.post("/api/v1/search/click", json={"q": "户口登记", "key": cd_key, "position": 2})
    client.app.state.search_hub.refresh_popularity()
    body = client.get("/api/v1/search", params={"q": "户口登记", "kind": "item"}).json()
    assert body["hits"][0]["key"] == cd_key


@pytest.mark.req("SRCH-05")
def test_queries_with_id_numbers_are_stored_masked_and_never_hot(client, catalog, db_session):
    for _ in range(3):
        client.get("/api/v1/search", params={"q": "身份证 511602199001011234"})
    stored = db_session.query(SearchLog.query).all()
    assert stored and all("511602199001011234" not in q for (q,) in stored)
    assert all("*" not in h["query"] for h in client.get("/api/v1/search/hot").json()["searches"])


@pytest.mark.req("SRCH-07")
def test_filters_narrow_results_and_bad_filters_get_chinese_errors(client, catalog):
    def titles(**params):
        return [(h["title"], h["subtitle"]) for h in client.get("/api/v1/search", params={"q": "户口 身份证 食品", "kind": "item", **params}).json()["hits"]]

    assert all(t for t, _ in titles(audience="org")) and {t for t, _ in titles(audience="org")} == {"食品经营许可（新办）"}
    assert {s for _, s in titles(region="511602")} == {"广安市公安局广安区分局"}
    assert {s for _, s in titles(region="510100")} == {"成都市公安局"}
    assert len(titles(region="510000")) == 4  # the whole province
    assert {t for t, _ in titles(level="city", audience="person")} == {"户口登记"}
    assert {t for t, _ in titles(agency=str(catalog["food"].agency_id))} == {"食品经营许可（新办）"}
    # "online" also lists items handled both ways (the Chengdu one), not the offline-only one.
    assert set(titles(theme="household", handling_form="online")) == {("居民身份证办理", "广安市公安局广安区分局"), ("户口登记", "成都市公安局")}
    assert {t for t, _ in titles(life_stage="birth_household")} == {"户口登记"}
    assert {t for t, _ in titles(handling_scope="province")} == {"食品经营许可（新办）"}
    for params, field in (({"audience": "alien"}, "audience"), ({"region": "abc"}, "region"), ({"size": "500"}, None), ({"q": "字" * 300}, None)):
        response = client.get("/api/v1/search", params={"q": "户口", **params})
        assert response.status_code == 422, params
        assert response.json()["error"]["message"]
        assert all(ord(c) < 128 for c in response.json()["error"]["message"]) is False


@pytest.mark.req("SRCH-08")
def test_full_text_search_inside_guides_with_snippet(client, catalog):
    # "营业执照" is only a material of the food licence, not in any name.
    body = client.get("/api/v1/search", params={"q": "营业执照", "kind": "item"}).json()
    assert body["hits"][0]["title"] == "食品经营许可（新办）"
    assert "<mark>营业执照</mark>" in body["hits"][0]["snippet_html"]


@pytest.mark.req("SRCH-09")
def test_suggest_endpoint(client, catalog):
    body = client.get("/api/v1/search/suggest", params={"q": "jmsfz"}).json()
    assert body["suggestions"][0]["text"] == "居民身份证办理"
    assert client.get("/api/v1/search/suggest", params={"q": "户口"}).json()["suggestions"][0]["text"] == "户口登记"
    assert client.get("/api/v1/search/suggest", params={"q": "户" * 100}).status_code == 422


def test_published_changes_reach_search_at_once(client, catalog, db_session, clock):
    assert _names(client.get("/api/v1/search", params={"q": "出生登记", "kind": "item"}).json())[:1] != ["出生登记"]
    item = catalog["id"]
    editor, _ = make_actor(db_session, clock, role="admin", agency=item.agency)
    content = catalog_service.live_content(db_session=db_session, item=item).model_copy(update={"name": "出生登记"})
    version = catalog_service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id, content=content)
    catalog_service.submit(db_session=db_session, clock=clock, actor=editor, version_id=version.id)
    reviewer, _ = make_actor(db_session, clock, role="catalog_reviewer")  # four eyes: never the proposer (CAT-11)
    catalog_service.approve(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id)
    catalog_service.publish(db_session=db_session, clock=clock, actor=reviewer, version_id=version.id)
    db_session.commit()
    body = client.get("/api/v1/search", params={"q": "出生登记", "kind": "item"}).json()
    assert body["hits"][0]["title"] == "出生登记"
    assert "居民身份证办理" not in _names(client.get("/api/v1/search", params={"q": "居民身份证办理", "kind": "item"}).json())[:1]


def test_withdrawn_publication_leaves_search(client, catalog, db_session, clock):
    pub = publications_service.changed_since(db_session=db_session, since=None)[0]
    admin, _ = make_actor(db_session, clock, role="admin")
    clock.advance(seconds=5)
    publications_service.withdraw(db_session=db_session, clock=clock, actor=admin, publication_id=pub.id)
    db_session.commit()
    client.app.state.search_hub._checked = 0  # as if the periodic check were due
    assert "regulation" not in {h["kind"] for h in client.get("/api/v1/search", params={"q": "户口登记条例"}).json()["hits"]}


@pytest.mark.req("SRCH-05")
def test_results_page_shows_marks_facets_and_empty_help(client, catalog):
    page = client.get("/search", params={"q": "户口"})
    assert page.status_code == 200
    assert "<mark>户口</mark>" in page.text and "结果类型" in page.text
    empty = client.get("/search", params={"q": "量子力学"})
    assert empty.status_code == 200
    assert "没有找到相关的事项" in empty.text and 'href="/browse"' in empty.text
    bad = client.get("/search", params={"q": "户口", "audience": "alien"})
    assert bad.status_code == 422 and "服务对象" in bad.text


@pytest.mark.req("SRCH-03")
def test_directory_browsing_by_agency_and_category(client, catalog):
    page = client.get("/browse")
    assert page.status_code == 200
    assert f'href="/items?agency_id={catalog["food"].agency_id}"' in page.text
    assert 'href="/items?item_type=licensing"' in page.text
    listed = client.get(f"/items?agency_id={catalog['food'].agency_id}")
    assert "食品经营许可（新办）" in listed.text and "居民身份证办理" not in listed.text


@pytest.mark.req("SRCH-04")
def test_scenario_navigation_by_audience_nature_theme_stage_and_tags(client, catalog):
    page = client.get("/browse").text
    for href in ("/items?audience=person", "/items?nature=administrative_power", "/items?audience=person&amp;theme=household", "/items?life_stage=birth_household", "/items?tag=pledge"):
        assert f'href="{href}"' in page, href
    listed = client.get("/items", params={"audience": "person", "theme": "household"}).text
    assert "户口登记" in listed and "食品经营许可（新办）" not in listed
